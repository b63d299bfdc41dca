"""Seoul districts (자치구) and administrative dongs (행정동): names, codes and boundaries.

Two gu code systems reuse the same numbers: MOIS (행정안전부) 11110 종로구 … 11740 강동구 and
KOSTAT (통계청) 11010 종로구 … 11250 강동구, so 11110 is 종로구 in one and 노원구 in the
other. Every function that takes a 5-digit code therefore needs to be told its system.

Code forms, by system name:

- ``mois``: MOIS 5-digit gu code (시군구코드), e.g. 강남구 ``11680``.
- ``mois10``: MOIS 10-digit administrative code (행정기관코드), gu ``1168000000`` or dong
  ``1168064000``; its first 5 digits are the MOIS gu code.
- ``mois8``: the first 8 digits of a dong's ``mois10``, used by living-population files.
- ``kostat``: KOSTAT 5-digit gu code, e.g. 강남구 ``11230``.
- ``kostat7``: KOSTAT 7-digit dong code, e.g. ``1123064``; its first 5 digits are the KOSTAT
  gu code.

Names, codes and lookups work with pandas alone; ``boundaries`` and ``join_places`` need the
``geo`` extra (geopandas). The reference files ship in ``seoul_data/reference`` (provenance
in its SOURCES.md): gu boundaries as of 2015 (simplified), dong boundaries as of 2021-04.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas

log = logging.getLogger(__name__)

__all__ = [
    "JoinReport",
    "boundaries",
    "detect_code_system",
    "dong_table",
    "find_dong",
    "find_gu",
    "gu_code",
    "gu_name",
    "gu_table",
    "join_places",
    "to_wgs84",
]

Level = Literal["gu", "dong"]
CodeSystem = Literal["mois", "kostat", "mois10", "mois8", "kostat7"]
GuCodeSystem = Literal["mois", "kostat", "mois10"]
DetectedSystem = Literal["mois", "kostat", "mois10", "mois8", "kostat7", "ambiguous"]

CODE_SYSTEMS = ("mois", "kostat", "mois10", "mois8", "kostat7")
#: Number of digits of each fixed-length form (``mois`` and ``kostat`` share 5).
_CODE_LENGTH = {"mois": 5, "kostat": 5, "mois10": 10, "mois8": 8, "kostat7": 7}
#: Forms whose length alone gives the system away: only 5-digit gu codes are ambiguous.
_SYSTEM_BY_LENGTH = {10: "mois10", 8: "mois8", 7: "kostat7"}
_FAMILY = {system: "kostat" if system.startswith("kostat") else "mois" for system in CODE_SYSTEMS}

_REFERENCE = resources.files("seoul_data").joinpath("reference")
_GU_CODES_FILE = "seoul_gu_codes.csv"
_GU_SHAPES_FILE = "seoul_gu_juso2015_geo_simple.json"
_DONG_FILE = "seoul_hdong_admdongkor_ver20210401_compact.geojson"

_SYSTEMS_HELP = (
    "서울 자치구 코드는 두 체계가 같은 번호를 서로 다른 구에 씁니다: "
    "행정안전부(MOIS) 11110 종로구 … 11740 강동구, 통계청(KOSTAT) 11010 종로구 … 11250 강동구 "
    "(예: 11110은 MOIS로는 종로구, KOSTAT으로는 노원구)."
)

_SEOUL_PREFIXES = ("서울특별시", "서울시", "서울", "seoulspecialcity", "seoulcity", "seoul")
_GU_SUFFIXES = ("청사", "청", "office", "district")
_PUNCTUATION = re.compile(r"[\s\-_.,·()']+")
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("ㆍ・･‧.,", "·"))
_DONG_NUMBERING = re.compile(r"[\d·]+(?:가[\d·]*)?$")


# -- reference tables ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _gu_table() -> pd.DataFrame:
    with _REFERENCE.joinpath(_GU_CODES_FILE).open(encoding="utf-8") as handle:
        raw = pd.read_csv(handle, dtype=str)
    return pd.DataFrame(
        {
            "name_ko": raw["name_ko"],
            "name_en": raw["name_en"],
            "mois": raw["sgg_cd_mois"],
            "kostat": raw["sgg_cd_kostat2013"],
            "mois10": raw["adm_cd10_mois"],
        }
    )


def gu_table() -> pd.DataFrame:
    """Return the 25 gu: name_ko, name_en and codes mois ('11110'), kostat ('11010'), mois10."""
    return _gu_table().copy()


@functools.lru_cache(maxsize=1)
def _dong_features() -> list[dict[str, Any]]:
    with _REFERENCE.joinpath(_DONG_FILE).open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


@functools.lru_cache(maxsize=1)
def _dong_table() -> pd.DataFrame:
    props = [feature["properties"] for feature in _dong_features()]
    table = pd.DataFrame(
        {
            "name_ko": [p["adm_nm"].split()[-1] for p in props],
            "full_name": [p["adm_nm"] for p in props],
            "gu_name_ko": [p["sggnm"] for p in props],
            "gu_mois": [p["sgg"] for p in props],
            "mois10": [p["adm_cd2"] for p in props],
            "kostat7": [p["adm_cd"] for p in props],
        }
    )
    table["mois8"] = table["mois10"].str[:8]
    return table


def dong_table() -> pd.DataFrame:
    """Return the 425 행정동 (boundaries of 2021-04) with their gu and codes in every form.

    Columns: name_ko ('사직동'), full_name ('서울특별시 종로구 사직동'), gu_name_ko, gu_mois,
    mois10 ('1111053000'), kostat7 ('1101053'), mois8 ('11110530').
    """
    return _dong_table().copy()


@functools.lru_cache(maxsize=1)
def _gu_by_code() -> dict[str, dict[str, str]]:
    """Map each gu code form ('mois', 'kostat', 'mois10') to the Korean name."""
    table = _gu_table()
    return {
        system: dict(zip(table[system], table["name_ko"], strict=True))
        for system in ("mois", "kostat", "mois10")
    }


# -- names -----------------------------------------------------------------------------------


def _key(text: str) -> str:
    return _PUNCTUATION.sub("", unicodedata.normalize("NFC", text)).casefold()


def _strip_affixes(key: str) -> str:
    for prefix in _SEOUL_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key.removeprefix(prefix)
            break
    for suffix in _SEOUL_PREFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key.removesuffix(suffix)
            break
    for suffix in _GU_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key.removesuffix(suffix)
    return key


@functools.lru_cache(maxsize=1)
def _gu_aliases() -> dict[str, str]:
    """Map each accepted spelling of a gu (as a key) to its Korean name."""
    aliases = {}
    for name_ko, name_en in zip(_gu_table()["name_ko"], _gu_table()["name_en"], strict=True):
        english = _key(name_en)
        for alias in (name_ko, name_ko.removesuffix("구"), english, english.removesuffix("gu")):
            aliases[_key(alias)] = name_ko
    return aliases


def _is_full_gu_name(key: str) -> bool:
    return key.endswith(("구", "gu")) and key in _gu_aliases()


def find_gu(text: str | None) -> str | None:
    """Return the Korean name of the gu that ``text`` names, or None.

    Accepts Korean and English names with or without the suffix ('강남구', '강남', '강남구청',
    'Gangnam-gu', 'gangnam', 'Gangnam District'), a leading '서울특별시'/'서울', any spacing and
    case, and an address that contains a full gu name ('서울특별시 강남구 역삼1동').
    """
    if not isinstance(text, str) or not text.strip():
        return None
    aliases = _gu_aliases()
    name = aliases.get(_strip_affixes(_key(text)))
    if name is not None:
        return name
    # An address: look for a token that is a full gu name. Bare stems ('중', '강남') are not
    # accepted here, so that '중앙동' or '강남역' is not read as a gu.
    for token in re.split(r"[\s,()/]+", unicodedata.normalize("NFC", text)):
        key = _key(token)
        stripped = _strip_affixes(key) if key.endswith(("청", "청사")) else key
        if _is_full_gu_name(stripped):
            return aliases[stripped]
    return None


#: What a table of gu calls a row that sums them: the whole city, a total or a subtotal.
_TOTAL_KEYS = frozenset(
    _key(t) for t in (*_SEOUL_PREFIXES, "서울 전체", "합계", "소계", "계", "총계", "전체", "total")
)
#: A column names gu when this many of its distinct values do (fewer: not a gu column).
_GU_COLUMN_MIN = 5


def total_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows that sum the others: in a column that names gu, a value for the whole city or a
    total ('서울특별시', '합계', '소계', …). Counted as one more gu, such a row is a giant
    among its parts (a cluster of its own, a forecast axis ten times too tall)."""
    totals = pd.Series(False, index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        distinct = values.dropna().astype(str).unique()
        if sum(find_gu(v) is not None for v in distinct[:500]) < _GU_COLUMN_MIN:
            continue
        totals |= values.astype(str).map(_key).isin(_TOTAL_KEYS)
    return totals


def _require_gu(text: str) -> str:
    name = find_gu(text)
    if name is None:
        raise ValueError(f"서울 자치구 이름이 아닙니다: {text!r}")
    return name


def _dong_key(name: str) -> str:
    """Normalise a dong name: NFC, no spaces, one middle dot, no '제' before a number, '…동'."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFC", name)).translate(_MIDDLE_DOTS)
    key = re.sub(r"제(?=\d)", "", key)
    return key if key.endswith("동") else key + "동"


def _dong_stem(key: str) -> str:
    """Strip the numbering of a dong key: '역삼1동' → '역삼', '종로1·2·3·4가동' → '종로'."""
    return _DONG_NUMBERING.sub("", key.removesuffix("동"))


@functools.lru_cache(maxsize=1)
def _dong_keys() -> tuple[list[str], list[str]]:
    names = _dong_table()["name_ko"]
    keys = [_dong_key(name) for name in names]
    return keys, [_dong_stem(key) for key in keys]


def _split_place(text: str) -> tuple[str | None, str]:
    """Split '서울특별시 강남구 역삼1동' into the gu name (or None) and the rest ('역삼1동').

    Also splits names written without spaces ('강남구역삼1동'), as in some published files;
    no dong name starts with a full gu name, so the split is unambiguous.
    """
    gu, rest = None, []
    for token in unicodedata.normalize("NFC", text).split():
        key = _key(token)
        if key in _SEOUL_PREFIXES:
            continue
        if gu is None and _is_full_gu_name(key):
            gu = _gu_aliases()[key]
        else:
            rest.append(token)
    remainder = "".join(rest)
    if gu is None:
        for prefix in _SEOUL_PREFIXES:
            if remainder.startswith(prefix):
                remainder = remainder.removeprefix(prefix)
                break
        for name in _gu_table()["name_ko"]:
            if remainder.startswith(name) and len(remainder) > len(name):
                return name, remainder.removeprefix(name)
    return gu, remainder


def _dong_matches(text: str, gu: str | None, *, exact_only: bool) -> pd.Series:
    """Boolean mask over dong_table rows that ``text`` names (within ``gu`` if given)."""
    table = _dong_table()
    named_gu, dong_part = _split_place(text)
    if gu is not None:
        gu = _require_gu(gu)
        if named_gu is not None and named_gu != gu:
            return pd.Series(False, index=table.index)
    gu = gu or named_gu
    in_gu = table["gu_name_ko"] == gu if gu else pd.Series(True, index=table.index)
    if not dong_part:
        return pd.Series(False, index=table.index)
    query = _dong_key(dong_part)
    keys, stems = _dong_keys()
    mask = in_gu & pd.Series([key == query for key in keys], index=table.index)
    if mask.any() or exact_only or re.search(r"\d", query):
        return mask
    stem = _dong_stem(query)
    return in_gu & pd.Series([s == stem for s in stems], index=table.index)


def find_dong(text: str, gu: str | None = None) -> list[dict[str, str]]:
    """Return the 행정동 rows (as dicts of dong_table columns) that ``text`` names.

    ``text`` is a dong name ('신촌', '신촌동', '역삼1동', '종로1.2.3.4가동') or an address
    ('서울특별시 강남구 신사동'). A name found in several gu (신사동: 강남구 and 관악구) gives
    several rows unless ``gu`` (any name find_gu accepts) or the address narrows it. A name
    without a number also finds the numbered dongs it was split into ('역삼동' → 역삼1동, 역삼2동)
    when no dong has exactly that name.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    mask = _dong_matches(text, gu, exact_only=False)
    return _dong_table().loc[mask].to_dict("records")


# -- codes -----------------------------------------------------------------------------------


def _clean_code(value: object) -> str | None:
    """Return a code as a digit string ('11680'), or None when ``value`` is not a code."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0*", text):  # codes read as floats: 11680.0
        text = text.split(".", 1)[0]
    return text if re.fullmatch(r"\d+", text, flags=re.ASCII) else None


def _check_system(system: str | None, allowed: Iterable[str]) -> str | None:
    if system is None:
        return None
    system = system.lower()
    allowed = tuple(allowed)
    if system not in allowed:
        raise ValueError(
            f"알 수 없는 코드 체계 {system!r}: {', '.join(map(repr, allowed))} 중 하나를 쓰세요."
        )
    return system


def _gu_of_code(code: str, system: str) -> str | None:
    """Return the Korean gu name of a digit ``code`` in ``system``, or None.

    'mois' also takes 10- and 8-digit MOIS codes and 'kostat' 7-digit KOSTAT codes; longer
    codes name their gu by their first 5 digits.
    """
    family = _FAMILY[system]
    if system in ("mois", "kostat"):
        forms = (5, 10, 8) if family == "mois" else (5, 7)
        if len(code) not in forms:
            return None
    elif len(code) != _CODE_LENGTH[system]:
        return None
    return _gu_by_code()[family].get(code[:5])


def _missing_system_error(code: str) -> ValueError:
    return ValueError(
        f"코드 {code!r}의 체계를 알 수 없습니다. {_SYSTEMS_HELP} "
        "system='mois' 또는 system='kostat'을 지정하세요."
    )


def gu_name(code: str | int, system: CodeSystem | None = None) -> str:
    """Return the Korean name of the gu that ``code`` denotes in ``system``.

    system: 'mois' or 'kostat' (5-digit codes; required, the two systems share numbers),
    'mois10', 'mois8' or 'kostat7'. 10-, 8- and 7-digit codes may omit it: their length
    gives the system away. Longer codes give the gu they lie in ('1168064000' → '강남구').
    """
    system = _check_system(system, CODE_SYSTEMS)
    clean = _clean_code(code)
    if clean is None:
        raise ValueError(f"숫자 코드가 아닙니다: {code!r}")
    if system is None:
        system = _SYSTEM_BY_LENGTH.get(len(clean))
        if system is None:
            raise _missing_system_error(clean)
    name = _gu_of_code(clean, system)
    if name is None:
        raise ValueError(f"{system} 체계의 서울 자치구 코드가 아닙니다: {clean!r}. {_SYSTEMS_HELP}")
    return name


def gu_code(
    name_or_code: str | int,
    system: CodeSystem | None = None,
    *,
    to: GuCodeSystem | None = None,
) -> str:
    """Return a gu's code: in ``to`` if given, else in ``system``, else MOIS 5-digit.

    For a name ('강남구', '강남', 'Gangnam-gu'), ``system`` is the system wanted:
    gu_code('강남구', 'kostat') == '11230'. For a code, ``system`` is the system it is written
    in (see gu_name; required for 5-digit codes) and ``to`` converts:
    gu_code('11230', 'kostat', to='mois') == '11680'. Results are 'mois', 'kostat' or
    'mois10' codes; a code given as mois8/kostat7/mois10 converts to 'mois' unless ``to`` says
    otherwise.
    """
    system = _check_system(system, CODE_SYSTEMS)
    to = _check_system(to, ("mois", "kostat", "mois10"))
    if _clean_code(name_or_code) is None:
        name = _require_gu(str(name_or_code))
        target = to or system or "mois"
        if target not in ("mois", "kostat", "mois10"):
            raise ValueError(
                f"자치구 코드는 'mois', 'kostat', 'mois10' 체계로만 줄 수 있습니다: {target!r}"
            )
    else:
        name = gu_name(name_or_code, system)
        target = to or (system if system in ("mois", "kostat") else "mois")
    table = _gu_table()
    return table.loc[table["name_ko"] == name, target].item()


def detect_code_system(codes: Iterable[object]) -> DetectedSystem:
    """Guess the code system of a set of values; 'ambiguous' when they do not say.

    Rule: missing values and values that are not digits are ignored. A 10-digit value is
    evidence for 'mois10', 8-digit for 'mois8', 7-digit for 'kostat7'. A 5-digit value is
    evidence for 'mois' if it is a MOIS gu code that KOSTAT does not use (11215, 11260 …
    11740), for 'kostat' if it is a KOSTAT gu code that MOIS does not use (11010 … 11100,
    11120, 11250 …); the five numbers both use (11110, 11140, 11170, 11200, 11230) and
    other 5-digit values are no evidence. Exactly one system with evidence is the answer;
    none, or more than one, is 'ambiguous'. Unrecognised values do not change the answer,
    so they show up as unmatched rows in join_places rather than as an error.
    """
    values = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    mois_only = set(_gu_table()["mois"]) - set(_gu_table()["kostat"])
    kostat_only = set(_gu_table()["kostat"]) - set(_gu_table()["mois"])
    found: set[str] = set()
    for value in values.dropna().unique():
        code = _clean_code(value)
        if code is None:
            continue
        if len(code) in _SYSTEM_BY_LENGTH:
            found.add(_SYSTEM_BY_LENGTH[len(code)])
        elif code in mois_only:
            found.add("mois")
        elif code in kostat_only:
            found.add("kostat")
    return found.pop() if len(found) == 1 else "ambiguous"


# -- geometry --------------------------------------------------------------------------------


def _import_geo(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"경계·좌표 기능에는 {module}가 필요합니다: pip install 'seoul-data-hub[geo]'"
        ) from error


def _check_level(level: str) -> None:
    if level not in ("gu", "dong"):
        raise ValueError(f"level은 'gu'(자치구) 또는 'dong'(행정동)이어야 합니다: {level!r}")


@functools.lru_cache(maxsize=2)
def _boundaries(level: str) -> geopandas.GeoDataFrame:
    gpd = _import_geo("geopandas")
    from shapely.geometry import shape

    if level == "gu":
        with _REFERENCE.joinpath(_GU_SHAPES_FILE).open(encoding="utf-8") as handle:
            features = json.load(handle)["features"]
        shapes = {f["properties"]["SIG_CD"]: shape(f["geometry"]) for f in features}
        table = _gu_table()
        geometry = [shapes[code] for code in table["mois"]]
    else:
        table = _dong_table()
        geometry = [shape(feature["geometry"]) for feature in _dong_features()]
    return gpd.GeoDataFrame(table.copy(), geometry=geometry, crs="EPSG:4326")


def boundaries(level: Level = "gu") -> geopandas.GeoDataFrame:
    """Return the boundaries of the 25 gu (2015, simplified) or 425 행정동 (2021-04), EPSG:4326.

    Columns are those of gu_table() or dong_table() plus ``geometry``.
    """
    _check_level(level)
    return _boundaries(level).copy()


@dataclass(frozen=True)
class JoinReport:
    """How many rows join_places placed, which values it could not place, and by what system."""

    matched: int
    unmatched: int
    unmatched_values: list[Any]
    system: str

    def __str__(self) -> str:
        text = f"연결됨 {self.matched}행, 연결 안 됨 {self.unmatched}행 (체계: {self.system})"
        if self.unmatched_values:
            text += f"; 연결 안 된 값(최대 20개): {self.unmatched_values}"
        return text


def _place_key(value: object, level: str, system: str) -> str | None:
    """Return the boundary key (gu 'mois' or dong 'mois10') of one value, or None."""
    if system == "name":
        if level == "gu":
            name = find_gu(value) if isinstance(value, str) else None
            return gu_code(name, "mois") if name else None
        if not isinstance(value, str) or not value.strip():
            return None
        rows = _dong_table().loc[_dong_matches(value, None, exact_only=True), "mois10"]
        return rows.item() if len(rows) == 1 else None
    code = _clean_code(value)
    if code is None:
        return None
    if level == "gu":
        name = _gu_of_code(code, system)
        return gu_code(name, "mois") if name else None
    return _dong_by_code(system).get(code)


@functools.lru_cache(maxsize=3)
def _dong_by_code(system: str) -> dict[str, str]:
    """Map each dong code in ``system`` ('mois10', 'mois8', 'kostat7') to its mois10."""
    table = _dong_table()
    return dict(zip(table[system], table["mois10"], strict=True))


def _join_system(frame: pd.DataFrame, column: str, level: Level, system) -> str:
    """The code system ``join_places`` reads ``column`` in (detected when None), or a Korean
    error that says what is wrong with the request."""
    _check_level(level)
    if column not in frame.columns:
        raise KeyError(f"열 {column!r}이(가) 없습니다. 있는 열: {list(frame.columns)}")
    if "geometry" in frame.columns:
        raise ValueError(
            "frame에 이미 geometry 열이 있습니다. "
            "좌표(점)를 구역에 넣으려면 geopandas.sjoin을 쓰세요."
        )
    allowed = ("mois10", "mois8", "kostat7", "name") if level == "dong" else (*CODE_SYSTEMS, "name")
    system = _check_system(system, (*CODE_SYSTEMS, "name"))
    if system is None:
        system = detect_code_system(frame[column])
        if system == "ambiguous":
            raise ValueError(
                f"열 {column!r}의 코드 체계를 값만으로 정할 수 없습니다. {_SYSTEMS_HELP} "
                f"join_places(..., system=...)로 체계를 지정하세요: {', '.join(allowed)}."
            )
    if system not in allowed:
        raise ValueError(
            f"level={level!r}에는 system={system!r}을 쓸 수 없습니다 (구 코드로는 동 경계에 "
            f"연결할 수 없습니다). 가능한 체계: {', '.join(allowed)}."
        )
    return system


def join_places(
    frame: pd.DataFrame,
    column: str,
    level: Level = "gu",
    system: CodeSystem | Literal["name"] | None = None,
) -> tuple[geopandas.GeoDataFrame, JoinReport]:
    """Attach gu or dong boundaries (and their names and codes) to each row of ``frame``.

    column: the column that names the place, by code or by name.
    system: the code system of ``column`` ('mois', 'kostat', 'mois10', 'mois8', 'kostat7'),
    'name' for names ('강남구', '강남', '서울특별시 강남구 역삼1동'), or None to detect it with
    detect_code_system. At level 'gu' dong codes place a row in the gu they lie in; at level
    'dong' only dong codes and names are accepted, and a dong name found in several gu
    without its gu is left unmatched.

    Every row of ``frame`` is kept, in order and with its index; rows that could not be placed
    have a missing (None) geometry and are counted and listed in the JoinReport.
    """
    system = _join_system(frame, column, level, system)
    values = frame[column]
    gpd = _import_geo("geopandas")

    distinct = values.dropna().unique()
    keys = values.map({value: _place_key(value, level, system) for value in distinct})
    found = keys.notna().to_numpy()
    places = _boundaries(level)
    key_column = "mois" if level == "gu" else "mois10"
    placed = places.set_index(places[key_column]).reindex(keys.where(found, None).to_numpy())

    result = pd.DataFrame(frame, copy=True)
    for name in places.columns.drop("geometry"):
        target = name if name not in result.columns else f"{name}_place"
        result[target] = placed[name].to_numpy()
    geometry = gpd.GeoSeries(placed.geometry.to_numpy(), index=result.index, crs=places.crs)
    joined = gpd.GeoDataFrame(result, geometry=geometry, crs=places.crs)

    unmatched_values = values[~found].drop_duplicates().head(20).tolist()
    report = JoinReport(
        matched=int(found.sum()),
        unmatched=int((~found).sum()),
        unmatched_values=[None if pd.isna(v) else v for v in unmatched_values],
        system=system,
    )
    if report.unmatched:
        log.warning(
            "%s 경계에 연결하지 못한 행이 %s개 있습니다 (열 %r, 체계 %s, 예: %s)",
            "자치구" if level == "gu" else "행정동",
            report.unmatched,
            column,
            system,
            report.unmatched_values[:5],
        )
    return joined, report


def to_wgs84(x: Any, y: Any, crs: str = "EPSG:5179") -> tuple[np.ndarray, np.ndarray]:
    """Convert projected coordinates (default UTM-K, EPSG:5179) to longitude, latitude arrays.

    x, y: eastings and northings (scalars or array-likes of the same shape).
    """
    pyproj = _import_geo("pyproj")
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)

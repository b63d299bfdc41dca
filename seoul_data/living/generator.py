"""A synthetic year of living population in the official layout, calibrated on real data.

The official series (hourly, per 집계구 or 행정동, 28 age×sex bands) is not public in bulk;
this generator makes a stand-in with the same layout and realistic shape, for tests and
benchmarks. Every file it writes and every catalog entry made from it says it is synthetic.

Calibration (all real data of the catalog):

- each 행정동's level and hourly shape, separately for weekdays, Saturdays and Sundays:
  ``living.dong_hourly_week_20190304`` (424 dongs × 168 hours, totals);
- the day-to-day variation of the whole city: ``living.gu_hourly_2024h1`` (the daily city
  total relative to its mean, by day of year; days it lacks use their month's mean);
- each dong's age mix: ``population.dong_age5`` (resident registration, 5-year bands, latest
  year) and its sex mix: the living-population week (men / women).

집계구 are made by splitting each dong into output areas in proportion to its residents
(~19,150 in all, as in Seoul), each with its own share of the dong (Dirichlet) and its own
small deviation from the dong's hourly shape. Same seed, same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from seoul_data.living.layout import AGES, BANDS
from seoul_data.living.store import ROLLUP

#: Rows per Parquet row group: small enough that a gu's rows are read without its
#: neighbours' (the rows are in area order), and LZ4, which decodes fastest (random-looking
#: floats barely compress anyway).
ROW_GROUP = 24 * 512
#: Output areas in Seoul (2016 KOSTAT 집계구), the generator's default.
SEOUL_OUTPUT_AREAS = 19_150
WEEK = "living.dong_hourly_week_20190304"
CITY_DAYS = "living.gu_hourly_2024h1"
AGE_MIX = "population.dong_age5"


@dataclass(frozen=True)
class Calibration:
    dong_codes: np.ndarray  # MOIS 8-digit, int
    gu_codes: np.ndarray  # MOIS 5-digit, int
    kostat7: np.ndarray  # KOSTAT 7-digit dong codes, for 집계구 codes
    level: np.ndarray  # mean hourly population of each dong over the week
    shape: np.ndarray  # (dong, day type 0 weekday / 1 Saturday / 2 Sunday, hour) / level
    mix: np.ndarray  # (dong, 28 bands), rows sum to 1
    residents: np.ndarray  # registered residents of each dong
    day_factor: dict[int, float]  # day of year → city factor
    month_factor: dict[int, float]


def calibrate() -> Calibration:
    """Read the real samples from the catalog (they must be ingested)."""
    from seoul_data.load import load

    week = load(WEEK)
    week["time"] = pd.to_datetime(week["time"])
    week["kind"] = week["time"].dt.day_of_week.map(lambda d: 0 if d < 5 else d - 4)
    week["hour"] = week["time"].dt.hour
    shape = week.pivot_table(index="dong_code", columns=["kind", "hour"], values="t")
    level = shape.mean(axis=1)
    sexes = week.groupby("dong_code")[["m", "f"]].sum()

    ages = load(AGE_MIX)
    ages = ages[ages.year == ages.year.max()].copy()
    ages["dong_code"] = ages["dong_code_mois"].astype(str).str[:8]
    ages = ages.drop_duplicates("dong_code").set_index("dong_code")
    codes = [c for c in shape.index if c in ages.index]
    shape, level, sexes, ages = (
        shape.loc[codes],
        level.loc[codes],
        sexes.loc[codes],
        ages.loc[codes],
    )

    share = ages[[f"age_{a}_{b}" for a, b in _AGE5]].to_numpy(float)
    bands14 = np.stack([share[:, idx].sum(axis=1) for idx in _BAND_FROM_AGE5], axis=1)
    bands14 /= bands14.sum(axis=1, keepdims=True)
    men = (sexes["m"] / (sexes["m"] + sexes["f"])).to_numpy()[:, None]
    mix = np.concatenate([bands14 * men, bands14 * (1 - men)], axis=1)

    city = load(CITY_DAYS).groupby("date")["population"].sum()
    city.index = pd.to_datetime(city.index)
    factor = city / city.mean()
    return Calibration(
        dong_codes=np.array([int(c) for c in codes]),
        gu_codes=np.array([int(c[:5]) for c in codes]),
        kostat7=ages["dong_code_kostat"].astype(str).str[:7].to_numpy(),
        level=level.to_numpy(float),
        shape=(shape.to_numpy(float) / level.to_numpy(float)[:, None]).reshape(len(codes), 3, 24),
        mix=mix,
        residents=ages["population"].to_numpy(float),
        day_factor={d.day_of_year: float(v) for d, v in factor.items()},
        month_factor={m: float(v) for m, v in factor.groupby(factor.index.month).mean().items()},
    )


# resident 5-year bands → the 14 living-population bands
_AGE5 = [(a, a + 4) for a in range(0, 100, 5)] + [(100, "plus")]
_AGE5_FIRST = [a for a, _ in _AGE5]
_BAND_FROM_AGE5 = [
    [i for i, first in enumerate(_AGE5_FIRST) if first >= lo and (hi is None or first <= hi)]
    for lo, hi in AGES
]


def generate(
    out: Path,
    *,
    level: str = "oa",
    start: date = date(2023, 1, 1),
    days: int = 365,
    output_areas: int = SEOUL_OUTPUT_AREAS,
    dongs: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> Path:
    """Write ``days`` days from ``start`` at ``level`` ('oa' 집계구 or 'dong' 행정동) under
    ``out`` (``month=YYYY-MM/day=YYYY-MM-DD.parquet``); ``dongs`` keeps the first n dongs
    (small test sets). Returns ``out``."""
    from tqdm.auto import tqdm

    if level not in ("oa", "dong"):
        raise ValueError(f"level은 'oa'(집계구) 또는 'dong'(행정동)이어야 합니다: {level!r}")
    cal = calibrate()
    rng = np.random.default_rng(seed)
    n_dong = len(cal.dong_codes) if dongs is None else min(dongs, len(cal.dong_codes))
    residents = cal.residents[:n_dong]
    per_dong = np.maximum(3, np.round(output_areas * residents / cal.residents.sum())).astype(int)
    dong_of = np.repeat(np.arange(n_dong), per_dong)  # output area → its dong
    weight = np.concatenate([rng.dirichlet(np.full(k, 5.0)) for k in per_dong])
    deviation = 1 + rng.normal(0, 0.05, size=(len(dong_of), 24))  # each area's own rhythm
    oa_codes = np.array(
        [int(f"{cal.kostat7[d]}0{i + 1:05d}") for d, k in enumerate(per_dong) for i in range(k)]
    )

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    starts = np.concatenate([[0], np.cumsum(per_dong)[:-1]])
    for offset in tqdm(range(days), desc=f"생활인구 합성 ({level})", disable=not progress):
        day = start + timedelta(days=offset)
        kind = 0 if day.weekday() < 5 else day.weekday() - 4
        city = cal.day_factor.get(day.timetuple().tm_yday, cal.month_factor.get(day.month, 1.0))
        dong_day = 1 + rng.normal(0, 0.02, size=n_dong)
        total = (cal.level[dong_of] * weight)[:, None] * cal.shape[dong_of, kind, :] * deviation
        total *= (city * dong_day[dong_of])[:, None] * (1 + rng.normal(0, 0.03, total.shape))
        by_dong = np.add.reduceat(total, starts, axis=0)
        if level == "oa":
            _write_day(out, day, cal, total, dong_of, oa_codes)
            # the dong rollup: what dong and gu questions read (see store.ROLLUP)
            _write_day(out / ROLLUP, day, cal, by_dong, np.arange(n_dong), None)
        else:
            _write_day(out, day, cal, by_dong, np.arange(n_dong), None)
    (out / "_synthetic.json").write_text(
        json.dumps(
            {
                "synthetic": True,
                "level": level,
                "start": start.isoformat(),
                "days": days,
                "areas": int(len(oa_codes) if level == "oa" else n_dong),
                "seed": seed,
                "calibrated_on": [WEEK, CITY_DAYS, AGE_MIX],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return out


def _write_day(
    out: Path,
    day: date,
    cal: Calibration,
    total: np.ndarray,
    areas: np.ndarray,
    area_codes: np.ndarray | None,
) -> None:
    """One day file: 24 rows per area in area order, the total and the 28 bands."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    bands = total[:, :, None] * cal.mix[areas][:, None, :]
    rows = total.size
    columns = {
        "date": pa.array(np.full(rows, np.datetime64(day, "D"))),
        "hour": pa.array(np.tile(np.arange(24, dtype=np.int8), len(areas))),
        "gu_code": pa.array(np.repeat(cal.gu_codes[areas], 24).astype(np.int32)),
        "dong_code": pa.array(np.repeat(cal.dong_codes[areas], 24).astype(np.int32)),
    }
    if area_codes is not None:
        columns["oa_code"] = pa.array(np.repeat(area_codes, 24))
    columns["total"] = pa.array(total.reshape(-1).astype(np.float32))
    flat = bands.reshape(rows, len(BANDS)).astype(np.float32)
    columns.update({name: pa.array(flat[:, i]) for i, name in enumerate(BANDS)})
    folder = out / f"month={day:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(columns),
        folder / f"day={day:%Y-%m-%d}.parquet",
        compression="lz4",
        row_group_size=ROW_GROUP,
    )


LEVEL_NAMES = {"oa": "집계구", "dong": "행정동"}


def register(store: Path, level: str, data_dir: Path | None = None) -> str:
    """Add the synthetic store's catalog entry (marked synthetic; read with sd.living)."""
    from seoul_data.catalog import Catalog, Dataset
    from seoul_data.paths import data_dir as default_dir

    meta = json.loads((Path(store) / "_synthetic.json").read_text())
    first = date.fromisoformat(meta["start"])
    last = first + timedelta(days=meta["days"] - 1)
    dataset = Dataset(
        id=f"living.synthetic_{level}",
        title=f"생활인구 (합성 자료) — {LEVEL_NAMES[level]}·시간대별, {first}–{last}",
        field="인구/가구",
        description=(
            f"실제 값이 아닌 합성 자료입니다. 서울시 생활인구 공식 형식(기준일, 시간대, "
            f"{LEVEL_NAMES[level]}, 총생활인구, 성·연령 28구분)으로 {meta['areas']:,}개 지역의 "
            f"{meta['days']}일을 만들었습니다. 실제 표본({', '.join(meta['calibrated_on'])})에 "
            f"맞춘 시간대·요일 형태와 연령·성 구성, seed {meta['seed']}. sd.living 으로 분석합니다."
        ),
        keywords=("생활인구", "유동인구", "합성", "시간대별", LEVEL_NAMES[level]),
        publisher="서울 데이터 허브 (합성)",
        provider="서울 데이터 허브",
        temporal=f"{first}/{last}",
        format="PARQUET",
        synthetic=True,
    )
    Catalog(data_dir or default_dir()).upsert([dataset])
    return dataset.id

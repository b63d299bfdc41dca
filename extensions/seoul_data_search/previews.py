"""The first rows of a dataset as JSON, with what must be shown beside them (publisher,
attribution, licence), a map thumbnail (SVG) for data with a place, and the line that loads
it in a notebook."""

from __future__ import annotations

import json

#: Longest shown text of a geometry (its WKT is cut here: a gu polygon is ~10 kB).
GEOMETRY_CHARS = 60


class UnknownDataset(LookupError):
    """A dataset id the catalog does not have (the message is Korean)."""


def load_code(dataset_id: str) -> str:
    """The notebook line that loads (or, for a catalogue-only entry, describes) a dataset."""
    return f'sd.load("{dataset_id}")'


def preview(dataset_id: str, limit: int = 5, where: list | None = None) -> dict:
    """The first ``limit`` rows of a dataset as JSON records, with its columns and source.

    where: a structured filter (``[[column, op, value], …]``, see ``sd.load``); never SQL.
    Raises UnknownDataset for an unknown id, PermissionError (Korean message) for a
    dataset the current user may not read and seoul_data.load.FilterError for a filter
    that cannot be used. A catalogue-only entry (not loadable) has no rows; ``note`` says
    who holds it and how to request it.
    """
    if where is not None and not isinstance(where, list):
        raise TypeError("where must be a structured filter (a list of conditions), not SQL")
    import pandas as pd

    import seoul_data as sd
    from seoul_data import svg
    from seoul_data.catalog import CatalogError

    try:
        info = sd.describe(dataset_id)
    except CatalogError as e:
        raise UnknownDataset(f"목록에 없는 데이터 ID입니다: {dataset_id!r} ({e})") from None
    reply = {
        "id": info["id"],
        "title": info["title"],
        "publisher": info["publisher"],
        "provider": info["provider"],
        "attribution": info["attribution"] or f"출처: {info['publisher']}",
        "license": info["license"],
        "landing_page": info["landing_page"],
        "access": info["access"],
        "synthetic": info["synthetic"],
        "loadable": info["loadable"],
        "load_code": load_code(info["id"]),
        "columns": [],
        "rows": [],
        "thumbnail": None,
        "note": "",
    }
    if not info["loadable"]:
        # its page is on an internet portal the city's separated network cannot reach: say
        # who holds it, and how to ask for it here
        reply["load_code"] = f'sd.describe("{info["id"]}")'
        holder = info["publisher"] or info["provider"] or "알 수 없음"
        reply["note"] = (
            f"플랫폼에 파일이 없는 목록 정보라 미리보기가 없습니다. 보유 기관: {holder}."
            " 데이터 검색 대시보드의 '이 자료 요청하기'로 요청할 수 있습니다."
        )
        if info["landing_page"]:
            reply["note"] += f" (인터넷망 PC에서: {info['landing_page']})"
        return reply
    frame = sd.load(dataset_id, limit=limit, where=where)
    titles = {field["name"]: field for field in info["schema"]}
    geometry = next((f for f in info["schema"] if f["type"] == "geometry"), None)
    if geometry is not None and "geometry" in frame.columns:
        titles["geometry"] = geometry
        shapes = frame["geometry"].map(_shape_text)
        frame = pd.DataFrame(frame.drop(columns="geometry")).assign(geometry=shapes)
    reply["columns"] = [
        {
            "name": str(column),
            "title": titles.get(column, {}).get("title") or str(column),
            "type": titles.get(column, {}).get("type", str(frame[column].dtype)),
            "unit": titles.get(column, {}).get("unit", ""),
        }
        for column in frame.columns
    ]
    reply["rows"] = json.loads(
        frame.to_json(orient="records", date_format="iso", force_ascii=False)
    )
    reply["thumbnail"] = svg.map_thumbnail(dataset_id)
    if info["synthetic"]:
        reply["note"] = "합성 데이터입니다 (실제 값이 아닙니다)."
    return reply


def _shape_text(shape) -> str | None:
    if shape is None:
        return None
    text = shape.wkt
    return text if len(text) <= GEOMETRY_CHARS else text[:GEOMETRY_CHARS] + "…"

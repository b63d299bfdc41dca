"""Shapes for the synthetic 집계구 (output areas): the official boundaries are not in the
project's data, so each dong is cut into as many cells as it has output areas (Voronoi cells
of seeded random points inside the dong, clipped to it). Marked synthetic like the values;
they let the 19,000-area layer be drawn and tested at its real size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SHAPES_FILE = "_areas.parquet"


def output_area_shapes(store: Path, seed: int = 0):
    """A GeoDataFrame (EPSG:4326) of every output area of ``store``: oa_code, dong_code,
    geometry; made once and kept beside the store."""
    import duckdb
    import geopandas as gpd
    import shapely

    from seoul_data.geo import boundaries

    store = Path(store)
    cached = store / SHAPES_FILE
    if cached.exists():
        return gpd.read_parquet(cached)
    areas = (
        duckdb.connect()
        .execute(
            "SELECT DISTINCT dong_code, oa_code FROM read_parquet(?) ORDER BY dong_code, oa_code",
            [[str(next(store.glob("month=*/*.parquet")))]],
        )
        .df()
    )
    dongs = boundaries("dong")
    dongs = dongs.set_index(dongs["mois10"].str[:8].astype(int)).geometry
    rng = np.random.default_rng(seed)
    rows = []
    for dong_code, group in areas.groupby("dong_code", sort=True):
        if dong_code not in dongs.index:
            continue
        outline = dongs.loc[dong_code]
        points = _points_inside(outline, len(group), rng)
        cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=outline)
        cells = [c.intersection(outline) for c in cells.geoms]
        # each point's own cell, in the order of the output areas
        for code, point in zip(group.oa_code, points, strict=True):
            cell = next(c for c in cells if c.contains(shapely.Point(point)))
            rows.append((code, dong_code, cell.simplify(0.0001)))
    frame = gpd.GeoDataFrame(rows, columns=["oa_code", "dong_code", "geometry"], crs=4326)
    frame.to_parquet(cached)
    return frame


def _points_inside(polygon, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    import shapely

    west, south, east, north = polygon.bounds
    points: list[tuple[float, float]] = []
    prepared = shapely.prepared.prep(polygon)
    while len(points) < n:
        xs = rng.uniform(west, east, 4 * n)
        ys = rng.uniform(south, north, 4 * n)
        points += [
            (x, y) for x, y in zip(xs, ys, strict=True) if prepared.contains(shapely.Point(x, y))
        ]
    return points[:n]

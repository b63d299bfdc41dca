"""Inline SVG previews: map thumbnails of real datasets and series charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from seoul_data import svg
from tests.conftest import bundled_data

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    wanted = {
        "facilities.public_toilets",
        "boundaries.dong_admdongkor2021",
        "population.dong_births_cbr",
        "transport.bike_sharing_demand_uci",
    }
    with bundled_data(tmp_path_factory.mktemp("svg-data"), wanted) as directory:
        yield directory


def coordinates(root) -> list[tuple[float, float]]:
    found = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    for path in root.iter(f"{SVG}path"):
        pairs = re.findall(r"(-?[\d.]+),(-?[\d.]+)", path.get("d"))
        found += [(float(x), float(y)) for x, y in pairs]
    return found


def test_points_are_drawn_inside_the_frame_over_the_gu_outline(data_dir):
    root = ET.fromstring(svg.map_thumbnail("facilities.public_toilets", width=200))
    width, height = float(root.get("width")), float(root.get("height"))
    assert len(list(root.iter(f"{SVG}path"))) == 25  # the outline
    dots = list(root.iter(f"{SVG}circle"))
    assert 1000 < len(dots) <= svg.MAX_POINTS  # sampled, not all 4,900 toilets
    assert all(0 <= x <= width and 0 <= y <= height for x, y in coordinates(root))
    assert root.find(f"{SVG}title").text.endswith("지도 미리보기")


def test_shapes_and_places_named_by_rows(data_dir):
    dongs = ET.fromstring(svg.map_thumbnail("boundaries.dong_admdongkor2021"))
    assert len(list(dongs.iter(f"{SVG}path"))) == 425  # one path per 행정동 (2021-04)
    by_gu = ET.fromstring(svg.map_thumbnail("population.dong_births_cbr"))
    highlighted = [p for p in by_gu.iter(f"{SVG}path") if p.get("fill-opacity") == "0.55"]
    assert len(highlighted) == 25  # rows in every gu
    assert svg.map_thumbnail("transport.bike_sharing_demand_uci") is None  # no place


def test_series_chart_labels_the_range_and_refuses_one_point():
    chart = svg.series_chart(
        [
            {"period": "2019", "value": 9_729_107},
            {"period": "2020", "value": 9_668_465},
            {"period": "2021", "value": 9_509_458},
        ],
        unit="명",
    )
    root = ET.fromstring(chart)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["2019", "2021"] and "9,729,107명" in texts[2]
    points = root.find(f"{SVG}polyline").get("points").split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys == sorted(ys)  # falling values are drawn going down
    with pytest.raises(ValueError, match="두 기간"):
        svg.series_chart([{"period": "2021", "value": 1}])

"""What a dataset's columns mean, read from its schema (seoul_data.catalog.meaning), and the
standard keys every dataset gets from it (seoul_data.tidy)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from seoul_data.catalog import CatalogError, Concept, Dataset, Derived, Field
from seoul_data.catalog.meaning import (
    age_columns,
    layout,
    measure_columns,
    measures,
    summable,
)
from seoul_data.sources import concepts, declared, sources
from seoul_data.tidy import _period_keys, keyed

PEOPLE = Concept("사람 수", ("사람", "사람 수"), "명")
RATE = Concept("비율", ("비율",), "%", aggregation="none")


def _dataset(*schema: Field, derived: tuple[Derived, ...] = (), spatial="gu") -> Dataset:
    return Dataset(
        "test.people", "사람", "인구/가구", spatial=spatial, schema=schema, derived=derived
    )


GU = Field("gu", role="gu")
YEAR = Field("year", type="year", role="year", as_of="12")


@pytest.mark.parametrize(
    "attributes, says",
    [
        ({"role": "district"}, "role 'district'"),
        ({"role": "time", "grain": "week"}, "grain 'week'"),
        ({"measure": "사람 수", "sex": "M"}, "sex 'M'"),
        ({"measure": "사람 수", "age": "65+"}, "age '65+'"),
        ({"measure": "비율", "ratio": "a÷b"}, "ratio 'a÷b'"),
        ({"sex": "남"}, "describe a measure column"),
    ],
)
def test_a_column_declared_wrongly_is_refused_with_what_and_where(attributes, says):
    with pytest.raises(CatalogError, match=re.escape(says)) as refused:
        Field("people", type="integer", **attributes)
    assert "'people'" in str(refused.value)


def test_a_ratio_must_name_columns_of_its_dataset():
    with pytest.raises(CatalogError, match="test.people: ratio names no column 'households'"):
        _dataset(
            GU,
            YEAR,
            Field("people", measure="사람 수"),
            derived=(Derived("비율", "people/households"),),
        )


def test_a_measure_is_read_whole_with_its_parts_from_the_schema():
    dataset = _dataset(
        GU,
        YEAR,
        Field("people", type="integer", measure="사람 수", note="연말 기준"),
        Field("men", type="integer", measure="사람 수", sex="남"),
        Field("women", type="integer", measure="사람 수", sex="여"),
        Field("young", type="integer", measure="사람 수", age="0-14"),
        Field("old", type="integer", measure="사람 수", age="65-"),
        Field("homes", type="integer"),
        derived=(Derived("비율", "people/homes*100", note="사람 ÷ 집"),),
    )
    people, rate = measures([dataset], [PEOPLE, RATE])
    assert people.label == "사람 수" and people.additive and not people.hourly
    (source,) = people.sources
    assert source.value == "people" and source.note == "연말 기준"
    assert source.by_sex == {"남": "men", "여": "women"}
    assert source.age_groups == ((0, 14, "young"), (65, None, "old"))
    assert not rate.additive and rate.sources[0].value == ""
    assert rate.sources[0].ratio == ("people", "homes", 100.0)
    assert age_columns(dataset, "사람 수") == {"young": (0, 14), "old": (65, None)}
    assert measure_columns(dataset, {"사람 수": "total"}) == {"people": "total"}
    assert summable(dataset, [PEOPLE, RATE]) == {"people", "men", "women", "young", "old"}


def test_a_column_naming_an_undeclared_measure_is_refused():
    dataset = _dataset(GU, YEAR, Field("people", type="integer", measure="주민 수"))
    with pytest.raises(CatalogError, match="test.people: no measure '주민 수' is declared"):
        measures([dataset], [PEOPLE])


def test_the_layout_says_level_time_and_codes():
    gu = layout(_dataset(GU, YEAR))
    assert (gu.level, gu.area, gu.time, gu.grain, gu.as_of) == ("gu", "gu", "year", "year", "12")
    dong = layout(
        _dataset(
            Field("code", role="dong_code", code_system="mois"),
            Field("name", role="dong"),
            Field("at", type="datetime", role="time", grain="hour"),
        )
    )
    assert (dong.level, dong.area, dong.dong, dong.dong_code, dong.grain) == (
        "dong",
        None,
        "name",
        ("code", "mois8"),
        "hour",
    )
    city = layout(_dataset(Field("month", role="time", grain="month"), spatial="city"))
    assert (city.level, city.area, city.grain) == ("city", None, "month")
    assert layout(_dataset(GU)) is None  # no time: no measures to answer


def test_keys_read_the_city_row_and_the_counting_month():
    dataset = _dataset(GU, YEAR, Field("people", type="integer", measure="사람 수"))
    frame = pd.DataFrame({"gu": ["서울특별시", "종로구"], "year": [2020, 2020], "people": [9, 1]})
    keys = keyed(dataset, frame)
    assert keys["_level"].tolist() == ["city", "gu"]
    assert keys["_key"].tolist() == ["2020", "2020"]
    assert keys["_period"].tolist() == ["2020-12", "2020-12"]


def test_quarters_and_months_are_read_however_the_source_writes_them():
    quarters = pd.Series(["2017-Q1", "20191", "2019.3/4", "2019Q4"])
    assert _period_keys(quarters, "quarter", "x").tolist() == [
        "2017-Q1",
        "2019-Q1",
        "2019-Q3",
        "2019-Q4",
    ]
    months = pd.Series(["2024-01", "202402", "2024.12"])
    assert _period_keys(months, "month", "x").tolist() == ["2024-01", "2024-02", "2024-12"]
    with pytest.raises(CatalogError, match="x: '2019-13' is not a month"):
        _period_keys(pd.Series(["2019-13"]), "month", "x")


def test_every_bundled_declaration_reads():
    """Each measure column names a declared measure, each ratio real columns, and every
    dataset that holds a measure has a place and a time the answers can read."""
    found = measures([s.dataset for s in sources()], concepts())
    assert {m.label for m in found} >= {"인구", "세대당 인구", "생활인구", "전입 인구"}
    for measure in found:
        for source in measure.sources:
            where = layout(declared(source.dataset))
            assert where.grain in ("year", "quarter", "month", "hour"), source.dataset

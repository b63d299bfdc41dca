"""Follow-ups that narrow ("그중 강남구만", "그중 2020년만") on the real catalogue and the real
bundled data: the rows kept are checked by reading the data with pandas, not through the
filter the narrowing made; what cannot be narrowed is said, with its reason, instead of
the same hits again."""

from __future__ import annotations

import pandas as pd
import pytest

import seoul_data as sd
from seoul_data import geo
from seoul_data.catalog import Catalog, Dataset, Field
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.search.narrowing import CannotNarrow, Conditions, narrow_dataset
from seoul_data.search.query import Period
from seoul_data.sources import BUNDLED_DATA
from tests.conftest import bundled_data

TOTAL = "population.gu_resident_total"
TOILETS = "facilities.public_toilets"
HEAT = "safety.heat_shelters_2023"
MIGRATION = "population.gu_migration_monthly"
TRADE = "population.gu_trade_area_residents"
FOLLOWED = "이전 질문에 이어서"
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Five bundled datasets (gu names, MOIS dong codes, years, months, quarters), the
    Seoul list of data.go.kr (catalogue-only entries) and three small tables of gu codes."""
    from seoul_data.ingest import ingest

    wanted = {TOTAL, TOILETS, HEAT, MIGRATION, TRADE, "population.city_migration_monthly"}
    tmp = tmp_path_factory.mktemp("narrowing")
    with bundled_data(tmp, wanted) as directory:
        import_datagokr(
            Catalog(directory), BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
        )
        # 11230 is 강남구 in KOSTAT's codes and 동대문구 in MOIS's
        for system, rows in [("kostat", "11230,1\n11010,2\n"), ("mois", "11230,3\n11680,4\n")]:
            csv = tmp / f"{system}.csv"
            csv.write_text(f"code,count\n{rows}", encoding="utf-8")
            ingest(code_table(f"test.codes_{system}", system), data_dir=directory, path=csv)
        csv = tmp / "unknown.csv"
        csv.write_text("code,count\n11230,5\n", encoding="utf-8")
        ingest(code_table("test.codes_unknown", ""), data_dir=directory, path=csv)
        yield directory


def code_table(dataset_id: str, system: str) -> Dataset:
    return Dataset(
        id=dataset_id,
        title="자치구 코드 시험 표",
        field="일반행정",
        schema=(
            Field("code", role="gu_code", code_system=system),
            Field("count", "integer"),
        ),
    )


def raw(dataset_id: str) -> pd.DataFrame:
    """Every row of a dataset, read without any filter."""
    return sd.load(dataset_id)


def kept_rows(result, dataset_id: str) -> pd.DataFrame:
    assert dataset_id in [h.id for h in result.hits], (result.notes, result.hits)
    return sd.load(dataset_id, where=result.narrowed[dataset_id])


def test_a_follow_up_keeps_the_rows_of_the_gu_then_of_the_year(data_dir):
    session = sd.search_session()
    found = sd.search("자치구별 주민등록인구", session=session)
    assert TOTAL in [h.id for h in found.hits] and len(found.hits) > 3
    gangnam = sd.search("그중 강남구만", session=session)
    assert gangnam.notes[0].startswith(FOLLOWED) and "강남구로 좁혔습니다" in gangnam.notes[0]
    assert gangnam.filters["gu"] == ["강남구"]
    rows = kept_rows(gangnam, TOTAL)
    everything = raw(TOTAL)
    assert len(rows) == (everything["area"] == "강남구").sum() > 0
    assert set(rows["area"]) == {"강남구"}
    hit = next(h for h in gangnam.hits if h.id == TOTAL)
    assert hit.why[0] == "좁힘: 강남구(area 열)"
    # the catalogue-only tables by gu are named, not repeated as if narrowed
    assert all(sd.describe(h.id)["loadable"] for h in gangnam.hits)
    assert any("플랫폼에 파일이 없는 목록 정보라 강남구만" in n for n in gangnam.notes)
    # a second follow-up narrows further, with the gu kept
    year = sd.search("그중 2020년만", session=session)
    rows = kept_rows(year, TOTAL)
    expected = everything[(everything["area"] == "강남구") & (everything["year"] == 2020)]
    assert len(rows) == len(expected) == 1
    assert rows["population"].tolist() == expected["population"].tolist()
    assert session.context()["gu"] == ["강남구"] and session.context()["period"] == "2020년"


def test_a_year_the_data_does_not_hold_is_said_with_its_span(data_dir):
    session = sd.search_session()
    sd.search("자치구별 주민등록인구", session=session)
    result = sd.search("그중 2030년만", session=session)
    assert result.hits == [] and result.narrowed == {}
    assert (
        result.notes[0].startswith(FOLLOWED) and "좁힐 수 있는 자료가 없습니다" in result.notes[0]
    )
    held = [n for n in result.notes if "자치구별 주민등록인구 (2010–2021)" in n]
    assert held == ["좁히지 못함 — 자료에 2030년 행이 없습니다 (자료 기간: 2010–2021년): "
                    "「자치구별 주민등록인구 (2010–2021)」"]  # fmt: skip
    assert (
        "새로 찾으려면" in result.notes[-1] and "2030년 자치구별 주민등록인구" in result.notes[-1]
    )


def test_a_dataset_without_a_year_column_is_not_narrowed_by_year(data_dir):
    session = sd.search_session()
    found = sd.search("공중화장실 위치", session=session)
    assert TOILETS in [h.id for h in found.hits]
    gangnam = sd.search("그중 강남구만", session=session)
    rows = kept_rows(gangnam, TOILETS)
    toilets = raw(TOILETS)
    assert len(rows) == (toilets["gu"] == "강남구").sum() > 0
    # a district office's own list is about that district only
    others = [n for n in gangnam.notes if "다른 자치구(" in n]
    assert others and all("강남구" not in n.split("—")[1].split(":")[0] for n in others)
    year = sd.search("그중 2023년만", session=session)
    assert year.hits == []
    assert (
        "좁히지 못함 — 연도·날짜 열이 없어 2023년만 고를 수 없습니다 (자료 기간: 2022–2023년): "
        "「서울시 공중화장실 위치」" in year.notes
    )


def test_catalogue_only_hits_are_not_repeated_when_they_cannot_be_narrowed(data_dir):
    session = sd.search_session()
    found = sd.search("강남구 어린이집 현황", session=session)
    assert found.hits and not any(sd.describe(h.id)["loadable"] for h in found.hits)
    result = sd.search("그중 2020년만", session=session)
    assert result.hits == []
    assert result.notes[0] == (
        f"{FOLLOWED}: 이전 결과 {len(found.hits)}건 중 강남구 · 2020년으로 좁힐 수 있는 자료가 "
        "없습니다."
    )
    assert any("플랫폼에 파일이 없는 목록 정보라 강남구 · 2020년만 골라 볼 수 없습니다" in n
               for n in result.notes)  # fmt: skip
    # asking for the links afterwards still gives those of what was found
    links = sd.search("다운로드 링크", session=session)
    assert [h.id for h in links.hits] == [h.id for h in found.hits]
    for hit in links.hits:
        assert hit.why[0].startswith("다운로드: 플랫폼에 파일이 없습니다. 보유 기관: ")
        assert "인터넷망 PC에서: https://www.data.go.kr/" in hit.why[0]


def test_dong_codes_narrow_to_a_gu_and_a_dong_in_their_own_system(data_dir):
    session = sd.search_session()
    sd.search("무더위쉼터", session=session)
    gangnam = sd.search("그중 강남구만", session=session)
    rows = kept_rows(gangnam, HEAT)
    shelters = raw(HEAT)
    in_gangnam = shelters["dong_code"].map(lambda c: geo.gu_name(c[:5], "mois")) == "강남구"
    assert len(rows) == in_gangnam.sum() > 0
    assert "행정안전부 코드 11680" in next(h for h in gangnam.hits if h.id == HEAT).why[0]
    dong = sd.search("그중 역삼1동만", session=session)
    rows = kept_rows(dong, HEAT)
    (yeoksam,) = geo.find_dong("역삼1동")
    assert len(rows) == (shelters["dong_code"].str[:8] == yeoksam["mois8"]).sum() > 0
    assert dong.filters["dong"] == ["역삼1동"]


def test_months_and_quarters_are_read_in_each_tables_own_format(data_dir):
    session = sd.search_session()
    sd.search("월별 전입 전출", session=session)
    march = sd.search("그중 2024년 3월만", session=session)
    assert set(kept_rows(march, MIGRATION)["month"]) == {"2024-03"}
    quarter = sd.search("그중 2025년 2분기만", session=session)
    assert set(kept_rows(quarter, MIGRATION)["month"]) == {"2025-04", "2025-05", "2025-06"}
    session = sd.search_session()
    sd.search("상주인구 분기", session=session)
    trade = sd.search("그중 2021년 2분기만", session=session)
    column = "기준_년분기_코드"
    assert set(kept_rows(trade, TRADE)[column].astype(str)) == {"20212"}  # YYYYQ
    month = sd.search("그중 2021년 5월만", session=session)
    assert TRADE not in [h.id for h in month.hits]
    assert any("분기 단위 자료라 2021년 5월만 고를 수 없습니다" in n for n in month.notes)


def test_the_two_gu_code_systems_are_never_confused(data_dir):
    store = sd.load  # the rows each filter keeps, read back
    gangnam = Conditions(gu=("강남구",))
    kostat = narrow_dataset(Catalog(data_dir).get("test.codes_kostat"), gangnam)
    assert store("test.codes_kostat", where=kostat.where)["count"].tolist() == [1]  # 11230
    mois = narrow_dataset(Catalog(data_dir).get("test.codes_mois"), gangnam)
    assert store("test.codes_mois", where=mois.where)["count"].tolist() == [4]  # 11680, not 11230
    assert "행정안전부 코드 11680" in mois.how and "통계청 코드 11230" in kostat.how
    with pytest.raises(CannotNarrow, match="코드 체계.*밝혀져 있지 않아"):
        narrow_dataset(Catalog(data_dir).get("test.codes_unknown"), gangnam)
    # a gu the data does not hold: said, with what it holds
    with pytest.raises(
        CannotNarrow, match=r"자료에 종로구 행이 없습니다 \(code 열 값: 11230, 11680\)"
    ):
        narrow_dataset(Catalog(data_dir).get("test.codes_mois"), Conditions(gu=("종로구",)))


def test_only_a_place_or_a_period_narrows(data_dir):
    session = sd.search_session()
    sd.search("자치구별 주민등록인구", session=session)
    # a follow-up with words of its own searches again, as before
    again = sd.search("그중 강남구 세대수", session=session)
    assert again.notes[0].startswith("이전 질문에 이어서 찾았습니다") and not again.narrowed
    with pytest.raises(CannotNarrow, match="연 단위 자료라 2020년 3월만"):
        narrow_dataset(Catalog(data_dir).get(TOTAL), Conditions(period=Period(2020, 2020, 3)))

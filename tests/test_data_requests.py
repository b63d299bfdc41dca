"""The demand store (seoul_data.search.data_requests) on a real SQLite file and the real
data.go.kr catalogue: one request a person and dataset, the most requested first, and
refusals that say why in Korean and record nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.search.data_requests import (
    FILE_NAME,
    VARIABLE,
    RequestError,
    RequestStore,
    request_dataset,
    store_path,
)
from seoul_data.sources import BUNDLED_DATA
from tests.conftest import bundled_data

DAYCARE = "datagokr.15088924"  # 서울특별시_어린이집 정보
TOILETS = "datagokr.3077897"  # 서울특별시 용산구_공중화장실위치현황
BIKES = "datagokr.15051893"  # 서울특별시_공공자전거 대여소 정보
TOTAL = "population.gu_resident_total"
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    with bundled_data(tmp_path_factory.mktemp("data_requests"), {TOTAL}) as directory:
        import_datagokr(
            Catalog(directory), BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
        )
        yield directory


@pytest.fixture
def store(data_dir, tmp_path) -> RequestStore:
    """A store whose clock moves a minute a request."""
    minutes = count()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    return RequestStore(
        tmp_path / "state" / FILE_NAME, clock=lambda: start + timedelta(minutes=next(minutes))
    )


def test_one_person_asking_twice_counts_once(store):
    first, new = request_dataset(store, "carol", DAYCARE, "  강남구   어린이집 현황 ")
    assert new and first.user == "carol" and first.query == "강남구 어린이집 현황"
    assert first.title == "서울특별시_어린이집 정보" and first.holder == "서울특별시"
    again, new = request_dataset(store, "carol", DAYCARE, "어린이집")
    assert not new and again == first  # the first request stands
    (demand,) = store.demand()
    assert demand.requests == 1 and demand.users == ("carol",)
    assert demand.first_requested == demand.last_requested == "2026-03-02T09:00:00+00:00"
    assert store.path.stat().st_mode & 0o777 == 0o600


def test_the_demand_lists_the_most_requested_first(store):
    for user, dataset in [
        ("alice", TOILETS),
        ("carol", BIKES),
        ("dave", BIKES),
        ("carol", DAYCARE),
        ("alice", DAYCARE),
        ("erin", DAYCARE),
        ("erin", TOILETS),
    ]:
        request_dataset(store, user, dataset, f"{user}의 검색")
    demand = store.demand()
    # three people, then two each (the one asked for last first), then none
    assert [(d.dataset, d.requests) for d in demand] == [(DAYCARE, 3), (TOILETS, 2), (BIKES, 2)]
    assert demand[0].users == ("alice", "carol", "erin")
    assert demand[0].queries == ("erin의 검색", "alice의 검색", "carol의 검색")  # latest first
    assert demand[1].holder == "서울특별시 용산구" and demand[1].source_id == "3077897"
    assert demand[1].to_json()["users"] == ["alice", "erin"]
    assert [d.dataset for d in store.demand(limit=1)] == [DAYCARE]


@pytest.mark.parametrize(
    ("user", "dataset", "query", "says"),
    [
        ("carol", "datagokr.0", "", "목록에 없는 자료 ID입니다: 'datagokr.0'"),
        ("carol", "no such thing; DROP TABLE data_requests", "", "목록에 없는 자료 ID입니다"),
        (
            "carol",
            TOTAL,
            "",
            f'이미 플랫폼에 있는 자료라 요청할 필요가 없습니다. sd.load("{TOTAL}")',
        ),
        ("carol", "", "", "요청할 자료의 ID가 없습니다"),
        ("carol", None, "", "요청할 자료의 ID가 없습니다"),
        ("", DAYCARE, "", "요청한 사람을 알 수 없어"),
        ("carol", DAYCARE, "가" * 501, "검색어가 너무 깁니다. 500자 이하로"),
        ("carol", DAYCARE, ["어린이집"], "검색어(query)는 글자여야 합니다"),
    ],
    ids=["unknown", "sql", "loadable", "empty-id", "no-id", "no-user", "long-query", "list"],
)
def test_a_bad_request_says_why_and_records_nothing(store, user, dataset, query, says):
    with pytest.raises(RequestError) as refused:
        request_dataset(store, user, dataset, query)
    assert says in str(refused.value)
    assert store.demand() == []
    assert not store.path.exists()  # nothing was even opened


def test_the_store_lives_where_the_service_is_told(tmp_path):
    assert store_path({VARIABLE: str(tmp_path / "x.sqlite")}) == tmp_path / "x.sqlite"
    usage = {"SEOUL_USAGE_LOG": "/srv/logs/usage.jsonl"}
    assert str(store_path(usage)) == f"/srv/logs/{FILE_NAME}"  # the service's state folder

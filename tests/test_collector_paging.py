"""The paging loop both collectors share, at its edges, against the loopback fake APIs."""

from __future__ import annotations

import pytest

from seoul_data.collectors import CollectorError, collect_datagokr, collect_seoul
from tests.fake_open_apis import DATAGOKR_KEY, SEOUL_KEY, SPOP_SERVICE

TABLE_ROWS = 2352  # the fake's SPOP_LOCAL_RESD_DONG: 2 days × 24 hours × 49 dongs
AIR_ROWS = 40  # the fake's 서울 air quality stations


def seoul(fake, **kwargs):
    return collect_seoul(SPOP_SERVICE, SEOUL_KEY, base_url=fake.url, **kwargs)


def air(fake, **kwargs):
    kwargs.setdefault("params", {"sidoName": "서울"})
    return collect_datagokr(fake.datagokr_url, DATAGOKR_KEY, **kwargs)


def test_total_on_a_page_edge_asks_no_page_past_it(fake):
    done = []
    collected = seoul(fake, page_size=784, progress=lambda *seen: done.append(seen))

    assert fake.seoul_ranges() == [("1", "784"), ("785", "1568"), ("1569", "2352")]
    assert len(collected.frame) == collected.source["total_rows"] == TABLE_ROWS
    assert done == [(784, TABLE_ROWS), (1568, TABLE_ROWS), (TABLE_ROWS, TABLE_ROWS)]


@pytest.mark.parametrize(("page_size", "pages"), [(10, 4), (20, 2), (40, 1)])
def test_numbered_pages_on_an_edge_ask_no_empty_page(fake, page_size, pages):
    collected = air(fake, page_size=page_size)

    asked = [r.query["pageNo"] for r in fake.requests_for("datagokr")]
    assert asked == [str(page) for page in range(1, pages + 1)]
    assert len(collected.frame) == AIR_ROWS
    assert collected.source["pages"] == pages


def test_numbered_pages_drop_the_surplus_of_the_last_page(fake):
    done = []
    collected = air(fake, page_size=10, max_rows=25, progress=lambda *seen: done.append(seen))

    assert [r.query["numOfRows"] for r in fake.requests_for("datagokr")] == ["10"] * 3
    assert len(collected.frame) == collected.source["rows"] == 25
    assert collected.source["total_rows"] == AIR_ROWS
    assert done == [(10, 25), (20, 25), (25, 25)]


def test_odcloud_pages_drop_the_surplus_of_the_last_page(fake):
    collected = collect_datagokr(
        fake.odcloud_url, DATAGOKR_KEY, page_size=7, max_rows=10, style="odcloud"
    )

    assert [r.query["page"] for r in fake.requests_for("odcloud")] == ["1", "2"]
    assert collected.frame["연번"].tolist() == [str(number) for number in range(1, 11)]


def test_an_empty_last_page_while_rows_are_due_is_a_gap(fake):
    fake.overstate_total(2)  # 42 reported, 40 served: page 3 comes back empty

    with pytest.raises(CollectorError) as raised:
        air(fake, page_size=20)

    message = str(raised.value)
    assert "page 3" in message
    assert "0 rows served, 2 expected of totalCount 42" in message
    assert "lower page_size" not in message  # the hint is for a cap seen on the first page


def test_a_short_last_range_is_a_gap_not_a_page_cap(fake):
    fake.overstate_total(10)

    with pytest.raises(CollectorError) as raised:
        seoul(fake)

    message = str(raised.value)
    assert "rows 2001-2362" in message
    assert "352 rows served, 362 expected of list_total_count 2362" in message
    assert "lower page_size" not in message


@pytest.mark.parametrize(
    ("collect", "fail", "what"),
    [
        (seoul, lambda fake: fake.fail_seoul("INFO-200"), "list_total_count"),
        (air, lambda fake: fake.fail_datagokr("03"), "totalCount"),
    ],
)
def test_no_data_after_the_first_page_means_the_data_changed(fake, collect, fail, what):
    def after_each_page(rows, total):
        fail(fake)  # the next page answers "no data"

    with pytest.raises(CollectorError, match="changed while collecting") as raised:
        collect(fake, page_size=10, progress=after_each_page)

    assert f"{what} went from" in str(raised.value)
    assert " to 0: " in str(raised.value)


@pytest.mark.parametrize(
    ("collect", "kwargs", "code"),
    [
        (seoul, {"filters": ("20991231",)}, "INFO-200"),
        (air, {"params": {"sidoName": "부산"}}, "03"),
    ],
)
def test_no_data_is_one_page_reported_as_done(fake, collect, kwargs, code):
    done = []
    collected = collect(fake, progress=lambda *seen: done.append(seen), **kwargs)

    assert collected.frame.empty
    assert (collected.source["pages"], collected.source["result_code"]) == (1, code)
    assert done == [(0, 0)]

"""Collectors against a real loopback HTTP server that speaks the APIs' formats."""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest
import requests
from urllib3.util.retry import Retry

from seoul_data.collectors import (
    Collected,
    CollectorError,
    collect_datagokr,
    collect_seoul,
    retrying_session,
)
from tests.fake_open_apis import (
    AIR_PATH,
    DATAGOKR_KEY,
    SAMPLE_KEY,
    SEOUL_KEY,
    SEOUL_MESSAGES,
    SPOP_COLUMNS,
    SPOP_SERVICE,
    FakeOpenApis,
    living_population_rows,
)

TABLE_ROWS = len(living_population_rows())  # 2 days × 24 hours × 49 dongs = 2,352
KEY_FORMS = (SEOUL_KEY, DATAGOKR_KEY, quote_plus(DATAGOKR_KEY), quote(DATAGOKR_KEY, safe=""))


@pytest.fixture
def no_wait_session():
    """A retrying session like the default one, without backoff (that waits 0, 1, 2 s)."""
    retry = Retry(total=2, backoff_factor=0, status_forcelist=(503,), raise_on_status=False)
    with retrying_session(retry) as session:
        yield session


def assert_no_key(*texts: object) -> None:
    for text in texts:
        for form in KEY_FORMS:
            assert form not in str(text)


def seoul(fake: FakeOpenApis, **kwargs) -> Collected:
    kwargs.setdefault("base_url", fake.url)
    return collect_seoul(
        kwargs.pop("service", SPOP_SERVICE), kwargs.pop("key", SEOUL_KEY), **kwargs
    )


def air(fake: FakeOpenApis, **kwargs) -> Collected:
    kwargs.setdefault("params", {"sidoName": "서울"})
    return collect_datagokr(
        kwargs.pop("url", fake.datagokr_url), kwargs.pop("key", DATAGOKR_KEY), **kwargs
    )


# -- Seoul Open Data Plaza ------------------------------------------------------------------


def test_pages_through_every_row_in_three_calls(fake):
    done = []
    collected = seoul(fake, progress=lambda rows, total: done.append((rows, total)))

    assert fake.seoul_ranges() == [("1", "1000"), ("1001", "2000"), ("2001", str(TABLE_ROWS))]
    frame = collected.frame
    assert list(frame.columns) == SPOP_COLUMNS
    assert frame.to_dict("records") == living_population_rows()  # in order, as served
    assert not frame.duplicated(["STDR_DE_ID", "TMZON_PD_SE", "ADSTRD_CODE_SE"]).any()
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in frame.dtypes)
    assert done == [(1000, TABLE_ROWS), (2000, TABLE_ROWS), (TABLE_ROWS, TABLE_ROWS)]

    source = collected.source
    assert source["api"] == "seoul_open_api"
    assert source["service"] == SPOP_SERVICE
    assert source["base_url"] == fake.url
    assert source["url"] == f"{fake.url}/***/json/{SPOP_SERVICE}/{{start}}/{{end}}"
    assert (source["total_rows"], source["rows"], source["pages"]) == (TABLE_ROWS,) * 2 + (3,)
    assert source["result_code"] == "INFO-000"
    fetched_at = datetime.fromisoformat(source["fetched_at"])
    assert fetched_at.utcoffset() == timedelta(0)
    assert_no_key(source)


def test_max_rows_stops_early_with_an_exact_range(fake):
    collected = seoul(fake, max_rows=1500, page_size=600)

    assert fake.seoul_ranges() == [("1", "600"), ("601", "1200"), ("1201", "1500")]
    assert collected.frame.to_dict("records") == living_population_rows()[:1500]
    assert collected.source["total_rows"] == TABLE_ROWS


@pytest.mark.parametrize("page_size", [1001, 5000, 0, -1])
def test_page_size_outside_1_to_1000_is_refused_before_any_request(fake, page_size):
    with pytest.raises(ValueError, match="page_size"):
        seoul(fake, page_size=page_size)
    assert fake.requests_for("seoul") == []


def test_filters_select_rows(fake):
    collected = seoul(fake, filters=("20240302", None, "11110515"))

    assert fake.requests_for("seoul")[0].raw_path.endswith("/1/1000/20240302/%20/11110515")
    assert collected.frame["STDR_DE_ID"].eq("20240302").all()
    assert collected.frame["TMZON_PD_SE"].tolist() == [f"{hour:02d}" for hour in range(24)]
    assert collected.source["filters"] == ["20240302", " ", "11110515"]


def test_korean_filters_are_url_encoded_and_no_data_is_an_empty_frame(fake):
    collected = seoul(fake, filters=("20240301", "00", "종로구 청운효자동/1"))

    (request,) = fake.requests_for("seoul")
    assert request.raw_path.endswith(
        "/20240301/00/%EC%A2%85%EB%A1%9C%EA%B5%AC%20"
        "%EC%B2%AD%EC%9A%B4%ED%9A%A8%EC%9E%90%EB%8F%99%2F1"
    )
    assert request.segments[5:] == ["20240301", "00", "종로구 청운효자동/1"]
    assert collected.frame.shape == (0, 0)
    assert collected.source["result_code"] == "INFO-200"
    assert collected.source["total_rows"] == 0


def seoul_failure_codes():
    return sorted(set(SEOUL_MESSAGES) - {"INFO-000", "INFO-200"})


@pytest.mark.parametrize("code", seoul_failure_codes())
def test_each_error_code_raises_with_code_and_message_and_no_key(fake, code):
    fake.fail_seoul(code, times=4)  # ERROR-500/600 are tried 4 times before giving up

    with pytest.raises(CollectorError) as raised:
        seoul(fake)

    message = str(raised.value)
    assert code in message
    assert SEOUL_MESSAGES[code] in message
    assert f"{SPOP_SERVICE} rows 1-1000" in message
    assert f"{fake.url}/***/json/{SPOP_SERVICE}/1/1000" in message
    assert_no_key(message, repr(raised.value), raised.value.__cause__)
    retried = code in ("ERROR-500", "ERROR-600")
    assert len(fake.requests_for("seoul")) == (4 if retried else 1)


@pytest.mark.parametrize(
    ("key", "service", "page_size", "code"),
    [
        ("0123456789abcdef0123456789abcd", SPOP_SERVICE, 1000, "INFO-100"),
        (SEOUL_KEY, "SPOP_NO_SUCH_SERVICE", 1000, "ERROR-310"),
        (SAMPLE_KEY, SPOP_SERVICE, 10, "ERROR-335"),
    ],
)
def test_real_refusals(fake, key, service, page_size, code):
    with pytest.raises(CollectorError, match=code) as raised:
        seoul(fake, key=key, service=service, page_size=page_size)
    assert key not in str(raised.value) or key == SAMPLE_KEY


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("1", "1001", "ERROR-336"),
        ("0", "10", "ERROR-331"),
        ("1", "0", "ERROR-332"),
        ("a", "10", "ERROR-333"),
        ("10", "5", "ERROR-334"),
    ],
)
def test_the_fake_enforces_the_plaza_ranges(fake, start, end, code):
    answer = requests.get(f"{fake.url}/{SEOUL_KEY}/json/{SPOP_SERVICE}/{start}/{end}", timeout=10)
    assert answer.json()["RESULT"]["CODE"] == code


def test_sample_key_serves_five_rows(fake):
    collected = seoul(fake, key=SAMPLE_KEY, page_size=5, max_rows=5)
    assert len(collected.frame) == 5


@pytest.mark.parametrize("code", ["ERROR-500", "ERROR-600"])
def test_transient_server_error_is_retried(fake, code, caplog):
    fake.fail_seoul(code)

    with caplog.at_level(logging.DEBUG):
        collected = seoul(fake)

    assert len(collected.frame) == TABLE_ROWS
    assert fake.seoul_ranges() == [("1", "1000"), ("1", "1000"), ("1001", "2000"), ("2001", "2352")]
    assert collected.source["pages"] == 3
    assert code in caplog.text
    assert_no_key(caplog.text)


def test_http_level_failure_is_retried_by_the_session(fake, no_wait_session, caplog):
    fake.fail_http(503)

    with caplog.at_level(logging.DEBUG):
        collected = seoul(fake, session=no_wait_session, max_rows=10)

    assert len(collected.frame) == 10
    assert len(fake.requests_for("seoul")) == 2
    assert "Retry" in caplog.text  # urllib3 logged the retry, with the key scrubbed
    assert_no_key(caplog.text)


def test_http_failure_that_persists_names_the_status(fake, no_wait_session):
    fake.fail_http(503, times=3)

    with pytest.raises(CollectorError, match="HTTP 503") as raised:
        seoul(fake, session=no_wait_session)
    assert_no_key(raised.value)


def test_unreachable_server_raises_without_the_key(no_wait_session, caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with caplog.at_level(logging.DEBUG), pytest.raises(CollectorError) as raised:
        collect_seoul(
            SPOP_SERVICE, SEOUL_KEY, base_url=f"http://127.0.0.1:{port}", session=no_wait_session
        )

    assert "request failed" in str(raised.value)
    assert raised.value.__cause__ is None
    assert "Retrying" in caplog.text  # urllib3's warning carries the URL: scrubbed
    assert_no_key(raised.value, caplog.text)


def test_total_changing_between_pages_raises(fake):
    fake.grow_after(requests=1, rows=10)

    with pytest.raises(CollectorError, match="changed while collecting") as raised:
        seoul(fake)

    assert f"{TABLE_ROWS} to {TABLE_ROWS + 10}" in str(raised.value)
    assert "rows 1001-2000" in str(raised.value)


# -- data.go.kr -----------------------------------------------------------------------------


def test_datagokr_pages_and_a_single_item_object(fake):
    done = []
    collected = air(fake, page_size=13, progress=lambda rows, total: done.append((rows, total)))

    requests_ = fake.requests_for("datagokr")
    assert [(r.query["pageNo"], r.query["numOfRows"]) for r in requests_] == [
        ("1", "13"),
        ("2", "13"),
        ("3", "13"),
        ("4", "13"),  # 40 = 3 × 13 + 1: the last page's item is a single object
    ]
    assert requests_[0].query["serviceKey"] == DATAGOKR_KEY  # "+/=" arrived intact
    assert requests_[0].query["sidoName"] == "서울"
    assert requests_[0].query["type"] == requests_[0].query["returnType"] == "json"
    frame = collected.frame
    assert len(frame) == 40
    assert frame["stationName"].is_unique
    assert frame["stationName"].iloc[-1] == "동작대로"
    assert frame["pm10Flag"].isna().all()  # null stays missing
    assert done[-1] == (40, 40)

    source = collected.source
    assert source["api"] == "datagokr"
    assert source["service"] == AIR_PATH.strip("/")
    assert source["filters"] == {"type": "json", "returnType": "json", "sidoName": "서울"}
    assert (source["total_rows"], source["rows"], source["pages"]) == (40, 40, 4)
    assert_no_key(source)


def test_datagokr_one_row_in_all(fake):
    collected = air(fake, params={"sidoName": "서울", "stationName": "종로구"})

    assert collected.frame["stationName"].tolist() == ["종로구"]
    assert collected.source["total_rows"] == 1


def test_datagokr_accepts_the_encoding_form_of_the_key(fake):
    collected = air(fake, key=quote(DATAGOKR_KEY, safe=""), max_rows=5)

    assert len(collected.frame) == 5
    assert fake.requests_for("datagokr")[0].query["numOfRows"] == "5"


def test_datagokr_nodata_is_an_empty_frame(fake):
    collected = air(fake, params={"sidoName": "부산"})

    assert collected.frame.shape == (0, 0)
    assert collected.source["result_code"] == "03"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "APPLICATION_ERROR"),
        ("10", "INVALID_REQUEST_PARAMETER_ERROR"),
        ("20", "SERVICE_ACCESS_DENIED_ERROR"),
        ("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"),
        ("31", "DEADLINE_HAS_EXPIRED_ERROR"),
        ("32", "UNREGISTERED_IP_ERROR"),
        ("99", "UNKNOWN_ERROR"),
    ],
)
def test_datagokr_error_codes_raise(fake, code, name):
    fake.fail_datagokr(code)

    with pytest.raises(CollectorError) as raised:
        air(fake)

    assert f"{code} {name}" in str(raised.value)
    assert "serviceKey=***" in str(raised.value)
    assert_no_key(raised.value)


def test_datagokr_missing_mandatory_parameter(fake):
    with pytest.raises(CollectorError, match="11 NO_MANDATORY_REQUEST_PARAMETERS_ERROR"):
        air(fake, params={})


def test_datagokr_xml_gateway_error_for_a_wrong_key(fake):
    with pytest.raises(CollectorError) as raised:
        air(fake, key="Wrong+Key/Value==")

    message = str(raised.value)
    assert "30 SERVICE_KEY_IS_NOT_REGISTERED_ERROR (SERVICE ERROR)" in message
    assert all(form not in message for form in ("Wrong+Key", "Wrong%2BKey"))


def test_datagokr_xml_gateway_error_for_an_unknown_service(fake):
    with pytest.raises(CollectorError, match="12 NO_OPENAPI_SERVICE_ERROR"):
        air(fake, url=fake.url + "/B552584/ArpltnInforInqireSvc/getNothing")


def test_datagokr_xml_answer_to_a_json_request_is_explained(fake):
    with pytest.raises(CollectorError, match="answered XML, not JSON"):
        air(fake, params={"sidoName": "서울", "type": None, "returnType": None})
    assert "type" not in fake.requests_for("datagokr")[0].query


def test_datagokr_page_silently_capped_is_refused(fake):
    fake.cap_datagokr_page(10)

    with pytest.raises(CollectorError, match="at most 10 rows a page: lower page_size"):
        air(fake, page_size=20)


def test_datagokr_http_retry_and_failure(fake, no_wait_session):
    fake.fail_http(503)
    assert len(air(fake, session=no_wait_session).frame) == 40

    fake.fail_http(503, times=3)
    with pytest.raises(CollectorError, match="HTTP 503"):
        air(fake, session=no_wait_session)


@pytest.mark.parametrize(
    "params",
    [{"pageNo": "2"}, {"numofrows": "5"}, {"serviceKey": "another"}],
)
def test_datagokr_paging_and_key_parameters_are_the_collectors(fake, params):
    with pytest.raises(ValueError, match="params may not set"):
        air(fake, params=params)
    assert fake.requests_for("datagokr") == []


def test_datagokr_key_in_the_url_is_refused_without_echoing_it(fake):
    with pytest.raises(ValueError) as raised:
        air(fake, url=f"{fake.datagokr_url}?serviceKey={DATAGOKR_KEY}")
    assert_no_key(raised.value)


# -- odcloud --------------------------------------------------------------------------------


def test_odcloud_pages_and_keeps_numbers_as_served(fake):
    collected = collect_datagokr(fake.odcloud_url, DATAGOKR_KEY, page_size=7, style="odcloud")

    requests_ = fake.requests_for("odcloud")
    assert [(r.query["page"], r.query["perPage"]) for r in requests_] == [
        (str(page), "7") for page in range(1, 6)
    ]
    assert requests_[0].query["returnType"] == "JSON"
    frame = collected.frame
    assert frame["연번"].tolist() == [str(number) for number in range(1, 31)]
    assert frame["위도"].iloc[0] == "37.5700"  # not 37.57: the text that was served
    assert frame["비고"].isna().all()
    assert collected.source["api"] == "odcloud"
    assert collected.source["pages"] == 5


def test_odcloud_counts_matches_under_conditions(fake):
    collected = collect_datagokr(
        fake.odcloud_url,
        DATAGOKR_KEY,
        params={"cond[자치구::EQ]": "중구"},
        page_size=4,
        style="odcloud",
    )

    assert collected.frame["자치구"].eq("중구").all()
    assert collected.source["total_rows"] == len(collected.frame) == 10
    assert len(fake.requests_for("odcloud")) == 3


def test_odcloud_wrong_key(fake):
    with pytest.raises(CollectorError, match="-4 등록되지 않은 인증키") as raised:
        collect_datagokr(fake.odcloud_url, "not+a/key==", style="odcloud")
    assert "not+a" not in str(raised.value)

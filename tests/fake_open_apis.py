"""A loopback fake of the Seoul Open Data Plaza and data.go.kr OpenAPIs, for collector tests.

A real HTTP server on 127.0.0.1 (a free port) that answers in the APIs' own formats:

- Plaza: ``/{KEY}/json/{SERVICE}/{start}/{end}[/{filter}...]`` with the documented
  RESULT codes (INFO-100 wrong key, ERROR-310 unknown service, ERROR-331…336 ranges,
  INFO-200 no data) and service ``SPOP_LOCAL_RESD_DONG``.
- data.go.kr: ``AIR_PATH?serviceKey=…&pageNo=…&numOfRows=…&returnType=json&sidoName=…``
  in the ``response``/``header``/``body`` envelope; key and unknown-service errors come
  as the gateway's XML ``OpenAPI_ServiceResponse``.
- odcloud: ``ODCLOUD_PATH?serviceKey=…&page=…&perPage=…`` answered ``{"data": […], …}``.

The tables are SYNTHETIC: real dong codes and station names, invented values.
Knobs make it misbehave the way the real services do: fail a page with a code, fail at the
HTTP level, grow the table between pages, serve fewer rows than asked.
"""

from __future__ import annotations

import json
import random
import re
import threading
import xml.etree.ElementTree as ElementTree
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: The Plaza key the fake accepts (real keys are 30 hex digits), and its sample key.
SEOUL_KEY = "4d6f636b5365756c4b657930313233"
SAMPLE_KEY = "sample"
#: The data.go.kr key in its "Decoding" form; "+", "/" and "=" must be sent encoded.
DATAGOKR_KEY = "Fk3+Portal/Key9TEST0x7QmZ1vA8sL2nR4wE6yU0iO5pH3jG1fD9cB7xN5mK2q=="

SPOP_SERVICE = "SPOP_LOCAL_RESD_DONG"
AIR_PATH = "/B552584/ArpltnInforInqireSvc/getCtprvnRltmMesureDnsty"
ODCLOUD_PATH = "/api/15000000/v1/uddi:00000000-fake-seoul-libraries"

SEOUL_MESSAGES = {
    "INFO-000": "정상 처리되었습니다",
    "INFO-100": "인증키가 유효하지 않습니다. 인증키가 없는 경우, 열린 데이터 광장 홈페이지에서 "
    "인증키를 신청하십시오.",
    "INFO-200": "해당하는 데이터가 없습니다.",
    "ERROR-300": "필수 값이 누락되어 있습니다. 요청인자를 참고 하십시오.",
    "ERROR-301": "파일타입 값이 누락 혹은 유효하지 않습니다. 요청인자 중 TYPE을 확인하십시오.",
    "ERROR-310": "해당하는 서비스를 찾을 수 없습니다. 요청인자 중 SERVICE를 확인하십시오.",
    "ERROR-331": "요청시작위치 값을 확인하십시오. 요청인자 중 START_INDEX를 확인하십시오.",
    "ERROR-332": "요청종료위치 값을 확인하십시오. 요청인자 중 END_INDEX를 확인하십시오.",
    "ERROR-333": "요청위치 값의 타입이 유효하지 않습니다. 요청위치 값은 정수를 입력하세요.",
    "ERROR-334": "요청종료위치 보다 요청시작위치가 더 큽니다. "
    "요청시작조회건수는 정수를 입력하세요.",
    "ERROR-335": "샘플데이터(샘플키:sample) 는 한번에 최대 5건을 넘을 수 없습니다. "
    "요청시작위치와 요청종료위치 값은 1 ~ 5 사이만 가능합니다.",
    "ERROR-336": "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다. 요청종료위치에서 "
    "요청시작위치를 뺀 값이 1000을 넘지 않도록 수정하세요.",
    "ERROR-500": "서버 오류입니다. 지속적으로 발생시 열린 데이터 광장으로 문의(Q&A) 바랍니다.",
    "ERROR-600": "데이터베이스 연결 오류입니다. 지속적으로 발생시 열린 데이터 광장으로 "
    "문의(Q&A) 바랍니다.",
    "ERROR-601": "SQL 문장 오류 입니다. 지속적으로 발생시 열린 데이터 광장으로 문의(Q&A) 바랍니다.",
}

DATAGOKR_MESSAGES = {
    "00": "NORMAL_CODE",
    "01": "APPLICATION_ERROR",
    "03": "NODATA_ERROR",
    "10": "INVALID_REQUEST_PARAMETER_ERROR",
    "11": "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    "12": "NO_OPENAPI_SERVICE_ERROR",
    "20": "SERVICE_ACCESS_DENIED_ERROR",
    "22": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    "30": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    "31": "DEADLINE_HAS_EXPIRED_ERROR",
    "32": "UNREGISTERED_IP_ERROR",
    "99": "UNKNOWN_ERROR",
}

# Real 행정동 codes (MOIS, 8 digits) of 종로구, 중구, 용산구 and one of 성동구.
_DONG_CODES = (  # noqa: SIM905 (a compact table)
    "11110515 11110530 11110540 11110550 11110560 11110570 11110580 11110600 11110615 "
    "11110630 11110640 11110650 11110670 11110680 11110690 11110700 11110710 11140520 "
    "11140540 11140550 11140570 11140580 11140590 11140605 11140615 11140625 11140635 "
    "11140645 11140650 11140665 11140670 11140680 11170510 11170520 11170530 11170555 "
    "11170560 11170570 11170580 11170590 11170625 11170630 11170640 11170650 11170660 "
    "11170685 11170690 11170700 11200520"
).split()

_AGE_BANDS = (  # noqa: SIM905 (a compact table)
    "0T9 10T14 15T19 20T24 25T29 30T34 35T39 40T44 45T49 50T54 55T59 60T64 65T69 70T74"
).split()

SPOP_COLUMNS = [
    "STDR_DE_ID",
    "TMZON_PD_SE",
    "ADSTRD_CODE_SE",
    "TOT_LVPOP_CO",
    *(f"{sex}_F{band}_LVPOP_CO" for sex in ("MALE", "FEMALE") for band in _AGE_BANDS),
]

_AIR_STATIONS = (  # noqa: SIM905 (a compact table)
    "중구 종로구 용산구 광진구 성동구 중랑구 동대문구 성북구 도봉구 은평구 서대문구 마포구 "
    "강서구 구로구 영등포구 동작구 관악구 강남구 서초구 송파구 강동구 금천구 강북구 양천구 "
    "노원구 한강대로 종로 청계천로 신촌로 강남대로 홍릉로 화랑로 영등포로 정릉로 천호대로 도산대로 "
    "공항대로 시흥대로 궁동 동작대로"
).split()

# A JSON number served with exactly this text (json.dumps cannot write "37.5720").
_RAW_NUMBER = "\x00number:"


def living_population_rows(
    dates: tuple[str, ...] = ("20240301", "20240302"), seed: int = 14991
) -> list[dict[str, str]]:
    """SYNTHETIC 행정동 생활인구 rows in the Plaza's layout: dates × 24 hours × 49 dongs."""
    rng = random.Random(seed)
    rows = []
    for date in dates:
        for hour in range(24):
            daytime = 1.0 + 0.6 * (9 <= hour <= 18)
            for code in _DONG_CODES:
                bands = [rng.uniform(50, 1500) * daytime for _ in range(2 * len(_AGE_BANDS))]
                row = {
                    "STDR_DE_ID": date,
                    "TMZON_PD_SE": f"{hour:02d}",
                    "ADSTRD_CODE_SE": code,
                    "TOT_LVPOP_CO": f"{sum(bands):.4f}",
                }
                row.update(zip(SPOP_COLUMNS[4:], (f"{value:.4f}" for value in bands), strict=True))
                rows.append(row)
    return rows


def air_quality_rows() -> list[dict[str, Any]]:
    """SYNTHETIC 시도별 실시간 측정정보 rows for 서울 (real station names, invented values)."""
    rng = random.Random(552584)
    return [
        {
            "sidoName": "서울",
            "stationName": station,
            "mangName": "도시대기" if index < 25 else "도로변대기",
            "dataTime": "2024-03-01 14:00",
            "pm10Value": str(rng.randint(15, 90)),
            "pm25Value": str(rng.randint(5, 50)),
            "o3Value": f"{rng.uniform(0.005, 0.06):.3f}",
            "khaiGrade": str(rng.randint(1, 3)),
            "pm10Flag": None,
        }
        for index, station in enumerate(_AIR_STATIONS)
    ]


def library_rows() -> list[dict[str, Any]]:
    """SYNTHETIC odcloud-style rows: Korean column names, JSON numbers and nulls."""
    gus = ("종로구", "중구", "용산구")
    return [
        {
            "연번": index + 1,
            "도서관명": f"가상 {gus[index % 3]} 작은도서관 {index + 1}",
            "자치구": gus[index % 3],
            "위도": f"{_RAW_NUMBER}37.{5700 + index * 7:04d}",
            "경도": f"{_RAW_NUMBER}126.{9790 + index * 3:04d}",
            "비고": None,
        }
        for index in range(30)
    ]


@dataclass
class Recorded:
    """One request the fake received."""

    api: str
    raw_path: str
    segments: list[str]
    query: dict[str, str]


@dataclass
class _State:
    tables: dict[str, list[dict[str, Any]]]
    air: list[dict[str, Any]]
    libraries: list[dict[str, Any]]
    requests: list[Recorded] = field(default_factory=list)
    seoul_failures: deque[str] = field(default_factory=deque)
    datagokr_failures: deque[str] = field(default_factory=deque)
    http_failures: deque[int] = field(default_factory=deque)
    grow: tuple[int, int] | None = None
    datagokr_page_cap: int | None = None
    overstated: int = 0


class FakeOpenApis:
    """The fake server; ``start()`` it (or use it as a context manager), ``reset()`` between
    tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenApis:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-open-apis"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self) -> FakeOpenApis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Plaza base URL (``http://127.0.0.1:PORT``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def datagokr_url(self) -> str:
        return self.url + AIR_PATH

    @property
    def odcloud_url(self) -> str:
        return self.url + ODCLOUD_PATH

    # -- knobs -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Fresh tables, no recorded requests, no pending failures."""
        with self._lock:
            self.state = _State(
                tables={SPOP_SERVICE: living_population_rows()},
                air=air_quality_rows(),
                libraries=library_rows(),
            )

    def fail_seoul(self, code: str, times: int = 1) -> None:
        """Answer the next ``times`` Plaza requests with RESULT ``code``."""
        with self._lock:
            self.state.seoul_failures.extend([code] * times)

    def fail_datagokr(self, code: str, times: int = 1) -> None:
        """Answer the next ``times`` data.go.kr requests with header.resultCode ``code``."""
        with self._lock:
            self.state.datagokr_failures.extend([code] * times)

    def fail_http(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` requests (any API) with a bare HTTP error."""
        with self._lock:
            self.state.http_failures.extend([status] * times)

    def grow_after(self, requests: int, rows: int) -> None:
        """Append ``rows`` rows to SPOP_LOCAL_RESD_DONG once ``requests`` Plaza requests were
        answered, as when the publisher loads a new day while someone is collecting."""
        with self._lock:
            self.state.grow = (requests, rows)

    def cap_datagokr_page(self, rows: int | None) -> None:
        """Serve at most ``rows`` rows per data.go.kr page whatever numOfRows asks."""
        with self._lock:
            self.state.datagokr_page_cap = rows

    def overstate_total(self, rows: int) -> None:
        """Report ``rows`` more rows in the Plaza and data.go.kr totals than are served, as
        an API whose count and rows disagree: the pages past the real rows come back empty."""
        with self._lock:
            self.state.overstated = rows

    def requests_for(self, api: str) -> list[Recorded]:
        """The requests received for ``api`` ("seoul", "datagokr" or "odcloud")."""
        with self._lock:
            return [request for request in self.state.requests if request.api == api]

    def seoul_ranges(self) -> list[tuple[str, str]]:
        """(start, end) of each Plaza request, as sent."""
        return [tuple(r.segments[3:5]) for r in self.requests_for("seoul")]

    # -- answers ---------------------------------------------------------------------------
    def answer(self, raw_path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        segments = [unquote(part) for part in raw_path.strip("/").split("/")]
        if segments[0] == AIR_PATH.split("/")[1]:
            api = "datagokr"
        elif raw_path.startswith("/api/"):
            api = "odcloud"
        else:
            api = "seoul"
        with self._lock:
            self.state.requests.append(Recorded(api, raw_path, segments, dict(query)))
            if self.state.http_failures:
                status = self.state.http_failures.popleft()
                return status, "text/plain", b"Service Temporarily Unavailable"
            if api == "seoul":
                return self._seoul(segments)
            if api == "datagokr":
                return self._datagokr(raw_path, query)
            return self._odcloud(raw_path, query)

    def _seoul(self, segments: list[str]) -> tuple[int, str, bytes]:
        state = self.state

        def result(code: str, service: str | None = None) -> tuple[int, str, bytes]:
            answer = {"RESULT": {"CODE": code, "MESSAGE": SEOUL_MESSAGES[code]}}
            return _json(answer if service is None else {service: answer})

        if state.seoul_failures:
            return result(state.seoul_failures.popleft())
        if len(segments) < 5:
            return result("ERROR-300")
        key, kind, service, start, end, *filters = segments
        if key not in (SEOUL_KEY, SAMPLE_KEY):
            return result("INFO-100")
        if kind != "json":
            return result("ERROR-301")
        table = state.tables.get(service)
        if table is None:
            return result("ERROR-310")
        if not (start.isdigit() and end.isdigit()):
            return result("ERROR-333")
        first, last = int(start), int(end)
        if first < 1:
            return result("ERROR-331")
        if last < 1:
            return result("ERROR-332")
        if first > last:
            return result("ERROR-334")
        if key == SAMPLE_KEY and last > 5:
            return result("ERROR-335")
        if last - first + 1 > 1000:
            return result("ERROR-336")
        # Positional filters: STDR_DE_ID, TMZON_PD_SE, ADSTRD_CODE_SE; a space skips one.
        rows = [
            row
            for row in table
            if all(
                value.strip() == "" or row[column] == value
                for column, value in zip(SPOP_COLUMNS[:3], filters, strict=False)
            )
        ]
        if not rows or first > len(rows):
            return result("INFO-200")
        answer = {
            service: {
                "list_total_count": len(rows) + state.overstated,
                "RESULT": {"CODE": "INFO-000", "MESSAGE": SEOUL_MESSAGES["INFO-000"]},
                "row": rows[first - 1 : last],
            }
        }
        served = sum(r.api == "seoul" for r in state.requests)
        if state.grow is not None and served >= state.grow[0]:
            extra = living_population_rows(("20240303",), seed=served)[: state.grow[1]]
            table.extend(extra)
            state.grow = None
        return _json(answer)

    def _datagokr(self, raw_path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        state = self.state
        if raw_path != AIR_PATH:
            return _gateway_error("12")
        if query.get("serviceKey") != DATAGOKR_KEY:
            return _gateway_error("30")
        as_json = "json" in (query.get("returnType", "") + query.get("type", "")).lower()

        def header_only(code: str) -> tuple[int, str, bytes]:
            header = {"resultCode": code, "resultMsg": DATAGOKR_MESSAGES[code]}
            if as_json:
                return _json({"response": {"header": header}})
            return _xml_response(header, None)

        if state.datagokr_failures:
            return header_only(state.datagokr_failures.popleft())
        if "sidoName" not in query:
            return header_only("11")
        page, size = query.get("pageNo", "1"), query.get("numOfRows", "10")
        if not (page.isdigit() and size.isdigit()) or int(page) < 1 or int(size) < 1:
            return header_only("10")
        rows = [
            row
            for row in state.air
            if row["sidoName"] == query["sidoName"]
            and query.get("stationName", row["stationName"]) == row["stationName"]
        ]
        if not rows:
            return header_only("03")
        size_n = min(int(size), state.datagokr_page_cap or int(size))
        first = (int(page) - 1) * int(size)
        chunk = rows[first : first + size_n]
        body = {
            # One row is served as an object, none as "": as the portal's JSON converter does.
            "items": "" if not chunk else {"item": chunk[0] if len(chunk) == 1 else chunk},
            "numOfRows": size_n,
            "pageNo": int(page),
            "totalCount": len(rows) + state.overstated,
        }
        header = {"resultCode": "00", "resultMsg": DATAGOKR_MESSAGES["00"]}
        if as_json:
            return _json({"response": {"header": header, "body": body}})
        return _xml_response(header, body)

    def _odcloud(self, raw_path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if raw_path != ODCLOUD_PATH:
            return _json({"code": -2, "msg": "잘못된 요청입니다."}, status=404)
        if query.get("serviceKey") != DATAGOKR_KEY:
            return _json({"code": -4, "msg": "등록되지 않은 인증키 입니다."}, status=401)
        page, per_page = int(query.get("page", "1")), int(query.get("perPage", "10"))
        rows = self.state.libraries
        conditions = {
            match.group(1): value
            for name, value in query.items()
            if (match := re.fullmatch(r"cond\[(.+)::EQ\]", name))
        }
        matched = [row for row in rows if all(row.get(c) == v for c, v in conditions.items())]
        data = matched[(page - 1) * per_page : page * per_page]
        return _json(
            {
                "currentCount": len(data),
                "data": data,
                "matchCount": len(matched),
                "page": page,
                "perPage": per_page,
                "totalCount": len(rows),
            }
        )


def _json(payload: Any, status: int = 200) -> tuple[int, str, bytes]:
    text = json.dumps(payload, ensure_ascii=False)
    text = re.sub(r'"\\u0000number:([-0-9.eE+]+)"', r"\1", text)
    return status, "application/json;charset=UTF-8", text.encode("utf-8")


def _gateway_error(code: str) -> tuple[int, str, bytes]:
    root = ElementTree.Element("OpenAPI_ServiceResponse")
    header = ElementTree.SubElement(root, "cmmMsgHeader")
    ElementTree.SubElement(header, "errMsg").text = "SERVICE ERROR"
    ElementTree.SubElement(header, "returnAuthMsg").text = DATAGOKR_MESSAGES[code]
    ElementTree.SubElement(header, "returnReasonCode").text = code
    return 200, "text/xml;charset=UTF-8", ElementTree.tostring(root, encoding="utf-8")


def _xml_response(header: dict[str, str], body: dict[str, Any] | None) -> tuple[int, str, bytes]:
    root = ElementTree.Element("response")
    head = ElementTree.SubElement(root, "header")
    for name, value in header.items():
        ElementTree.SubElement(head, name).text = value
    if body is not None:
        body_element = ElementTree.SubElement(root, "body")
        items = ElementTree.SubElement(body_element, "items")
        listed = body["items"]["item"] if body["items"] else []
        for row in [listed] if isinstance(listed, dict) else listed:
            item = ElementTree.SubElement(items, "item")
            for name, value in row.items():
                ElementTree.SubElement(item, name).text = value
        for name in ("numOfRows", "pageNo", "totalCount"):
            ElementTree.SubElement(body_element, name).text = str(body[name])
    return 200, "text/xml;charset=UTF-8", ElementTree.tostring(root, encoding="utf-8")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        # keep_blank_values: a sent-but-empty parameter is not a missing one.
        query = {name: values[-1] for name, values in parse_qs(parts.query, True).items()}
        status, content_type, body = self.server.fake.answer(parts.path, query)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``FakeOpenApis.requests_for`` instead."""

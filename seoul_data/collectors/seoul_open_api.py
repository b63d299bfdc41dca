"""Collect a Seoul Open Data Plaza (서울 열린데이터광장) OpenAPI service.

``GET {base_url}/{KEY}/json/{SERVICE}/{start}/{end}[/{filter}...]`` with 1-based inclusive
row ranges of at most 1,000 rows. A JSON answer is ``{SERVICE: {"list_total_count": N,
"RESULT": {"CODE": "INFO-000", "MESSAGE": ...}, "row": [...]}}``; errors may come as a
top-level ``{"RESULT": {...}}`` instead.
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import requests

from seoul_data.collectors.http import (
    REDACTED,
    CollectorError,
    Redactor,
    get_page,
    parse_json_as_served,
)
from seoul_data.collectors.paging import (
    Collected,
    Page,
    Progress,
    check_paging,
    collect_pages,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://openapi.seoul.go.kr:8088"

#: The Plaza serves at most this many rows per request (ERROR-336 beyond).
MAX_PAGE_SIZE = 1000

OK = "INFO-000"
NO_DATA = "INFO-200"

#: The documented result codes and what they mean.
RESULT_CODES = {
    "INFO-000": "정상 처리되었습니다",
    "INFO-100": "인증키가 유효하지 않습니다",
    "INFO-200": "해당하는 데이터가 없습니다",
    "ERROR-300": "필수 값이 누락되어 있습니다",
    "ERROR-301": "파일타입 값이 누락 혹은 유효하지 않습니다",
    "ERROR-310": "해당하는 서비스를 찾을 수 없습니다",
    "ERROR-331": "요청시작위치 값을 확인하십시오",
    "ERROR-332": "요청종료위치 값을 확인하십시오",
    "ERROR-333": "요청위치 값의 타입이 유효하지 않습니다",
    "ERROR-334": "요청종료위치 보다 요청시작위치가 더 큽니다",
    "ERROR-335": "샘플데이터는 한번에 최대 5건을 넘을 수 없습니다",
    "ERROR-336": "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다",
    "ERROR-500": "서버 오류입니다",
    "ERROR-600": "데이터베이스 연결 오류입니다",
    "ERROR-601": "SQL 문장 오류입니다",
}

#: Server-side failures worth asking again for; the others will not change on a retry.
TRANSIENT_CODES = frozenset({"ERROR-500", "ERROR-600"})

#: Retries of a page answered with a transient code, and the first wait (doubled each time).
TRANSIENT_RETRIES = 3
TRANSIENT_BACKOFF_S = 0.5

_SERVICE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def collect_seoul(
    service: str,
    key: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    filters: Sequence[str | None] = (),
    page_size: int = MAX_PAGE_SIZE,
    max_rows: int | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
) -> Collected:
    """Collect every row of a Plaza service (or the first ``max_rows``) as strings.

    service: the OpenAPI service name, e.g. ``SPOP_LOCAL_RESD_DONG`` (행정동 생활인구).
    key: the Plaza 인증키; it is never shown (``***``).
    filters: the service's optional positional arguments after the row range, e.g.
        ``("20240301",)`` for a date; ``None`` skips one (sent as a space) so a later one
        can be given. Each is URL-encoded as one path segment (Korean text included).
    page_size: rows per request, 1 to 1,000.
    session: a requests session; by default one from ``retrying_session()``.
    progress: called after each page with (rows so far, rows expected).

    INFO-200 (no data) gives an empty frame; every other code but INFO-000 raises
    :class:`CollectorError`, after a few retries for ERROR-500 and ERROR-600. The total
    reported by the API must stay the same from page to page.
    """
    if not isinstance(service, str) or not _SERVICE_NAME.fullmatch(service):
        raise ValueError(f"not a Plaza service name: {service!r}")
    if not key or not isinstance(key, str):
        raise ValueError("an API key (인증키) is required")
    check_paging(page_size, max_rows, largest=MAX_PAGE_SIZE)
    segments = [" " if value is None else str(value) for value in filters or ()]
    if any(value == "" for value in segments):
        raise ValueError("an empty filter cannot be sent; pass None to skip one")
    base_url = base_url.rstrip("/")
    pager = _Pager(service, key, base_url, [quote(value, safe="") for value in segments])

    log.info("Collecting %s from %s, filters %s", service, base_url, list(segments))
    paged = collect_pages(
        pager, page_size=page_size, max_rows=max_rows, session=session, progress=progress
    )
    frame = paged.frame
    log.info(
        "Collected %s: %d of %d rows in %d pages", service, len(frame), paged.total, paged.pages
    )
    return Collected(
        frame=frame,
        source={
            "api": "seoul_open_api",
            "service": service,
            "base_url": base_url,
            "url": f"{base_url}/{REDACTED}/json/{service}/{{start}}/{{end}}"
            + "".join(f"/{value}" for value in pager.filters),
            "filters": list(segments),
            "total_rows": paged.total,
            "rows": len(frame),
            "pages": paged.pages,
            "result_code": paged.code,
            "fetched_at": paged.fetched_at,
        },
    )


class _Pager:
    """Asks for one row range and reads the answer, retrying transient server errors."""

    total_name = "list_total_count"
    exact_ranges = True

    def __init__(self, service: str, key: str, base_url: str, filters: list[str]) -> None:
        self.service = service
        self.base_url = base_url
        self.filters = filters
        self.redact = Redactor(key)
        self._key = quote(key, safe="")

    def _url(self, key: str, start: int, end: int) -> str:
        tail = "".join(f"/{value}" for value in self.filters)
        return f"{self.base_url}/{key}/json/{self.service}/{start}/{end}{tail}"

    def describe(self, offset: int, size: int) -> str:
        start, end = offset + 1, offset + size
        return f"{self.service} rows {start}-{end} ({self._url(REDACTED, start, end)})"

    def fetch(self, http: requests.Session, offset: int, size: int) -> Page:
        """The rows ``offset + 1`` to ``offset + size`` (INFO-200, no data: an empty page)."""
        start, end = offset + 1, offset + size
        what = self.describe(offset, size)
        attempt = 0
        while True:
            response = get_page(
                http,
                self._url(self._key, start, end),
                shown_url=self._url(REDACTED, start, end),
                what=f"{self.service} rows {start}-{end}",
                redact=self.redact,
            )
            code, message, block = self._decode(response, what)
            if code == NO_DATA:
                return Page([], 0, code)
            if code == OK:
                total = _total_of(block, what)
                return Page(_rows_of(block, what), total, code)
            if code in TRANSIENT_CODES and attempt < TRANSIENT_RETRIES:
                wait = TRANSIENT_BACKOFF_S * 2**attempt
                attempt += 1
                log.warning("%s: %s %s; retrying in %.1fs", what, code, message, wait)
                time.sleep(wait)
                continue
            tries = f" (after {attempt + 1} tries)" if code in TRANSIENT_CODES else ""
            raise CollectorError(f"{what}: {code} {message}{tries}")

    def _decode(self, response: requests.Response, what: str) -> tuple[str, str, dict[str, Any]]:
        text = response.content.decode("utf-8", errors="replace")
        if text.lstrip().startswith("<"):
            code, message = _xml_result(text)
            if code:
                return code, message, {}
        if response.status_code != 200:
            raise CollectorError(
                f"{what}: HTTP {response.status_code}: {self.redact(text[:200])!r}"
            )
        try:
            payload = parse_json_as_served(text)
        except ValueError:
            raise CollectorError(f"{what}: not JSON: {self.redact(text[:200])!r}") from None
        if not isinstance(payload, dict):
            raise CollectorError(f"{what}: unexpected answer: {self.redact(text[:200])!r}")
        block = _service_block(payload, self.service)
        result = (block or payload).get("RESULT")
        if not isinstance(result, dict) or "CODE" not in result:
            raise CollectorError(f"{what}: no RESULT.CODE in the answer")
        code = str(result["CODE"]).strip()
        message = str(result.get("MESSAGE") or RESULT_CODES.get(code, "")).strip()
        return code, message, block or {}


def _service_block(payload: dict[str, Any], service: str) -> dict[str, Any] | None:
    # The answer is keyed by the service name, whose case may differ from the request's.
    for name, value in payload.items():
        if name.upper() == service.upper() and isinstance(value, dict):
            return value
    return None


def _xml_result(text: str) -> tuple[str, str]:
    """(CODE, MESSAGE) of an XML answer (e.g. an error when JSON was asked), or ("", "")."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return "", ""
    return (root.findtext(".//CODE") or "").strip(), (root.findtext(".//MESSAGE") or "").strip()


def _total_of(block: dict[str, Any], what: str) -> int:
    try:
        return int(block["list_total_count"])
    except (KeyError, TypeError, ValueError):
        raise CollectorError(f"{what}: no usable list_total_count in the answer") from None


def _rows_of(block: dict[str, Any], what: str) -> list[dict[str, Any]]:
    rows = block.get("row", [])
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise CollectorError(f"{what}: 'row' is not a list of records")
    return rows

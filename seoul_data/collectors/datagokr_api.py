"""Collect an OpenAPI of data.go.kr (공공데이터포털).

Two styles share the portal's service key:

- ``"datagokr"`` (apis.data.go.kr): ``GET url?serviceKey=KEY&pageNo=N&numOfRows=M&type=json``
  answered ``{"response": {"header": {"resultCode": "00", "resultMsg": ...}, "body":
  {"items": {"item": [...]}, "numOfRows": M, "pageNo": N, "totalCount": T}}}``. ``item`` is
  a single object when there is one row, ``items`` is ``""`` when there are none, and the
  gateway answers some errors as XML (``OpenAPI_ServiceResponse``) whatever was asked.
- ``"odcloud"`` (api.odcloud.kr): ``GET url?serviceKey=KEY&page=N&perPage=M`` answered
  ``{"currentCount", "data": [...], "matchCount", "page", "perPage", "totalCount"}``;
  errors are ``{"code": -4, "msg": ...}``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlencode, urlsplit

import requests

from seoul_data.collectors.http import (
    REDACTED,
    CollectorError,
    Redactor,
    get_page,
    parse_json_as_served,
)
from seoul_data.collectors.paging import Collected, Page, Progress, check_paging, collect_pages

log = logging.getLogger(__name__)

Style = Literal["datagokr", "odcloud"]

#: The portal's common result codes (header.resultCode / returnReasonCode).
RESULT_CODES = {
    "00": "NORMAL_SERVICE",
    "01": "APPLICATION_ERROR",
    "02": "DB_ERROR",
    "03": "NODATA_ERROR",
    "04": "HTTP_ERROR",
    "05": "SERVICETIME_OUT",
    "10": "INVALID_REQUEST_PARAMETER_ERROR",
    "11": "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    "12": "NO_OPENAPI_SERVICE_ERROR",
    "20": "SERVICE_ACCESS_DENIED_ERROR",
    "21": "TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR",
    "22": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    "30": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    "31": "DEADLINE_HAS_EXPIRED_ERROR",
    "32": "UNREGISTERED_IP_ERROR",
    "33": "UNSIGNED_CALL_ERROR",
    "99": "UNKNOWN_ERROR",
}


@dataclass(frozen=True)
class _Paging:
    page: str
    size: str
    #: Sent unless the caller's params override them (a value of None drops one).
    format_params: Mapping[str, str]


_STYLES: dict[str, _Paging] = {
    "datagokr": _Paging("pageNo", "numOfRows", {"type": "json", "returnType": "json"}),
    "odcloud": _Paging("page", "perPage", {"returnType": "JSON"}),
}


def collect_datagokr(
    url: str,
    service_key: str,
    *,
    params: Mapping[str, Any] | None = None,
    page_size: int = 1000,
    max_rows: int | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    style: Style = "datagokr",
) -> Collected:
    """Collect every row of a data.go.kr OpenAPI (or the first ``max_rows``) as strings.

    url: the operation's URL, e.g.
        ``https://apis.data.go.kr/B552584/ArpltnInforInqireSvc/getCtprvnRltmMesureDnsty``.
    service_key: the portal's 일반 인증키, either form (Encoding or Decoding); never shown.
    params: the operation's own request parameters, e.g. ``{"sidoName": "서울"}``. The
        format parameters sent by default (``type=json&returnType=json``; odcloud
        ``returnType=JSON``) can be overridden here, or dropped with ``None``.
    page_size: numOfRows (perPage). An API that silently serves fewer rows than asked is
        detected and refused rather than leaving gaps.
    style: ``"datagokr"`` (pageNo/numOfRows, the ``response`` envelope) or ``"odcloud"``
        (page/perPage, api.odcloud.kr).

    NODATA_ERROR (03) gives an empty frame; any other error code raises
    :class:`CollectorError` with the code and message.
    """
    if style not in _STYLES:
        raise ValueError(f"style must be one of {sorted(_STYLES)}, not {style!r}")
    paging = _STYLES[style]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("url must be an http(s) URL of the operation")
    if "servicekey" in parts.query.lower():
        raise ValueError("pass the key as service_key, not in the url")
    if not service_key or not isinstance(service_key, str):
        raise ValueError("a service key (인증키) is required")
    check_paging(page_size, max_rows)
    reserved = {"servicekey", paging.page.lower(), paging.size.lower()}
    clash = sorted(name for name in params or {} if name.lower() in reserved)
    if clash:
        raise ValueError(f"params may not set {clash}: the collector sends them")
    sent = {
        name: str(value)
        for name, value in {**paging.format_params, **(params or {})}.items()
        if value is not None
    }
    if max_rows is not None:
        page_size = min(page_size, max_rows)

    # The portal hands out the key URL-encoded and decoded; send the decoded one encoded once.
    key = unquote(service_key) if "%" in service_key else service_key
    fetcher = _Fetcher(url, key, Redactor(service_key, key), paging, sent, page_size, style)

    log.info("Collecting %s (%s) with %s", url, style, sent)
    paged = collect_pages(
        fetcher, page_size=page_size, max_rows=max_rows, session=session, progress=progress
    )
    frame = paged.frame
    log.info("Collected %s: %d of %d rows in %d pages", url, len(frame), paged.total, paged.pages)
    return Collected(
        frame=frame,
        source={
            "api": style,
            "service": parts.path.strip("/"),
            "base_url": url,
            "url": fetcher.shown_url(None),
            "filters": dict(sent),
            "total_rows": paged.total,
            "rows": len(frame),
            "pages": paged.pages,
            "page_size": page_size,
            "result_code": paged.code,
            "fetched_at": paged.fetched_at,
        },
    )


class _Fetcher:
    """Asks for one numbered page and reads the answer."""

    total_name = "totalCount"
    exact_ranges = False

    def __init__(
        self,
        url: str,
        key: str,
        redact: Redactor,
        paging: _Paging,
        params: dict[str, str],
        page_size: int,
        style: str,
    ) -> None:
        self.url = url
        self.redact = redact
        self.style = style
        self._key = key
        self._paging = paging
        self._params = params
        self._page_size = page_size

    def _query(self, key: str, page_no: int | None) -> dict[str, str]:
        paging = self._paging
        page = "{page}" if page_no is None else str(page_no)
        return {
            "serviceKey": key,
            paging.page: page,
            paging.size: str(self._page_size),
            **self._params,
        }

    def shown_url(self, page_no: int | None) -> str:
        query = self._query(REDACTED, page_no)
        del query["serviceKey"]
        return f"{self.url}?serviceKey={REDACTED}&{urlencode(query, safe='{}')}"

    def _page_no(self, offset: int) -> int:
        # Every page but the last is full, so an offset is always a whole number of pages.
        return offset // self._page_size + 1

    def describe(self, offset: int, size: int) -> str:
        page_no = self._page_no(offset)
        return f"{urlsplit(self.url).path.strip('/')} page {page_no} ({self.shown_url(page_no)})"

    def fetch(self, http: requests.Session, offset: int, size: int) -> Page:
        """The page holding row ``offset`` (NODATA_ERROR: an empty page)."""
        page_no = self._page_no(offset)
        what = self.describe(offset, size)
        response = get_page(
            http,
            self.url,
            params=self._query(self._key, page_no),
            shown_url=self.shown_url(page_no),
            what=f"{urlsplit(self.url).path.strip('/')} page {page_no}",
            redact=self.redact,
        )
        text = response.content.decode("utf-8", errors="replace")
        if text.lstrip().startswith("<"):
            return self._from_xml(text, what)
        try:
            payload = parse_json_as_served(text)
        except ValueError:
            raise CollectorError(
                f"{what}: HTTP {response.status_code}, not JSON: {self.redact(text[:200])!r}"
            ) from None
        if not isinstance(payload, dict):
            raise CollectorError(f"{what}: unexpected answer: {self.redact(text[:200])!r}")
        if self.style == "odcloud":
            return self._from_odcloud(payload, what, response.status_code)
        return self._from_envelope(payload, what, response.status_code)

    def _from_envelope(self, payload: dict[str, Any], what: str, status: int) -> Page:
        envelope = payload.get("response", payload)
        header = envelope.get("header") if isinstance(envelope, dict) else None
        if not isinstance(header, dict) or "resultCode" not in header:
            raise CollectorError(
                f"{what}: HTTP {status}, no response.header.resultCode in the answer"
            )
        code = _normal_code(header["resultCode"])
        message = str(header.get("resultMsg") or RESULT_CODES.get(code, "")).strip()
        if code == "03":
            return Page([], 0, code)
        if code != "00":
            raise CollectorError(f"{what}: {code} {message}")
        body = envelope.get("body")
        if not isinstance(body, dict):
            raise CollectorError(f"{what}: no response.body in the answer")
        rows = _items(body.get("items"), what)
        return Page(rows, _count(body, "totalCount", what), code)

    def _from_odcloud(self, payload: dict[str, Any], what: str, status: int) -> Page:
        if "data" not in payload:
            if "code" in payload:
                code = str(payload["code"]).strip()
                raise CollectorError(f"{what}: {code} {str(payload.get('msg', '')).strip()}")
            raise CollectorError(f"{what}: HTTP {status}, no 'data' in the answer")
        rows = payload["data"] or []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise CollectorError(f"{what}: 'data' is not a list of records")
        # matchCount is the total under the request's conditions; totalCount ignores them.
        name = "matchCount" if "matchCount" in payload else "totalCount"
        return Page(rows, _count(payload, name, what), "00")

    def _from_xml(self, text: str, what: str) -> Page:
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError:
            raise CollectorError(f"{what}: unreadable XML: {self.redact(text[:200])!r}") from None
        reason = root.findtext(".//returnReasonCode")
        if reason is not None:
            code = _normal_code(reason)
            message = (root.findtext(".//returnAuthMsg") or RESULT_CODES.get(code, "")).strip()
            detail = (root.findtext(".//errMsg") or "").strip()
            raise CollectorError(f"{what}: {code} {message}" + (f" ({detail})" if detail else ""))
        result = root.findtext(".//resultCode")
        if result is not None:
            code = _normal_code(result)
            message = (root.findtext(".//resultMsg") or RESULT_CODES.get(code, "")).strip()
            if code == "03":
                return Page([], 0, code)
            if code != "00":
                raise CollectorError(f"{what}: {code} {message}")
        raise CollectorError(
            f"{what}: the API answered XML, not JSON; its format parameter may have another "
            "name: pass it in params, e.g. {'_type': 'json'} or {'dataType': 'JSON'}"
        )


def _normal_code(value: Any) -> str:
    """'0', '00' and 0 are all NORMAL: numeric codes are compared as two digits."""
    code = str(value).strip()
    return f"{int(code):02d}" if code.isdigit() else code


def _items(items: Any, what: str) -> list[dict[str, Any]]:
    if items in (None, "", []):
        return []
    if isinstance(items, dict):
        items = items.get("item", [])
        if items in (None, ""):
            return []
    if isinstance(items, dict):
        return [items]
    if not isinstance(items, list) or not all(isinstance(row, dict) for row in items):
        raise CollectorError(f"{what}: 'items' is not a list of records")
    return items


def _count(block: Mapping[str, Any], name: str, what: str) -> int:
    try:
        return int(block[name])
    except (KeyError, TypeError, ValueError):
        raise CollectorError(f"{what}: no usable {name} in the answer") from None

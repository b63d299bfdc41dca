"""The paging loop every collector runs: ask page after page until the total is reached.

An API plugs in as a :class:`PageSource`: how to ask for the rows from ``offset`` (how a page
is addressed) and how to read one answer into a :class:`Page` (its rows, the total the API
reports, its result code). The loop checks what is common to all of them: the total stays the
same from page to page, every page holds the rows it should (no silent gaps), progress is
reported after each page, and collection stops at the total or at ``max_rows``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd
import requests

from seoul_data.collectors.http import (
    CollectorError,
    Redactor,
    scrubbed_url_logs,
    session_or_default,
)

#: Called after each page with (rows collected so far, rows expected in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class Collected:
    """What a collector returns.

    ``frame`` holds the rows exactly as served: every column is a string column (missing
    values stay missing), no type is inferred. ``source`` is provenance: ``api``, ``service``,
    ``base_url`` (never the key), ``filters``, ``total_rows`` (as reported by the API),
    ``rows``, ``pages``, ``result_code`` and ``fetched_at`` (ISO 8601, UTC).
    """

    frame: pd.DataFrame
    source: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """One answer of an API: its rows, the total it reports and its result code.

    An answer meaning "no data" is a page with no rows and a total of 0.
    """

    rows: list[dict[str, Any]]
    total: int
    code: str


class PageSource(Protocol):
    """What the paging loop needs to know about one API."""

    #: What the API calls its total, for messages (``list_total_count``, ``totalCount``).
    total_name: str
    #: True when a request names its exact rows (START_INDEX/END_INDEX), so the last one
    #: asks for just the rows still wanted; False for fixed pages (pageNo/numOfRows), where
    #: every request asks ``page_size`` rows and the surplus of the last one is dropped.
    exact_ranges: bool
    #: Scrubs the API key from urllib3's log lines while collecting.
    redact: Redactor

    def describe(self, offset: int, size: int) -> str:
        """The request for ``size`` rows from 0-based ``offset``, for messages (no key)."""
        ...

    def fetch(self, http: requests.Session, offset: int, size: int) -> Page:
        """Ask for ``size`` rows from 0-based ``offset``; raise CollectorError on an error."""
        ...


@dataclass(frozen=True, eq=False)
class Paged:
    """What the paging loop collected: the rows (at most ``max_rows``) as strings, the total
    the API reported, the pages asked, the last page's result code and when it started."""

    frame: pd.DataFrame
    total: int
    pages: int
    code: str
    fetched_at: str


def collect_pages(
    source: PageSource,
    *,
    page_size: int,
    max_rows: int | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
) -> Paged:
    """Page through ``source`` until its total (or ``max_rows``) rows are collected.

    page_size: rows per request. session: a requests session; by default one from
    ``retrying_session()``. progress: called after each page with (rows so far, rows
    expected).

    Raises CollectorError when the total changes between pages (the data changed while
    collecting) or a page holds more or fewer rows than the total implies.
    """
    fetched_at = utc_now()
    rows: list[dict[str, Any]] = []
    total: int | None = None
    pages = 0
    with session_or_default(session) as http, scrubbed_url_logs(source.redact):
        while True:
            offset = len(rows)
            size = page_size
            if source.exact_ranges:
                for limit in (max_rows, total):
                    if limit is not None:
                        size = min(size, limit - offset)
            what = source.describe(offset, size)
            page = source.fetch(http, offset, size)
            pages += 1
            if total is None:
                total = page.total
            elif page.total != total:
                raise CollectorError(
                    f"{what}: {source.total_name} went from {total} to {page.total}: the data "
                    "changed while collecting; collect again"
                )
            target = total if max_rows is None else min(total, max_rows)
            expected = max(0, min(offset + size, total) - offset)
            if len(page.rows) != expected:
                hint = ""
                if offset == 0 and 0 < len(page.rows) < expected:
                    # A cap on rows a page shows on the first page; a short later one is a gap.
                    hint = (
                        f"; the API may serve at most {len(page.rows)} rows a page: lower page_size"
                    )
                raise CollectorError(
                    f"{what}: {len(page.rows)} rows served, {expected} expected of "
                    f"{source.total_name} {total}{hint}"
                )
            rows.extend(page.rows)
            if progress is not None:
                progress(min(len(rows), target), target)
            if len(rows) >= target:
                frame = frame_of_strings(rows[:target])
                return Paged(frame, total, pages, page.code, fetched_at)


def check_paging(page_size: int, max_rows: int | None, *, largest: int | None = None) -> None:
    """Refuse a page size or row limit that cannot work, before any request."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, not {page_size!r}")
    if largest is not None and page_size > largest:
        raise ValueError(f"page_size {page_size} is above this API's limit of {largest} rows")
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1
    ):
        raise ValueError(f"max_rows must be a positive integer or None, not {max_rows!r}")


def _as_served(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def frame_of_strings(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (dicts parsed by ``parse_json_as_served``) as a frame of string columns."""
    records = [{name: _as_served(value) for name, value in row.items()} for row in rows]
    if not records:
        return pd.DataFrame()
    return pd.DataFrame(records, dtype="str")


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")

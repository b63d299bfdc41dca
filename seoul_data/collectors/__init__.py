"""Collectors (수집): page through public open-data APIs into a frame of strings.

Each collector returns a :class:`Collected`: the rows exactly as served (every column a
string; the ingest pipeline validates types) and a ``source`` dict that says where they came
from. Failures raise :class:`CollectorError` with the service, the page and the API's own
code and message. API keys never appear in a message, a log line or ``source``: they are
replaced by ``***``.

- :func:`collect_seoul`: Seoul Open Data Plaza (openapi.seoul.go.kr:8088).
- :func:`collect_datagokr`: data.go.kr (apis.data.go.kr and api.odcloud.kr).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from seoul_data import __version__

#: Connect and read timeouts (seconds) for one page.
TIMEOUT = (10, 120)

#: What the key is replaced with wherever a URL or message is shown.
REDACTED = "***"

#: Called after each page with (rows collected so far, rows expected in all).
Progress = Callable[[int, int], None]

# urllib3 puts request URLs (and so keys sent in the path or the query) into these loggers,
# the retry warning included; they are scrubbed while a collection runs.
_URL_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.util.retry",
)


class CollectorError(ValueError):
    """An API refused a request or answered something that cannot be collected."""


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


def default_retry() -> Retry:
    """The HTTP-level retry policy: connection failures and 429/5xx, with backoff."""
    return Retry(
        total=3,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        # The last 5xx answer is returned, so the collector can report what the API said.
        raise_on_status=False,
    )


def retrying_session(retry: Retry | None = None) -> requests.Session:
    """Return a requests session that retries failed connections and 429/5xx answers.

    retry: a urllib3 ``Retry``; :func:`default_retry` when not given.
    """
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry if retry is not None else default_retry())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"seoul-data/{__version__}"
    return session


class Redactor:
    """Replaces a secret, in every form it takes in a URL, with ``***``."""

    def __init__(self, *secrets: str) -> None:
        forms = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so that a form containing another is replaced whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text


class _RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


@contextlib.contextmanager
def scrubbed_url_logs(redact: Redactor) -> Iterator[None]:
    """While active, redact secrets from the log records urllib3 writes URLs into."""
    log_filter = _RedactingFilter(redact)
    loggers = [logging.getLogger(name) for name in _URL_LOGGERS]
    for logger in loggers:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(log_filter)


@contextlib.contextmanager
def session_or_default(session: requests.Session | None) -> Iterator[requests.Session]:
    """Use the caller's session as is, or a :func:`retrying_session` closed afterwards."""
    if session is not None:
        yield session
        return
    with retrying_session() as own:
        yield own


def get_page(
    session: requests.Session,
    url: str,
    *,
    shown_url: str,
    what: str,
    redact: Redactor,
    params: Mapping[str, Any] | None = None,
) -> requests.Response:
    """GET ``url``; a transport failure becomes a CollectorError naming ``shown_url``."""
    try:
        return session.get(url, params=params, timeout=TIMEOUT)
    except requests.RequestException as exc:
        # ``from None``: the original exception's text and traceback carry the key.
        detail = redact(f"{type(exc).__name__}: {exc}")
        raise CollectorError(f"{what} ({shown_url}): request failed: {detail}") from None


def parse_json_as_served(text: str) -> Any:
    """Parse JSON keeping numbers as the text that was served (``"1.50"`` stays "1.50")."""
    return json.loads(text, parse_int=str, parse_float=str, parse_constant=str)


def _as_served(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def frame_of_strings(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (dicts parsed by :func:`parse_json_as_served`) as a frame of string columns."""
    records = [{name: _as_served(value) for name, value in row.items()} for row in rows]
    if not records:
        return pd.DataFrame()
    return pd.DataFrame(records, dtype="str")


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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


# The collectors use the helpers above, so they are imported once those exist.
from seoul_data.collectors.datagokr_api import collect_datagokr  # noqa: E402
from seoul_data.collectors.seoul_open_api import collect_seoul  # noqa: E402

__all__ = [
    "Collected",
    "CollectorError",
    "Progress",
    "collect_datagokr",
    "collect_seoul",
    "default_retry",
    "retrying_session",
]

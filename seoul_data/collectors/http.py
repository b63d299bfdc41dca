"""One GET of an open-data API: a retrying session, a timeout, and the key kept out of sight.

API keys never appear in a message, a log line or a collection's ``source``: every form
they take in a URL is replaced by ``***``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

#: Connect and read timeouts (seconds) for one page.
TIMEOUT = (10, 120)

#: What the key is replaced with wherever a URL or message is shown.
REDACTED = "***"

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
    session.headers["User-Agent"] = f"seoul-data/{_version()}"
    return session


def _version() -> str:
    # Read from the installed distribution: importing the ``seoul_data`` facade for its
    # ``__version__`` would load every dashboard module into a collector.
    try:
        return importlib.metadata.version("seoul-data-hub")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "dev"


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

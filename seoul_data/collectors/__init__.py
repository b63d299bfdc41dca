"""Collectors (수집): page through public open-data APIs into a frame of strings.

Each collector returns a :class:`Collected`: the rows exactly as served (every column a
string; the ingest pipeline validates types) and a ``source`` dict that says where they came
from. Failures raise :class:`CollectorError` with the service, the page and the API's own
code and message. API keys never appear in a message, a log line or ``source``: they are
replaced by ``***``.

- :func:`collect_seoul`: Seoul Open Data Plaza (openapi.seoul.go.kr:8088).
- :func:`collect_datagokr`: data.go.kr (apis.data.go.kr and api.odcloud.kr).

Both run the one paging loop of :mod:`seoul_data.collectors.paging` over the HTTP helpers
of :mod:`seoul_data.collectors.http`; each keeps only how its API is asked and answers.
"""

from __future__ import annotations

from seoul_data.collectors.datagokr_api import collect_datagokr
from seoul_data.collectors.http import CollectorError, default_retry, retrying_session
from seoul_data.collectors.paging import Collected, Progress
from seoul_data.collectors.seoul_open_api import collect_seoul

__all__ = [
    "Collected",
    "CollectorError",
    "Progress",
    "collect_datagokr",
    "collect_seoul",
    "default_retry",
    "retrying_session",
]

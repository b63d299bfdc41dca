"""Requests for catalogue-only datasets (자료 요청): the demand administrators read to
decide which data to bring onto the platform.

A catalogue-only entry is listed (data.go.kr's catalogue) but has no file here, and its
page is on an internet portal that the city's separated network cannot reach. A staff
member who needs it presses "이 자료 요청하기"; the request records who asked (the hub user
of the request, never a name the browser or a kernel sends: the REST API in
``extensions/seoul_data_search`` passes it), which dataset, what they had asked and when.
One person asking twice for the same dataset counts once.

    store = RequestStore(path)
    request_dataset(store, "carol", "datagokr.15088924", "강남구 어린이집 현황")
    store.demand()     # per dataset, most requested first

The store is one small SQLite file, :func:`store_path`: ``SEOUL_DATA_REQUESTS``, or beside
the usage log of the service that takes the requests (the dashboards service's own state
folder, which no user's server mounts). Only the service writes it; administrators read it
through the API or on the host.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seoul_data.catalog import Dataset

#: The variable naming the store's file.
VARIABLE = "SEOUL_DATA_REQUESTS"
#: The store's file name beside the service's usage log when the variable is not set.
FILE_NAME = "data_requests.sqlite"
MAX_QUERY_CHARS = 500
MAX_USER_CHARS = 255
#: How many of a dataset's queries the demand shows (the latest first).
QUERIES_SHOWN = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_requests (
    user TEXT NOT NULL,
    dataset TEXT NOT NULL,
    title TEXT NOT NULL,
    holder TEXT NOT NULL,
    provider TEXT NOT NULL,
    source_id TEXT NOT NULL,
    query TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    PRIMARY KEY (user, dataset)
)
"""


class RequestError(ValueError):
    """A request that cannot be recorded; the message (Korean) says why."""


@dataclass(frozen=True)
class DataRequest:
    """One person's request for a dataset (the first time they asked)."""

    user: str
    dataset: str
    title: str
    holder: str
    query: str
    requested_at: str


@dataclass(frozen=True)
class Demand:
    """A dataset's requests: how many people asked, who, what they asked and when."""

    dataset: str
    title: str
    #: who holds it (the publisher of the catalogue entry) and whose catalogue lists it
    holder: str
    provider: str
    source_id: str
    requests: int
    users: tuple[str, ...]
    queries: tuple[str, ...]
    first_requested: str
    last_requested: str

    def to_json(self) -> dict:
        return {**asdict(self), "users": list(self.users), "queries": list(self.queries)}


def store_path(environ: dict | None = None) -> Path:
    """The store's file: ``SEOUL_DATA_REQUESTS``, or beside the usage log
    (``SEOUL_USAGE_LOG``: the service's state folder)."""
    from seoul_data.access import USAGE_LOG_VARIABLE, usage_log_path

    env = os.environ if environ is None else environ
    if env.get(VARIABLE):
        return Path(env[VARIABLE])
    if env.get(USAGE_LOG_VARIABLE):
        return Path(env[USAGE_LOG_VARIABLE]).parent / FILE_NAME
    return usage_log_path().parent / FILE_NAME


class RequestStore:
    """The requests in one SQLite file (created on first use, readable by its owner only)."""

    def __init__(self, path: str | Path, clock: Callable[[], datetime] | None = None) -> None:
        """clock: the time of a request (default: now, UTC)."""
        self.path = Path(path)
        self.clock = clock or (lambda: datetime.now(UTC))

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # the file holds who asked for what: its owner's only, before anything is in it
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, timeout=10)
        db.execute(_SCHEMA)
        return db

    def record(self, user: str, dataset: Dataset, query: str = "") -> tuple[DataRequest, bool]:
        """Record ``user``'s request for ``dataset`` (a catalog ``Dataset``): the request and
        whether it is new (False: they had asked before; the first request stands)."""
        now = self.clock().astimezone(UTC).isoformat(timespec="seconds")
        row = (
            user,
            dataset.id,
            dataset.title,
            dataset.publisher,
            dataset.provider,
            dataset.source_id,
            query,
            now,
        )
        with closing(self._connect()) as db, db:
            added = db.execute(
                "INSERT INTO data_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user, dataset) DO NOTHING",
                row,
            ).rowcount
            first = db.execute(
                "SELECT user, dataset, title, holder, query, requested_at FROM data_requests"
                " WHERE user = ? AND dataset = ?",
                (user, dataset.id),
            ).fetchone()
        return DataRequest(*first), bool(added)

    def demand(self, limit: int | None = None) -> list[Demand]:
        """Every requested dataset, most requested first (then the most recently asked)."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT dataset, COUNT(*), MIN(requested_at), MAX(requested_at)"
                " FROM data_requests GROUP BY dataset"
                " ORDER BY COUNT(*) DESC, MAX(requested_at) DESC, dataset"
                + (" LIMIT ?" if limit is not None else ""),
                () if limit is None else (int(limit),),
            ).fetchall()
            found = []
            for dataset, count, first, last in rows:
                asked = db.execute(
                    "SELECT user, query, title, holder, provider, source_id FROM data_requests"
                    " WHERE dataset = ? ORDER BY requested_at DESC, user",
                    (dataset,),
                ).fetchall()
                queries = [q for q in dict.fromkeys(a[1] for a in asked) if q]
                latest = asked[0]
                found.append(
                    Demand(
                        dataset=dataset,
                        title=latest[2],
                        holder=latest[3],
                        provider=latest[4],
                        source_id=latest[5],
                        requests=count,
                        users=tuple(sorted(a[0] for a in asked)),
                        queries=tuple(queries[:QUERIES_SHOWN]),
                        first_requested=first,
                        last_requested=last,
                    )
                )
        return found


def request_dataset(
    store: RequestStore, user: str, dataset_id: str, query: str = ""
) -> tuple[DataRequest, bool]:
    """Record ``user``'s request for a catalogue-only dataset of the catalog; RequestError
    (Korean) and nothing recorded for an unknown id, a dataset already on the platform, no
    user or a query that is too long. Returns the request and whether it is new."""
    from seoul_data.catalog import CatalogError
    from seoul_data.load import open_catalog

    if not isinstance(user, str) or not user.strip() or len(user) > MAX_USER_CHARS:
        raise RequestError("요청한 사람을 알 수 없어 기록하지 않았습니다. 다시 로그인해 주세요.")
    if not isinstance(dataset_id, str) or not dataset_id.strip():
        raise RequestError("요청할 자료의 ID가 없습니다 (예: datagokr.15088924).")
    if not isinstance(query, str):
        raise RequestError("검색어(query)는 글자여야 합니다.")
    query = " ".join(query.split())
    if len(query) > MAX_QUERY_CHARS:
        raise RequestError(f"검색어가 너무 깁니다. {MAX_QUERY_CHARS}자 이하로 보내 주세요.")
    try:
        dataset = open_catalog().get(dataset_id.strip())
    except CatalogError:
        raise RequestError(
            f"목록에 없는 자료 ID입니다: {dataset_id.strip()[:100]!r}. 요청을 기록하지 않았습니다."
        ) from None
    if dataset.loadable:
        raise RequestError(
            f"'{dataset.title}'은(는) 이미 플랫폼에 있는 자료라 요청할 필요가 없습니다."
            f' sd.load("{dataset.id}")로 불러오세요.'
        )
    return store.record(user.strip(), dataset, query)

"""Who may read which dataset, and the usage log of who read what.

The hub passes a user's groups to their container as ``SEOUL_DATA_GROUPS`` and mounts
only the data those groups may read; this module gives the same answer in Python with a
clear message, for the datasets whose metadata is visible to everyone.

- ``public``: everyone.
- ``internal``: any platform user (someone with at least one group).
- ``restricted``: members of the dataset's ``allowed_groups``, and administrators.

Whoever runs the code is its reader: in a user's own server, the server's owner (the
environment the hub gives it). A service that reads for many people (the dashboards
service's REST API) names the reader of each request with :func:`reading_as`, so access
checks and the usage log see that person, not the service's account.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from seoul_data.catalog import Dataset

GROUPS_VARIABLE = "SEOUL_DATA_GROUPS"
USAGE_LOG_VARIABLE = "SEOUL_USAGE_LOG"


@dataclass(frozen=True)
class Reader:
    """Someone data is read for: the name the usage log gives, the groups access is
    checked against."""

    name: str
    groups: frozenset[str]

    @classmethod
    def of(cls, name: str, groups: Iterable[str], *, admin: bool = False) -> Reader:
        """A reader with the platform's groups; an administrator also counts as ``admin``
        (as the hub's spawner passes them to a user's server)."""
        named = {g for g in groups if g}
        return cls(name, frozenset(named | {"admin"} if admin else named))


_reader: ContextVar[Reader | None] = ContextVar("seoul_data_reader", default=None)


@contextmanager
def reading_as(reader: Reader) -> Iterator[Reader]:
    """Within the block (in this thread or task), read data for ``reader``: access checks
    use its groups and usage events carry its name."""
    token = _reader.set(reader)
    try:
        yield reader
    finally:
        _reader.reset(token)


def current_groups() -> set[str]:
    """The groups of whoever runs this code (empty outside the platform)."""
    reader = _reader.get()
    if reader is not None:
        return set(reader.groups)
    return {g.strip() for g in os.environ.get(GROUPS_VARIABLE, "").split(",") if g.strip()}


def may_read(dataset: Dataset, groups: set[str]) -> bool:
    """Whether members of ``groups`` may read ``dataset``'s data."""
    if dataset.access == "public":
        return True
    if dataset.access == "internal":
        return bool(groups)
    return "admin" in groups or bool(groups & set(dataset.allowed_groups))


def check_access(dataset: Dataset) -> None:
    """Raise PermissionError (with a Korean message) unless the current user may read."""
    if not may_read(dataset, current_groups()):
        raise PermissionError(
            f"'{dataset.title}' ({dataset.id})은(는) 접근 등급 '{dataset.access}' 데이터로,"
            " 현재 사용자에게 열람 권한이 없습니다. 데이터 관리자에게 권한을 요청하세요."
        )


def check_readable(dataset: Dataset, path: str | Path) -> None:
    """Raise PermissionError (Korean) when this server's data view does not hold the file.

    On the platform a file is readable only through the data views a server was started
    with (seoul_data/data_permissions.py): a dataset opened to the user after the start
    needs a new start, and the shared dashboards service holds no restricted dataset."""
    if not os.access(path, os.R_OK):
        raise PermissionError(
            f"'{dataset.title}' ({dataset.id})의 파일이 이 서버의 데이터 보기에 없습니다."
            " 권한이 최근에 바뀌었다면 서버를 다시 시작하세요. 대시보드 서비스는 제한 데이터를"
            " 열지 않으니, 권한이 있다면 내 JupyterLab에서 여세요."
        )


def usage_log_path() -> Path:
    """Where usage events go: ``SEOUL_USAGE_LOG`` or the user's state directory."""
    configured = os.environ.get(USAGE_LOG_VARIABLE)
    if configured:
        return Path(configured)
    state = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return state / "seoul_data" / "usage.jsonl"


def log_usage(action: str, target: str) -> None:
    """Append one usage event (who, what, when); never fails the caller's work."""
    reader = _reader.get()
    event = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": reader.name if reader else os.environ.get("JUPYTERHUB_USER") or getpass.getuser(),
        "action": action,
        "target": target,
    }
    path = usage_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event, ensure_ascii=False) + "\n")
    except OSError:
        pass  # a read-only home must not stop an analysis; the hub keeps its own log

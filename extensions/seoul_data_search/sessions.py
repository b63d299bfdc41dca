"""Search conversations kept in the server's memory, per user, capped in number and age.

A conversation is found by the user's name and an opaque id the client keeps, so one user
cannot reach another's conversation even with its id. Nothing is written to disk: a server
restart starts every conversation afresh, as a closed browser tab would.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from traitlets import Float, Integer
from traitlets.config import LoggingConfigurable

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvalidSessionId(ValueError):
    """A session id that is not 1–64 letters, digits, '-' or '_'."""


@dataclass
class _Entry:
    session: object  # seoul_data.search.Session (imported lazily: it pulls in pandas)
    used: float


def new_session_id() -> str:
    """An unguessable session id."""
    return secrets.token_urlsafe(16)


def check_session_id(session_id: str) -> str:
    """``session_id`` itself, or InvalidSessionId."""
    if not _SESSION_ID.match(session_id):
        raise InvalidSessionId(session_id)
    return session_id


class SearchSessions(LoggingConfigurable):
    """The conversations of every user of this server (a user server has one user; the
    dashboards service has many)."""

    max_sessions = Integer(
        1000,
        config=True,
        help="""How many conversations the server keeps, for all users together. When full,
        the one used least recently is forgotten. Each costs a few kB.
        Example: ``c.SearchSessions.max_sessions = 5000``""",
    )
    max_sessions_per_user = Integer(
        20,
        config=True,
        help="""How many conversations one user may keep (one per open browser tab or
        notebook). When over, that user's least recently used one is forgotten, so a single
        user cannot push out everyone else's.
        Example: ``c.SearchSessions.max_sessions_per_user = 5``""",
    )
    max_idle_seconds = Float(
        8 * 3600,
        config=True,
        help="""Seconds after its last use that a conversation is forgotten (a working day
        by default). Example: ``c.SearchSessions.max_idle_seconds = 3600``""",
    )

    def __init__(
        self,
        session_factory: Callable[[], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs,
    ) -> None:
        """session_factory: makes a new conversation (default: ``sd.search_session``).
        clock: seconds, for the idle limit."""
        super().__init__(**kwargs)
        self._factory = session_factory or _search_session
        self.clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def open(self, user: str, session_id: str | None) -> tuple[str, object]:
        """The user's conversation ``session_id`` (a new id when None); created if absent."""
        session_id = new_session_id() if session_id is None else check_session_id(session_id)
        session = self.find(user, session_id)
        if session is None:
            session = self._factory()
            self._entries[(user, session_id)] = _Entry(session, self.clock())
            self._enforce_caps(user)
        return session_id, session

    def find(self, user: str, session_id: str) -> object | None:
        """The user's conversation ``session_id`` if it is kept (a use: its idle time starts
        again), without creating one."""
        self._expire()
        key = (user, check_session_id(session_id))
        entry = self._entries.get(key)
        if entry is None:
            return None
        entry.used = self.clock()
        self._entries.move_to_end(key)
        return entry.session

    def forget(self, user: str, session_id: str) -> bool:
        """Drop the user's conversation; whether there was one."""
        return self._entries.pop((user, check_session_id(session_id)), None) is not None

    def _expire(self) -> None:
        oldest = self.clock() - self.max_idle_seconds
        # entries are in order of last use, so the expired ones are at the front
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if entry.used > oldest:
                break
            del self._entries[key]
            self.log.debug("search session of %s expired", key[0])

    def _enforce_caps(self, user: str) -> None:
        own = [key for key in self._entries if key[0] == user]
        for key in own[: max(0, len(own) - self.max_sessions_per_user)]:
            del self._entries[key]
            self.log.info(
                "search session of %s dropped: over %d per user", user, self.max_sessions_per_user
            )
        while len(self._entries) > self.max_sessions:
            key, _ = self._entries.popitem(last=False)
            self.log.info("search session of %s dropped: over %d in all", key[0], self.max_sessions)


def _search_session() -> object:
    from seoul_data.search import search_session

    return search_session()

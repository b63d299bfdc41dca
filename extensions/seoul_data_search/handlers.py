"""The REST API under ``{base_url}seoul-data/api/``: search, ask, context, preview and
requests for catalogue-only datasets.

    GET    search?q=&k=&field=&gu=&provider=&format=&access=&session=
    GET    ask?q=&session=
    GET    context?session=
    DELETE context?session=
    GET    preview?id=&limit=&where=
    POST   requests                 (the dashboards service: extensions/.../data_requests.py)
    GET    requests?limit=          (administrators)

Every reply is JSON. A request without a ``session`` gets a new conversation; its id comes
back in the reply, to send with the follow-ups ("그중 강남구만"). A follow-up that narrows
the datasets found before gives, in ``narrowed``, the filter of each kept dataset's rows:
the ``where`` to preview them with. Errors are JSON too (``{"message": ...}``), in Korean:
400 for bad input, 403 for data the user may not read.

A preview's ``where`` is a structured filter, JSON: a list of ``[column, op, value]``
conditions that must all hold (``[["gu", "=", "강남구"], ["year", ">=", 2019]]``; ops:
``seoul_data.load.FILTER_OPERATORS``); columns are checked against the dataset's schema and
values bound as parameters. SQL is never taken from a request.

Who reads: in a user's own server, its owner (the groups and name the hub gave the server);
in the dashboards service, which many people use, the hub user of each request
(``hub_identity``), so access checks and usage events name that person. Either way the
library work runs inside ``seoul_data.load.untrusted_input()``: every DuckDB session it
opens reads only the files it was opened for.

The library work (Korean analysis, ranking, DuckDB reads) runs on one worker thread, so the
server stays responsive and a conversation is never changed by two requests at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from extensions.seoul_data_search import API_PATH
from extensions.seoul_data_search.previews import UnknownDataset, preview
from extensions.seoul_data_search.sessions import (
    InvalidSessionId,
    SearchSessions,
    check_session_id,
)

if TYPE_CHECKING:
    from seoul_data.access import Reader

MAX_K = 100
MAX_TEXT_CHARS = 500
MAX_PREVIEW_ROWS = 50
MAX_FILTER_CHARS = 2000
ACCESS_LEVELS = ("public", "internal", "restricted")
FILTER_EXAMPLE = '[["gu", "=", "강남구"], ["year", ">=", 2019]]'


class BadRequest(ValueError):
    """Input the API refuses; the message (Korean) goes back to the client with a 400."""


class SeoulDataHandler(APIHandler):
    """Shared parts: the user's conversations, argument checks, the worker thread."""

    #: the resource name jupyter_server's Authorizer is asked about
    auth_resource = "seoul-data"

    def initialize(
        self, sessions: SearchSessions, executor: Executor, hub_identity: bool = False
    ) -> None:
        self.sessions = sessions
        self.executor = executor
        self.hub_identity = hub_identity

    @property
    def reader(self) -> Reader | None:
        """Whom the library reads for: the request's hub user (name, groups, admins as
        ``admin``) when the server serves many users; None in a user's own server, whose
        environment names its owner. A user model without groups reads public data only."""
        if not self.hub_identity:
            return None
        from seoul_data.access import Reader

        model = getattr(self.current_user, "hub_user", None) or {}
        name = model.get("name") or self.current_user.username
        if model.get("kind", "user") != "user":
            name = f"{model['kind']}:{name}"
        return Reader.of(name, model.get("groups") or (), admin=bool(model.get("admin")))

    @property
    def owner(self) -> str:
        """Whose conversations a request may use: its user's. The server's own token names no
        user (jupyter_server makes up an anonymous one per client), so whoever holds that
        token is one owner, the server's."""
        if self.token_authenticated:
            return "server-token"
        return f"user:{self.current_user.username}"

    def text_argument(self, subject: str = "검색어가", example: str = "따릉이 대여소") -> str:
        """The request's ``q``; subject: what it is, with its particle ('질문이')."""
        text = self.get_argument("q", "").strip()
        if not text:
            raise web.HTTPError(400, f"{subject} 비어 있습니다. q=…에 적어 주세요 (예: {example}).")
        if len(text) > MAX_TEXT_CHARS:
            raise web.HTTPError(
                400, f"{subject} 너무 깁니다. {MAX_TEXT_CHARS}자 이하로 적어 주세요."
            )
        return text

    def int_argument(self, name: str, default: int, high: int) -> int:
        raw = self.get_argument(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= high:
            raise web.HTTPError(400, f"{name}은(는) 1부터 {high} 사이의 정수여야 합니다: {raw!r}")
        return value

    def session_argument(self, required: bool = False) -> str | None:
        session_id = self.get_argument("session", "").strip()
        if not session_id:
            if required:
                raise web.HTTPError(400, "대화 ID가 필요합니다 (session=…).")
            return None
        try:
            return check_session_id(session_id)
        except InvalidSessionId:
            raise web.HTTPError(
                400, "대화 ID 형식이 올바르지 않습니다 (영문·숫자·-·_ 64자 이하)."
            ) from None

    def open_session(self) -> tuple[str, object]:
        """The conversation the request names (a new one when it names none)."""
        return self.sessions.open(self.owner, self.session_argument())

    async def work(self, function, /, *args, **kwargs):
        """Run library code on the worker thread, for the request's reader, with locked
        DuckDB sessions; its refusals become 400 and 403."""
        call = functools.partial(_checked, self.reader, function, *args, **kwargs)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, call)
        except (BadRequest, UnknownDataset) as e:
            raise web.HTTPError(400, str(e)) from None
        except PermissionError as e:
            self.log.info("seoul-data: %s was refused: %s", self.owner, e)
            raise web.HTTPError(403, str(e)) from None

    def reply(self, data: dict) -> None:
        self.finish(json.dumps(data, ensure_ascii=False, default=str))


class SearchHandler(SeoulDataHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        text = self.text_argument()
        k = self.int_argument("k", 10, MAX_K)
        facets = {
            name: self.get_argument(name, "").strip() or None
            for name in ("field", "gu", "provider", "format", "access")
        }
        session_id, session = self.open_session()
        self.reply({**await self.work(_search, text, k, session, facets), "session": session_id})


class AskHandler(SeoulDataHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        text = self.text_argument("질문이", "2019년 송파구 인구는 몇 명이야?")
        session_id, session = self.open_session()
        self.reply({**await self.work(_ask, text, session), "session": session_id})


class ContextHandler(SeoulDataHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        session_id = self.session_argument(required=True)
        session = self.sessions.find(self.owner, session_id)
        context = {} if session is None else await self.work(session.context)
        self.reply({"session": session_id, "context": context, "known": session is not None})

    @web.authenticated
    @authorized
    async def delete(self) -> None:
        session_id = self.session_argument(required=True)
        known = self.sessions.forget(self.owner, session_id)
        self.reply({"session": session_id, "context": {}, "cleared": known})


class PreviewHandler(SeoulDataHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        dataset_id = self.get_argument("id", "").strip()
        if not dataset_id:
            raise web.HTTPError(400, "미리 볼 데이터의 ID를 적어 주세요 (id=…).")
        limit = self.int_argument("limit", 5, MAX_PREVIEW_ROWS)
        where = self.filter_argument()
        self.reply(await self.work(preview, dataset_id, limit, where))

    def filter_argument(self) -> list | None:
        """The request's ``where``: a structured filter (JSON), never SQL."""
        raw = self.get_argument("where", "").strip()
        if not raw:
            return None
        if len(raw) > MAX_FILTER_CHARS:
            raise web.HTTPError(
                400, f"필터(where)가 너무 깁니다. {MAX_FILTER_CHARS}자 이하로 적어 주세요."
            )
        try:
            where = json.loads(raw)
        except ValueError:
            where = None
        if not isinstance(where, list):
            raise web.HTTPError(
                400,
                "필터(where)는 [열, 연산자, 값] 조건의 JSON 목록이어야 합니다"
                f" (예: {FILTER_EXAMPLE}). SQL 문은 받지 않습니다.",
            )
        return where


def handlers(
    base_url: str,
    sessions: SearchSessions,
    executor: Executor,
    *,
    hub_identity: bool = False,
    request_store=None,
) -> list[tuple]:
    """The API's routes under ``base_url``. hub_identity: read for each request's hub user
    (a service that many users share), not for whoever runs the server; such a service
    also takes requests for catalogue-only datasets, into ``request_store`` (default: a
    ``seoul_data.search.data_requests.RequestStore`` at its ``store_path()``)."""
    from extensions.seoul_data_search.data_requests import DataRequestsHandler

    kwargs = {"sessions": sessions, "executor": executor, "hub_identity": hub_identity}
    routes = {
        "search": SearchHandler,
        "ask": AskHandler,
        "context": ContextHandler,
        "preview": PreviewHandler,
    }
    found = [(url_path_join(base_url, API_PATH, path), cls, kwargs) for path, cls in routes.items()]
    if hub_identity and request_store is None:
        from seoul_data.search.data_requests import RequestStore, store_path

        request_store = RequestStore(store_path())
    store = request_store if hub_identity else None  # a user's own server takes none
    route = url_path_join(base_url, API_PATH, "requests")
    return [*found, (route, DataRequestsHandler, {**kwargs, "store": store})]


def _checked(reader: Reader | None, function, /, *args, **kwargs):
    """``function``'s result, read for ``reader`` (None: whoever runs the server) with
    locked DuckDB sessions; the catalog's refusals (unknown id …) become BadRequest."""
    from seoul_data.access import reading_as
    from seoul_data.catalog import CatalogError
    from seoul_data.load import FilterError, untrusted_input

    identity = contextlib.nullcontext() if reader is None else reading_as(reader)
    try:
        with identity, untrusted_input():
            return function(*args, **kwargs)
    except FilterError as e:
        raise BadRequest(f"필터(where)를 쓸 수 없습니다: {e}") from None
    except CatalogError as e:
        raise BadRequest(f"요청을 처리할 수 없습니다: {e}") from None


def _search(text: str, k: int, session, facets: dict) -> dict:
    import seoul_data as sd
    from seoul_data.catalog.fields import FIELDS

    if facets["field"] and facets["field"] not in FIELDS:
        raise BadRequest(f"분야는 다음 중 하나여야 합니다: {', '.join(FIELDS)}")
    if facets["gu"]:
        gu = sd.geo.find_gu(facets["gu"])
        if gu is None:
            raise BadRequest(f"서울시 자치구가 아닙니다: {facets['gu']!r}")
        facets = {**facets, "gu": gu}
    if facets["access"] and facets["access"] not in ACCESS_LEVELS:
        raise BadRequest(f"접근 등급은 {', '.join(ACCESS_LEVELS)} 중 하나여야 합니다.")
    result = sd.search(text, k=k, session=session, **facets).to_json()
    return {**result, "context": session.context()}


def _ask(text: str, session) -> dict:
    from seoul_data.search.answers import ask

    return {**ask(text, session=session).to_json(), "context": session.context()}

"""``{base_url}seoul-data/api/requests``: requests for catalogue-only datasets (자료 요청).

    POST requests      {"id": "datagokr.15088924", "query": "강남구 어린이집 현황"}
    GET  requests?limit=                                     (administrators only)

Taken only where the hub names each request's user (``hub_identity``: the dashboards
service): who asked is that hub user, from the hub's authentication of the request (its
OAuth cookie with the XSRF token the page sends, or a hub token); a name in the body is
ignored. A user's own server takes no requests (404): what is written in a user's
container is the user's to change, so it cannot be the platform's record of demand.

The store (:mod:`seoul_data.search.data_requests`) is a SQLite file in the service's state
folder (``SEOUL_DATA_REQUESTS``, or beside its usage log), which no user's server mounts. A
viewer reads nothing of it but their own request's reply; the demand (who asked for what,
most requested first) is listed to hub administrators only.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from tornado import web

from extensions.seoul_data_search.handlers import BadRequest, SeoulDataHandler

MAX_BODY_BYTES = 4096
MAX_LIMIT = 1000


class DataRequestsHandler(SeoulDataHandler):
    """POST: the request's user asks for a catalogue-only dataset; GET: the demand."""

    def initialize(self, store=None, **kwargs) -> None:
        super().initialize(**kwargs)
        self.store = store

    def hub_model(self) -> dict:
        """The hub's model of the request's user; 404 where this server takes no requests."""
        if self.store is None or not self.hub_identity:
            raise web.HTTPError(
                404,
                "이 서버에서는 자료 요청을 받지 않습니다. 허브의 '데이터 검색' 대시보드에서"
                " 요청해 주세요.",
            )
        return getattr(self.current_user, "hub_user", None) or {}

    @web.authenticated
    @authorized
    async def post(self) -> None:
        model = self.hub_model()
        if model.get("kind", "user") != "user" or not model.get("name"):
            raise web.HTTPError(403, "자료 요청은 허브에 로그인한 사용자만 할 수 있습니다.")
        user = model["name"]  # the hub's; whatever the body says of a user is not read
        body = self.body()
        dataset_id, query = body.get("id"), body.get("query", "")
        request, new = await self.work(_record, self.store, user, dataset_id, query)
        if new:
            self.log.info("seoul-data: %s requested %s", user, request.dataset)
            message = (
                f"요청을 기록했습니다: '{request.title}' (보유 기관: {request.holder})."
                " 관리자가 플랫폼에 들여올 자료를 정할 때 참고합니다."
            )
        else:
            message = (
                f"이미 요청하신 자료입니다 ({request.requested_at[:10]}에 요청)."
                " 같은 사람의 요청은 한 번만 셉니다."
            )
        self.reply(
            {
                "id": request.dataset,
                "title": request.title,
                "holder": request.holder,
                "requested_at": request.requested_at,
                "new": new,
                "message": message,
            }
        )

    @web.authenticated
    @authorized
    async def get(self) -> None:
        model = self.hub_model()
        if not model.get("admin"):
            self.log.info("seoul-data: %s may not list data requests", model.get("name"))
            raise web.HTTPError(403, "자료 요청 목록은 관리자만 볼 수 있습니다.")
        limit = self.int_argument("limit", MAX_LIMIT, MAX_LIMIT)
        demand = await self.work(self.store.demand, limit)
        self.reply({"requests": [d.to_json() for d in demand]})

    def body(self) -> dict:
        """The POST body: a JSON object (``id``, ``query``)."""
        raw = self.request.body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise web.HTTPError(400, f"요청 본문이 너무 깁니다 ({MAX_BODY_BYTES}바이트 이하).")
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            raise web.HTTPError(
                400,
                '요청 본문은 JSON 객체여야 합니다 (예: {"id": "datagokr.15088924",'
                ' "query": "강남구 어린이집 현황"}).',
            )
        return body


def _record(store, user: str, dataset_id, query) -> tuple:
    from seoul_data.search.data_requests import RequestError, request_dataset

    try:
        return request_dataset(store, user, dataset_id, query)
    except RequestError as e:
        raise BadRequest(str(e)) from None

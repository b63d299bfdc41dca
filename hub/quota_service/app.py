"""Tornado application of the quota admin service.

Pages and REST API share the handlers' logic:

    GET  /                       Korean admin page
    GET  /api/policy             the policy in force (JSON document)
    PUT  /api/policy             put a new policy in force (400 with the field on error)
    GET  /api/servers            running servers: profile, limits, GPUs, live CPU and memory
    GET  /api/usage?month=&by=   usage per user or group in a Seoul month (``YYYY-MM``);
                                 ``&format=csv`` for the export
    GET  /api/audit?limit=       the audit log: who, when (epoch ``time`` and KST ``when``),
                                 the action (``label`` in Korean), before → after documents
                                 and ``changes``, one Korean line per changed field

The page edits the policy with form controls or as JSON; both PUT the same document to
``/api/policy``, where it is checked. Every refusal carries a Korean ``message`` (and, for
a policy, the ``field`` path), so the page shows it next to the form.
"""

from __future__ import annotations

import json
import os
import time
from html import escape
from pathlib import Path

import docker
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web
from tornado.httpclient import AsyncHTTPClient

from hub.accounts import GROUPS
from hub.container_options import DASK_CLUSTER_LABEL
from hub.profiles_form import profile_summary
from hub.quota_audit import (
    PROFILE_FIELDS,
    describe,
    duration,
    grant_subject,
    kst,
    policy_error_message,
)
from hub.quota_policy import NO_GROUP, Policy, PolicyError
from hub.quota_store import QuotaStore, QuotaStoreBusy, Session
from hub.usage import current_month, month_bounds, months_with_usage, to_csv, usage
from seoul_data.search.data_requests import RequestStore
from seoul_data.transactions import DiskFull

ADMIN_GROUP = "admin"
ADMINS_ONLY = "관리자만 사용할 수 있습니다."
#: What staff read for a refusal that carries no message of its own (tornado's).
STATUS_MESSAGES = {
    400: "요청이 올바르지 않습니다.",
    403: ADMINS_ONLY,
    404: "없는 주소입니다.",
    405: "이 주소에서는 허용되지 않는 요청 방식입니다.",
    500: "자원 관리 서비스에 오류가 생겼습니다. 잠시 후 다시 시도하고, 계속되면 관리자에게"
    " 문의해 주세요.",
    503: "자원 관리 서비스를 지금 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
}
#: Units in which the policy form shows durations stored in seconds.
DURATION_UNITS = {"idle_timeout": 60, "max_age": 3600}


class Refused(web.HTTPError):
    """A request refused with a message for staff (Korean) and details for the page
    (``field``: the policy field at fault)."""

    def __init__(self, status: int, message: str, **details) -> None:
        super().__init__(status, "%s", message)
        self.message, self.details = message, details


class KoreanErrors:
    """Handler mixin: errors as ``{"status", "message"}`` JSON under ``/api/``, a small
    Korean page elsewhere."""

    def write_error(self, status_code, **kwargs):
        error = kwargs.get("exc_info", (None, None))[1]
        details = {}
        if isinstance(error, Refused):
            message, details = error.message, error.details
        elif isinstance(error, QuotaStoreBusy | DiskFull):  # a page or a read: it may pass
            status_code, message = 503, str(error)
            self.set_status(status_code)
        else:
            message = STATUS_MESSAGES.get(
                status_code, f"요청을 처리하지 못했습니다 ({status_code})."
            )
        if "/api/" in self.request.path:
            self.finish({"status": status_code, "message": message, **details})
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            "<title>자원 할당 관리 · 서울 데이터 허브</title></head><body>"
            f'<p><a href="/hub/home">← 서울 데이터 허브 홈</a></p><h1>자원 할당 관리</h1>'
            f'<p role="alert">{escape(message)}</p></body></html>'
        )


class NotFoundHandler(KoreanErrors, web.RequestHandler):
    def prepare(self):
        raise Refused(404, "없는 주소입니다.")


class AdminHandler(KoreanErrors, HubOAuthenticated, web.RequestHandler):
    """Base: an authenticated hub administrator, or 403."""

    @property
    def store(self) -> QuotaStore:
        return self.settings["quota_store"]

    def prepare(self):
        user = self.current_user
        if user is None:
            if self.hub_auth.get_user(self):  # known to the hub, without this service's scope
                raise Refused(403, ADMINS_ONLY)
            if "/api/" in self.request.path:
                raise Refused(403, "로그인이 필요합니다. 서울 데이터 허브에 다시 로그인해 주세요.")
            return  # @web.authenticated on the page redirects to the hub's login
        if not (user.get("admin") or ADMIN_GROUP in user.get("groups", [])):
            raise Refused(403, ADMINS_ONLY)

    def actor(self) -> str:
        return self.current_user["name"]


class PageHandler(AdminHandler):
    @web.authenticated
    def get(self):
        policy = self.store.policy()
        document = policy.to_document()
        month = current_month()
        start, end = month_bounds(month)
        self.render(
            "index.html",
            policy=policy,
            profiles=document["profiles"],
            new_profile=NEW_PROFILE,
            fields=PROFILE_FIELDS,
            units=DURATION_UNITS,
            number=_number,
            groups=[*GROUPS, NO_GROUP],
            host=document["host"],
            document=json.dumps(document, ensure_ascii=False, indent=2),
            summary=profile_summary,
            duration=duration,
            grant_subject=grant_subject,
            servers=running_servers(
                self.store, self.settings["docker_host"], self.settings["container_prefix"]
            ),
            usage=usage(self.store.sessions(since=start, until=end), start, end),
            month=month,
            months=months_with_usage(self.store.session_spans()),
            audit=[describe(entry) for entry in self.store.audit_log(limit=50)],
            demand=self.settings["data_requests"].demand(limit=50),
            when=kst,
            xsrf=self.xsrf_token.decode(),
        )


#: The values a profile added on the page starts with.
NEW_PROFILE = {
    "slug": "",
    "name": "",
    "description": "",
    "cpu": 1,
    "mem": "1G",
    "gpus": 0,
    "idle_timeout": 3600,
    "max_age": 0,
    "pids": 1024,
    "open_files": 4096,
    "home": "10G",
}


def _number(value: float) -> str:
    """A number for an input's value, exactly (no rounding a save would write back)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class PolicyHandler(AdminHandler):
    @web.authenticated
    def get(self):
        self.finish(self.store.policy().to_document())

    @web.authenticated
    def put(self):
        try:
            document = json.loads(self.request.body or b"null")
        except json.JSONDecodeError as e:
            raise Refused(
                400, f"JSON 형식이 올바르지 않습니다 (줄 {e.lineno}, 칸 {e.colno})."
            ) from None
        except ValueError:  # not UTF-8
            raise Refused(400, "정책 문서는 UTF-8로 쓴 JSON이어야 합니다.") from None
        try:
            policy = self.store.set_policy(document, actor=self.actor())
        except PolicyError as e:
            raise Refused(400, policy_error_message(e, document), field=e.path) from None
        except (DiskFull, QuotaStoreBusy) as e:  # nothing changed: the policy in force stays
            raise Refused(503, str(e)) from None
        self.finish(policy.to_document())


class ServersHandler(AdminHandler):
    @web.authenticated
    def get(self):
        servers = running_servers(
            self.store, self.settings["docker_host"], self.settings["container_prefix"]
        )
        self.finish({"servers": servers})


class StopHandler(AdminHandler):
    """POST: stop one user's running server (an administrator's decision, audited)."""

    @web.authenticated
    async def post(self, user: str):
        if not any(s.user == user for s in self.store.sessions(open_only=True)):
            raise Refused(404, f"{user}의 실행 중인 서버가 없습니다.")
        stopped = await stop_server(
            self.store, user, actor=self.actor(), action="server.stopped.admin"
        )
        if not stopped:
            raise Refused(
                409, f"{user}의 서버가 아직 시작 중이거나 이미 멈췄습니다. 잠시 후 다시 보세요."
            )
        self.finish({"user": user, "stopped": True, "message": f"{user}의 서버를 중지했습니다."})


class UsageHandler(AdminHandler):
    @web.authenticated
    def get(self):
        month = self.get_argument("month", None) or current_month()
        by = self.get_argument("by", "user")
        kind = self.get_argument("format", "json")
        if by not in ("user", "group"):
            raise Refused(400, "by는 user(사용자별) 또는 group(그룹별)이어야 합니다.")
        if kind not in ("json", "csv"):
            raise Refused(400, "format은 json 또는 csv여야 합니다.")
        try:
            start, end = month_bounds(month)
        except ValueError:
            raise Refused(
                400, f"월 {month!r}을 알 수 없습니다. YYYY-MM 형식으로 써 주세요 (예: 2026-11)."
            ) from None
        month = current_month(start)  # as written everywhere: 2026-01, not 2026-1
        rows = usage(self.store.sessions(since=start, until=end), start, end, by=by)
        if kind == "csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="usage-{by}-{month}.csv"')
            self.finish(to_csv(rows, "사용자" if by == "user" else "그룹"))
            return
        self.finish({"month": month, "by": by, "rows": rows})


class AuditHandler(AdminHandler):
    @web.authenticated
    def get(self):
        limit = self.get_argument("limit", "200")
        if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 10_000):
            raise Refused(400, "limit은 1부터 10000 사이의 정수여야 합니다.")
        entries = self.store.audit_log(limit=int(limit))
        self.finish({"entries": [describe(entry) for entry in entries]})


def running_servers(store: QuotaStore, docker_host: str, prefix: str) -> list[dict]:
    """Open sessions with their limits and, where the container runs, live usage."""
    live = _live_usage(docker_host, prefix)
    servers = []
    for s in store.sessions(open_only=True):
        stats = live.get(s.user, {})
        servers.append(
            {
                "user": s.user,
                "groups": list(s.groups),
                "profile": s.profile,
                "cpu_limit": s.cpu,
                "mem_limit": s.mem,
                "gpus": list(s.gpus),
                "started": s.started,
                "cpu_percent": stats.get("cpu_percent"),
                "mem_used": stats.get("mem_used"),
            }
        )
    return servers


def _live_usage(docker_host: str, prefix: str) -> dict[str, dict]:
    try:
        client = docker.DockerClient(base_url=docker_host)
        containers = client.containers.list(filters={"label": "org.seoul-data-hub.user"})
    except docker.errors.DockerException:
        return {}
    result = {}
    for container in containers:
        if not container.name.startswith(f"{prefix}-"):
            continue
        if DASK_CLUSTER_LABEL in container.labels:
            continue  # a Dask scheduler or worker, not the user's server
        stats = container.stats(stream=False)
        cpu, pre = stats["cpu_stats"], stats["precpu_stats"]
        used = cpu["cpu_usage"]["total_usage"] - pre.get("cpu_usage", {}).get("total_usage", 0)
        system = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
        cpus = cpu.get("online_cpus") or 1
        result[container.labels["org.seoul-data-hub.user"]] = {
            "cpu_percent": round(used / system * cpus * 100, 1) if system > 0 else 0.0,
            "mem_used": stats["memory_stats"].get("usage", 0),
        }
    return result


def past_max_age(policy: Policy, sessions: list[Session], now: float) -> list[str]:
    """Users whose server has run longer than its profile's ``max_age``.

    The run time counts from the moment the server first answered, not from admission: a
    slow start (image, home, a busy host) is not the user's time, and a server still
    starting is never cut short."""
    expired = []
    for session in sessions:
        profile = policy.profiles.get(session.profile)
        if profile and profile.max_age and session.ready and now - session.ready > profile.max_age:
            expired.append(session.user)
    return expired


async def stop_server(store: QuotaStore, user: str, *, actor: str, action: str) -> bool:
    """Stop ``user``'s server through the hub's API once it has answered (a spawn is never
    cut short); the audit log records who stopped it and why. Whether it was stopped."""
    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"}
    url = url_path_join(os.environ["JUPYTERHUB_API_URL"], "users", user)
    model = await client.fetch(url, headers=headers, raise_error=False)
    server = (
        json.loads(model.body or b"{}").get("servers", {}).get("", {}) if model.code == 200 else {}
    )
    if not server.get("ready"):
        return False  # still starting (or gone)
    response = await client.fetch(
        f"{url}/server", method="DELETE", headers=headers, raise_error=False
    )
    if response.code not in (202, 204):
        return False
    store.audit(actor, action, user)
    return True


async def stop_servers_past_max_age(store: QuotaStore) -> list[str]:
    """Stop (through the hub's API) servers that ran longer than their profile allows."""
    expired = past_max_age(store.policy(), store.sessions(open_only=True), time.time())
    stopped = []
    for user in expired:
        if await stop_server(store, user, actor="quota-service", action="server.stopped.max_age"):
            stopped.append(user)
    return stopped


def make_app() -> web.Application:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    return web.Application(
        [
            (prefix, PageHandler),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (url_path_join(prefix, "api/policy"), PolicyHandler),
            (url_path_join(prefix, "api/servers"), ServersHandler),
            (url_path_join(prefix, r"api/servers/([a-z][a-z0-9_-]{1,31})/stop"), StopHandler),
            (url_path_join(prefix, "api/usage"), UsageHandler),
            (url_path_join(prefix, "api/audit"), AuditHandler),
        ],
        default_handler_class=NotFoundHandler,
        cookie_secret=os.urandom(32),
        template_path=str(Path(__file__).parent / "templates"),
        static_path=str(Path(__file__).parent / "static"),
        static_url_prefix=url_path_join(prefix, "static/"),
        quota_store=QuotaStore(os.environ["SDH_QUOTA_DB"]),
        # staff's requests for catalogue-only data (written by the dashboards service)
        data_requests=RequestStore(os.environ["SEOUL_DATA_REQUESTS"]),
        docker_host=os.environ["SDH_DOCKER_HOST"],
        container_prefix=os.environ["SDH_CONTAINER_PREFIX"],
    )


def main() -> None:
    url = os.environ["JUPYTERHUB_SERVICE_URL"]
    app = make_app()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    app.listen(port, address="127.0.0.1")
    store = app.settings["quota_store"]
    every = int(os.environ.get("SDH_QUOTA_CHECK_SECONDS", "60")) * 1000
    ioloop.PeriodicCallback(lambda: stop_servers_past_max_age(store), every).start()
    ioloop.IOLoop.current().start()

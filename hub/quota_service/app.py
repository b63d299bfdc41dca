"""Tornado application of the quota admin service.

Pages and REST API share the handlers' logic:

    GET  /                       Korean admin page
    GET  /api/policy             the policy in force (JSON document)
    PUT  /api/policy             put a new policy in force (400 with the field on error)
    GET  /api/servers            running servers: profile, limits, GPUs, live CPU and memory
    GET  /api/usage?month=&by=   usage per user or group; ``&format=csv`` for the export
    GET  /api/audit              the audit log (who, when, before → after)
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import docker
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web
from tornado.httpclient import AsyncHTTPClient

from hub.container_options import DASK_CLUSTER_LABEL
from hub.profiles_form import profile_summary
from hub.quota_policy import Policy, PolicyError
from hub.quota_store import QuotaStore, QuotaStoreBusy, Session
from hub.usage import month_bounds, to_csv, usage
from seoul_data.transactions import DiskFull

ADMIN_GROUP = "admin"


class AdminHandler(HubOAuthenticated, web.RequestHandler):
    """Base: an authenticated hub administrator, or 403."""

    @property
    def store(self) -> QuotaStore:
        return self.settings["quota_store"]

    def prepare(self):
        user = self.current_user
        if user is None:
            if "/api/" in self.request.path:
                raise web.HTTPError(403, "로그인이 필요합니다")
            return  # @web.authenticated on the page redirects to the hub's login
        if not (user.get("admin") or ADMIN_GROUP in user.get("groups", [])):
            raise web.HTTPError(403, "관리자만 사용할 수 있습니다")

    def actor(self) -> str:
        return self.current_user["name"]

    def write_error(self, status_code, **kwargs):
        message = self._reason
        if "exc_info" in kwargs and isinstance(kwargs["exc_info"][1], web.HTTPError):
            message = kwargs["exc_info"][1].log_message or message
        self.finish({"status": status_code, "message": message})


class PageHandler(AdminHandler):
    @web.authenticated
    def get(self):
        policy = self.store.policy()
        month = datetime.now(UTC).strftime("%Y-%m")
        start, end = month_bounds(month)
        self.render(
            "index.html",
            policy=policy,
            document=json.dumps(policy.to_document(), ensure_ascii=False, indent=2),
            summary=profile_summary,
            servers=running_servers(
                self.store, self.settings["docker_host"], self.settings["container_prefix"]
            ),
            usage=usage(self.store.sessions(since=start, until=end), start, end),
            month=month,
            audit=self.store.audit_log(limit=50),
            when=lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC"),
            xsrf=self.xsrf_token.decode(),
        )


class PolicyHandler(AdminHandler):
    @web.authenticated
    def get(self):
        self.finish(self.store.policy().to_document())

    @web.authenticated
    def put(self):
        try:
            document = json.loads(self.request.body or b"null")
        except json.JSONDecodeError as e:
            raise web.HTTPError(400, f"JSON 형식 오류: {e.msg} (줄 {e.lineno})") from None
        try:
            policy = self.store.set_policy(document, actor=self.actor())
        except PolicyError as e:
            raise web.HTTPError(400, f"정책 오류 — {e.path}: {e.problem}") from None
        except (DiskFull, QuotaStoreBusy) as e:  # nothing changed: the policy in force stays
            raise web.HTTPError(503, str(e)) from None
        self.finish(policy.to_document())


class ServersHandler(AdminHandler):
    @web.authenticated
    def get(self):
        servers = running_servers(
            self.store, self.settings["docker_host"], self.settings["container_prefix"]
        )
        self.finish({"servers": servers})


class UsageHandler(AdminHandler):
    @web.authenticated
    def get(self):
        month = self.get_argument("month", datetime.now(UTC).strftime("%Y-%m"))
        by = self.get_argument("by", "user")
        if by not in ("user", "group"):
            raise web.HTTPError(400, "by는 user 또는 group이어야 합니다")
        try:
            start, end = month_bounds(month)
        except ValueError as e:
            raise web.HTTPError(400, str(e)) from None
        rows = usage(self.store.sessions(since=start, until=end), start, end, by=by)
        if self.get_argument("format", "json") == "csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="usage-{by}-{month}.csv"')
            self.finish(to_csv(rows, "사용자" if by == "user" else "그룹"))
            return
        self.finish({"month": month, "by": by, "rows": rows})


class AuditHandler(AdminHandler):
    @web.authenticated
    def get(self):
        self.finish({"entries": self.store.audit_log(limit=int(self.get_argument("limit", "200")))})


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


async def stop_servers_past_max_age(store: QuotaStore) -> list[str]:
    """Stop (through the hub's API) servers that ran longer than their profile allows."""
    expired = past_max_age(store.policy(), store.sessions(open_only=True), time.time())
    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"}
    stopped = []
    for user in expired:
        url = url_path_join(os.environ["JUPYTERHUB_API_URL"], "users", user)
        model = await client.fetch(url, headers=headers, raise_error=False)
        server = (
            json.loads(model.body or b"{}").get("servers", {}).get("", {})
            if model.code == 200
            else {}
        )
        if not server.get("ready"):
            continue  # still starting (or gone): a spawn is never cut short
        response = await client.fetch(
            f"{url}/server", method="DELETE", headers=headers, raise_error=False
        )
        if response.code in (202, 204):  # the audit log says what happened, nothing else
            store.audit("quota-service", "server.stopped.max_age", user)
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
            (url_path_join(prefix, "api/usage"), UsageHandler),
            (url_path_join(prefix, "api/audit"), AuditHandler),
        ],
        cookie_secret=os.urandom(32),
        template_path=str(Path(__file__).parent / "templates"),
        quota_store=QuotaStore(os.environ["SDH_QUOTA_DB"]),
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

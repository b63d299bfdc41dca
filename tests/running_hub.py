"""A real proxy and hub for tests, started with the platform's own process functions.

Each RunningHub has its own state directory, loopback ports and container prefix, so tests
can run in parallel; clean-up removes its containers and home volumes by that prefix.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
import docker.errors
import requests
import websocket

from hub import processes
from hub.accounts import AccountStore
from hub.containers import containers_with_prefix, remove_by_prefix
from hub.homes import unmount_all
from hub.network import remove_networks
from hub.settings import HubSettings

DOCKER_HOST = os.environ.get("SDH_DOCKER_HOST", HubSettings.docker_host)
_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_settings_for(tmp: Path, **overrides) -> HubSettings:
    """Settings for a throw-away platform under ``tmp`` with free ports and a unique prefix."""
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "README.txt").write_text("서울 데이터 허브 테스트 데이터\n", encoding="utf-8")
    settings = HubSettings(
        state_dir=tmp / "state",
        data_dir=data,
        homes_dir=tmp / "homes",
        bind_url=f"http://127.0.0.1:{free_port()}",
        hub_port=free_port(),
        proxy_api_port=free_port(),
        quota_port=free_port(),
        dashboards_port=free_port(),
        gateway_port=free_port(),
        gateway_proxy_port=free_port(),
        dashboards_pool=0,  # no preheated dashboards unless a test asks for them
        docker_host=DOCKER_HOST,
        container_prefix=f"sdht{os.getpid()}x{next(_counter)}",
        mem_limit="1G",
        cpu_limit=1.0,
    )
    return replace(settings, **overrides)


@dataclass
class RunningHub:
    settings: HubSettings
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.settings.bind_url

    def start(self) -> RunningHub:
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        processes.start_proxy(self.settings)
        processes.start_hub(self.settings)
        return self

    def restart_hub(self) -> None:
        processes.stop(self.settings, "hub")
        processes.start_hub(self.settings)

    def stop(self) -> None:
        for name in ("hub", "proxy"):
            processes.stop(self.settings, name)

    def add_user(self, name: str, *groups: str, admin: bool = False) -> str:
        password = f"{name}-password-{next(_counter)}"
        AccountStore(self.settings.accounts_db).add(
            name, groups=list(groups) or ["analyst"], admin=admin, password=password
        )
        self.passwords[name] = password
        return password

    def login(self, name: str, password: str | None = None) -> requests.Session:
        """Log in through the login form, as a browser does; return the cookie session."""
        session = requests.Session()
        # the hub sends text/html without a charset; its pages are UTF-8
        session.hooks["response"].append(lambda r, *args, **kwargs: setattr(r, "encoding", "utf-8"))
        page = session.get(f"{self.url}/hub/login")
        page.raise_for_status()
        response = session.post(
            f"{self.url}/hub/login",
            data={
                "username": name,
                "password": password if password is not None else self.passwords[name],
                "_xsrf": session.cookies.get("_xsrf", ""),
            },
            allow_redirects=False,
        )
        session.login_status = response.status_code
        return session

    def token(self, session: requests.Session, name: str) -> str:
        """Create an API token for ``name`` with its logged-in session."""
        response = session.post(
            f"{self.url}/hub/api/users/{name}/tokens",
            json={"note": "test", "expires_in": 3600},
            headers={"X-XSRFToken": session.cookies.get("_xsrf", "")},
        )
        response.raise_for_status()
        return response.json()["token"]

    def api(self, token: str, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/hub/api{path}",
            headers={"Authorization": f"token {token}"},
            timeout=60,
            **kwargs,
        )

    def wait_ready(self, token: str, name: str, timeout: float = 150) -> dict:
        """Wait until ``name``'s default server is ready; return the user model."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api(token, "GET", f"/users/{name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return model
            if not server or not server.get("pending"):
                raise AssertionError(f"{name}'s server is neither ready nor pending: {model}")
            time.sleep(0.5)
        raise AssertionError(f"{name}'s server not ready in {timeout} s")

    def wait_stopped(self, token: str, name: str, timeout: float = 60) -> None:
        """Wait until ``name`` has no server at all (a stop has finished)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.api(token, "GET", f"/users/{name}").json()["servers"]:
                return
            time.sleep(0.3)
        raise AssertionError(f"{name}'s server did not stop in {timeout} s")

    def start_servers(self, *names: str) -> dict[str, str]:
        """Log each user in, start their servers at once, wait for all; return their tokens."""
        tokens = {name: self.token(self.login(name), name) for name in names}
        for name, token in tokens.items():
            response = self.api(token, "POST", f"/users/{name}/server")
            assert response.status_code in (201, 202), response.text
        for name, token in tokens.items():
            self.wait_ready(token, name)
        return tokens

    def dashboard_viewers(self, *names: str) -> dict[str, requests.Session]:
        """Each of ``names`` logged in to the hub and to the dashboards service (OAuth)."""
        self.wait_for_service("dashboards")
        sessions = {}
        for name in names:
            session = self.login(name)
            home = session.get(f"{self.url}/services/dashboards/", timeout=120)
            assert home.status_code == 200, home.text[:300]
            sessions[name] = session
        return sessions

    def wait_for_service(self, name: str, timeout: float = 120) -> None:
        """Wait until the proxy routes ``/services/<name>/`` to the service itself (the hub
        adds a managed service's route once it has started)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = requests.get(
                f"{self.url}/services/{name}/", allow_redirects=False, timeout=10
            )
            if not response.headers.get("Location", "").startswith("/hub/services/"):
                return
            time.sleep(0.3)
        raise AssertionError(f"service {name} not routed in {timeout} s")

    def containers(self) -> list:
        return containers_with_prefix(self.settings.docker_host, self.settings.container_prefix)

    def containers_named(self, name: str) -> list[str]:
        own = f"{self.settings.container_prefix}-{name}"
        return [c.name for c in self.containers() if c.name == own]

    def container(self, name: str):
        return docker.DockerClient(base_url=self.settings.docker_host).containers.get(
            f"{self.settings.container_prefix}-{name}"
        )

    def hub_log(self) -> str:
        return self.log("hub")

    def log(self, name: str) -> str:
        """The log of the hub's or the proxy's process ("" when it has none yet)."""
        path = processes.log_file(self.settings, name)
        return path.read_text(errors="replace") if path.exists() else ""

    def clean_up(self, *, show_logs: bool) -> None:
        """Stop everything; remove this hub's containers, homes and networks (logs on
        failure)."""
        self.stop()
        if show_logs:
            print("--- hub log ---")
            print(self.hub_log()[-20000:])
            print("--- proxy log ---")
            print(self.log("proxy")[-5000:])
        if _engine_reachable(self.settings.docker_host):
            self._remove_containers(show_logs)
        unmount_all(self.settings.homes_dir)

    def _remove_containers(self, show_logs: bool) -> None:
        if show_logs:
            try:
                containers = self.containers()
            except docker.errors.NotFound:  # one removed while listed (a stopped server's)
                containers = []
            for container in containers:
                print(f"--- container {container.name} ---")
                try:
                    print(container.logs(tail=200).decode(errors="replace"))
                except docker.errors.APIError as e:  # a stopped server's, being removed
                    print(e.explanation)
        remove_by_prefix(self.settings.docker_host, self.settings.container_prefix)
        client = docker.DockerClient(base_url=self.settings.docker_host)
        for volume in client.volumes.list(filters={"name": f"{self.settings.container_prefix}-"}):
            if volume.name.startswith(f"{self.settings.container_prefix}-"):
                volume.remove(force=True)
        remove_networks(client.api, self.settings.container_prefix)


def _opened(hub: RunningHub, token: str, name: str, create: str, socket: str, key: str, timeout):
    """A new kernel or terminal of ``name``'s server (POST ``create``; its id is the
    reply's ``key``) and its websocket (``socket`` with the id filled in), connected."""
    base = f"{hub.url}/user/{name}"
    headers = {"Authorization": f"token {token}"}
    created = requests.post(f"{base}/{create}", headers=headers, json={}, timeout=30)
    created.raise_for_status()
    made = created.json()[key]
    ws = websocket.create_connection(
        f"{base}/{socket.format(made)}".replace("http://", "ws://"),
        header=[f"Authorization: token {token}"],
        timeout=timeout,
    )
    return made, ws


def run_code(hub: RunningHub, token: str, name: str, code: str, timeout: float = 60) -> str:
    """Run ``code`` in a new kernel of ``name``'s server; return its stdout."""
    base = f"{hub.url}/user/{name}/api"
    headers = {"Authorization": f"token {token}"}
    kernel_id, ws = _opened(
        hub, token, name, "api/kernels", "api/kernels/{}/channels", "id", timeout
    )
    try:
        msg_id = f"test-{next(_counter)}"
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": name,
                        "session": msg_id,
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                    },
                }
            )
        )
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError(f"kernel of {name} gave no answer in {timeout} s")
    finally:
        ws.close()
        requests.delete(f"{base}/kernels/{kernel_id}", headers=headers, timeout=30)


def run_in_terminal(hub: RunningHub, token: str, name: str, command: str, timeout=60) -> str:
    """Run ``command`` in a new JupyterLab terminal of ``name``'s server (the login shell
    an analyst gets); return what the terminal printed up to the command's end."""
    base = f"{hub.url}/user/{name}"
    headers = {"Authorization": f"token {token}"}
    terminal, ws = _opened(
        hub, token, name, "api/terminals", "terminals/websocket/{}", "name", timeout
    )
    end = f"END-{next(_counter)}"
    try:
        # the marker is printed, not echoed: split so the echoed line does not match
        ws.send(json.dumps(["stdin", f"{command}; echo {end[:3]}''{end[3:]}\r"]))
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            kind, *content = json.loads(ws.recv())
            if kind == "stdout":
                out.append(content[0])
                if end in "".join(out):
                    return "".join(out)
        raise AssertionError(f"{name}'s terminal did not finish in {timeout} s: {out}")
    finally:
        ws.close()
        requests.delete(f"{base}/api/terminals/{terminal}", headers=headers, timeout=30)


def _engine_reachable(docker_host: str) -> bool:
    try:
        docker.DockerClient(base_url=docker_host).ping()
    except Exception:
        return False
    return True

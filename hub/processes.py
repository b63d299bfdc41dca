"""Start and stop the platform's processes: configurable-http-proxy and the hub.

Both run detached, with a pid file and a log under the state directory, so that ``make
up`` returns while they keep running and the proxy (with its routes) outlives a hub
restart. The tests start their hubs with the same functions.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from hub.network import hub_address, prepare_host
from hub.settings import REPO_ROOT, HubSettings
from hub.state_files import private_dir, private_file, read_or_create_secret

CONFIG_FILE = REPO_ROOT / "jupyterhub_config.py"


class ProcessError(RuntimeError):
    """A platform process did not start or stop; the message says which and where to look."""


def proxy_command(settings: HubSettings, hub_url: str) -> list[str]:
    """The configurable-http-proxy command line for these settings (the hub at ``hub_url``)."""
    url = urlparse(settings.bind_url)
    # with subdomains the hub's routes name a host (alice.hub.example/user/alice/), as
    # JupyterHub's own proxy class starts it when subdomain_host is set
    host_routing = ["--host-routing"] if settings.subdomain_host else []
    # aligned table: one option and its value a line (the formatter would part them)
    return [
        _find_proxy(),
        "--ip", url.hostname or "127.0.0.1",
        "--port", str(url.port or (443 if url.scheme == "https" else 80)),
        "--api-ip", "127.0.0.1",
        "--api-port", str(settings.proxy_api_port),
        "--default-target", hub_url,
        "--error-target", f"{hub_url}/hub/error",
        "--log-level", "warn",
        *host_routing,
    ]  # fmt: skip


def start_proxy(settings: HubSettings, *, timeout: float = 30) -> int:
    """Start the proxy unless it runs already; return its pid."""
    pid = running_pid(settings, "proxy")
    if pid:
        _check_routing(settings, pid)
        return pid
    private_dir(settings.state_dir)
    url = urlparse(settings.bind_url)
    _check_free(url.hostname or "127.0.0.1", url.port or 80, "the proxy (SDH_BIND_URL)")
    _check_free("127.0.0.1", settings.proxy_api_port, "the proxy's API (SDH_PROXY_API_PORT)")
    env = {**os.environ, "CONFIGPROXY_AUTH_TOKEN": _proxy_token(settings)}
    hub_url = f"http://{hub_address(settings)}:{settings.hub_port}"
    pid = _spawn(settings, "proxy", proxy_command(settings, hub_url), env)
    _wait_for(
        settings,
        "proxy",
        f"{settings.proxy_api_url}/api/routes",
        pid,
        timeout,
        headers={"Authorization": f"token {_proxy_token(settings)}"},
    )
    return pid


def start_hub(settings: HubSettings, *, timeout: float = 90) -> int:
    """Start the hub unless it runs already; return its pid once it answers."""
    pid = running_pid(settings, "hub")
    if pid:
        return pid
    private_dir(settings.state_dir)
    address = prepare_host(settings)
    _check_free(address, settings.hub_port, "the hub (SDH_HUB_PORT)")
    # where each service listens: the gateway's proxies on the hub's address, the quota
    # service on loopback, the dashboards too unless they run in their own container
    places = {"quota_port": "127.0.0.1", "gateway_port": address, "gateway_proxy_port": address}
    if settings.network == "host":
        places["dashboards_port"] = "127.0.0.1"
    for name, where in places.items():
        _check_free(where, getattr(settings, name), f"a service (SDH_{name.upper()})")
    env = {**os.environ, **settings.environment()}
    command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)]
    pid = _spawn(settings, "hub", command, env)
    _wait_for(settings, "hub", f"http://{address}:{settings.hub_port}/hub/health", pid, timeout)
    return pid


def stop(settings: HubSettings, name: str, *, timeout: float = 30) -> bool:
    """Stop the named process (``hub`` or ``proxy``); return whether one was running."""
    pid = running_pid(settings, name)
    if not pid:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    _pid_file(settings, name).unlink(missing_ok=True)
    return True


def running_pid(settings: HubSettings, name: str) -> int | None:
    """The pid of the named process if its pid file points at a live process."""
    path = _pid_file(settings, name)
    try:
        pid = int(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def log_file(settings: HubSettings, name: str) -> Path:
    return settings.state_dir / "logs" / f"{name}.log"


def _check_routing(settings: HubSettings, pid: int) -> None:
    """Refuse a running proxy that routes by path while the hub's routes name hosts (or the
    reverse): SDH_SUBDOMAIN_HOST changed since it started, and every server would be lost."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return
    by_host = b"--host-routing" in command
    if by_host != bool(settings.subdomain_host):
        raise ProcessError(
            f"the running proxy (pid {pid}) routes by {'host' if by_host else 'path'}, but"
            f" SDH_SUBDOMAIN_HOST={settings.subdomain_host!r} needs the other; stop it"
            " (`seoul-hub down`) and start again"
        )


def _check_free(address: str, port: int, what: str, wait: float = 10) -> None:
    """Refuse to start when another program listens where ``what`` must: it would get the
    platform's traffic (logins, tokens). A port still closing is given ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, port))
                return
            except OSError as e:
                if time.monotonic() > deadline:
                    raise ProcessError(
                        f"port {port} on {address}, where {what} listens, is taken by another"
                        f" program ({e.strerror}); stop it or choose another port"
                    ) from None
        time.sleep(0.5)


def _spawn(settings: HubSettings, name: str, command: list[str], env: dict[str, str]) -> int:
    log = log_file(settings, name)
    private_file(log)
    # secrets, databases and logs the processes make are theirs alone from creation
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=settings.state_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=0o077,
        )
    private_file(_pid_file(settings, name)).write_text(str(process.pid))
    return process.pid


def _wait_for(
    settings: HubSettings,
    name: str,
    url: str,
    pid: int,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            _pid_file(settings, name).unlink(missing_ok=True)
            raise ProcessError(f"{name} exited at start; see {log_file(settings, name)}")
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise ProcessError(
        f"{name} did not answer at {url} in {timeout:.0f} s; see {log_file(settings, name)}"
    )


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False  # our own child, now reaped
    except ChildProcessError:
        pass  # not our child: ask the kernel instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_file(settings: HubSettings, name: str) -> Path:
    return settings.state_dir / f"{name}.pid"


def _proxy_token(settings: HubSettings) -> str:
    return read_or_create_secret(settings.state_dir / "proxy_token")


def _find_proxy() -> str:
    local = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise ProcessError(
            "configurable-http-proxy not found: run `make setup` (npm install) first"
        )
    return found

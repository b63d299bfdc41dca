"""The dashboards service: Voila, configured for a shared, hub-authenticated city service.

    python -m hub.dashboards        (the hub starts it as the ``dashboards`` service)

What it adds to plain ``voila dashboards/``:

- Hub OAuth (jupyterhub's identity provider for Jupyter Server 2); only users granted
  ``access:services!service=dashboards`` (the groups staff, analyst, admin: hub/config.py)
  get in, the others get 403. The OAuth callback lives under the service prefix.
- Preheated kernels: each dashboard has a pool of kernels that have already run it, so a
  viewer gets a rendered page without waiting for a kernel to start and the notebook to run.
- A viewer's kernel goes with its page: when the page's last websocket closes (a tab
  closed, a page left, a browser gone) and none reconnects within :data:`RELEASE_AFTER_S`
  seconds, the kernel is shut down, without waiting for the page's unload beacon, which
  browsers do not always send.
- Idle kernels are culled; at most ``max_kernels`` kernels serve viewers at once, and at
  most ``max_rendering`` pages are being rendered (as many as the host has cores): the next
  viewer gets a Korean "busy, try again" page (503) at once, instead of a page that takes a
  minute or a kernel killed for memory. Pages being rendered count as kernels in use, so
  viewers arriving together cannot overshoot the cap.
- Kernels take no code from the browser: only widget (comm) and kernel-info messages pass
  the websocket, so a viewer cannot run code on the service host.
- Voila's air-gapped template (``seoul``): nothing is fetched from outside.
- The data search REST API (``seoul-data/api/``), as in every user server, but read for the
  viewer of each request: their hub name and groups (admins count as ``admin``) decide what
  they may preview or be answered from, and the usage log names them. A viewer's filters
  are structured, never SQL, and its DuckDB sessions cannot reach other files.

Who the kernels are. A kernel is started before anyone opens the page (preheated), kept in
a pool and handed to whichever viewer comes next, so it cannot carry one viewer's identity:
whatever it read for one person the next one could see. The kernels therefore read as a
reader of their own, :data:`KERNEL_DATA_GROUPS`, a name that is no platform group: that is
public and internal data (what every platform user may read), never a restricted dataset.
The dashboards show public data; someone who needs restricted data opens the same
notebook in their own server, where their own groups apply.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from tornado.ioloop import IOLoop
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from hub.dashboards.listing import DASHBOARDS

ROOT = Path(__file__).resolve().parents[2]
#: The data groups (``SEOUL_DATA_GROUPS``) of the service's shared kernels: no platform
#: group (hub/accounts.py), so they read public and internal data and no restricted dataset.
KERNEL_DATA_GROUPS = "dashboards-shared-kernel"
#: Seconds a viewer's kernel outlives its page's last websocket: a reload or a network blip
#: reconnects within them; after them the kernel is shut down.
RELEASE_AFTER_S = 5.0
#: Websocket messages a viewer's page may send to its kernel: widgets and kernel info only.
ALLOWED_MESSAGES = [
    "comm_open",
    "comm_msg",
    "comm_close",
    "comm_info_request",
    "kernel_info_request",
]
BUSY_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>잠시 후 다시 시도해 주세요</title></head>
<body style="font-family: NanumGothic, 'Nanum Gothic', sans-serif; margin: 3em;">
<h1>지금은 대시보드 이용자가 많습니다</h1>
<p>동시에 열 수 있는 대시보드 수({limit}개)를 모두 쓰고 있습니다.
잠시 후 이 페이지를 새로 고쳐 다시 시도해 주세요.</p>
<p><a href="{home}">홈으로</a></p></body></html>"""


class HubIdentity(JupyterHubIdentityProvider):
    """Hub OAuth, with its callback and logout handlers under the service's prefix
    (Voila registers an identity provider's handlers as they come)."""

    def __init__(self, **kwargs):
        kwargs.pop("token", None)  # Voila's; the hub's API token is the identity's token
        super().__init__(**kwargs)

    def get_handlers(self):
        base = self.parent.base_url
        return [(url_path_join(base, path), *rest) for path, *rest in super().get_handlers()]


class Admission:
    """How many pages are being rendered now, against the caps (one per service).

    The check and the count happen with no ``await`` between them, on the service's one
    event loop, so viewers arriving together are admitted one at a time."""

    def __init__(self, max_kernels: int, max_rendering: int) -> None:
        self.max_kernels, self.max_rendering = max_kernels, max_rendering
        self.rendering = 0

    def enter(self, kernels_in_use: int) -> bool:
        """Admit one more page if both caps allow it (then call :meth:`leave` after)."""
        if self.rendering >= self.max_rendering:
            return False
        # a page being rendered may hold a kernel not yet counted as in use: count it
        if kernels_in_use + self.rendering >= self.max_kernels:
            return False
        self.rendering += 1
        return True

    def leave(self) -> None:
        self.rendering -= 1


class CappedVoilaHandler(TornadoVoilaHandler):
    """Renders a dashboard if the service's :class:`Admission` lets it, else the busy page."""

    def initialize(self, admission: Admission, **kwargs) -> None:
        super().initialize(**kwargs)
        self.admission = admission

    def kernels_in_use(self) -> int:
        manager = self.kernel_manager
        pooled = sum(len(pool) for pool in getattr(manager, "_pools", {}).values())
        return max(len(manager.list_kernel_ids()) - pooled, 0)

    @tornado.web.authenticated
    async def get(self, path=None):
        in_use = self.kernels_in_use()
        if not self.admission.enter(in_use):
            self.log.warning(
                "dashboards busy: %d kernels in use, %d pages rendering",
                in_use,
                self.admission.rendering,
            )
            self.set_status(503)
            self.set_header("Retry-After", "30")
            home = os.environ.get("JUPYTERHUB_BASE_URL", "/") + "hub/home"
            self.finish(BUSY_PAGE.format(limit=self.admission.max_kernels, home=home))
            return
        try:
            await super().get(path)
        finally:
            self.admission.leave()


class ReleasingWebsocketHandler(VoilaKernelWebsocketHandler):
    """A page's kernel websocket; when it closes, the kernel is released if no other
    websocket to it opens within :data:`RELEASE_AFTER_S` seconds."""

    def on_close(self) -> None:
        kernel_id = getattr(self, "kernel_id", None)
        super().on_close()
        if kernel_id:
            IOLoop.current().call_later(
                RELEASE_AFTER_S, release_unwatched, self.kernel_manager, kernel_id, self.log
            )


async def release_unwatched(manager, kernel_id: str, log) -> None:
    """Shut ``kernel_id`` down if it still runs and no websocket is connected to it."""
    if kernel_id not in manager.list_kernel_ids():
        return  # gone already: the page's beacon, the idle culler
    if manager.kernel_model(kernel_id).get("connections", 0):
        return  # the page came back (a reload, a reconnect)
    log.info("dashboards: kernel %s released, its page went away", kernel_id)
    await ensure_async(manager.shutdown_kernel(kernel_id))


class DashboardsApp(Voila):
    """Voila for the shared dashboards service (configured from the hub's environment)."""

    name = "seoul-dashboards"

    def init_handlers(self) -> list:
        handlers = []
        admission = Admission(self.max_kernels, max_rendering=max(2, os.cpu_count() or 1))
        for pattern, handler, *rest in super().init_handlers():
            if handler is TornadoVoilaHandler:
                handler = CappedVoilaHandler
                rest = [{**(rest[0] if rest else {}), "admission": admission}]
            elif handler is VoilaKernelWebsocketHandler:
                handler = ReleasingWebsocketHandler
            handlers.append((pattern, handler, *rest))
        # the data search REST API, as in every user server (extensions/seoul_data_search)
        from extensions.seoul_data_search.handlers import handlers as search_handlers
        from extensions.seoul_data_search.sessions import SearchSessions

        executor = ThreadPoolExecutor(1, thread_name_prefix="seoul-data-search")
        search = search_handlers(
            self.base_url, SearchSessions(parent=self), executor, hub_identity=True
        )
        # before Voila's catch-all routes
        return search + handlers

    @property
    def max_kernels(self) -> int:
        return int(os.environ.get("SDH_DASHBOARDS_MAX_KERNELS", "12"))


def argv(environ: dict[str, str] | None = None) -> list[str]:
    """Voila's settings for the service, from the hub's service environment."""
    env = os.environ if environ is None else environ
    url = env["JUPYTERHUB_SERVICE_URL"]
    port = url.rsplit(":", 1)[1].strip("/")
    prefix = env["JUPYTERHUB_SERVICE_PREFIX"]
    idle = int(env.get("SDH_DASHBOARDS_IDLE", "900"))
    return [
        str(Path(env.get("SDH_DASHBOARDS_DIR", str(DASHBOARDS)))),
        "--no-browser",
        f"--Voila.ip={env.get('SDH_DASHBOARDS_IP', '127.0.0.1')}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.base_url={prefix}",
        "--Voila.identity_provider_class=hub.dashboards.app.HubIdentity",
        "--template=seoul",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        f"--pool_size={int(env.get('SDH_DASHBOARDS_POOL', '1'))}",
        # a used kernel's pool is refilled at once (the default waits a second)
        "--VoilaKernelManager.fill_delay=0",
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, idle // 2))}",
        f"--MappingKernelManager.allowed_message_types={ALLOWED_MESSAGES!r}",
    ]


def main() -> None:
    from seoul_data.access import GROUPS_VARIABLE

    # the air-gapped template and the data the kernels read
    share = str(ROOT / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([share, *paths])
    # the shared kernels read as nobody in particular (see the module's docstring); the
    # REST API reads as each request's viewer
    os.environ[GROUPS_VARIABLE] = KERNEL_DATA_GROUPS
    DashboardsApp.launch_instance(argv=argv())

"""The dashboards service: Voila, configured for a shared, hub-authenticated city service.

    python -m hub.dashboards        (the hub starts it as the ``dashboards`` service)

What it adds to plain ``voila dashboards/``:

- Hub OAuth (jupyterhub's identity provider for Jupyter Server 2); only users granted
  ``access:services!service=dashboards`` (the groups staff, analyst, admin: hub/config.py)
  get in, the others get 403. The OAuth callback lives under the service prefix.
- Preheated kernels: each dashboard has a pool of kernels that have already run it, so a
  viewer gets a rendered page without waiting for a kernel to start and the notebook to run.
  What is the same for every viewer (tables, maps, pictures) is prepared once per data
  version and shared by the kernels (``seoul_data.prepared``).
- A kernel is its viewer's: routes that name a kernel answer nobody else, and the kernel goes
  with its page (hub/dashboards/kernels.py), within seconds, not at the idle timeout.
- Capacity from memory (hub/dashboards/capacity.py): the pools and the cap on kernels
  serving viewers follow the service's memory and what a kernel measures. Past the cap the
  next viewer gets a Korean "busy" page (503) at once, with an estimate of the wait, instead
  of a kernel killed for memory; with as many pages rendering as the host has cores, the
  next ones wait their turn. Idle kernels are culled.
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
from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from hub.dashboards.capacity import (
    Admission,
    Capacity,
    Warming,
    busy_page,
    pool_size,
    wait_estimate,
)
from hub.dashboards.kernels import (
    RENDERING,
    HandingOut,
    Page,
    ReleasingWebsocketHandler,
    Viewers,
    owned,
)
from hub.dashboards.listing import DASHBOARDS

ROOT = Path(__file__).resolve().parents[2]
#: The data groups (``SEOUL_DATA_GROUPS``) of the service's shared kernels: no platform
#: group (hub/accounts.py), so they read public and internal data and no restricted dataset.
KERNEL_DATA_GROUPS = "dashboards-shared-kernel"
#: Seconds a viewer's kernel outlives its page's last websocket (``SDH_DASHBOARDS_RELEASE_AFTER``;
#: 0 leaves kernels to the unload beacon and the idle culler): a reload or a network blip
#: reconnects within them; after them the kernel is shut down.
RELEASE_AFTER_S = 5.0
#: Seconds a served page has to connect its websocket (``SDH_DASHBOARDS_CONNECT_WITHIN``):
#: its scripts load after the page, later on a busy host or a slow office PC.
CONNECT_WITHIN_S = 120.0
#: Websocket messages a viewer's page may send to its kernel: widgets and kernel info only.
ALLOWED_MESSAGES = [
    "comm_open",
    "comm_msg",
    "comm_close",
    "comm_info_request",
    "kernel_info_request",
]


class HubIdentity(JupyterHubIdentityProvider):
    """Hub OAuth, with its callback and logout handlers under the service's prefix
    (Voila registers an identity provider's handlers as they come)."""

    def __init__(self, **kwargs):
        kwargs.pop("token", None)  # Voila's; the hub's API token is the identity's token
        super().__init__(**kwargs)

    def get_handlers(self):
        base = self.parent.base_url
        return [(url_path_join(base, path), *rest) for path, *rest in super().get_handlers()]


class CappedVoilaHandler(TornadoVoilaHandler):
    """Renders a dashboard for its viewer if the service's caps let it, else the busy page."""

    def initialize(self, admission: Admission, capacity: Capacity, **kwargs) -> None:
        super().initialize(**kwargs)
        self.admission, self.capacity = admission, capacity

    def viewers_kernels(self) -> list[str]:
        manager = self.kernel_manager
        return [k for k in manager.list_kernel_ids() if k in self.settings["sdh_viewers"].owner]

    @tornado.web.authenticated
    async def get(self, path=None):
        in_use = self.viewers_kernels()
        self.admission.max_kernels = self.capacity.viewer_kernels(in_use)
        if not await self.admission.enter(len(in_use)):
            self.busy(len(in_use))
            return
        if self.request.connection.stream.closed():  # gone while waiting its turn
            self.admission.leave()
            return
        page = Page(self.current_user.username)
        rendering = RENDERING.set(page)
        try:
            await super().get(path)
        finally:
            RENDERING.reset(rendering)
            self.admission.leave()
        if page.kernel_id:
            self.settings["sdh_viewers"].served(page.kernel_id)

    def busy(self, in_use: int) -> None:
        viewers: Viewers = self.settings["sdh_viewers"]
        wait = wait_estimate(viewers.held, viewers.in_use())
        self.log.warning(
            "dashboards busy: %d kernels in use (cap %d), %d pages rendering; wait ~%ds",
            in_use,
            self.admission.max_kernels,
            self.admission.rendering,
            wait,
        )
        self.set_status(503)
        self.set_header("Retry-After", str(wait))
        home = os.environ.get("JUPYTERHUB_BASE_URL", "/") + "hub/home"
        self.finish(busy_page(self.admission.max_kernels, wait, home))


class DashboardsApp(Voila):
    """Voila for the shared dashboards service (configured from the hub's environment)."""

    name = "seoul-dashboards"

    def init_settings(self) -> dict:
        settings = super().init_settings()
        # Voila made its kernel manager (pools included): hand kernels to viewers, warm one
        # at a time per spare core
        manager = self.kernel_manager
        manager.__class__ = type(
            "DashboardsKernelManager", (HandingOut, Warming, type(manager)), {}
        )
        env = os.environ
        self.viewers = manager.viewers = Viewers(
            release_after=float(env.get("SDH_DASHBOARDS_RELEASE_AFTER", RELEASE_AFTER_S)),
            connect_within=float(env.get("SDH_DASHBOARDS_CONNECT_WITHIN", CONNECT_WITHIN_S)),
        )
        self.viewers.manager = manager
        self.capacity = Capacity(int(env.get("SDH_DASHBOARDS_MAX_KERNELS", "0")))
        self.capacity.manager = manager
        settings["sdh_viewers"] = self.viewers
        return settings

    def init_handlers(self) -> list:
        handlers = []
        admission = Admission(1, max_rendering=max(2, os.cpu_count() or 1))
        for pattern, handler, *rest in super().init_handlers():
            if handler is RequestInfoSocketHandler:
                # an unauthenticated socket that gives a page's request to whoever names its
                # kernel, for notebooks that wait for it (voila.utils): none here
                continue
            if handler is TornadoVoilaHandler:
                handler = CappedVoilaHandler
                options = {"admission": admission, "capacity": self.capacity}
                rest = [{**(rest[0] if rest else {}), **options}]
            elif handler is VoilaKernelWebsocketHandler:
                handler = ReleasingWebsocketHandler
            elif "(?P<kernel_id>" in pattern or handler is VoilaShutdownKernelHandler:
                handler = owned(handler)
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


def notebooks_in(root: Path) -> list[Path]:
    """The dashboards the service serves (each gets a pool)."""
    return [p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]


def argv(environ: dict[str, str] | None = None) -> list[str]:
    """Voila's settings for the service, from the hub's service environment."""
    env = os.environ if environ is None else environ
    url = env["JUPYTERHUB_SERVICE_URL"]
    port = url.rsplit(":", 1)[1].strip("/")
    prefix = env["JUPYTERHUB_SERVICE_PREFIX"]
    idle = int(env.get("SDH_DASHBOARDS_IDLE", "900"))
    root = Path(env.get("SDH_DASHBOARDS_DIR", str(DASHBOARDS)))
    notebooks = notebooks_in(root)
    return [
        str(root),
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
        f"--pool_size={pool_size(env.get('SDH_DASHBOARDS_POOL', 'auto'), len(notebooks))}",
        # a used kernel's pool is refilled at once (the default waits a second)
        "--VoilaKernelManager.fill_delay=0",
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, idle // 2))}",
        f"--MappingKernelManager.allowed_message_types={ALLOWED_MESSAGES!r}",
    ]


def main() -> None:
    from seoul_data import prepared
    from seoul_data.access import GROUPS_VARIABLE

    # the air-gapped template and the data the kernels read
    share = str(ROOT / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([share, *paths])
    # the shared kernels read as nobody in particular (see the module's docstring); the
    # REST API reads as each request's viewer
    os.environ[GROUPS_VARIABLE] = KERNEL_DATA_GROUPS
    # the kernels share what is the same for every viewer (in the service's own home)
    if os.environ.get("SDH_DASHBOARDS_PREPARED", "True").lower() in ("0", "false", "no"):
        os.environ[prepared.VARIABLE] = "off"
    DashboardsApp.launch_instance(argv=argv())

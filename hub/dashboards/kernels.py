"""Whose kernel is whose in the dashboards service, and when a viewer's kernel goes.

A kernel is handed to the viewer whose page it renders (from the preheated pool, or started
for the page) and from then on belongs to that viewer alone: every route that names a kernel
(its websocket, the kernel API, Voila's unload beacon) answers 404 to anyone else, as it does
for a kernel that does not exist. Pooled kernels belong to nobody and cannot be reached.

A viewer's kernel is released when its page goes away: when the page's last websocket closes
and none reconnects within ``release_after`` seconds, or when the page never connects within
``connect_within`` seconds of being served (a page opened and left before its scripts
ran, a browser that crashed). Neither waits for the page's unload beacon, which browsers do not
always send, nor for the idle culler.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

import tornado.web
from jupyter_core.utils import ensure_async
from tornado.ioloop import IOLoop
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

log = logging.getLogger("seoul-dashboards")


@dataclass
class Page:
    """The page being rendered in this request: who asked, and the kernel it got."""

    viewer: str
    kernel_id: str | None = None


#: The page the current request renders (a request is one task: the kernel manager, called
#: from it, sees its page here).
RENDERING: ContextVar[Page | None] = ContextVar("dashboards_page", default=None)


class Viewers:
    """The viewers' kernels: who holds which since when, and releasing those whose page went
    away. One per service; the kernel manager is set once Voila has made it."""

    def __init__(self, release_after: float, connect_within: float) -> None:
        self.release_after, self.connect_within = release_after, connect_within
        self.manager = None
        self.owner: dict[str, str] = {}
        self.since: dict[str, float] = {}
        #: How long recent viewers held their kernel (seconds), for the busy page's estimate.
        self.held: list[float] = []

    def hand_out(self, kernel_id: str) -> None:
        """Give ``kernel_id`` to the page rendered in this request."""
        page = RENDERING.get()
        if page is None:
            return  # not for a page (a pool's kernel): nobody's
        page.kernel_id = kernel_id
        self.owner[kernel_id] = page.viewer
        self.since[kernel_id] = time.monotonic()

    def owns(self, kernel_id: str | None, viewer: str) -> bool:
        return kernel_id is not None and self.owner.get(kernel_id) == viewer

    def forget(self, kernel_id: str) -> None:
        self.owner.pop(kernel_id, None)
        since = self.since.pop(kernel_id, None)
        if since is not None:
            self.held = [*self.held[-49:], time.monotonic() - since]

    def in_use(self) -> list[float]:
        """Seconds each viewer has held their kernel so far."""
        now = time.monotonic()
        return [now - since for since in self.since.values()]

    def served(self, kernel_id: str) -> None:
        """The page is out: its kernel goes if the page does not connect in time."""
        self._check_after(self.connect_within, kernel_id)

    def closed(self, kernel_id: str) -> None:
        """A websocket to ``kernel_id`` closed: it goes if none reconnects in time."""
        self._check_after(self.release_after, kernel_id)

    def _check_after(self, seconds: float, kernel_id: str) -> None:
        if self.release_after > 0 and self.manager is not None:
            IOLoop.current().call_later(seconds, self.release_if_unwatched, kernel_id)

    async def release_if_unwatched(self, kernel_id: str) -> None:
        """Shut ``kernel_id`` down if it still runs and no websocket is connected to it."""
        manager = self.manager
        if kernel_id not in manager.list_kernel_ids():
            return  # gone already: the page's beacon, the idle culler
        if manager.kernel_model(kernel_id).get("connections", 0):
            return  # the page is there (or came back: a reload, a reconnect)
        viewer = self.owner.get(kernel_id, "nobody")
        log.info("dashboards: kernel %s of %s released, its page went away", kernel_id, viewer)
        await ensure_async(manager.shutdown_kernel(kernel_id))


class HandingOut:
    """Mixed into Voila's kernel manager: records which viewer each kernel is handed to.

    Voila hands a page a pooled kernel with :meth:`get_rendered_notebook`, or starts one for
    it with :meth:`start_kernel` when the pool is empty; the pool's own kernels are started
    below this class (Voila calls its base's ``start_kernel``), so they stay nobody's."""

    viewers: Viewers

    async def get_rendered_notebook(self, *args, **kwargs):
        render_task, rendered, kernel_id = await super().get_rendered_notebook(*args, **kwargs)
        self.viewers.hand_out(kernel_id)
        return render_task, rendered, kernel_id

    async def start_kernel(self, *args, **kwargs) -> str:
        kernel_id = await ensure_async(super().start_kernel(*args, **kwargs))
        self.viewers.hand_out(kernel_id)
        return kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self.viewers.forget(kernel_id)


class ViewersKernelOnly:
    """Mixed into every handler whose route names a kernel: only the viewer it was handed to
    gets past ``prepare``; anyone else gets 404, as for a kernel that does not exist."""

    async def prepare(self, *args, **kwargs):
        await ensure_async(super().prepare(*args, **kwargs))
        user = self.current_user
        if user is None:
            return  # the handler's own authentication refuses the request
        # named in the route, or its one argument (Voila's unload beacon: shutdown/(.*))
        kernel_id = self.path_kwargs.get("kernel_id") or next(iter(self.path_args), None)
        if not self.settings["sdh_viewers"].owns(kernel_id, user.username):
            self.log.warning("dashboards: %s refused kernel %s", user.username, kernel_id)
            raise tornado.web.HTTPError(404)


class ReleasingWebsocketHandler(ViewersKernelOnly, VoilaKernelWebsocketHandler):
    """A page's kernel websocket, for the kernel's viewer only; when it closes, the kernel is
    released if no websocket to it opens again in time."""

    def on_close(self) -> None:
        kernel_id = getattr(self, "kernel_id", None)
        super().on_close()
        if kernel_id:
            self.settings["sdh_viewers"].closed(kernel_id)


def owned(handler: type) -> type:
    """``handler`` answering only the viewer of the kernel its route names."""
    return type(handler.__name__, (ViewersKernelOnly, handler), {})

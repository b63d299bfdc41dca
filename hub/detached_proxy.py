"""The platform's proxy, as the hub sees it: started detached, started again if it dies.

configurable-http-proxy runs on its own (hub/processes.py: a pid file and a log in the
state directory, its own session), so it and its routes outlive a hub restart. JupyterHub
watches only a proxy it started itself (``ConfigurableHTTPProxy.should_start``): with
``should_start = False`` a proxy that dies (``kill -9``, out of memory) stays dead, and
every page and server of the platform with it, until someone runs ``seoul-hub up`` and
restarts the hub to put its routes back.

:class:`DetachedProxy` keeps JupyterHub's watch (every ``check_running_interval`` seconds)
and starts the proxy the platform's way: detached, through
:func:`hub.processes.start_proxy`, which adopts a proxy that already runs. After a restart
the hub puts the routes back, so logged-in users reach their servers again with the
cookies they have.
"""

from __future__ import annotations

import asyncio

from jupyterhub.proxy import ConfigurableHTTPProxy
from tornado.ioloop import PeriodicCallback
from traitlets import Bool

from hub import processes
from hub.settings import HubSettings


class DetachedProxy(ConfigurableHTTPProxy):
    """configurable-http-proxy started detached by the hub and started again if it dies.

    Its command line, pid file and log are the platform's (hub/processes.py), read from the
    hub's ``SDH_*`` settings; ``api_url`` and ``auth_token`` are configured as for
    ConfigurableHTTPProxy. Stopping the hub leaves the proxy running.
    """

    should_start = Bool(
        True,
        config=True,
        help="""Start the proxy with the hub if none runs, and watch it.

        False: the hub neither starts nor watches it (someone else keeps it running).
        """,
    )

    def platform_settings(self) -> HubSettings:
        """The settings the hub was started with (hub/processes.py passes them)."""
        return HubSettings.from_env()

    async def start(self) -> None:
        """Start the proxy unless it runs, then check it every ``check_running_interval``."""
        pid = await asyncio.to_thread(processes.start_proxy, self.platform_settings())
        self.log.info(
            "Proxy running (pid %s), watched every %s s", pid, self.check_running_interval
        )
        if self._check_running_callback is None:
            self._check_running_callback = PeriodicCallback(
                self.check_running, 1e3 * self.check_running_interval
            )
            self._check_running_callback.start()

    async def check_running(self) -> None:
        """Start a dead proxy again and give it back the routes of running servers."""
        settings = self.platform_settings()
        if await asyncio.to_thread(processes.running_pid, settings, "proxy"):
            return
        self.log.error("The proxy is not running: starting it again")
        await self.start()
        await self.restore_routes()

    def stop(self) -> None:
        """Leave the proxy running: it serves the routes of servers that outlive the hub."""
        if self._check_running_callback is not None:
            self._check_running_callback.stop()

"""Files a user's server hands out run in a sandbox, never with the server's own origin.

Without ``JupyterHub.subdomain_host`` every user server shares the hub's origin: an HTML
or SVG file that Alice writes in her home and an admin opens under
``/user/alice/files/…`` would otherwise run its script as the admin, on the hub's pages
and API. Each response under the paths that serve files (``SANDBOXED_PATHS``) gets one more
``Content-Security-Policy: sandbox allow-scripts``: its scripts run, in an opaque origin
of their own, with no cookies, no forms, no pop-ups and no navigation of the top window.

jupyter_server already sandboxes ``files/`` and ``nbconvert/``; this adds ``static/``,
``view/`` and Voila's ``voila/files/`` (a plain tornado handler that sends no policy at
all), and keeps the sandbox whatever other policy the server is configured with: browsers
enforce every policy of a response, so a second header can only restrict. JupyterLab and
Voila pages are not sandboxed (they need their origin); only subdomains keep them apart.

The single-user image enables it in ``/etc/jupyter/jupyter_server_config.d/``, which a
user's own configuration (not read: ``disable_user_config``) cannot undo.
"""

from __future__ import annotations

from functools import partial

from jupyter_server.utils import url_path_join
from tornado.web import OutputTransform

SANDBOX = "sandbox allow-scripts"
#: Where a server hands out files as they are, relative to its base URL.
SANDBOXED_PATHS = ("files/", "static/", "view/", "nbconvert/", "voila/files/")


class SandboxFiles(OutputTransform):
    """Adds the sandbox policy to every response under ``prefixes``."""

    def __init__(self, request, prefixes: tuple[str, ...]) -> None:
        super().__init__(request)
        self.sandboxed = request.path.startswith(prefixes)

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if self.sandboxed:
            headers.add("Content-Security-Policy", SANDBOX)
        return status_code, headers, chunk


def sandboxed_prefixes(base_url: str) -> tuple[str, ...]:
    """The URL path prefixes sandboxed in a server at ``base_url`` (e.g. ``/user/alice/``)."""
    return tuple(url_path_join(base_url, path) for path in SANDBOXED_PATHS)


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "extensions.content_sandbox"}]


def _load_jupyter_server_extension(serverapp) -> None:
    prefixes = sandboxed_prefixes(serverapp.web_app.settings["base_url"])
    serverapp.web_app.add_transform(partial(SandboxFiles, prefixes=prefixes))
    serverapp.log.info("Files served sandboxed (CSP %r) under %s", SANDBOX, ", ".join(prefixes))

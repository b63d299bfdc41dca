"""Headless Debian Chromium on a separated network, for page tests and benchmarks.

Every name but the loopback's (127.0.0.1, localhost and its subdomains, which Chromium
resolves to the loopback itself) fails to resolve (what a city network without internet
does), WebGL runs in software (SwiftShader), and each page records its requests and console
errors so a test can assert that nothing left the loopback.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# *.localhost: the hosts of user servers when the hub has subdomains (tests/test_origins.py)
OFFLINE = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    f"--host-resolver-rules={OFFLINE}",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


@dataclass
class Watched:
    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests that did not go to the loopback (nor stay inside the page)."""
        return sorted({u for u in self.requests if not u.startswith(LOCAL) and not _localhost(u)})


def _localhost(url: str) -> bool:
    parsed = urlparse(url)
    host = parsed.hostname or ""
    return parsed.scheme in ("http", "ws") and (host == "localhost" or host.endswith(".localhost"))


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def watched_page(context) -> Watched:
    return watch(context.new_page())


def watch(page) -> Watched:
    """Record ``page``'s requests and errors (a sync or an async Playwright page)."""
    watched = Watched(page)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and watched.errors.append(f"{r.status} {r.url}"))
    return watched


def log_in(page, hub_url: str, name: str, password: str) -> None:
    """The hub's login form, as staff fill it in."""
    page.goto(f"{hub_url}/hub/login", timeout=60_000)
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url("**/hub/home", timeout=60_000)


def open_lab(page, hub_origin: str, user: str) -> None:
    """Start the server from the spawn form (first profile) and wait for JupyterLab."""
    page.goto(f"{hub_origin}/hub/spawn", timeout=60_000)
    page.click("#spawn_form button[type=submit]")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)


def save_in_home(page, user: str, name: str, content: str) -> None:
    """Save a file in ``user``'s home through their server's API, as JupyterLab does."""
    status = page.evaluate(
        """async ([user, name, content]) => {
            const xsrf = decodeURIComponent((document.cookie.match(/_xsrf=([^;]*)/) || [])[1]);
            const r = await fetch(`/user/${user}/api/contents/${name}`, {
                method: "PUT", headers: {"X-XSRFToken": xsrf, "Content-Type": "application/json"},
                body: JSON.stringify({type: "file", format: "text", content})});
            return r.status;
        }""",
        [user, name, content],
    )
    assert status in (200, 201), status


_FRAMES_ASKED = """() => {
    if (window.__framesAsked === undefined) {
        window.__framesAsked = 0;
        const ask = window.requestAnimationFrame.bind(window);
        window.requestAnimationFrame = (cb) => { window.__framesAsked++; return ask(cb); };
    }
    return window.__framesAsked;
}"""


def frames_asked(page, over_ms: int) -> int:
    """How many animation frames ``page``'s scripts asked for in ``over_ms`` (a map that
    keeps asking keeps a core busy while nothing moves)."""
    before = page.evaluate(_FRAMES_ASKED)
    page.wait_for_timeout(over_ms)
    return page.evaluate(_FRAMES_ASKED) - before


def pixels(element) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(element.screenshot())).convert("RGB")).astype(int)


def drawn(image: np.ndarray) -> bool:
    """Whether a screenshot shows a picture (many colours), not a blank or single-colour box."""
    return len(np.unique(image.reshape(-1, 3), axis=0)) > 50


def has_font(page, family: str) -> bool:
    """Whether the browser draws Korean text in ``family`` (its widths differ from a fallback)."""
    return page.evaluate(
        """family => {
            const c = document.createElement('canvas').getContext('2d');
            const text = '서울 인구관 데이터 검색';
            c.font = `32px "${family}", monospace`; const a = c.measureText(text).width;
            c.font = '32px monospace'; const b = c.measureText(text).width;
            return a !== b;
        }""",
        family,
    )

"""Origins: what a user serves under /user/<name>/ cannot script the hub as its viewer.

With ``SDH_SUBDOMAIN_HOST`` each user's server is on a host, an origin, of its own; without
it, the files a server hands out come with a CSP sandbox (extensions/content_sandbox). Both
are probed in Chromium as an attacker would: Alice saves an HTML page in her home, a
logged-in viewer opens it, and its script tries to read the hub's pages, API and cookies
with the viewer's cookies. The same probe first succeeds from a hub page, so these tests
cannot pass by breaking everything.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import pytest
import requests

from tests.browser import browser, log_in, open_lab, save_in_home, watched_page
from tests.running_hub import free_port

pytestmark = [pytest.mark.docker, pytest.mark.browser]

#: What the script of a page tries as its viewer: the hub's home page (and the XSRF token
#: JupyterHub's pages carry), then the REST API with that token and the viewer's cookies.
#: Each answer is a value or "error: …".
API_PROBE = r"""async (hub) => {
  const out = {};
  let xsrf = "";
  try {
    const home = await fetch(hub + "/hub/home", {credentials: "include"});
    xsrf = ((await home.text()).match(/xsrf_token: "([^"]*)"/) || [])[1] || "";
    out.page = home.status;
  } catch (e) { out.page = "error: " + e; }
  try {
    const headers = xsrf ? {"X-XSRFToken": xsrf} : {};
    const api = await fetch(hub + "/hub/api/user", {credentials: "include", headers});
    out.api = api.status === 200 ? (await api.json()).name : "error: status " + api.status;
  } catch (e) { out.api = "error: " + e; }
  return out;
}"""

#: The same, then the hub's cookies (those on /hub/) through a frame, and the page's own.
PROBE = r"""async (hub) => {
  const out = await (API_PROBE)(hub);
  out.frame = await new Promise(resolve => {
    const frame = document.createElement("iframe");
    frame.onload = () => {
      try { resolve(frame.contentDocument.cookie); } catch (e) { resolve("error: " + e); }
    };
    frame.src = hub + "/hub/static/favicon.ico";  // hub pages refuse frames, files do not
    document.body.appendChild(frame);
    setTimeout(() => resolve("error: the frame did not load"), 5000);
  });
  try { out.cookie = document.cookie; } catch (e) { out.cookie = "error: " + e; }
  return out;
}""".replace("API_PROBE", API_PROBE)


def probe_page(hub_origin: str) -> str:
    return (
        "<!doctype html><meta charset='utf-8'><title>probe</title><pre id='out'>waiting</pre>"
        f"<script>({PROBE})({json.dumps(hub_origin)})"
        ".then(r => { document.getElementById('out').textContent = JSON.stringify(r); });"
        "</script>"
    )


def svg_probe(hub_origin: str) -> str:
    """The API probe in an SVG image (what Voila hands out under voila/files/)."""
    return (
        "<svg xmlns='http://www.w3.org/2000/svg'><text id='out' y='20'>waiting</text><script>"
        f"({API_PROBE})({json.dumps(hub_origin)})"
        ".then(r => { document.getElementById('out').textContent = JSON.stringify(r); });"
        "</script></svg>"
    )


def read_out(page) -> str:
    page.wait_for_function(
        "document.getElementById('out').textContent !== 'waiting'", timeout=30_000
    )
    return page.evaluate("document.getElementById('out').textContent")


def policies(response) -> list[str]:
    """Every Content-Security-Policy of a page's or an APIRequestContext's response."""
    headers = response.headers_array
    return [
        h["value"]
        for h in (headers() if callable(headers) else headers)
        if h["name"].lower() == "content-security-policy"
    ]


def assert_sandboxed(response) -> None:
    found = policies(response)
    assert any("sandbox allow-scripts" in p for p in found), (response.url, found)
    assert not any("allow-same-origin" in p for p in found), (response.url, found)


def wait_routed(hub, url: str, timeout: float = 120) -> None:
    """Wait until the proxy routes ``url`` (on a service's host) to the service: the hub adds
    a managed service's route once it has started, and answers for it until then."""
    parsed = urlparse(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get(
            f"{hub.url}{parsed.path}",
            headers={"Host": parsed.netloc},
            allow_redirects=False,
            timeout=10,
        )
        if "/hub/services/" not in response.headers.get("Location", ""):
            return
        time.sleep(0.3)
    raise AssertionError(f"{url} not routed in {timeout} s")


@pytest.fixture(scope="module")
def chromium():
    with browser() as chromium:
        yield chromium


def test_with_subdomains_a_users_page_has_an_origin_of_its_own(make_hub, docker_engine, chromium):
    port = free_port()
    hub = make_hub(bind_url=f"http://127.0.0.1:{port}", subdomain_host=f"http://localhost:{port}")
    password = hub.add_user("alice", "analyst")
    hub.start()
    hub_origin, alice_origin = f"http://localhost:{port}", f"http://alice.localhost:{port}"
    context = chromium.new_context()
    watched = watched_page(context)
    page = watched.page
    log_in(page, hub_origin, "alice", password)

    # the probe works where it should: a hub page reads the hub's API and cookies
    own = page.evaluate(PROBE, hub_origin)
    assert own["page"] == 200 and own["api"] == "alice" and "_xsrf=" in own["frame"], own
    hub_xsrf = next(
        c["value"] for c in context.cookies(f"{hub_origin}/hub/home") if c["name"] == "_xsrf"
    )

    # her server, and JupyterLab in it, are at her own host
    open_lab(page, hub_origin, "alice")
    assert page.url.startswith(f"{alice_origin}/user/alice/lab"), page.url
    # the hub's login cookie is the hub host's alone: never sent to hers
    sent_to_her = {c["name"] for c in context.cookies(f"{alice_origin}/hub/")}
    assert "jupyterhub-hub-login" not in sent_to_her, sent_to_her
    # script in her server's own pages (JupyterLab, Voila: not sandboxed) cannot reach the hub
    in_lab = page.evaluate(PROBE, hub_origin)
    assert str(in_lab["page"]).startswith("error") and in_lab["api"].startswith("error"), in_lab
    assert in_lab["frame"].startswith("error") and hub_xsrf not in json.dumps(in_lab), in_lab

    # nor a page she saves in her home (sandboxed as well, extensions/content_sandbox)
    save_in_home(page, "alice", "probe.html", probe_page(hub_origin))
    response = page.goto(f"{alice_origin}/user/alice/files/probe.html")
    assert response.status == 200
    found = json.loads(read_out(page))
    assert str(found["page"]).startswith("error"), found
    assert found["api"].startswith("error"), found
    assert found["frame"].startswith("error"), found
    assert hub_xsrf not in json.dumps(found)

    # the home page's button takes her to her host …
    page.goto(f"{hub_origin}/hub/home")
    page.click("#start")
    page.wait_for_url(f"{alice_origin}/user/alice/**", timeout=60_000)
    # … and its dashboards to the dashboards service's own (through the hub's OAuth)
    page.goto(f"{hub_origin}/hub/home")
    dashboard = page.get_attribute("[data-entrance=dashboard-population_hall] a", "href")
    service_origin = f"http://dashboards--service.localhost:{port}"
    assert dashboard.startswith(f"{service_origin}/services/dashboards/"), dashboard
    wait_routed(hub, dashboard)
    response = page.goto(dashboard, timeout=180_000)
    assert response.status == 200 and page.url == dashboard, page.url
    context.close()
    assert watched.outside() == []


def test_without_subdomains_served_files_are_sandboxed(make_hub, docker_engine, chromium):
    hub = make_hub()
    password = hub.add_user("alice", "analyst")
    hub.start()
    context = chromium.new_context()
    watched = watched_page(context)
    page = watched.page
    log_in(page, hub.url, "alice", password)

    # the probe works where it should: a hub page reads the hub's API and cookies
    own = page.evaluate(PROBE, hub.url)
    assert own["page"] == 200 and own["api"] == "alice" and "_xsrf=" in own["frame"], own

    # JupyterLab works with its static files sandboxed
    open_lab(page, hub.url, "alice")
    save_in_home(page, "alice", "probe.html", probe_page(hub.url))
    save_in_home(page, "alice", "probe.svg", svg_probe(hub.url))

    response = page.goto(f"{hub.url}/user/alice/files/probe.html")
    assert response.status == 200
    assert_sandboxed(response)
    found = json.loads(read_out(page))
    assert str(found["page"]).startswith("error"), found
    assert found["api"].startswith("error"), found
    assert found["frame"].startswith("error"), found
    assert found["cookie"].startswith("error"), found  # an opaque origin has no cookies

    # Voila's voila/files/ (a handler that asks no login) hands out nothing at all, and its
    # refusal is sandboxed as well
    response = context.request.get(f"{hub.url}/user/alice/voila/files/probe.svg")
    assert response.status == 403 and b"fetch" not in response.body()
    assert_sandboxed(response)

    # the server's other file paths
    for path in ("static/favicon.ico", "view/probe.html"):
        response = context.request.get(f"{hub.url}/user/alice/{path}")
        assert response.status == 200, path
        assert_sandboxed(response)
    context.close()
    assert watched.outside() == []

"""The attacker in alice's container: what of the network can they reach?

Allowed: the hub's API and Dask Gateway's two proxies on the hub's address (and alice's own
server). Not: bob's server, the proxy (its API and
its public port), the services' ports, any host port, a port bound inside the container
as if it were the host's.
"""

from __future__ import annotations

import socket
import threading

import docker
import pytest

from hub.network import hub_address
from tests.running_hub import run_code
from tests.security.probes import connect_from

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def servers(running_hub, docker_engine):
    running_hub.wait_for_service("dask-gateway")  # its ports are probed as allowed
    return running_hub.start_servers("alice", "bob")


@pytest.fixture(scope="module")
def host_listener():
    """A program on the host listening on every address (as sshd or a database would)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(16)
    stop = threading.Event()

    def serve():
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _ip(hub, name: str) -> str:
    container = docker.DockerClient(base_url=hub.settings.docker_host).containers.get(
        f"{hub.settings.container_prefix}-{name}"
    )
    return next(iter(container.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]


def test_the_hub_api_is_reachable_and_nothing_else_of_the_platform(
    running_hub, servers, host_listener
):
    settings = running_hub.settings
    hub_ip = hub_address(settings)
    # the host reaches the listener on its own address: the probe target is real
    with socket.create_connection((hub_ip, host_listener), timeout=3):
        pass
    targets = [
        (hub_ip, settings.hub_port),  # allowed: the hub API
        (hub_ip, settings.gateway_port),  # allowed: Dask Gateway's HTTP proxy
        (hub_ip, settings.gateway_proxy_port),  # and its TLS proxy to her schedulers
        ("127.0.0.1", 8888),  # alice's own server, from inside
        (hub_ip, settings.proxy_api_port),
        (hub_ip, int(settings.bind_url.rsplit(":", 1)[1])),  # the proxy's public port
        (hub_ip, settings.quota_port),
        (hub_ip, settings.dashboards_port),
        (hub_ip, host_listener),  # a host port on all addresses
        ("127.0.0.1", settings.proxy_api_port),  # the host's loopback is not theirs
        (_ip(running_hub, "bob"), 8888),  # bob's server
    ]
    seen = connect_from(running_hub, servers["alice"], "alice", targets)
    for port in (settings.hub_port, settings.gateway_port, settings.gateway_proxy_port):
        assert seen.pop(f"{hub_ip}:{port}") == "open", seen
    assert seen.pop("127.0.0.1:8888") == "open", seen
    assert not [target for target, result in seen.items() if result == "open"], seen
    # and the hub API answers with alice's identity only
    code = (
        "import os, json, urllib.request\n"
        "req = urllib.request.Request(os.environ['JUPYTERHUB_API_URL'] + '/user',"
        " headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN']})\n"
        "print(json.load(urllib.request.urlopen(req, timeout=10))['name'])"
    )
    assert run_code(running_hub, servers["alice"], "alice", code).strip() == "alice"


def test_bob_is_on_a_network_of_his_own(running_hub, servers):
    # the same probe from bob's side: his own server yes, alice's no
    alice = (_ip(running_hub, "alice"), 8888)
    seen = connect_from(running_hub, servers["bob"], "bob", [("127.0.0.1", 8888), alice])
    assert seen["127.0.0.1:8888"] == "open", seen
    assert seen[f"{alice[0]}:8888"] != "open", seen


def test_a_port_bound_in_a_container_is_not_the_hosts(running_hub, servers):
    code = (
        "import socket\ns = socket.socket()\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', 0))\ns.listen()\nPORT = s.getsockname()[1]\n"
        "c = socket.create_connection(('127.0.0.1', PORT), timeout=3)\n"
        "print(PORT, 'open inside')"
    )
    out = run_code(running_hub, servers["alice"], "alice", code).split()
    port = int(out[0])
    assert out[1:] == ["open", "inside"]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_no_docker_socket_and_no_host_state_inside(running_hub, servers):
    state = running_hub.settings.state_dir
    code = (
        "import os\n"
        "paths = ['/var/run/docker.sock', '/run/sdh-docker/docker.sock', "
        f"{str(state)!r}, {str(state / 'accounts.sqlite')!r}]\n"
        "print([p for p in paths if os.path.exists(p)])\n"
        f"print(any({str(state)!r} in line for line in open('/proc/self/mounts')))\n"
        "print(os.environ.get('DOCKER_HOST'), 'JUPYTERHUB_CRYPT_KEY' in os.environ)"
    )
    out = run_code(running_hub, servers["alice"], "alice", code).split("\n")
    assert out[:3] == ["[]", "False", "None False"], out
    # the proxy token is in the state directory on the host, and nowhere in the container
    token = (state / "proxy_token").read_text().strip()
    grep = run_code(
        running_hub,
        servers["alice"],
        "alice",
        f"import os\nprint(any({token!r} in v for v in os.environ.values()))",
    )
    assert grep.strip() == "False"

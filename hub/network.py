"""The platform's own Docker networks and the host firewall that keeps containers in them.

In the ``isolated`` network mode (the default) every user gets a bridge network of their own,
``<prefix>-net-<user>``, made on their first spawn and kept for the next ones. Their server
and their Dask schedulers and workers are the only things on it, so one user's
containers cannot reach another's: the engine runs without IP forwarding, and the host
never routes between its bridges. The hub listens on the address the host has on one more
bridge, ``<prefix>-hub``, which holds no container: every user network reaches that address
through its own gateway (the host answers for all its addresses), and no container can bind
it or squat its port.

Containers could still reach anything the host serves on all addresses (``0.0.0.0``), so
the host firewall (iptables, chain ``SDH-ISOLATION``) lets traffic that comes in from a
platform bridge reach the hub's port, and Dask Gateway's two proxy ports on the hub's
address, and nothing else of the host. The proxy, its API and the other services listen on
127.0.0.1, which containers cannot reach at all.

Bridges are named ``sdhb`` + a hash of the network name (an interface name has at most 15
characters), so one firewall rule (``-i sdhb+``) covers every platform network.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import random
import shutil
import socket
import subprocess

import docker
import docker.errors
import docker.types

log = logging.getLogger(__name__)

BRIDGE_PREFIX = "sdhb"
FIREWALL_CHAIN = "SDH-ISOLATION"
#: Each network's size: the server, a Dask scheduler and its workers fit in a /26.
SUBNET_PREFIX = 26
LABEL = "org.seoul-data-hub.network"


class NetworkError(RuntimeError):
    """A platform network or the host firewall could not be set up; the message says why."""


def bridge_name(network: str) -> str:
    """The host interface of a platform network (at most 15 characters, ``sdhb`` first)."""
    return BRIDGE_PREFIX + hashlib.sha256(network.encode()).hexdigest()[:10]


def user_network(prefix: str, escaped_user: str) -> str:
    return f"{prefix}-net-{escaped_user}"


def hub_network(prefix: str) -> str:
    return f"{prefix}-hub"


def ensure_network(client: docker.APIClient, name: str, pool: str, *, prefix: str) -> str:
    """Make the bridge network ``name`` unless it exists; return the host's (gateway) address
    on it. Its subnet is the first free /26 of ``pool``."""
    existing = _gateway(client, name)
    if existing:
        return existing
    taken = _subnets_in_use(client)
    for subnet in ipaddress.ip_network(pool).subnets(new_prefix=SUBNET_PREFIX):
        if any(subnet.overlaps(other) for other in taken):
            continue
        gateway = str(next(subnet.hosts()))
        ipam = docker.types.IPAMConfig(
            pool_configs=[docker.types.IPAMPool(subnet=str(subnet), gateway=gateway)]
        )
        try:
            client.create_network(
                name,
                driver="bridge",
                ipam=ipam,
                check_duplicate=True,
                options={
                    "com.docker.network.bridge.name": bridge_name(name),
                    "com.docker.network.bridge.enable_ip_masquerade": "false",
                },
                labels={LABEL: prefix},
            )
        except docker.errors.APIError as e:
            # a concurrent spawn took this subnet or made this very network first
            found = _gateway(client, name)
            if found:
                return found
            if "overlap" in str(e).lower() or "pool" in str(e).lower():
                taken.append(subnet)
                continue
            raise NetworkError(f"Docker network {name} could not be made: {e}") from e
        log.info("Made network %s (%s, bridge %s)", name, subnet, bridge_name(name))
        return gateway
    raise NetworkError(f"no free /{SUBNET_PREFIX} left in the network pool {pool}")


def remove_networks(client: docker.APIClient, prefix: str) -> list[str]:
    """Remove the platform networks of ``prefix`` that no container uses; return names."""
    removed = []
    for network in client.networks(filters={"label": f"{LABEL}={prefix}"}):
        gateway = _gateway(client, network["Id"])
        try:
            client.remove_network(network["Id"])
        except docker.errors.APIError:
            continue  # still in use
        removed.append(network["Name"])
        if gateway and shutil.which("iptables"):
            _forget_address(gateway)
    return removed


def _forget_address(address: str) -> None:
    """Drop the firewall's ACCEPT rules for a hub address that is gone."""
    listing = subprocess.run(
        ["iptables", "-w", "10", "-S", FIREWALL_CHAIN], capture_output=True, text=True
    )
    for line in listing.stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["-A", FIREWALL_CHAIN] and f"{address}/32" in parts:
            _iptables("-D", *parts[1:], check=False)


def install_firewall(hub_ip: str, hub_port: int, more_ports: tuple[int, ...] = ()) -> None:
    """Let platform bridges reach the hub's port and nothing else of the host (idempotent).

    more_ports: other ports of ``hub_ip`` they may reach (Dask Gateway's proxies).

    Raises NetworkError when iptables is missing or refuses (not root): an isolated
    platform does not start without it."""
    if not shutil.which("iptables"):
        raise NetworkError(
            "iptables is missing: install it (Debian package iptables), or run the"
            " development mode SDH_NETWORK=host, which does not isolate users"
        )
    _iptables("-N", FIREWALL_CHAIN, check=False)
    rules = [
        ("-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"),
        *(
            ("-d", hub_ip, "-p", "tcp", "--dport", str(port), "-j", "ACCEPT")
            for port in (hub_port, *more_ports)
        ),
    ]
    for rule in rules:
        if not _has_rule(FIREWALL_CHAIN, rule):
            _iptables("-I", FIREWALL_CHAIN, "1", *rule)
    last = ("-j", "REJECT")
    # REJECT stays last: remove it and append it again after new ACCEPT rules
    if _has_rule(FIREWALL_CHAIN, last):
        _iptables("-D", FIREWALL_CHAIN, *last)
    _iptables("-A", FIREWALL_CHAIN, *last)
    hook = ("-i", f"{BRIDGE_PREFIX}+", "-j", FIREWALL_CHAIN)
    if not _has_rule("INPUT", hook):
        _iptables("-I", "INPUT", "1", *hook)
    # should the host forward packets (another engine turned it on), not between bridges;
    # the rule kept as iptables reads it, not a token a line
    forward = ("-i", f"{BRIDGE_PREFIX}+", "-o", f"{BRIDGE_PREFIX}+",
               "-m", "physdev", "!", "--physdev-is-bridged", "-j", "REJECT")  # fmt: skip
    if not _has_rule("FORWARD", forward):
        _iptables("-I", "FORWARD", "1", *forward, check=False)


def _has_rule(chain: str, rule: tuple[str, ...]) -> bool:
    return _iptables("-C", chain, *rule, check=False) == 0


def _iptables(*args: str, check: bool = True) -> int:
    result = subprocess.run(["iptables", "-w", "10", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise NetworkError(
            f"iptables {' '.join(args)} failed: {result.stderr.strip()}"
            " (the hub sets the host firewall and needs root for it)"
        )
    return result.returncode


def _gateway(client: docker.APIClient, name: str) -> str | None:
    try:
        network = client.inspect_network(name)
    except docker.errors.NotFound:
        return None
    configs = (network.get("IPAM") or {}).get("Config") or []
    return next((c["Gateway"] for c in configs if c.get("Gateway")), None)


def _subnets_in_use(client: docker.APIClient) -> list:
    found = []
    for network in client.networks():
        for config in (network.get("IPAM") or {}).get("Config") or []:
            try:
                found.append(ipaddress.ip_network(config.get("Subnet", ""), strict=False))
            except ValueError:
                continue
    return found


def hub_address(settings) -> str:
    """Where the hub listens for these settings (``HubSettings``): 127.0.0.1 on the host
    network; else the host's address on the hub network, which this makes if missing."""
    if settings.network == "host":
        return "127.0.0.1"
    client = docker.APIClient(base_url=settings.docker_host)
    try:
        return ensure_network(
            client,
            hub_network(settings.container_prefix),
            settings.network_pool,
            prefix=settings.container_prefix,
        )
    except docker.errors.DockerException as e:
        raise NetworkError(f"Docker engine at {settings.docker_host}: {e}") from e
    finally:
        client.close()


def service_address(hub_ip: str) -> str:
    """The fixed address of the platform's service container on the hub network (the
    dashboards service): the host after the hub's own, ``hub_ip``."""
    return str(ipaddress.ip_address(hub_ip) + 1)


def prepare_host(settings) -> str:
    """The hub network and the host firewall for ``settings``; return the hub's address."""
    address = hub_address(settings)
    if settings.network != "host":
        # the hub API, and Dask Gateway's HTTP and TLS proxies (hub/dask_gateway/)
        install_firewall(
            address, settings.hub_port, (settings.gateway_port, settings.gateway_proxy_port)
        )
    return address


def free_port_in(ip: str, ports: str) -> int:
    """A port of the range ``"first-last"`` that nothing listens on at ``ip`` right now."""
    first, last = (int(part) for part in ports.split("-"))
    candidates = list(range(first, last + 1))
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as probe:
            try:
                probe.bind((ip, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports} on {ip}")

"""Deployment settings of the platform, read from ``SDH_*`` environment variables.

These are the few knobs an operator sets (paths, ports, image, network, default limits);
:func:`hub.config.configure` translates them into JupyterHub configuration. Every value is
checked here, so a typo stops the hub at start with the variable's name, not halfway
through a spawn.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent

_MEMORY = re.compile(r"^\d+(\.\d+)?[KMGT]?$", re.IGNORECASE)
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
NETWORK_MODES = ("isolated", "host")


class SettingsError(ValueError):
    """A setting has a value the platform cannot run with; the message names it."""


@dataclass(frozen=True)
class HubSettings:
    """Where the hub keeps its state and how user servers are started."""

    #: Hub database, account store, cookie secret, proxy token, logs and pid files.
    state_dir: Path = REPO_ROOT / "var" / "state"
    #: Platform data, mounted read-only at /srv/data in every user container.
    data_dir: Path = REPO_ROOT / "var" / "data"
    #: Users' homes: an ext4 image each, loop-mounted under ``mnt/`` (hub/homes.py).
    homes_dir: Path = REPO_ROOT / "var" / "homes"
    #: Size of a home in the default policy's profiles (administrators change it per profile).
    home_size: str = "10G"
    #: Public URL of the proxy.
    bind_url: str = "http://127.0.0.1:8000"
    #: ``https://hub.example.org``: each user's server (and each service) on a host of its
    #: own, ``<name>.hub.example.org``, so what a user serves never runs with the hub's
    #: origin. Needs wildcard DNS (and, with https, a wildcard certificate). Empty: one
    #: origin for everything, user content confined by CSP sandboxes only.
    subdomain_host: str = ""
    hub_port: int = 8081
    proxy_api_port: int = 8001
    #: Loopback port of the quota admin service (/services/quota/).
    quota_port: int = 8082
    #: Loopback port of the dashboards service (/services/dashboards/).
    dashboards_port: int = 8083
    #: Loopback port of Dask Gateway's HTTP proxy (/services/dask-gateway/, its REST API).
    gateway_port: int = 8084
    #: Loopback port of Dask Gateway's TLS proxy to the schedulers: what a notebook's
    #: ``Gateway(proxy_address=...)`` and the Dask client connect to.
    gateway_proxy_port: int = 8085
    #: Preheated kernels per dashboard ("auto": a share of what the service's memory holds,
    #: hub/dashboards/capacity.py), the most kernels serving viewers at once (0: as many as
    #: the memory holds, measured as kernels run), and the seconds after which a viewer's
    #: idle kernel is culled.
    dashboards_pool: str = "auto"
    dashboards_max_kernels: int = 0
    dashboards_idle: int = 900
    #: Seconds a viewer's kernel outlives its page (its last websocket closed, or never
    #: opened within a grace period); 0 leaves kernels to the unload beacon and the culler.
    dashboards_release_after: float = 5.0
    #: Seconds a served page has to connect its websocket before its kernel is released
    #: (its scripts load after the page: slower on a busy host or a slow office PC).
    dashboards_connect_within: float = 120.0
    #: Whether the dashboards share what is the same for every viewer (tables, maps,
    #: pictures), prepared once per data version (seoul_data.prepared), across kernels.
    dashboards_prepared: bool = True
    #: Memory of the dashboards service's container (its kernels together), isolated network;
    #: "auto": a quarter of the host's memory, at least 4G (hub/dashboards/container.py).
    dashboards_mem_limit: str = "auto"
    #: Seconds a user server may sit idle before the hub's culler (the backstop of each
    #: server's own idle timeout) stops it; 0: the longest profile idle timeout plus ten
    #: minutes, at least twenty minutes. And how often the culler looks, in seconds.
    cull_idle: int = 0
    cull_every: int = 120
    #: How often the quota service stops servers past their profile's maximum run time.
    quota_check_seconds: int = 60
    #: SQLAlchemy URL of the hub database; empty means SQLite in ``state_dir``.
    #: Production: ``postgresql://jupyterhub@db/jupyterhub``.
    db_url: str = ""
    docker_host: str = "unix:///run/sdh-docker/docker.sock"
    #: ``isolated``: each user's containers on a bridge network of their own, the hub on an
    #: address of the platform's hub network, the host firewalled off (hub/network.py).
    #: ``host``: servers on 127.0.0.1 with a free port each, in the host's network namespace
    #: (development only: users can reach each other and every host port).
    network: str = "isolated"
    #: Addresses the platform's networks are cut from (a /26 each, one per user).
    network_pool: str = "10.213.0.0/16"
    image: str = "seoul-data-hub/singleuser:latest"
    #: Name prefix of containers and home volumes.
    container_prefix: str = "sdh"
    mem_limit: str = "2G"
    cpu_limit: float = 1.0
    #: Memory the user servers may take together (admission); empty: 80% of this host's.
    host_mem: str = ""
    #: GPU device ids the allocator hands out, comma-separated (e.g. "0,1"); empty: none.
    gpus: str = ""
    #: An internal map tile server for sd.maps and the GIS dashboards, e.g.
    #: ``http://tiles.seoul.internal/{z}/{x}/{y}.png``, and its credit; empty: our own
    #: boundaries are the only basemap (nothing is fetched).
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    #: JupyterHub spawner (entry-point name or import path); the benchmark swaps in a baseline.
    spawner_class: str = "seoul-docker"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> HubSettings:
        """Build settings from ``SDH_<FIELD>`` variables; unset ones keep their defaults."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get(f"SDH_{field.name.upper()}")
            if raw is None:
                continue
            try:
                values[field.name] = _convert(raw, getattr(cls, field.name))
            except ValueError:
                raise SettingsError(f"SDH_{field.name.upper()}={raw!r} is not valid") from None
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if urlparse(self.bind_url).scheme not in ("http", "https"):
            raise SettingsError(f"SDH_BIND_URL={self.bind_url!r} must start with http(s)://")
        if self.subdomain_host:
            _check_subdomain_host(self.subdomain_host, self.bind_url)
        ports = (
            "hub_port",
            "proxy_api_port",
            "quota_port",
            "dashboards_port",
            "gateway_port",
            "gateway_proxy_port",
        )
        for name in ports:
            port = getattr(self, name)
            if not 0 < port < 65536:
                raise SettingsError(f"SDH_{name.upper()}={port} is not a port number")
        if not _MEMORY.match(self.mem_limit):
            raise SettingsError(f"SDH_MEM_LIMIT={self.mem_limit!r}: use e.g. 512M or 2G")
        if not _MEMORY.match(self.home_size):
            raise SettingsError(f"SDH_HOME_SIZE={self.home_size!r}: use e.g. 10G")
        if self.dashboards_mem_limit != "auto" and not _MEMORY.match(self.dashboards_mem_limit):
            raise SettingsError(
                f"SDH_DASHBOARDS_MEM_LIMIT={self.dashboards_mem_limit!r}: auto, or e.g. 8G"
            )
        if not (str(self.dashboards_pool) == "auto" or str(self.dashboards_pool).isdigit()):
            raise SettingsError(
                f"SDH_DASHBOARDS_POOL={self.dashboards_pool!r}: auto, or 0 or more kernels"
            )
        if self.dashboards_max_kernels < 0:
            raise SettingsError(
                "SDH_DASHBOARDS_MAX_KERNELS must be ≥ 0 (0: as many kernels as memory holds)"
            )
        if self.dashboards_connect_within <= 0:
            raise SettingsError(
                f"SDH_DASHBOARDS_CONNECT_WITHIN={self.dashboards_connect_within}: seconds > 0"
            )
        if self.dashboards_release_after < 0:
            raise SettingsError(
                f"SDH_DASHBOARDS_RELEASE_AFTER={self.dashboards_release_after}: 0 or more seconds"
            )
        if self.cull_idle < 0 or self.cull_every <= 0:
            raise SettingsError(
                f"SDH_CULL_IDLE={self.cull_idle}, SDH_CULL_EVERY={self.cull_every}: "
                "seconds, idle ≥ 0 (0: from the profiles) and every > 0"
            )
        if self.cpu_limit <= 0:
            raise SettingsError(f"SDH_CPU_LIMIT={self.cpu_limit} must be positive")
        if self.host_mem and not _MEMORY.match(self.host_mem):
            raise SettingsError(f"SDH_HOST_MEM={self.host_mem!r}: use e.g. 20G")
        if self.gpus and not re.match(r"^\d+(,\d+)*$", self.gpus):
            raise SettingsError(f"SDH_GPUS={self.gpus!r}: device ids like 0,1")
        if self.map_tile_url and not (
            urlparse(self.map_tile_url).scheme in ("http", "https")
            and all(f"{{{k}}}" in self.map_tile_url for k in "zxy")
        ):
            raise SettingsError(
                f"SDH_MAP_TILE_URL={self.map_tile_url!r}: "
                "an http(s) address with {z}, {x} and {y}"
            )
        if self.network not in NETWORK_MODES:
            raise SettingsError(f"SDH_NETWORK={self.network!r}: one of {', '.join(NETWORK_MODES)}")
        try:
            pool = ipaddress.ip_network(self.network_pool)
        except ValueError:
            pool = None
        if pool is None or pool.version != 4 or not pool.is_private or pool.prefixlen > 24:
            raise SettingsError(
                f"SDH_NETWORK_POOL={self.network_pool!r}: a private IPv4 range of /24 or larger"
            )
        if not _PREFIX.match(self.container_prefix):
            raise SettingsError(
                f"SDH_CONTAINER_PREFIX={self.container_prefix!r}: lower-case letters, digits, '-'"
            )

    def environment(self) -> dict[str, str]:
        """The ``SDH_*`` variables that reproduce these settings in a child process."""
        return {f"SDH_{key.upper()}": str(value) for key, value in self.__dict__.items()}

    @property
    def map_environment(self) -> dict[str, str]:
        """What sd.maps reads to draw on the tile server (empty when there is none)."""
        if not self.map_tile_url:
            return {}
        return {
            "SDH_MAP_TILE_URL": self.map_tile_url,
            "SDH_MAP_TILE_ATTRIBUTION": self.map_tile_attribution,
        }

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.state_dir / 'jupyterhub.sqlite'}"

    @property
    def quota_db(self) -> Path:
        return self.state_dir / "quota.sqlite"

    @property
    def accounts_db(self) -> Path:
        return self.state_dir / "accounts.sqlite"

    @property
    def proxy_api_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_api_port}"


def _check_subdomain_host(subdomain_host: str, bind_url: str) -> None:
    """Refuse a subdomain host that users' hosts cannot be made under, or that browsers
    would not reach the proxy at."""
    name = f"SDH_SUBDOMAIN_HOST={subdomain_host!r}"
    url, bind = urlparse(subdomain_host), urlparse(bind_url)
    extra = "@" in url.netloc or any((url.path, url.params, url.query, url.fragment))
    if url.scheme not in ("http", "https") or extra:
        raise SettingsError(f"{name}: http(s)://host[:port] and nothing more")
    host = url.hostname or ""
    if _is_ip(host) or len(host) > 200 or not all(map(_DNS_LABEL.match, host.split("."))):
        raise SettingsError(f"{name}: a DNS name (users get <name>.{host}), not an IP address")
    try:
        port, bind_port = _port(url), _port(bind)
    except ValueError:
        raise SettingsError(f"{name}: the port is not a port number") from None
    # the browser reaches the proxy itself, or TLS ends in front of it
    if url.scheme == bind.scheme and port != bind_port:
        raise SettingsError(f"{name}: port {port}, but SDH_BIND_URL listens on {bind_port}")
    if url.scheme == "http" and bind.scheme == "https":
        raise SettingsError(f"{name}: http, but SDH_BIND_URL is https")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _port(url) -> int:
    """The port of a parsed http(s) URL, the scheme's default when it names none."""
    return url.port or (443 if url.scheme == "https" else 80)


_BOOLEANS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _convert(raw: str, default):
    """Convert an environment string to the type of the field's default."""
    if isinstance(default, Path):
        return Path(raw).expanduser().resolve()
    if isinstance(default, bool):
        if raw.strip().lower() not in _BOOLEANS:
            raise ValueError(raw)
        return _BOOLEANS[raw.strip().lower()]
    return type(default)(raw)

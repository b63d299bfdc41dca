"""Translate :class:`HubSettings` into JupyterHub configuration, in one function.

``jupyterhub_config.py`` calls :func:`configure`; unit tests call it on a plain traitlets
``Config`` to check the translation without starting anything.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hub.dashboards.listing import DASHBOARDS
from hub.dask_gateway.limits import GATEWAY_GROUPS
from hub.default_policy import default_policy
from hub.entrances import DASHBOARD_GROUPS, OpenData, entrances
from hub.network import prepare_host, service_address
from hub.quota_store import QuotaStore
from hub.settings import HubSettings, SettingsError
from hub.state_files import private_dir, read_or_create_secret
from seoul_data.data_permissions import enforce
from seoul_data.search.data_requests import FILE_NAME

TEMPLATES = Path(__file__).parent / "templates"
GATEWAY_CONFIG = Path(__file__).parent / "dask_gateway" / "gateway_config.py"
GATEWAY_PREFIX = "/services/dask-gateway"
HOME = "/home/jovyan"
DATA_MOUNT = "/srv/data"


#: Services end with the hub, even a killed one (hub/with_parent.py).
WITH_PARENT = (sys.executable, "-m", "hub.with_parent")


def services(settings: HubSettings, policy: dict, hub_ip: str) -> list[dict]:
    """The hub-managed services: the quota admin service, the dashboards service, Dask
    Gateway and the idle culler.

    Each profile's idle timeout is enforced inside the server (see the spawner's args);
    the culler (jupyterhub-idle-culler) is the backstop with the longest idle timeout."""
    longest_idle = max((p.get("idle_timeout", 0) for p in policy["profiles"]), default=0)
    cull_idle = settings.cull_idle or max(longest_idle, 600) + 600
    return [
        {
            "name": "quota",
            "url": f"http://127.0.0.1:{settings.quota_port}",
            "command": [*WITH_PARENT, sys.executable, "-m", "hub.quota_service"],
            "oauth_no_confirm": True,
            "environment": {
                "SDH_QUOTA_DB": str(settings.quota_db),
                "SEOUL_DATA_REQUESTS": str(data_requests_file(settings)),
                "SDH_DOCKER_HOST": settings.docker_host,
                "SDH_CONTAINER_PREFIX": settings.container_prefix,
                "SDH_QUOTA_CHECK_SECONDS": str(settings.quota_check_seconds),
            },
        },
        dashboards_service(settings, hub_ip),
        gateway_service(settings, hub_ip),
        {
            "name": "idle-culler",
            "command": [
                *WITH_PARENT,
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={cull_idle}",
                f"--cull-every={settings.cull_every}",
            ],
        },
    ]


def data_requests_file(settings: HubSettings) -> Path:
    """Staff's requests for catalogue-only data: written by the dashboards service (in its
    own state folder), read by the quota admin page."""
    return settings.state_dir / "dashboards" / FILE_NAME


def dashboards_service(settings: HubSettings, hub_ip: str) -> dict:
    """The dashboards service (Voila). On an isolated platform it runs in a hardened
    container on the hub network (hub/dashboards/container.py); on the development host
    network, as a process on the host."""
    environment = {
        "SEOUL_DATA_DIR": str(settings.data_dir),
        "SEOUL_USAGE_LOG": str(settings.state_dir / "dashboards" / "usage.jsonl"),
        "SEOUL_DATA_REQUESTS": str(data_requests_file(settings)),
        "SDH_DASHBOARDS_POOL": str(settings.dashboards_pool),
        "SDH_DASHBOARDS_MAX_KERNELS": str(settings.dashboards_max_kernels),
        "SDH_DASHBOARDS_IDLE": str(settings.dashboards_idle),
        "SDH_DASHBOARDS_RELEASE_AFTER": str(settings.dashboards_release_after),
        "SDH_DASHBOARDS_CONNECT_WITHIN": str(settings.dashboards_connect_within),
        "SDH_DASHBOARDS_PREPARED": str(settings.dashboards_prepared),
        # the service's kernels share one host: one CPU per training (AI 분석)
        "SEOUL_AI_MAX_CPUS": "1",
        **settings.map_environment,
    }
    if settings.network == "host":
        address, module = "127.0.0.1", "hub.dashboards"
        # what the kernels share, kept with the service's state (in its container: its home)
        prepared = settings.state_dir / "dashboards" / "prepared"
        environment["SEOUL_DATA_PREPARED"] = str(prepared)
    else:
        address, module = service_address(hub_ip), "hub.dashboards.container"
        environment.update(settings.environment())
    return {
        "name": "dashboards",
        "url": f"http://{address}:{settings.dashboards_port}",
        "command": [*WITH_PARENT, sys.executable, "-m", module],
        "oauth_no_confirm": True,
        "environment": environment,
    }


def gateway_service(settings: HubSettings, address: str) -> dict:
    """Dask Gateway (hub/dask_gateway/gateway_config.py).

    On an isolated platform its schedulers and workers are hardened containers of their
    user, on the user's network, and its two proxies listen on the hub's address, which user
    networks reach (the firewall lets those ports through: hub/network.py). On the
    development host network they are processes of the hub's own account, on 127.0.0.1.
    ``address``: the hub's (hub_ip in configure)."""
    return {
        "name": "dask-gateway",
        "url": f"http://{address}:{settings.gateway_port}",
        "command": [
            *WITH_PARENT,
            sys.executable,
            "-m",
            "dask_gateway_server",
            "-f",
            str(GATEWAY_CONFIG),
        ],
        "environment": {
            "SDH_GATEWAY_ADDRESS": f"{address}:{settings.gateway_port}",
            "SDH_GATEWAY_TCP_ADDRESS": f"{address}:{settings.gateway_proxy_port}",
            "SDH_GATEWAY_CLUSTERS": str(settings.state_dir / "dask-clusters"),
            "SDH_QUOTA_DB": str(settings.quota_db),
            "SEOUL_DATA_DIR": str(settings.data_dir),
            "SDH_NETWORK": settings.network,
            "SDH_NETWORK_POOL": settings.network_pool,
            "SDH_DOCKER_HOST": settings.docker_host,
            "SDH_IMAGE": settings.image,
            "SDH_CONTAINER_PREFIX": settings.container_prefix,
        },
    }


def enforce_data_views(settings: HubSettings) -> None:
    """Data files readable through data-view groups only (seoul_data/data_permissions.py).

    Needs root (the files' owner and groups change); without it only the development
    network may run, and its containers then read every file the host lets them."""
    if os.geteuid() == 0:
        enforce(settings.data_dir)
    elif settings.network != "host":
        raise SettingsError(
            "the isolated platform runs as root: it sets the host firewall and the data"
            " files' groups (SDH_NETWORK=host runs without, for development only)"
        )


def configure(c, settings: HubSettings) -> None:
    """Fill the JupyterHub config object ``c`` from ``settings``."""
    state = private_dir(settings.state_dir)
    hub_ip = prepare_host(settings)
    enforce_data_views(settings)
    _configure_hub(c, settings, state, hub_ip)
    policy = default_policy(settings)
    # the first start puts the default policy in force; later ones keep the admins' policy
    QuotaStore(settings.quota_db).ensure_policy(policy)
    c.JupyterHub.services = services(settings, policy, hub_ip)
    c.JupyterHub.load_roles = _roles()
    _configure_spawner(c, settings, policy, hub_ip)


def _configure_hub(c, settings: HubSettings, state: Path, hub_ip: str) -> None:
    """The hub itself: its addresses, database, secrets, proxy, login and pages."""
    c.JupyterHub.bind_url = settings.bind_url
    if settings.subdomain_host:
        # user servers and services on hosts of their own (the proxy routes by host): what
        # a user serves cannot script the hub, and the hub's login cookie (host-only) is
        # not sent to them
        c.JupyterHub.subdomain_host = settings.subdomain_host
        # __Host- cookies cannot be set by a subdomain (no cookie tossing); they must be
        # Secure, so only over https
        c.JupyterHub.cookie_host_prefix_enabled = settings.subdomain_host.startswith("https:")
    # 127.0.0.1, or the host's address on the hub network: where user containers reach
    # the hub API and nothing else (hub/network.py)
    c.JupyterHub.hub_ip = hub_ip
    c.JupyterHub.hub_connect_ip = hub_ip
    c.JupyterHub.hub_port = settings.hub_port
    c.JupyterHub.db_url = settings.database_url
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    # user servers and the proxy outlive a hub restart (upgrades, config changes)
    c.JupyterHub.cleanup_servers = False
    c.JupyterHub.cleanup_proxy = False

    # the proxy runs on its own (hub.processes), so its routes survive a hub restart; the
    # hub starts it again if it dies (hub/detached_proxy.py)
    c.JupyterHub.proxy_class = "hub.detached_proxy.DetachedProxy"
    c.ConfigurableHTTPProxy.api_url = settings.proxy_api_url
    c.ConfigurableHTTPProxy.auth_token = read_or_create_secret(state / "proxy_token")

    c.JupyterHub.authenticator_class = "seoul-password"
    c.SeoulAuthenticator.accounts_db = str(settings.accounts_db)
    # after login, the Korean home page with the entrances (not an automatic spawn:
    # staff who write no code need no server)
    c.JupyterHub.default_url = "/hub/home"
    c.JupyterHub.template_paths = [str(TEMPLATES)]
    c.JupyterHub.template_vars = {
        "entrances": entrances(),
        "platform_name": "서울 데이터 허브",
        # what staff can open now, per Data300 field (read by the home page)
        "open_data": OpenData(settings.data_dir),
    }


def _roles() -> list[dict]:
    """Who may do what: least privilege for users, groups and services."""
    return [
        # a user reaches their own server and nothing else
        {"name": "user", "scopes": ["self"]},
        {"name": "quota-admins", "groups": ["admin"], "scopes": ["access:services!service=quota"]},
        {
            "name": "dashboard-viewers",
            "groups": list(DASHBOARD_GROUPS),
            "scopes": ["access:services!service=dashboards"],
        },
        {
            "name": "quota-service",
            "services": ["quota"],
            "scopes": ["list:users", "read:servers", "delete:servers"],
        },
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        },
        {
            "name": "dask-gateway-users",
            "groups": list(GATEWAY_GROUPS),
            "scopes": ["access:services!service=dask-gateway"],
        },
    ]


def _configure_spawner(c, settings: HubSettings, policy, hub_ip: str) -> None:
    """Each user's server: a hardened container with its quota, home and data."""
    c.JupyterHub.spawner_class = settings.spawner_class
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 90
    c.Spawner.mem_limit = settings.mem_limit
    c.Spawner.cpu_limit = settings.cpu_limit
    # ~/.jupyter and the like are not read: a user cannot add handlers, static paths or
    # headers to their server (Z2JH does the same)
    c.Spawner.disable_user_config = True
    # the `server` role's scopes, and Dask Gateway: the server's token (JUPYTERHUB_API_TOKEN)
    # may reach it if its user may (the hub grants only the scopes its owner holds)
    c.Spawner.server_token_scopes = [
        "users:activity!user",
        "access:servers!server",
        "access:services!service=dask-gateway",
    ]
    # dask_gateway.Gateway() in a notebook finds the gateway without arguments: its own
    # proxies, where a user container reaches them; links for the browser (dashboards) go
    # through the hub's public URL
    c.Spawner.environment = {
        **settings.map_environment,
        "DASK_GATEWAY__ADDRESS": f"http://{hub_ip}:{settings.gateway_port}{GATEWAY_PREFIX}",
        "DASK_GATEWAY__PUBLIC_ADDRESS": f"{settings.bind_url}{GATEWAY_PREFIX}",
        "DASK_GATEWAY__PROXY_ADDRESS": f"gateway://{hub_ip}:{settings.gateway_proxy_port}",
        "DASK_GATEWAY__AUTH__TYPE": "jupyterhub",
    }
    c.DockerSpawner.client_kwargs = {"base_url": settings.docker_host}
    c.DockerSpawner.image = settings.image
    c.DockerSpawner.pull_policy = "never"
    c.DockerSpawner.remove = True
    c.DockerSpawner.prefix = settings.container_prefix
    c.DockerSpawner.name_template = "{prefix}-{username}"
    c.SeoulDockerSpawner.network_mode = settings.network
    c.SeoulDockerSpawner.network_pool = settings.network_pool
    c.DockerSpawner.notebook_dir = HOME
    c.SeoulDockerSpawner.data_dir = str(settings.data_dir)
    c.SeoulDockerSpawner.homes_dir = str(settings.homes_dir)
    c.SeoulDockerSpawner.quota_db = str(settings.quota_db)
    c.SeoulDockerSpawner.default_policy = policy
    c.SeoulDockerSpawner.data_mount = DATA_MOUNT
    c.DockerSpawner.volumes = {
        # a file system of its own (hub/homes.py): survives container removal, hub restarts
        # and image upgrades, and a full home stops its own user only
        str(settings.homes_dir / "mnt" / "{username}"): HOME,
        str(settings.data_dir): {"bind": DATA_MOUNT, "mode": "ro"},
        # the dashboards service's notebooks, to open with Voila in JupyterLab or to copy
        str(DASHBOARDS): {"bind": f"{HOME}/dashboards", "mode": "ro"},
    }
    # an init process reaps the kernels' orphans (the Debian base has none of its own)
    c.DockerSpawner.extra_host_config = {"init": True}
    c.DockerSpawner.extra_create_kwargs = {
        "labels": {"org.seoul-data-hub.prefix": settings.container_prefix}
    }

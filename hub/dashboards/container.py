"""Run the dashboards service in a hardened container, not on the host.

    python -m hub.dashboards.container      (the hub's ``dashboards`` service command)

The service's kernels run whatever the dashboards do for any staff member: on an isolated
platform they run in a container of the single-user image, hardened as a user's server
(hub/container_options.py), with a memory limit, on the hub network at a fixed address
(:func:`hub.network.service_address`) that no user container can reach. It reads the data
views of its shared kernels only (public and internal, no restricted dataset), writes
nothing but its usage log, and reaches the hub API like a user's server does.

This process stays in the foreground for the hub: it streams the container's log and stops
the container when the hub stops it (or dies: hub/with_parent.py). A container left by a
killed run is replaced at the next start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

import docker
import docker.errors

from hub.container_options import ContainerFacts, container_options
from hub.dashboards.app import KERNEL_DATA_GROUPS
from hub.dashboards.listing import DASHBOARDS
from hub.network import hub_network
from hub.settings import HubSettings
from seoul_data.data_permissions import gids_for

DATA_MOUNT = "/srv/data"
SERVICE_LABEL = "org.seoul-data-hub.service"
LOG_MOUNT = "/srv/logs"
NOTEBOOKS_MOUNT = "/srv/dashboards"
USAGE_LOG = "usage.jsonl"
#: Variables of the hub's service environment the service inside needs.
PASSED = ("JUPYTERHUB_", "SDH_DASHBOARDS_", "SDH_MAP_", "SEOUL_AI_MAX_CPUS")


def container_name(settings: HubSettings) -> str:
    return f"{settings.container_prefix}-dashboards"


def log_dir(settings: HubSettings) -> Path:
    """The service's only writable host folder: its usage log (owned by the server user)."""
    return settings.state_dir / "dashboards"


def memory(settings: HubSettings) -> str:
    """The container's memory: the setting, or (``auto``) a quarter of the host's memory and
    at least 4G: the dashboards serve the largest group of users, the staff."""
    if settings.dashboards_mem_limit != "auto":
        return settings.dashboards_mem_limit
    quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    return f"{max(4, quarter // 2**30)}G"


def create(client: docker.APIClient, settings: HubSettings, address: str, env: dict) -> str:
    """Create the service's container (removing one left behind); return its id."""
    name = container_name(settings)
    with contextlib.suppress(docker.errors.NotFound):
        client.remove_container(name, force=True)
    logs = log_dir(settings)
    logs.mkdir(mode=0o700, exist_ok=True)
    os.chown(logs, 1000, 100)  # the image's server user writes the log, nothing else
    facts = ContainerFacts(
        user="",  # nobody's server: not counted in quotas or usage
        data_gids=tuple(gids_for(settings.data_dir, {KERNEL_DATA_GROUPS})),
        pids=4096,
        open_files=8192,
        host_extra={
            "init": True,
            "mem_limit": memory(settings),
            "tmpfs": {"/home/jovyan": "rw,nosuid,nodev,size=512m,uid=1000,gid=100"},
            "binds": {
                str(settings.data_dir): {"bind": DATA_MOUNT, "mode": "ro"},
                str(DASHBOARDS): {"bind": NOTEBOOKS_MOUNT, "mode": "ro"},
                str(logs): {"bind": LOG_MOUNT, "mode": "rw"},
            },
        },
        create_extra={
            "labels": {
                "org.seoul-data-hub.prefix": settings.container_prefix,
                SERVICE_LABEL: "dashboards",
            }
        },
    )
    create_kwargs, host = container_options(facts)
    port = int(env["JUPYTERHUB_SERVICE_URL"].rsplit(":", 1)[1].strip("/"))
    environment = {
        **{k: v for k, v in env.items() if k.startswith(PASSED)},
        "SDH_DASHBOARDS_IP": "0.0.0.0",  # inside its own network namespace
        "SDH_DASHBOARDS_DIR": NOTEBOOKS_MOUNT,
        "SEOUL_DATA_DIR": DATA_MOUNT,
        "SEOUL_USAGE_LOG": f"{LOG_MOUNT}/{USAGE_LOG}",
    }
    network = hub_network(settings.container_prefix)
    container = client.create_container(
        settings.image,
        command=["python", "-m", "hub.dashboards"],
        name=name,
        environment=environment,
        working_dir="/home/jovyan",
        ports=[port],
        host_config=client.create_host_config(network_mode=network, **host),
        networking_config=client.create_networking_config(
            {network: client.create_endpoint_config(ipv4_address=address)}
        ),
        **create_kwargs,
    )
    return container["Id"]


def main() -> None:
    settings = HubSettings.from_env()
    address = os.environ["JUPYTERHUB_SERVICE_URL"].split("//", 1)[1].rsplit(":", 1)[0]
    client = docker.APIClient(base_url=settings.docker_host)
    container = create(client, settings, address, dict(os.environ))
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
        client.stop(container, timeout=10)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    client.start(container)
    for chunk in client.logs(container, stream=True, follow=True):
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    code = client.wait(container).get("StatusCode", 1)
    client.remove_container(container, force=True)
    sys.exit(0 if stopping.is_set() else code)


if __name__ == "__main__":
    main()

"""What a user's container is created with: one pure function, computed once per start.

The spawner gathers the facts (profile, GPUs, the groups' data gids, the configured extras)
and :func:`container_options` turns them into docker-py's ``create_container`` keywords and
host config. Nothing here talks to Docker, so every rule is unit-tested without an engine.

Hardening, the same for every user:

- no capabilities at all and ``no-new-privileges`` (setuid binaries give nothing);
- a PID limit and an open-file limit from the profile (a fork bomb stops at the limit);
- a read-only root filesystem: only the home volume, ``/tmp`` and ``/run`` (tmpfs, counted
  in the container's memory) are writable;
- data files readable through supplementary groups only (seoul_data/data_permissions.py):
  the container gets the gids of what its user's groups may read, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import docker.types

USER_LABEL = "org.seoul-data-hub.user"
PROFILE_LABEL = "org.seoul-data-hub.profile"
GPUS_LABEL = "org.seoul-data-hub.gpus"
#: The profile's CPU and memory limits, so the quota store can be matched with the running
#: servers from one container listing (no inspect per container).
CPU_LABEL = "org.seoul-data-hub.cpu"
MEM_LABEL = "org.seoul-data-hub.mem"
#: On a Dask scheduler's or worker's container (hub/dask_gateway/docker_backend.py): its
#: cluster and its role. A container with it is not the user's server.
DASK_CLUSTER_LABEL = "org.seoul-data-hub.dask-cluster"
DASK_ROLE_LABEL = "org.seoul-data-hub.dask-role"


@dataclass(frozen=True)
class ContainerFacts:
    """Everything about one start that decides the container's options."""

    #: The hub user whose container it is; empty for a platform service's container.
    user: str
    profile: str = ""
    cpu: float = 0.0
    mem: int = 0
    gpus: tuple[str, ...] = ()
    data_gids: tuple[int, ...] = ()
    pids: int = 1024
    open_files: int = 4096
    tmp_size: str = "1g"
    #: The operator's ``extra_create_kwargs`` and ``extra_host_config`` (plain dicts).
    create_extra: dict = field(default_factory=dict)
    host_extra: dict = field(default_factory=dict)


def container_options(facts: ContainerFacts) -> tuple[dict, dict]:
    """``(extra_create_kwargs, extra_host_config)`` for DockerSpawner, for this start."""
    # a platform service's container (the dashboards) has no user: it is nobody's server
    labels = {USER_LABEL: facts.user} if facts.user else {}
    if facts.profile:
        labels.update(
            {PROFILE_LABEL: facts.profile, CPU_LABEL: f"{facts.cpu:g}", MEM_LABEL: str(facts.mem)}
        )
    if facts.gpus:
        labels[GPUS_LABEL] = ",".join(facts.gpus)
    create = dict(facts.create_extra)
    create["labels"] = {**create.get("labels", {}), **labels}

    host = dict(facts.host_extra)
    host.update(
        {
            "cap_drop": ["ALL"],
            "security_opt": [*host.get("security_opt", []), "no-new-privileges"],
            "pids_limit": facts.pids,
            "ulimits": [
                docker.types.Ulimit(name="nofile", soft=facts.open_files, hard=facts.open_files)
            ],
            "read_only": True,
            "tmpfs": {
                **host.get("tmpfs", {}),
                "/tmp": f"rw,nosuid,nodev,size={facts.tmp_size}",
                "/run": "rw,nosuid,nodev,noexec,size=16m",
            },
            "group_add": [str(gid) for gid in facts.data_gids],
        }
    )
    host.pop("cap_add", None)  # nothing is added back: the server needs no capability
    if facts.gpus:
        host["device_requests"] = [
            docker.types.DeviceRequest(device_ids=list(facts.gpus), capabilities=[["gpu"]])
        ]
    return create, host

"""Housekeeping of user containers by name prefix (``make down``, test clean-up)."""

from __future__ import annotations

import docker


def containers_with_prefix(docker_host: str, prefix: str) -> list:
    """Containers (running or not) whose name starts with ``<prefix>-``."""
    client = docker.DockerClient(base_url=docker_host)
    return [
        c
        for c in client.containers.list(all=True, filters={"name": f"^{prefix}-"})
        if c.name.startswith(f"{prefix}-")
    ]


def remove_by_prefix(docker_host: str, prefix: str) -> list[str]:
    """Force-remove every container named ``<prefix>-…``; return their names.

    Home volumes are kept: they hold the users' work.
    """
    removed = []
    for container in containers_with_prefix(docker_host, prefix):
        container.remove(force=True)
        removed.append(container.name)
    return removed

"""Housekeeping of user containers by name prefix (``make down``, test clean-up)."""

from __future__ import annotations

import contextlib

import docker
import docker.errors


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
        try:
            container.remove(force=True)
        except docker.errors.APIError as e:
            if e.status_code == 409:  # a stopped server's container removes itself (--rm)
                with contextlib.suppress(docker.errors.NotFound):
                    container.wait(condition="removed", timeout=60)
            elif e.status_code != 404:
                raise
        removed.append(container.name)
    return removed

"""The baseline: stock DockerSpawner with only the overrides its docs prescribe for host
networking (a port per server, and ``get_ip_and_port`` returning it). Everything else,
the single Docker thread included, is DockerSpawner 14 as shipped."""

from __future__ import annotations

from dockerspawner import DockerSpawner
from jupyterhub.utils import random_port


class StockHostDockerSpawner(DockerSpawner):
    async def start(self):
        self.ip, self.port = "127.0.0.1", random_port()
        return await super().start()

    async def get_ip_and_port(self):
        return self.ip, self.port

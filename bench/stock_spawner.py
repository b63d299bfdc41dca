"""The baseline: stock DockerSpawner with only what host networking requires of it: its
docs' override (a port per server, ``get_ip_and_port`` returning it), the host network and
``use_internal_ip`` (docker-py refuses port bindings on the host network), and the home in
a named volume as DockerSpawner's docs do it. Everything else, the single Docker thread
included, is DockerSpawner 14 as shipped."""

from __future__ import annotations

from dockerspawner import DockerSpawner
from jupyterhub.utils import random_port
from traitlets import default


class StockHostDockerSpawner(DockerSpawner):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # the platform's own homes are images it mounts (hub/homes.py): a named volume here
        self.volumes = {
            (f"{self.prefix}-home-{{username}}" if target == self.notebook_dir else source): target
            for source, target in self.volumes.items()
        }

    @default("network_name")
    def _default_network_name(self):
        return "host"

    @default("use_internal_ip")
    def _default_use_internal_ip(self):
        return True

    async def start(self):
        self.ip, self.port = "127.0.0.1", random_port()
        return await super().start()

    async def get_ip_and_port(self):
        return self.ip, self.port

"""JupyterHub plugins and process control for Seoul Data Hub.

``hub.spawner`` (DockerSpawner subclass), ``hub.auth`` (password accounts), ``hub.config``
(settings → JupyterHub config), ``hub.processes`` (proxy and hub processes), ``hub.cli``
(the ``seoul-hub`` command).
"""

"""Dask Gateway's configuration as a hub-managed service.

    python -m dask_gateway_server -f hub/dask_gateway/gateway_config.py

:func:`hub.config.gateway_service` starts it with these variables (JupyterHub adds its own
``JUPYTERHUB_*`` ones: the service's API token, the hub API URL, the service name and prefix):

- ``SDH_GATEWAY_ADDRESS``: where the HTTP proxy listens (the REST API, the schedulers'
  heartbeats, the dashboards; the hub's proxy routes ``/services/dask-gateway/`` there);
- ``SDH_GATEWAY_TCP_ADDRESS``: where the TLS proxy to the schedulers listens;
- ``SDH_QUOTA_DB``: the quota store, read on every cluster start for the user's limits;
- ``SEOUL_DATA_DIR``: the platform data on the host;
- ``SDH_NETWORK``, ``SDH_DOCKER_HOST``, ``SDH_IMAGE``, ``SDH_CONTAINER_PREFIX``,
  ``SDH_NETWORK_POOL``: the platform's (hub/settings.py), for the Docker backend;
- ``SDH_GATEWAY_CLUSTERS``: working directories of the local backend's clusters.

What runs where:

- **Isolated network** (the default): the gateway runs on the host as the hub's account and
  runs no user code. Each cluster's scheduler and workers are containers of the
  single-user image (:class:`hub.dask_gateway.docker_backend.DockerBackend`), on the
  owner's own network, with their identity and data view, hardened like their server and
  limited to the quota's cores and memory. Both proxies listen on the hub's address, the
  one address of the host that user networks reach (the firewall lets exactly the hub's
  and these two ports through): the schedulers send their heartbeats to the HTTP proxy,
  and the notebook reaches its scheduler through the TLS proxy.
- **Host network** (development only): schedulers and workers are processes on the host,
  as the hub's own account (``UnsafeLocalBackend``), working in ``SDH_GATEWAY_CLUSTERS``;
  the proxies listen on 127.0.0.1.
"""

import logging
import os
import sys
from pathlib import Path

from hub.dask_gateway.limits import cluster_options, describe, groups_of, worker_limits
from hub.quota_store import QuotaStore

c = get_config()  # noqa: F821 (traitlets provides it to config files)
log = logging.getLogger("DaskGateway")
quota = QuotaStore(os.environ["SDH_QUOTA_DB"])

# Users are the hub's: a request carries a hub API token, checked against the hub API, and
# it must hold access:services!service=dask-gateway (granted by a hub role to some groups).
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.JupyterHubAuthenticator.jupyterhub_service_name = os.environ["JUPYTERHUB_SERVICE_NAME"]
c.JupyterHubAuthenticator.use_service_access_scopes = True

# The private API listens on a free loopback port; only the gateway's own proxy talks to it
# (schedulers reach it through the HTTP proxy, at Backend.api_url).
c.DaskGateway.address = "127.0.0.1:0"
c.Proxy.address = os.environ["SDH_GATEWAY_ADDRESS"]
c.Proxy.tcp_address = os.environ["SDH_GATEWAY_TCP_ADDRESS"]
c.Proxy.prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"].rstrip("/")

# Clusters are kept in memory: they stop when the gateway stops, with the hub.
if os.environ.get("SDH_NETWORK", "isolated") == "host":
    # development: processes on this host with the gateway's own OS account
    c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
    c.LocalBackend.clusters_directory = os.environ["SDH_GATEWAY_CLUSTERS"]
    dask = str(Path(sys.executable).with_name("dask"))  # this environment's, whatever PATH says
    c.ClusterConfig.scheduler_cmd = [dask, "scheduler"]
    c.ClusterConfig.worker_cmd = [dask, "worker"]
    c.ClusterConfig.environment = {"SEOUL_DATA_DIR": os.environ["SEOUL_DATA_DIR"]}
else:
    c.DaskGateway.backend_class = "hub.dask_gateway.docker_backend.DockerBackend"
    c.DockerBackend.image = os.environ["SDH_IMAGE"]
    c.DockerBackend.docker_host = os.environ["SDH_DOCKER_HOST"]
    c.DockerBackend.prefix = os.environ["SDH_CONTAINER_PREFIX"]
    c.DockerBackend.network_pool = os.environ["SDH_NETWORK_POOL"]
    # the data directory only: a user's home is a file system the spawner mounts while
    # their server runs (hub/homes.py), not something a cluster may hold open or write past
    c.DockerBackend.data_dir = os.environ["SEOUL_DATA_DIR"]
    c.ClusterConfig.scheduler_cmd = ["dask", "scheduler"]
    c.ClusterConfig.worker_cmd = ["dask", "worker"]


def options_for(user):
    """The cluster options of a hub user, bounded by their largest quota profile."""
    limits = worker_limits(quota.policy(), user.name, groups_of(user))
    log.info("Cluster limits of %s: %s", user.name, describe(limits) if limits else "none")
    return cluster_options(limits)


c.Backend.cluster_options = options_for

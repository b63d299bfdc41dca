"""Dask Gateway's configuration as a hub-managed service.

    python -m dask_gateway_server -f hub/dask_gateway/gateway_config.py

:func:`hub.config.services` starts it with these variables (JupyterHub adds its own
``JUPYTERHUB_*`` ones: the service's API token, the hub API URL, the service name and prefix):

- ``SDH_GATEWAY_ADDRESS``: where the HTTP proxy listens (the hub's proxy routes
  ``/services/dask-gateway/`` there);
- ``SDH_GATEWAY_TCP_ADDRESS``: where the TLS proxy to the schedulers listens;
- ``SDH_GATEWAY_CLUSTERS``: working directories of the clusters (certificates, logs);
- ``SDH_QUOTA_DB``: the quota store, read on every cluster start for the user's limits;
- ``SEOUL_DATA_DIR``: the platform data, as the schedulers and workers see it.
"""

import logging
import os
import sys
from pathlib import Path

from hub.dask_gateway.limits import cluster_options, describe, worker_limits
from hub.quota_store import QuotaStore

c = get_config()  # noqa: F821 (traitlets provides it to config files)
log = logging.getLogger("DaskGateway")
quota = QuotaStore(os.environ["SDH_QUOTA_DB"])

# Users are the hub's: a request carries a hub API token, checked against the hub API, and
# it must hold access:services!service=dask-gateway (granted by a hub role to some groups).
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.JupyterHubAuthenticator.jupyterhub_service_name = os.environ["JUPYTERHUB_SERVICE_NAME"]
c.JupyterHubAuthenticator.use_service_access_scopes = True

# The private API listens on a free loopback port; only the gateway's own proxy talks to it.
c.DaskGateway.address = "127.0.0.1:0"
c.Proxy.address = os.environ["SDH_GATEWAY_ADDRESS"]
c.Proxy.tcp_address = os.environ["SDH_GATEWAY_TCP_ADDRESS"]
c.Proxy.prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"].rstrip("/")

# Schedulers and workers are processes on this host, with the gateway's own OS account
# (there is one account for the whole platform, not one per hub user). Clusters are kept in
# memory: they stop when the gateway stops, with the hub. See docs/deployment.md for the
# Kubernetes backend, which runs them in pods of the single-user image.
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.LocalBackend.clusters_directory = os.environ["SDH_GATEWAY_CLUSTERS"]
dask = str(Path(sys.executable).with_name("dask"))  # this environment's, whatever PATH says
c.ClusterConfig.scheduler_cmd = [dask, "scheduler"]
c.ClusterConfig.worker_cmd = [dask, "worker"]
c.ClusterConfig.environment = {"SEOUL_DATA_DIR": os.environ["SEOUL_DATA_DIR"]}


def options_for(user):
    """The cluster options of a hub user, bounded by their largest quota profile."""
    groups = set(user.groups) | ({"admin"} if user.admin else set())
    limits = worker_limits(quota.policy(), user.name, groups)
    log.info("Cluster limits of %s: %s", user.name, describe(limits) if limits else "none")
    return cluster_options(limits)


c.Backend.cluster_options = options_for

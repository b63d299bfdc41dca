"""Dask Gateway as a hub-managed service: Dask clusters for analysts, within their quota.

The hub starts ``dask-gateway-server -f hub/dask_gateway/gateway_config.py`` as the service
``dask-gateway`` (:func:`hub.config.services`); it ends with the hub. The hub's proxy routes
``/services/dask-gateway/`` to the gateway's HTTP proxy (its REST API and the clusters'
dashboards); Dask clients reach their scheduler through the gateway's TLS proxy on
``127.0.0.1:SDH_GATEWAY_PROXY_PORT``, each cluster with its own certificate.

- **Who**: ``dask_gateway_server.auth.JupyterHubAuthenticator`` checks each request's hub
  API token with the hub and requires ``access:services!service=dask-gateway``, which the
  hub role ``dask-gateway-users`` gives to the groups in :data:`limits.GATEWAY_GROUPS`. A
  user's server token carries that scope too, so ``Gateway()`` in a notebook needs no
  argument. Users see, scale and stop only their own clusters (the gateway's rule).
- **How much**: the user's largest quota profile bounds each worker (cores, memory), the
  policy's host bounds a cluster's workers together, and the profile's idle timeout stops an
  idle cluster (:mod:`hub.dask_gateway.limits`, unit-tested without a gateway). Limits are
  read from the quota store at every cluster start, so a policy change applies to the next
  cluster; a request over a limit is refused in Korean.
- **Where**: local processes on the hub's host here (one OS account for all users, so only
  for trusted analysts on a pilot); on Kubernetes, ``KubeBackend`` with the same
  authenticator and limits (docs/deployment.md).
"""

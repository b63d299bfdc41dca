"""The dashboards service: every notebook in ``dashboards/`` rendered by Voila for staff,
behind the hub's login, at ``/services/dashboards/``.

- ``listing``: which dashboards there are, with their Korean titles (the hub home lists them).
- ``app``: the Voila application: hub OAuth, the groups that may enter, preheated kernel
  pools, culling of idle kernels, a cap on live kernels with a Korean "busy" page, and
  kernels that take no code from the browser.
"""

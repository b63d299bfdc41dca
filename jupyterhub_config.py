"""JupyterHub configuration of Seoul Data Hub.

Kept thin on purpose: deployment settings come from ``SDH_*`` environment variables
(hub/settings.py) and are translated by hub.config.configure. Site-specific additions
(LDAP/OAuth, a PostgreSQL URL) go below; see docs/deployment.md.
"""

from hub.config import configure
from hub.settings import HubSettings

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
configure(c, HubSettings.from_env())

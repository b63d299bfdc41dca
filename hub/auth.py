"""SeoulAuthenticator: password login against accounts created by administrators.

No open sign-up: a name logs in only if an administrator created its account (``seoul-hub
account add``). Group membership and the admin flag come from the account at each login
(JupyterHub's ``manage_groups``). For production, switch ``authenticator_class`` to LDAP or
OAuth (docs/authentication.md); the groups stay the same.
"""

from __future__ import annotations

import asyncio

from jupyterhub.auth import Authenticator
from traitlets import Float, Integer, Unicode, default

from hub.accounts import AccountStore


class SeoulAuthenticator(Authenticator):
    """Username and password from the platform's account store."""

    accounts_db = Unicode(
        config=True,
        help="""Path of the SQLite account store (created if missing).

        Example: ``c.SeoulAuthenticator.accounts_db = "/srv/seoul-data-hub/state/accounts.sqlite"``.
        """,
    )
    max_failed_logins = Integer(
        5, config=True, help="Wrong passwords in a row that lock an account."
    )
    lockout_seconds = Float(
        300, config=True, help="How long a locked account stays locked, in seconds."
    )

    @default("manage_groups")
    def _default_manage_groups(self) -> bool:
        return True

    @default("allow_all")
    def _default_allow_all(self) -> bool:
        # deny by default: only names with an account may log in
        return False

    @default("any_allow_config")
    def _default_any_allow_config(self) -> bool:
        # check_allowed (an account exists) is the allow rule
        return True

    _store: AccountStore | None = None

    @property
    def store(self) -> AccountStore:
        if self._store is None:
            if not self.accounts_db:
                raise ValueError("SeoulAuthenticator.accounts_db is not set")
            self._store = AccountStore(
                self.accounts_db,
                max_failed_logins=self.max_failed_logins,
                lockout_seconds=self.lockout_seconds,
            )
        return self._store

    async def authenticate(self, handler, data):
        name = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        if not name or not password:
            return None
        # Argon2 takes tens of milliseconds: keep it off the event loop
        account = await asyncio.to_thread(self.store.verify, name, password)
        if account is None:
            self.log.warning("Failed login for %s", name)
            return None
        return {"name": account.name, "admin": account.admin, "groups": list(account.groups)}

    async def check_allowed(self, username, authentication=None):
        # a SQLite read may wait for a writer's lock: never on the hub's event loop
        return await asyncio.to_thread(self.store.get, username) is not None

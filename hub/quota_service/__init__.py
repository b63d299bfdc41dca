"""The quota admin service at ``/services/quota/``: the policy, running servers, usage and
the audit log, for administrators (hub OAuth; everyone else gets 403)."""

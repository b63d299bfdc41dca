"""Run the quota admin service (the hub starts it as a managed service)."""

from hub.quota_service.app import main

main()

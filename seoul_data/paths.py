"""Where the platform's data lives, inside a user container and on the host."""

from __future__ import annotations

import os
from pathlib import Path

#: Mount point of the read-only platform data inside user containers.
CONTAINER_DATA_DIR = "/srv/data"


def data_dir() -> Path:
    """Return the platform data directory.

    ``SEOUL_DATA_DIR`` wins; otherwise the container mount point. The directory is
    read-only inside user containers: collection (ingest) writes on the host.
    """
    return Path(os.environ.get("SEOUL_DATA_DIR", CONTAINER_DATA_DIR))


def user_dir() -> Path:
    """Return the user's own writable directory for what the user makes (saved models).

    ``SEOUL_USER_DIR`` wins; otherwise ``~/.seoul_data`` (the home volume, which survives
    container removal).
    """
    return Path(os.environ.get("SEOUL_USER_DIR", Path.home() / ".seoul_data"))

"""Run a command that ends when its parent (the hub) ends, however the hub ends.

    python -m hub.with_parent COMMAND [ARGS...]

JupyterHub stops its managed services when it shuts down cleanly; a hub that is killed
cannot. The kernel's parent-death signal (Linux ``PR_SET_PDEATHSIG``) survives the exec
below, so the service gets SIGTERM the moment the hub is gone and no orphan keeps its port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m hub.with_parent COMMAND [ARGS...]")
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        sys.exit(f"prctl failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:  # the parent died before the signal was armed
        sys.exit(0)
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()

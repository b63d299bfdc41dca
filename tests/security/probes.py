"""Probes an attacker runs from inside a user's container (as Python code in their kernel).

Each returns plain text the tests compare; every probe is also run where it must succeed,
so a test cannot pass because the probe itself is broken.
"""

from __future__ import annotations

import json

from tests.running_hub import RunningHub, run_code

CONNECT = """
import json, socket
def connect(host, port):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((host, port))
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()
print(json.dumps({f"{h}:{p}": connect(h, p) for h, p in TARGETS}))
"""


def connect_from(hub: RunningHub, token: str, name: str, targets: list[tuple[str, int]]) -> dict:
    """``{"host:port": "open" | "refused" | error name}`` as seen from ``name``'s kernel."""
    out = run_code(hub, token, name, f"TARGETS = {targets!r}\n{CONNECT}")
    return json.loads(out.strip().splitlines()[-1])


def read_from(hub: RunningHub, token: str, name: str, path: str) -> str:
    """``ok <bytes>`` or the error's name, reading ``path`` in ``name``'s kernel."""
    code = (
        f"try:\n    print('ok', len(open({path!r}, 'rb').read()))\n"
        "except OSError as e:\n    print(type(e).__name__)"
    )
    return run_code(hub, token, name, code).strip()

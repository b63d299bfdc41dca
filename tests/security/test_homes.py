"""A user cannot fill the disk for everyone: a home is a file system of its own size."""

from __future__ import annotations

import os

import pytest

from hub.homes import usage
from tests.running_hub import run_code

pytestmark = pytest.mark.docker

FILL = (
    "import os\nwritten, error = 0, None\nblock = b'x' * 2**20\n"
    "try:\n    with open('fill.bin', 'wb') as f:\n"
    "        for _ in range({mib}):\n            f.write(block); f.flush(); written += 1\n"
    "        os.fsync(f.fileno())\n"
    "except OSError as e:\n    error = e.errno\n"
    "print(written, error)"
)


def test_a_full_home_stops_its_own_user_only(make_hub, docker_engine):
    hub = make_hub(home_size="64M")
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "analyst")
    hub.start()
    tokens = hub.start_servers("alice", "bob")
    # the probe works: a small file fits
    written, error = run_code(hub, tokens["alice"], "alice", FILL.format(mib=8)).split()
    assert (written, error) == ("8", "None")
    # alice writes past her home's size: stopped at it, with "No space left on device"
    written, error = run_code(
        hub, tokens["alice"], "alice", FILL.format(mib=200), timeout=120
    ).split()
    assert error == "28" and int(written) < 64, (written, error)  # ENOSPC
    used, size = usage(hub.settings.homes_dir, "alice")
    assert size <= 64 * 2**20 and used > 0.8 * size
    # the host's disk gave her home at most its size (the sparse image's own blocks: the
    # host's free space also moves with whatever else runs), and bob still writes
    taken = os.stat(hub.settings.homes_dir / "alice.img").st_blocks * 512
    assert taken <= 64 * 2**20, taken
    written, error = run_code(hub, tokens["bob"], "bob", FILL.format(mib=8)).split()
    assert (written, error) == ("8", "None")
    # alice frees her space and writes again
    out = run_code(
        hub, tokens["alice"], "alice", "import os\nos.remove('fill.bin')\n" + FILL.format(mib=8)
    )
    assert out.split() == ["8", "None"], out

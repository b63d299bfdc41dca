"""The attacker in alice's container: privileges, processes, the file system, user config.

Each probe is first shown to work in a plain container of the same image (Docker's
defaults), so it fails in ours because of the hardening, not because it is broken.
"""

from __future__ import annotations

import docker
import pytest
import requests

from tests.running_hub import run_code

pytestmark = pytest.mark.docker

PRIVILEGES = (
    "import os, stat\n"
    "status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines()"
    " if ':\\t' in l)\n"
    "print(status['NoNewPrivs'].strip(), int(status['CapBnd'], 16) != 0)\n"
    "setuid = [p for d in ('/usr/bin', '/usr/sbin', '/bin', '/sbin') if os.path.isdir(d)"
    " for p in (os.path.join(d, n) for n in os.listdir(d))"
    " if os.path.isfile(p) and os.stat(p).st_mode & (stat.S_ISUID | stat.S_ISGID)]\n"
    "print(len(setuid))\n"
    "try:\n    open('/usr/local/evil', 'w')\nexcept OSError as e:\n    print('root', e.errno)\n"
    "else:\n    print('root writable')\n"
)


@pytest.fixture(scope="module")
def alice(running_hub, docker_engine):
    return running_hub.start_servers("alice")["alice"]


def test_no_privileges_to_gain_and_a_read_only_root(running_hub, alice):
    client = docker.DockerClient(base_url=running_hub.settings.docker_host)
    # Docker's defaults, same image, same user: capabilities in the bounding set, and
    # (until the image drops them) setuid programs; the root file system is writable by
    # no one but root either way, so the write probe runs as root there
    plain = client.containers.run(
        running_hub.settings.image, ["python", "-c", PRIVILEGES], user="root", remove=True
    ).decode()
    assert plain.split("\n")[0] == "0 True", plain
    assert plain.split("\n")[2] == "root writable", plain
    ours = run_code(running_hub, alice, "alice", PRIVILEGES).split("\n")
    assert ours[:3] == ["1 False", "0", "root 30"], ours  # EROFS


def test_a_fork_bomb_stops_at_the_pid_limit(running_hub, alice):
    # bounded: at most 2,000 sleeping children, all killed before the probe returns
    code = (
        "import subprocess\nchildren, error = [], None\n"
        "try:\n"
        "    for _ in range(2000):\n"
        "        children.append(subprocess.Popen(['sleep', '30']))\n"
        "except OSError as e:\n    error = type(e).__name__\n"
        "finally:\n"
        "    for c in children:\n        c.kill()\n"
        "    for c in children:\n        c.wait()\n"
        "print(len(children), error)"
    )
    started, error = run_code(running_hub, alice, "alice", code, timeout=120).split()
    assert 50 < int(started) < 1024, started  # forks work, up to the limit
    assert error in ("BlockingIOError", "OSError"), error
    # the server survived its own bomb
    assert run_code(running_hub, alice, "alice", "print(6 * 7)").strip() == "42"


def test_user_config_cannot_add_script_to_the_server(running_hub, alice):
    # a config that would serve files from the home under /user/alice/static/ …
    setup = (
        "import os, json\nos.makedirs('.jupyter', exist_ok=True)\n"
        "os.makedirs('evil', exist_ok=True)\n"
        "open('evil/evil.js', 'w').write('fetch(\"/hub/api/users\")')\n"
        "json.dump({'ServerApp': {'extra_static_paths': [os.path.abspath('evil')]}},"
        " open('.jupyter/jupyter_server_config.json', 'w'))\n"
        "print(os.environ.get('JUPYTERHUB_DISABLE_USER_CONFIG'))"
    )
    assert run_code(running_hub, alice, "alice", setup).strip() == "1"
    # … is not read by the next server
    assert running_hub.api(alice, "DELETE", "/users/alice/server").status_code in (202, 204)
    _wait_gone(running_hub, alice)
    assert running_hub.api(alice, "POST", "/users/alice/server").status_code in (201, 202)
    running_hub.wait_ready(alice, "alice")
    headers = {"Authorization": f"token {alice}"}
    base = f"{running_hub.url}/user/alice"
    # the server's own static files are served (the route works) …
    own = requests.get(f"{base}/static/favicon.ico", headers=headers, timeout=30)
    assert own.status_code == 200
    # … the user's are not
    assert requests.get(f"{base}/static/evil.js", headers=headers, timeout=30).status_code == 404


def _wait_gone(hub, token, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    while hub.api(token, "GET", "/users/alice").json()["servers"]:
        assert time.monotonic() < deadline, "alice's server did not stop"
        time.sleep(0.3)


def test_files_in_a_home_are_not_served_to_anyone_without_login(running_hub, alice):
    # Voila's voila/files/ handler asks nobody's identity: its allow-list is empty, so it
    # hands out nothing (extensions/jupyter-config/voila.json)
    run_code(running_hub, alice, "alice", "open('chart.png', 'wb').write(b'\\x89PNG secret')")
    base = f"{running_hub.url}/user/alice"
    own = requests.get(
        f"{base}/files/chart.png", headers={"Authorization": f"token {alice}"}, timeout=30
    )
    assert own.status_code == 200 and own.content.endswith(b"secret")  # the file is there
    anyone = requests.get(f"{base}/voila/files/chart.png", timeout=30, allow_redirects=False)
    assert anyone.status_code != 200 and b"secret" not in anyone.content, anyone.status_code

"""User servers in real Docker containers, through the real proxy and hub."""

from __future__ import annotations

import html

import pytest
import requests

from seoul_data.catalog import Dataset, Field
from seoul_data.ingest import ingest
from seoul_data.sources import ingest_source, sources
from tests.running_hub import run_code, run_in_terminal

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def shared_data(running_hub):
    """The hub's data dir holds a public dataset and two restricted ones."""
    data_dir = running_hub.settings.data_dir
    total = next(s for s in sources() if s.dataset.id == "population.gu_resident_total")
    ingest_source(total, data_dir)
    csv = data_dir.parent / "restricted.csv"
    csv.write_text("gu,count\n종로구,1\n중구,2\n", encoding="utf-8")
    for dataset_id, groups in [("test.analyst_only", ("analyst",)), ("test.admin_only", ())]:
        dataset = Dataset(
            id=dataset_id,
            title="제한 시험 데이터",
            field="일반행정",
            access="restricted",
            allowed_groups=groups,
            schema=(Field("gu", role="gu"), Field("count", "integer")),
        )
        ingest(dataset, data_dir=data_dir, path=csv)
    return data_dir


@pytest.fixture(scope="module")
def sessions(running_hub, docker_engine, shared_data):
    """Logged-in sessions and API tokens of alice and bob."""
    result = {}
    for name in ("alice", "bob"):
        session = running_hub.login(name)
        result[name] = (session, running_hub.token(session, name))
    return result


@pytest.fixture(scope="module")
def servers(running_hub, sessions):
    """alice starts through the REST API, bob through the web flow, at the same time."""
    alice_token = sessions["alice"][1]
    response = running_hub.api(alice_token, "POST", "/users/alice/server")
    assert response.status_code in (201, 202), response.text
    bob_session = sessions["bob"][0]
    form = bob_session.get(f"{running_hub.url}/hub/spawn")
    assert "자원 프로필 선택" in form.text and 'value="analysis"' in form.text
    page = bob_session.post(
        f"{running_hub.url}/hub/spawn",
        data={"profile": "basic", "_xsrf": bob_session.cookies.get("_xsrf", "")},
    )
    assert page.status_code == 200
    for name in ("alice", "bob"):
        running_hub.wait_ready(sessions[name][1], name)
    # the web flow ends in bob's own JupyterLab, through the hub's OAuth
    lab = bob_session.get(f"{running_hub.url}/user/bob/lab")
    assert lab.status_code == 200 and "JupyterLab" in lab.text
    return sessions


def test_code_runs_in_own_container_with_limits_and_mounts(running_hub, servers):
    for name in ("alice", "bob"):
        out = run_code(
            running_hub,
            servers[name][1],
            name,
            "import os, getpass, seoul_data, pandas, duckdb\n"
            "print(getpass.getuser(), os.getuid(), os.environ['JUPYTERHUB_USER'], os.getcwd())",
        )
        assert out.split() == ["jovyan", "1000", name, "/home/jovyan"], out

        attrs = running_hub.container(name).attrs
        assert attrs["Config"]["Image"] == running_hub.settings.image
        prefix = running_hub.settings.container_prefix
        # a network of its own, and the same hardening for everyone
        assert attrs["HostConfig"]["NetworkMode"] == f"{prefix}-net-{name}"
        assert list(attrs["NetworkSettings"]["Networks"]) == [f"{prefix}-net-{name}"]
        assert attrs["HostConfig"]["CapDrop"] == ["ALL"] and not attrs["HostConfig"]["CapAdd"]
        assert "no-new-privileges" in attrs["HostConfig"]["SecurityOpt"]
        assert attrs["HostConfig"]["ReadonlyRootfs"] is True
        assert attrs["HostConfig"]["PidsLimit"] == 1024
        assert {"Name": "nofile", "Soft": 4096, "Hard": 4096} in attrs["HostConfig"]["Ulimits"]
        assert attrs["HostConfig"]["Memory"] == 1024**3
        assert attrs["HostConfig"]["CpuQuota"] == 100_000
        assert attrs["HostConfig"]["CpuPeriod"] == 100_000
        mounts = {m["Destination"]: m for m in attrs["Mounts"]}
        home = mounts["/home/jovyan"]  # a file system of its own (hub/homes.py)
        assert home["Type"] == "bind" and home["RW"] is True
        assert home["Source"] == str(running_hub.settings.homes_dir / "mnt" / name)
        data = mounts["/srv/data"]
        assert data["Type"] == "bind" and data["RW"] is False
        assert data["Source"] == str(running_hub.settings.data_dir)


def test_training_in_a_server_follows_its_cpu_quota(running_hub, servers):
    # the server has 1 CPU of this 2-core host: seoul_data.ai sizes its threads from the
    # cgroup quota; torch is in the image when the build found its CPU wheel
    from images.build import cpu_torch_wheel

    out = run_code(
        running_hub,
        servers["alice"][1],
        "alice",
        "import os, importlib.util\n"
        "from seoul_data.ai import resources\n"
        "print(resources().cpus, os.cpu_count(), importlib.util.find_spec('torch') is not None)",
    )
    cpus, host, has_torch = out.split()
    assert (cpus, has_torch) == ("1", str(cpu_torch_wheel() is not None)), out
    assert int(host) >= 2


def test_data_mount_is_readable_not_writable(running_hub, servers):
    out = run_code(
        running_hub,
        servers["alice"][1],
        "alice",
        "print(open('/srv/data/README.txt', encoding='utf-8').read().strip())\n"
        "try:\n    open('/srv/data/new.txt', 'w')\n"
        "except OSError as e:\n    print('refused', e.errno)",
    )
    assert "서울 데이터 허브 테스트 데이터" in out
    assert "refused 30" in out  # EROFS: read-only file system
    assert not (running_hub.settings.data_dir / "new.txt").exists()


def test_library_reads_the_mount_and_restricted_data_is_not_there(running_hub, servers):
    out = run_code(
        running_hub,
        servers["alice"][1],
        "alice",
        "import os, seoul_data as sd\n"
        "print(os.environ['SEOUL_DATA_GROUPS'])\n"
        "print(sd.load('population.gu_resident_total', gu='강남', years=2020).population.iloc[0])\n"
        "print(len(sd.load('test.analyst_only')))\n"
        "try:\n    os.listdir('/srv/data/datasets/test.admin_only')\n"
        "except PermissionError as e:\n    print('closed', e.errno)\n"
        "try:\n    sd.load('test.admin_only')\nexcept (PermissionError, OSError) as e:\n"
        "    print('refused', type(e).__name__)",
    )
    assert out.split("\n")[:5] == [
        "analyst",
        "539231",
        "2",
        "closed 13",
        "refused PermissionError",
    ], out


def test_search_api_runs_in_every_user_server(running_hub, servers):
    token = servers["alice"][1]
    response = requests.get(
        f"{running_hub.url}/user/alice/seoul-data/api/search",
        params={"q": "자치구 주민등록 인구", "k": 3},
        headers={"Authorization": f"token {token}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.json()["hits"][0]["id"] == "population.gu_resident_total"


def test_a_terminal_has_the_servers_python_and_the_home_the_examples(running_hub, servers):
    """What an analyst types first in a terminal works: the server's python, pip and
    jupyter (not Debian's bare python3), with seoul_data; the example notebooks are in the
    home, theirs to change."""
    out = run_in_terminal(
        running_hub,
        servers["alice"][1],
        "alice",
        "for p in python pip jupyter; do command -v $p; done;"
        " python -c 'import seoul_data; print(\"library:\", seoul_data.__name__)';"
        " ls ~/예제; touch ~/예제/dong_clusters.ipynb && echo writable",
    )
    assert all(f"/opt/venv/bin/{p}" in out for p in ("python", "pip", "jupyter")), out
    assert "library: seoul_data" in out and "writable" in out, out
    assert "population_forecast_gu.ipynb" in out and "dong_clusters.ipynb" in out, out


def test_jupyterlab_asks_nothing_of_the_internet(running_hub, servers):
    # the running server's own start-up log says what JupyterLab was configured with
    log = running_hub.container("alice").logs().decode(errors="replace")
    assert "Extension Manager is 'readonly'" in log
    headers = {"Authorization": f"token {servers['alice'][1]}"}
    news = requests.get(f"{running_hub.url}/user/alice/lab/api/news", headers=headers, timeout=30)
    assert news.status_code == 200 and news.json()["news"] == []
    update = requests.get(
        f"{running_hub.url}/user/alice/lab/api/update", headers=headers, timeout=30
    )
    assert update.status_code == 200 and update.json()["notification"] is None


def test_users_cannot_reach_each_other(running_hub, servers):
    bob_session, bob_token = servers["bob"]
    # with bob's cookie, through the browser flow: the hub refuses the OAuth grant
    assert bob_session.get(f"{running_hub.url}/user/alice/api/status").status_code == 403
    # with bob's token, to alice's server and to the hub API about alice
    headers = {"Authorization": f"token {bob_token}"}
    assert (
        bob_session.get(f"{running_hub.url}/user/alice/api/contents", headers=headers).status_code
        == 403
    )
    # the hub's own API refuses too: 404 where an answer would tell bob whether a user
    # named alice exists, 403 where it would not
    refusals = {
        ("POST", "/users/alice/server"): 404,
        ("DELETE", "/users/alice/server"): 404,
        ("GET", "/users/alice"): 404,
        ("POST", "/users/alice/tokens"): 403,
    }
    for (method, path), status in refusals.items():
        assert running_hub.api(bob_token, method, path).status_code == status, (method, path)
    # and alice's server still serves alice
    alice_token = servers["alice"][1]
    assert (
        bob_session.get(
            f"{running_hub.url}/user/alice/api/status",
            headers={"Authorization": f"token {alice_token}"},
        ).status_code
        == 200
    )


def test_home_survives_restarts_and_server_survives_hub_restart(running_hub, servers):
    token = servers["alice"][1]
    run_code(running_hub, token, "alice", "open('keep.txt', 'w').write('분석 결과 2024')")

    assert running_hub.api(token, "DELETE", "/users/alice/server").status_code in (202, 204)
    running_hub.wait_stopped(token, "alice")
    assert running_hub.containers_named("alice") == []  # the container is gone, the volume not
    assert running_hub.api(token, "POST", "/users/alice/server").status_code in (201, 202)
    running_hub.wait_ready(token, "alice")
    assert run_code(running_hub, token, "alice", "print(open('keep.txt').read())").strip() == (
        "분석 결과 2024"
    )

    container_id = running_hub.container("alice").id
    running_hub.restart_hub()
    # the same container keeps serving, without a new spawn
    assert running_hub.api(token, "GET", "/users/alice").json()["servers"][""]["ready"]
    assert running_hub.container("alice").id == container_id
    assert run_code(running_hub, token, "alice", "print(open('keep.txt').read())").strip() == (
        "분석 결과 2024"
    )


@pytest.mark.parametrize(
    ("override", "message", "logged"),
    [
        ({"image": "seoul-data-hub/no-such-image:latest"}, "서버 이미지", "missing"),
        # the isolated platform does not start without its engine (its hub network is
        # there); the development network shows the spawn-time message
        (
            {"docker_host": "unix:///nonexistent/docker.sock", "network": "host"},
            "컨테이너 엔진",
            "unreachable",
        ),
    ],
    ids=["missing-image", "engine-down"],
)
def test_spawn_failure_is_clear_and_hub_keeps_serving(
    make_hub, docker_engine, override, message, logged
):
    hub = make_hub(**override)
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "analyst")
    hub.add_user("carol", "staff")
    hub.start()
    # through the REST API
    token = hub.token(hub.login("alice"), "alice")
    response = hub.api(token, "POST", "/users/alice/server")
    assert response.status_code == 503, response.text
    assert message in response.json()["message"]
    assert logged in hub.hub_log()
    # through the web flow: the page says it in Korean
    bob = hub.login("bob")
    page = bob.post(f"{hub.url}/hub/spawn", data={"_xsrf": bob.cookies.get("_xsrf", "")})
    assert message in html.unescape(page.text), page.text[-3000:]
    # and everybody else is still served
    carol = hub.login("carol")
    assert carol.login_status == 302
    assert "서울 데이터 허브" in carol.get(f"{hub.url}/hub/home").text

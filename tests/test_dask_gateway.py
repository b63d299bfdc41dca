"""Dask Gateway as a hub service: quota limits (pure logic), the hub configuration, and a
real hub + gateway where an analyst runs the living-population query on a Dask cluster."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
from traitlets.config import Config

from hub.config import GATEWAY_CONFIG, configure
from hub.dask_gateway.limits import (
    MAX_WORKERS,
    GatewayQuotaError,
    check_request,
    cluster_options,
    worker_limits,
)
from hub.quota_policy import parse_policy
from hub.settings import HubSettings
from tests.running_hub import RunningHub, hub_settings_for, run_code

# dask_gateway.Gateway.__del__ closes again what was closed, and complains (client bug)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <function Gateway.__del__:pytest.PytestUnraisableExceptionWarning"
)
G = 2**30
POLICY = {
    "profiles": [
        {"slug": "basic", "name": "기본", "description": "", "cpu": 1, "mem": "2G"},
        {"slug": "analysis", "name": "분석", "description": "", "cpu": 4, "mem": "16G",
         "idle_timeout": 7200},
        {"slug": "tiny", "name": "소형", "description": "", "cpu": 0.5, "mem": "512M"},
    ],
    "grants": {"staff": ["basic"], "analyst": ["basic", "analysis"], "admin": ["analysis"]},
    "users": {"kim": ["tiny"]},
    "host": {"cpus": 8, "mem": "32G"},
}  # fmt: skip


# quota profile → limits


def test_the_largest_granted_profile_bounds_each_worker():
    policy = parse_policy(POLICY)
    analyst = worker_limits(policy, "lee", {"staff", "analyst"})
    assert (analyst.profile, analyst.max_cores, analyst.max_memory) == ("analysis", 4, 16 * G)
    assert analyst.idle_timeout == 7200
    staff = worker_limits(policy, "park", {"staff"})
    assert (staff.profile, staff.max_cores, staff.max_memory) == ("basic", 1, 2 * G)
    # a user's own grant replaces their groups'; half a CPU still makes a one-core worker
    kim = worker_limits(policy, "kim", {"analyst"})
    assert (kim.profile, kim.max_cores, kim.max_memory) == ("tiny", 1, G // 2)
    assert worker_limits(policy, "nobody", set()) is None


def test_a_cluster_fits_the_host_and_the_worker_cap():
    analyst = worker_limits(parse_policy(POLICY), "lee", {"analyst"})
    assert analyst.max_workers(4, 16 * G) == 2  # 8 host CPUs, 32 GiB
    assert analyst.max_workers(2, 12 * G) == 2  # memory binds
    assert analyst.max_workers(1, G) == MAX_WORKERS
    small_host = parse_policy({"profiles": POLICY["profiles"][:1], "grants": {"staff": ["basic"]},
                               "host": {"cpus": 2, "mem": "4G"}})  # fmt: skip
    assert worker_limits(small_host, "park", {"staff"}).max_workers(1, 2 * G) == 2


@pytest.mark.parametrize(
    ("cores", "gib", "words"),
    [
        (5, 1.0, "워커 CPU 코어는 1~4개까지"),
        (0, 1.0, "워커 CPU 코어는 1~4개까지"),
        (1, 17.0, "워커 메모리는 0.25~16 GiB까지"),
        (1, 0.1, "워커 메모리는 0.25~16 GiB까지"),
        (1, math.nan, "워커 메모리는"),
    ],
)
def test_requests_over_the_profile_are_refused_in_korean(cores, gib, words):
    analyst = worker_limits(parse_policy(POLICY), "lee", {"analyst"})
    with pytest.raises(GatewayQuotaError, match=words) as refused:
        check_request(analyst, cores, gib)
    assert "'분석' 프로필 기준" in str(refused.value)


def test_options_show_the_limits_and_turn_into_the_cluster_config():
    analyst = worker_limits(parse_policy(POLICY), "lee", {"analyst"})
    options = cluster_options(analyst)
    labels = {f["field"]: f["label"] for f in options.get_specification()}
    assert labels == {"worker_cores": "워커 CPU 코어 (최대 4)",
                      "worker_memory": "워커 메모리 GiB (최대 16)"}  # fmt: skip
    requested = options.parse_options({"worker_cores": 2, "worker_memory": 6})
    assert options.get_configuration(requested, None) == {
        "worker_cores": 2, "worker_threads": 2, "worker_memory": 6 * G,
        "cluster_max_workers": 4, "idle_timeout": 7200.0,
    }  # fmt: skip
    with pytest.raises(GatewayQuotaError, match="요청 8개"):
        options.get_configuration(options.parse_options({"worker_cores": 8}), None)
    with pytest.raises(ValueError, match="Unknown fields"):
        options.parse_options({"worker_gpus": 1})
    with pytest.raises(GatewayQuotaError, match="자원 프로필이 없어"):
        cluster_options(None).get_configuration({"worker_cores": 1, "worker_memory": 1.0}, None)


def test_the_hub_runs_the_gateway_as_a_service(tmp_path):
    c = Config()
    settings = HubSettings.from_env({"SDH_STATE_DIR": str(tmp_path / "state"),
                                     "SDH_DATA_DIR": str(tmp_path / "data"),
                                     "SDH_GATEWAY_PORT": "9084",
                                     "SDH_GATEWAY_PROXY_PORT": "9085",
                                     "SDH_NETWORK": "host"})  # fmt: skip
    configure(c, settings)
    service = next(s for s in c.JupyterHub.services if s["name"] == "dask-gateway")
    assert service["url"] == "http://127.0.0.1:9084"
    assert service["command"][-3:] == ["dask_gateway_server", "-f", str(GATEWAY_CONFIG)]
    assert service["environment"]["SDH_GATEWAY_TCP_ADDRESS"] == "127.0.0.1:9085"
    assert service["environment"]["SEOUL_DATA_DIR"] == str(tmp_path / "data")
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "dask-gateway-users")
    assert role == {"name": "dask-gateway-users", "groups": ["analyst", "admin"],
                    "scopes": ["access:services!service=dask-gateway"]}  # fmt: skip
    assert "access:services!service=dask-gateway" in c.Spawner.server_token_scopes
    assert c.Spawner.environment["DASK_GATEWAY__PROXY_ADDRESS"] == "gateway://127.0.0.1:9085"


# a real hub with the gateway


START, DAYS = date(2023, 3, 6), 7
PERIOD = ("2023-03-06", "2023-03-12")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A data directory with a week of the synthetic 행정동 store (living/dong)."""
    from seoul_data.living.generator import generate
    from seoul_data.sources import ingest_bundled

    data = tmp_path_factory.mktemp("gateway") / "data"
    wanted = {"living.dong_hourly_week_20190304", "living.gu_hourly_2024h1",
              "population.dong_age5", "population.dong_resident_2021q2"}  # fmt: skip
    ingest_bundled(data, only=wanted)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(data))
        generate(data / "living" / "dong", level="dong", start=START, days=DAYS,
                 output_areas=4000, progress=False)  # fmt: skip
    return data


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory, data):
    """A hub whose gateway sees ``data``: alice and bob (analysts), carol (staff)."""
    # the gateway's local backend runs only on the development host network (hub/config.py)
    hub = RunningHub(
        hub_settings_for(tmp_path_factory.mktemp("hub"), data_dir=data, network="host")
    )
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "analyst")
    hub.add_user("carol", "staff")
    failed = request.session.testsfailed
    hub.start()
    hub.wait_for_service("dask-gateway")
    yield hub
    hub.clean_up(show_logs=request.session.testsfailed > failed)


def token(hub: RunningHub, name: str) -> str:
    return hub.token(hub.login(name), name)


def gateway(hub: RunningHub, api_token: str):
    from dask_gateway import Gateway, JupyterHubAuth

    return Gateway(
        address=f"{hub.url}/services/dask-gateway",
        proxy_address=f"gateway://127.0.0.1:{hub.settings.gateway_proxy_port}",
        auth=JupyterHubAuth(api_token=api_token),
    )


def test_an_analyst_runs_the_living_query_on_her_own_cluster(hub, data):
    import aiohttp
    import dask.dataframe as dd

    from seoul_data import living

    store = data / "living" / "dong"
    with gateway(hub, token(hub, "alice")) as alice, gateway(hub, token(hub, "bob")) as bob:
        # the default policy of this 2-CPU host: analysts' workers up to 2 cores. (submit, not
        # new_cluster: a refused new_cluster leaves a client object whose collection on the
        # client's event-loop thread deadlocks that loop, a dask-gateway client bug)
        with pytest.raises(ValueError, match="워커 CPU 코어는 1~2개까지 요청할 수 있습니다"):
            alice.submit(worker_cores=3)
        with pytest.raises(ValueError, match="워커 메모리는 .* GiB까지 요청할 수 있습니다"):
            alice.submit(worker_memory=4096.0)
        assert alice.list_clusters() == []

        with alice.new_cluster(worker_cores=1, worker_memory=1.0) as cluster:
            # bob sees nothing of it, gets none of its details (the address and the TLS
            # credentials a client connects with) and cannot stop it
            assert bob.list_clusters() == []
            for reach in (bob.get_cluster, bob.stop_cluster):
                with pytest.raises(aiohttp.ClientResponseError) as refused:
                    reach(cluster.name)
                assert refused.value.status == 403
            assert [c.name for c in alice.list_clusters()] == [cluster.name]

            cluster.scale(1)
            with cluster.get_client() as client:
                client.wait_for_workers(1, timeout=60)
                assert len(client.scheduler_info()["workers"]) == 1
                frame = dd.read_parquet(f"{store}/month=*/*.parquet",
                                        columns=["date", "hour", "dong_code", "total"])  # fmt: skip
                at_six = frame[frame.hour == 18]
                per_day = at_six.groupby(["date", "dong_code"]).total.sum().reset_index()
                mean = per_day.groupby("dong_code").total.mean().compute()
        assert alice.list_clusters() == []  # leaving the block shut the cluster down
    duck = living.ranking(18, *PERIOD, source=store).set_index("code")
    assert len(mean) == len(duck) > 400
    np.testing.assert_allclose(mean.loc[duck.index].to_numpy(), duck.total.to_numpy(), rtol=1e-4)


def test_staff_without_the_gateway_role_are_refused(hub):
    import aiohttp

    carol = gateway(hub, token(hub, "carol"))
    with carol, pytest.raises(aiohttp.ClientResponseError) as refused:
        carol.list_clusters()
    assert refused.value.status == 401


@pytest.mark.docker
def test_a_user_servers_own_token_and_variables_reach_the_gateway(hub, docker_engine):
    """In alice's container, JUPYTERHUB_API_TOKEN (scopes: Spawner.server_token_scopes) is
    accepted by the gateway at DASK_GATEWAY__ADDRESS, as ``Gateway()`` would send it."""
    alice = token(hub, "alice")
    response = hub.api(alice, "POST", "/users/alice/server")
    assert response.status_code in (201, 202), response.text
    hub.wait_ready(alice, "alice")
    code = (
        "import json, os, urllib.request\n"
        "env = os.environ\n"
        "request = urllib.request.Request(env['DASK_GATEWAY__ADDRESS'] + '/api/v1/clusters/',"
        " headers={'Authorization': 'jupyterhub ' + env['JUPYTERHUB_API_TOKEN']})\n"
        "with urllib.request.urlopen(request, timeout=30) as answer:\n"
        "    print(json.dumps([answer.status, json.load(answer),"
        " env['DASK_GATEWAY__PROXY_ADDRESS'], env['DASK_GATEWAY__AUTH__TYPE']]))\n"
    )
    try:
        output = run_code(hub, alice, "alice", code)
    finally:
        hub.api(alice, "DELETE", "/users/alice/server")
    proxy = f"gateway://127.0.0.1:{hub.settings.gateway_proxy_port}"
    assert json.loads(output) == [200, {}, proxy, "jupyterhub"], output


def test_the_example_notebook_runs_with_the_servers_environment(hub, data, tmp_path):
    """examples/dask_gateway_living.ipynb, with the variables a user server gets."""
    import nbformat
    from nbclient import NotebookClient

    from tests.dashboard_kernel import REPO

    notebook = nbformat.read(REPO / "examples" / "dask_gateway_living.ipynb", as_version=4)
    c = Config()
    configure(c, hub.settings)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in c.Spawner.environment.items():
            patch.setenv(name, value)
        patch.setenv("JUPYTERHUB_API_TOKEN", token(hub, "alice"))
        patch.setenv("SEOUL_DATA_DIR", str(data))
        patch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
        client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": tmp_path}})  # fmt: skip
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            check = nbformat.v4.new_code_cell(
                "import json; print(json.dumps({'dongs': len(compared),"
                " 'difference': float(compared['차이(%)'].abs().max()),"
                " 'clusters': len(gateway.list_clusters())}))"
            )
            notebook.cells.append(check)
            client.execute_cell(check, len(notebook.cells) - 1)
    result = json.loads(check.outputs[0]["text"])
    assert result["dongs"] > 400 and result["difference"] < 1e-2 and result["clusters"] == 0

"""Dask Gateway as a hub service: quota limits (pure logic), the hub configuration, and a
real hub + gateway on the isolated network, where an analyst's cluster runs as hardened
containers of hers on her network: it computes the living-population query from her server,
and a function on it reads her data view and reaches nothing of the platform it should not.
One more hub checks the development host network (local processes)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import docker
import numpy as np
import pytest
from traitlets.config import Config

from hub.config import GATEWAY_CONFIG, configure
from hub.container_options import DASK_CLUSTER_LABEL, DASK_ROLE_LABEL, USER_LABEL
from hub.dask_gateway.limits import (
    MAX_WORKERS,
    GatewayQuotaError,
    check_request,
    cluster_config,
    cluster_options,
    worker_limits,
)
from hub.network import FIREWALL_CHAIN, hub_address
from hub.quota_policy import parse_policy
from hub.settings import HubSettings
from seoul_data.data_permissions import gids_for
from tests.conftest import LIVING_DATASETS, bundled_data, started_hub
from tests.running_hub import RunningHub, run_code

# dask_gateway.Gateway.__del__ closes again what was closed, and complains (client bug)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <function Gateway.__del__:pytest.PytestUnraisableExceptionWarning"
)
G = 2**30
POLICY = {
    "profiles": [
        {"slug": "basic", "name": "기본", "description": "", "cpu": 1, "mem": "2G"},
        {
            "slug": "analysis",
            "name": "분석",
            "description": "",
            "cpu": 4,
            "mem": "16G",
            "idle_timeout": 7200,
        },
        {"slug": "tiny", "name": "소형", "description": "", "cpu": 0.5, "mem": "512M"},
    ],
    "grants": {"staff": ["basic"], "analyst": ["basic", "analysis"], "admin": ["analysis"]},
    "users": {"kim": ["tiny"]},
    "host": {"cpus": 8, "mem": "32G"},
}


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
    small_host = parse_policy(
        {
            "profiles": POLICY["profiles"][:1],
            "grants": {"staff": ["basic"]},
            "host": {"cpus": 2, "mem": "4G"},
        }
    )
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
    assert labels == {
        "worker_cores": "워커 CPU 코어 (최대 4)",
        "worker_memory": "워커 메모리 GiB (최대 16)",
    }
    requested = options.parse_options({"worker_cores": 2, "worker_memory": 6})
    assert options.get_configuration(requested, None) == {
        "worker_cores": 2,
        "worker_threads": 2,
        "worker_memory": 6 * G,
        "cluster_max_workers": 4,
        "idle_timeout": 7200.0,
        "scheduler_cores": 1,
        "scheduler_memory": G,
    }
    # the scheduler has no more memory than a worker may have
    kim = worker_limits(parse_policy(POLICY), "kim", {"analyst"})
    assert cluster_config(kim, 1, 0.5)["scheduler_memory"] == G // 2
    with pytest.raises(GatewayQuotaError, match="요청 8개"):
        options.get_configuration(options.parse_options({"worker_cores": 8}), None)
    with pytest.raises(ValueError, match="Unknown fields"):
        options.parse_options({"worker_gpus": 1})
    with pytest.raises(GatewayQuotaError, match="자원 프로필이 없어"):
        cluster_options(None).get_configuration({"worker_cores": 1, "worker_memory": 1.0}, None)


def test_a_starting_scheduler_may_report_only_its_own_containers_addresses():
    """The gateway connects to what a scheduler reports (its TLS proxy, the API, the
    dashboard route): an address off the scheduler's container is refused."""
    import asyncio

    from dask_gateway_server.backends.base import PublicException
    from dask_gateway_server.backends.db_base import DataManager, JobStatus
    from dask_gateway_server.workqueue import WorkQueue

    from hub.dask_gateway.docker_backend import DockerBackend

    own = "10.213.0.66"

    def heartbeat(host: str) -> dict:
        return {
            "scheduler_address": f"tls://{host}:40001",
            "api_address": f"http://{own}:40002",
            "dashboard_address": f"http://{own}:8787",
            "count": 0,
            "active_workers": [],
            "closing_workers": [],
            "closed_workers": [],
        }

    async def reports() -> str:
        backend = DockerBackend()
        backend.db, backend.queue = DataManager(), WorkQueue()
        cluster = backend.db.create_cluster("alice", {}, {})
        backend.db.update_cluster(
            cluster, status=JobStatus.SUBMITTED, state={"container": "c0ffee", "ip": own}
        )
        # the host's loopback (the proxy API), another user's network
        for foreign in ("127.0.0.1", "10.213.0.130"):
            with pytest.raises(PublicException, match="container"):
                await backend.on_cluster_heartbeat(cluster.name, heartbeat(foreign))
            assert cluster.scheduler_address == ""
        await backend.on_cluster_heartbeat(cluster.name, heartbeat(own))
        return cluster.scheduler_address

    assert asyncio.run(reports()) == f"tls://{own}:40001"


def test_the_hub_runs_the_gateway_as_a_service(tmp_path):
    """On the development host network: local processes, both proxies on 127.0.0.1."""
    c = Config()
    settings = HubSettings.from_env(
        {
            "SDH_STATE_DIR": str(tmp_path / "state"),
            "SDH_DATA_DIR": str(tmp_path / "data"),
            "SDH_GATEWAY_PORT": "9084",
            "SDH_GATEWAY_PROXY_PORT": "9085",
            "SDH_NETWORK": "host",
        }
    )
    configure(c, settings)
    service = next(s for s in c.JupyterHub.services if s["name"] == "dask-gateway")
    assert service["url"] == "http://127.0.0.1:9084"
    assert service["command"][-3:] == ["dask_gateway_server", "-f", str(GATEWAY_CONFIG)]
    assert service["environment"]["SDH_GATEWAY_TCP_ADDRESS"] == "127.0.0.1:9085"
    assert service["environment"]["SEOUL_DATA_DIR"] == str(tmp_path / "data")
    assert service["environment"]["SDH_NETWORK"] == "host"
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "dask-gateway-users")
    assert role == {
        "name": "dask-gateway-users",
        "groups": ["analyst", "admin"],
        "scopes": ["access:services!service=dask-gateway"],
    }
    assert "access:services!service=dask-gateway" in c.Spawner.server_token_scopes
    environment = c.Spawner.environment
    assert environment["DASK_GATEWAY__ADDRESS"] == "http://127.0.0.1:9084/services/dask-gateway"
    assert environment["DASK_GATEWAY__PROXY_ADDRESS"] == "gateway://127.0.0.1:9085"
    assert environment["DASK_GATEWAY__PUBLIC_ADDRESS"] == (
        "http://127.0.0.1:8000/services/dask-gateway"
    )


# a real hub with the gateway, on the isolated network


START, DAYS = date(2023, 3, 6), 7
PERIOD = ("2023-03-06", "2023-03-12")
CSV = "gu,count\n종로구,1\n중구,2\n"


@dataclass(frozen=True)
class GatewayData:
    """The data directory, and files as containers see them (under /srv/data)."""

    path: Path
    public: str
    analysts_only: str
    finance_only: str


def _ingest(data: Path, dataset_id: str, access: str = "public", groups: tuple = ()) -> str:
    from seoul_data.catalog import Dataset, Field
    from seoul_data.ingest import ingest

    dataset = Dataset(
        id=dataset_id,
        title="시험 데이터",
        field="일반행정",
        access=access,
        allowed_groups=groups,
        schema=(Field("gu", role="gu"), Field("count", "integer")),
    )
    csv = data.parent / f"{dataset_id}.csv"
    csv.write_text(CSV, encoding="utf-8")
    return f"/srv/data/{ingest(dataset, data_dir=data, path=csv).version.path}"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> GatewayData:
    """A week of the synthetic 행정동 store (living/dong, public), a public table, one
    restricted to analysts and one restricted to the finance group."""
    from seoul_data.living.generator import generate, register

    with bundled_data(tmp_path_factory.mktemp("gateway"), LIVING_DATASETS) as data:
        store = generate(
            data / "living" / "dong",
            level="dong",
            start=START,
            days=DAYS,
            output_areas=4000,
            progress=False,
        )
        register(store, "dong", data)
    return GatewayData(
        path=data,
        public=_ingest(data, "test.open_table"),
        analysts_only=_ingest(data, "test.analysts_only", "restricted", ("analyst",)),
        finance_only=_ingest(data, "test.finance_only", "restricted", ("finance",)),
    )


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory, data, docker_engine):
    """A hub on the isolated network whose gateway sees ``data``: alice and bob (analysts),
    carol (staff)."""
    users = {"alice": "analyst", "bob": "analyst", "carol": "staff"}
    with started_hub(request, tmp_path_factory.mktemp("hub"), users, data_dir=data.path) as hub:
        hub.wait_for_service("dask-gateway")
        yield hub


@pytest.fixture(scope="module")
def servers(hub) -> dict[str, str]:
    """Alice's and bob's servers, running; their API tokens."""
    return hub.start_servers("alice", "bob")


@pytest.fixture(scope="module")
def cluster(hub, servers) -> str:
    """A cluster of alice's with one worker, made in her server by ``Gateway()`` with no
    argument; it outlives the kernel that made it. Its name."""
    code = (
        "import json\nfrom dask_gateway import Gateway\n"
        "cluster = Gateway().new_cluster(worker_cores=1, worker_memory=1.0,"
        " shutdown_on_close=False)\n"
        "cluster.scale(1)\n"
        "with cluster.get_client() as client:\n"
        "    client.wait_for_workers(1, timeout=120)\n"
        "print(json.dumps(cluster.name))\n"
    )
    output = run_code(hub, servers["alice"], "alice", code, timeout=180)
    name = json.loads(output.strip().splitlines()[-1])
    yield name
    gateway(hub, servers["alice"]).stop_cluster(name)


def token(hub: RunningHub, name: str) -> str:
    return hub.token(hub.login(name), name)


def gateway(hub: RunningHub, api_token: str):
    """A gateway client on the test's host, through the hub's public URL."""
    from dask_gateway import Gateway, JupyterHubAuth

    return Gateway(
        address=f"{hub.url}/services/dask-gateway",
        proxy_address=f"gateway://{hub_address(hub.settings)}:{hub.settings.gateway_proxy_port}",
        auth=JupyterHubAuth(api_token=api_token),
    )


def containers_of(hub: RunningHub, cluster_name: str) -> list[dict]:
    """The cluster's containers, inspected (any state)."""
    client = docker.APIClient(base_url=hub.settings.docker_host)
    found = client.containers(all=True, filters={"label": f"{DASK_CLUSTER_LABEL}={cluster_name}"})
    return [client.inspect_container(c["Id"]) for c in found]


@pytest.mark.docker
def test_on_an_isolated_platform_the_gateway_listens_on_the_hubs_address(hub):
    c = Config()
    configure(c, hub.settings)
    settings, hub_ip = hub.settings, hub_address(hub.settings)
    service = next(s for s in c.JupyterHub.services if s["name"] == "dask-gateway")
    assert service["url"] == f"http://{hub_ip}:{settings.gateway_port}"
    assert service["environment"]["SDH_GATEWAY_TCP_ADDRESS"] == (
        f"{hub_ip}:{settings.gateway_proxy_port}"
    )
    assert c.Spawner.environment["DASK_GATEWAY__ADDRESS"] == (
        f"http://{hub_ip}:{settings.gateway_port}/services/dask-gateway"
    )
    assert c.Spawner.environment["DASK_GATEWAY__PROXY_ADDRESS"] == (
        f"gateway://{hub_ip}:{settings.gateway_proxy_port}"
    )
    # the firewall lets platform bridges reach exactly these ports of the hub's address
    rules = subprocess.run(
        ["iptables", "-w", "10", "-S", FIREWALL_CHAIN], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    allowed = {
        rule.split("--dport ")[1].split()[0]
        for rule in rules
        if f"-d {hub_ip}/32" in rule and "-j ACCEPT" in rule
    }
    assert allowed == {
        str(settings.hub_port),
        str(settings.gateway_port),
        str(settings.gateway_proxy_port),
    }


@pytest.mark.docker
def test_her_cluster_runs_in_hardened_containers_of_hers_on_her_network(hub, data, cluster):
    from hub.dask_gateway.limits import SCHEDULER_GIB

    prefix = hub.settings.container_prefix
    containers = containers_of(hub, cluster)
    roles = sorted(c["Config"]["Labels"][DASK_ROLE_LABEL] for c in containers)
    assert roles == ["scheduler", "worker"]
    her_network = f"{prefix}-net-alice"
    assert list(hub.container("alice").attrs["NetworkSettings"]["Networks"]) == [her_network]
    gids = sorted(str(g) for g in gids_for(data.path, {"analyst"}))
    assert gids and gids != sorted(str(g) for g in gids_for(data.path, {"finance"}))
    for container in containers:
        config, host = container["Config"], container["HostConfig"]
        role = config["Labels"][DASK_ROLE_LABEL]
        assert container["State"]["Running"], role
        assert config["Labels"][USER_LABEL] == "alice"
        assert config["User"] in ("", "jovyan")  # the image's own account, not root
        assert list(container["NetworkSettings"]["Networks"]) == [her_network]
        assert host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["ReadonlyRootfs"] is True
        assert host["PidsLimit"] == 1024
        assert host["Privileged"] is False
        assert sorted(host["GroupAdd"]) == gids
        # the quota: one core each, the worker's 1 GiB asked for, the scheduler's 1 GiB
        assert host["NanoCpus"] == 10**9
        memory = 2**30 if role == "worker" else int(SCHEDULER_GIB * 2**30)
        assert host["Memory"] == host["MemorySwap"] == memory
        # the data, read-only, and nothing else of the host (no state, no Docker socket)
        assert [(m["Source"], m["Destination"], m["RW"]) for m in container["Mounts"]] == [
            (str(data.path), "/srv/data", False)
        ]
        environment = dict(e.split("=", 1) for e in config["Env"])
        assert environment["JUPYTERHUB_USER"] == "alice"
        assert environment["SEOUL_DATA_GROUPS"] == "analyst"
        assert "JUPYTERHUB_API_TOKEN" not in environment


@pytest.mark.docker
def test_no_process_of_her_cluster_runs_as_the_hubs_account(hub, cluster):
    """On the host, every process of the cluster (found by its variables) is the image's
    unprivileged account, inside a container of the cluster."""
    ids = {c["Id"] for c in containers_of(hub, cluster)}
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            if f"DASK_GATEWAY_CLUSTER_NAME={cluster}".encode() not in environ:
                continue
            status = (proc / "status").read_text()
            cgroup = (proc / "cgroup").read_text()
        except (OSError, ValueError):
            continue  # gone, or not a process
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        found[proc.name] = (uid, any(i in cgroup for i in ids))
    # the scheduler and the worker (and its nanny) at least: the scan finds them
    assert len(found) >= 2, found
    assert all(uid == 1000 and inside for uid, inside in found.values()), found


@pytest.mark.docker
def test_her_cluster_computes_the_living_query_from_her_server(hub, data, servers, cluster):
    from seoul_data import living

    code = (
        "import json\nimport dask.dataframe as dd\nfrom dask_gateway import Gateway\n"
        f"cluster = Gateway().connect({cluster!r}, shutdown_on_close=False)\n"
        "with cluster.get_client() as client:\n"
        "    frame = dd.read_parquet('/srv/data/living/dong/month=*/*.parquet',"
        " columns=['date', 'hour', 'dong_code', 'total'])\n"
        "    at_six = frame[frame.hour == 18]\n"
        "    per_day = at_six.groupby(['date', 'dong_code']).total.sum().reset_index()\n"
        "    mean = per_day.groupby('dong_code').total.mean().compute()\n"
        "print(json.dumps({int(k): float(v) for k, v in mean.items()}))\n"
    )
    output = run_code(hub, servers["alice"], "alice", code, timeout=180)
    mean = json.loads(output.strip().splitlines()[-1])
    duck = living.ranking(18, *PERIOD, source=data.path / "living" / "dong").set_index("code")
    assert len(mean) == len(duck) > 400
    on_dask = [mean[str(code)] for code in duck.index]
    np.testing.assert_allclose(on_dask, duck.total.to_numpy(), rtol=1e-4)


PROBE = """
import json, os, socket
from dask_gateway import Gateway

def probe(reads, targets):
    def read(path):
        try:
            return "ok %d" % len(open(path, "rb").read())
        except OSError as e:
            return type(e).__name__
    def connect(host, port):
        s = socket.socket()
        s.settimeout(3)
        try:
            s.connect((host, port))
            return "open"
        except OSError as e:
            return type(e).__name__
        finally:
            s.close()
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    sockets = ["/var/run/docker.sock", "/run/docker.sock", "/run/sdh-docker/docker.sock"]
    return {
        "reads": {path: read(path) for path in reads},
        "connects": {f"{host}:{port}": connect(host, port) for host, port in targets},
        "sockets": [path for path in sockets if os.path.exists(path)],
        "uid": os.getuid(),
        "capabilities": status["CapEff"].strip(),
    }

cluster = Gateway().connect(CLUSTER, shutdown_on_close=False)
with cluster.get_client() as client:
    seen = {"worker": list(client.run(probe, READS, TARGETS).values()),
            "scheduler": [client.run_on_scheduler(probe, READS, TARGETS)]}
print(json.dumps(seen))
"""


@pytest.mark.docker
def test_a_function_on_her_cluster_sees_her_data_view_and_reaches_nothing_else(
    hub, data, servers, cluster
):
    settings, hub_ip = hub.settings, hub_address(hub.settings)
    state = settings.state_dir
    reads = [
        data.public,
        data.analysts_only,
        data.finance_only,
        str(state / "accounts.sqlite"),
        str(state / "proxy_token"),
    ]
    server_ip = {name: _ip(hub.container(name)) for name in ("alice", "bob")}
    targets = [
        (hub_ip, settings.hub_port),  # allowed: the hub API
        (hub_ip, settings.gateway_port),  # allowed: the gateway (heartbeats)
        (server_ip["alice"], 8888),  # her own server, on her network
        (server_ip["bob"], 8888),  # bob's server
        (hub_ip, settings.proxy_api_port),  # the hub's proxy API
        (hub_ip, int(settings.bind_url.rsplit(":", 1)[1])),  # the proxy's public port
        (hub_ip, settings.quota_port),
    ]
    code = f"CLUSTER = {cluster!r}\nREADS = {reads!r}\nTARGETS = {targets!r}\n{PROBE}"
    output = run_code(hub, servers["alice"], "alice", code, timeout=120)
    seen = json.loads(output.strip().splitlines()[-1])
    assert len(seen["worker"]) == 1, seen
    for role in ("worker", "scheduler"):
        probed = seen[role][0]
        reads_seen = probed["reads"]
        # her data view: the public table and the analysts' one, not the finance group's
        assert reads_seen[data.public].startswith("ok "), (role, reads_seen)
        assert reads_seen[data.analysts_only].startswith("ok "), (role, reads_seen)
        assert reads_seen[data.finance_only] == "PermissionError", (role, reads_seen)
        # nothing of the hub's state is there
        for path in reads[3:]:
            assert reads_seen[path] == "FileNotFoundError", (role, reads_seen)
        assert probed["sockets"] == [], (role, probed)
        assert probed["uid"] == 1000 and int(probed["capabilities"], 16) == 0, (role, probed)
        connects = probed["connects"]
        for allowed in (
            (hub_ip, settings.hub_port),
            (hub_ip, settings.gateway_port),
            (server_ip["alice"], 8888),
        ):
            assert connects.pop(f"{allowed[0]}:{allowed[1]}") == "open", (role, connects)
        assert not [t for t, result in connects.items() if result == "open"], (role, connects)


def _ip(container) -> str:
    return next(iter(container.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]


@pytest.mark.docker
def test_others_cannot_see_or_use_her_clusters_and_requests_over_the_quota_fail(
    hub, servers, cluster
):
    import aiohttp

    alice, bob = gateway(hub, servers["alice"]), gateway(hub, servers["bob"])
    with alice, bob:
        # the default policy of this 2-CPU host: analysts' workers up to 2 cores. (submit, not
        # new_cluster: a refused new_cluster leaves a client object whose collection on the
        # client's event-loop thread deadlocks that loop, a dask-gateway client bug)
        with pytest.raises(ValueError, match="워커 CPU 코어는 1~2개까지 요청할 수 있습니다"):
            alice.submit(worker_cores=3)
        with pytest.raises(ValueError, match="워커 메모리는 .* GiB까지 요청할 수 있습니다"):
            alice.submit(worker_memory=4096.0)
        assert [c.name for c in alice.list_clusters()] == [cluster]
        # bob sees nothing of it, gets none of its details (the address and the TLS
        # credentials a client connects with) and cannot stop it
        assert bob.list_clusters() == []
        for reach in (bob.get_cluster, bob.stop_cluster):
            with pytest.raises(aiohttp.ClientResponseError) as refused:
                reach(cluster)
            assert refused.value.status == 403
    carol = gateway(hub, token(hub, "carol"))
    with carol, pytest.raises(aiohttp.ClientResponseError) as refused:
        carol.list_clusters()
    assert refused.value.status == 401


@pytest.mark.docker
def test_a_user_servers_own_token_and_variables_reach_the_gateway(hub, servers):
    """In alice's container, JUPYTERHUB_API_TOKEN (scopes: Spawner.server_token_scopes) is
    accepted by the gateway at DASK_GATEWAY__ADDRESS, as ``Gateway()`` would send it."""
    code = (
        "import json, os, urllib.request\n"
        "env = os.environ\n"
        "request = urllib.request.Request(env['DASK_GATEWAY__ADDRESS'] + '/api/v1/clusters/',"
        " headers={'Authorization': 'jupyterhub ' + env['JUPYTERHUB_API_TOKEN']})\n"
        "with urllib.request.urlopen(request, timeout=30) as answer:\n"
        "    print(json.dumps([answer.status, env['DASK_GATEWAY__PROXY_ADDRESS'],"
        " env['DASK_GATEWAY__AUTH__TYPE']]))\n"
    )
    output = run_code(hub, servers["alice"], "alice", code)
    proxy = f"gateway://{hub_address(hub.settings)}:{hub.settings.gateway_proxy_port}"
    assert json.loads(output) == [200, proxy, "jupyterhub"], output


@pytest.mark.docker
def test_stopping_a_cluster_removes_its_containers(hub, servers):
    alice = gateway(hub, servers["alice"])
    with alice:
        cluster = alice.new_cluster(worker_cores=1, worker_memory=0.5, shutdown_on_close=False)
        cluster.scale(1)
        with cluster.get_client() as client:
            client.wait_for_workers(1, timeout=120)
        assert len(containers_of(hub, cluster.name)) == 2  # the probe sees them
        cluster.shutdown()
        assert cluster.name not in [c.name for c in alice.list_clusters()]
    deadline = time.monotonic() + 30
    while containers_of(hub, cluster.name) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert containers_of(hub, cluster.name) == []


@pytest.mark.docker
def test_the_example_notebook_runs_with_the_servers_environment(hub, data, tmp_path):
    """examples/dask_gateway_living.ipynb, with the variables a user server gets (here on
    the host: the gateway's addresses are the hub's, which the host reaches too)."""
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
        patch.setenv("SEOUL_DATA_DIR", str(data.path))
        patch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
        client = NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
        )
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            check = nbformat.v4.new_code_cell(
                "import json; print(json.dumps({'dongs': len(compared),"
                " 'difference': float(compared['차이(%)'].abs().max()),"
                " 'stopped': cluster.name not in [c.name for c in gateway.list_clusters()]}))"
            )
            notebook.cells.append(check)
            client.execute_cell(check, len(notebook.cells) - 1)
    result = json.loads(check.outputs[0]["text"])
    assert result["dongs"] > 400 and result["difference"] < 1e-2 and result["stopped"]


# the development host network: local processes


@pytest.mark.docker
def test_the_development_network_runs_clusters_as_local_processes(make_hub):
    hub = make_hub(network="host")
    hub.add_user("alice", "analyst")
    hub.start()
    hub.wait_for_service("dask-gateway")
    alice = gateway(hub, token(hub, "alice"))
    with alice, alice.new_cluster(worker_cores=1, worker_memory=0.5) as cluster:
        cluster.scale(1)
        with cluster.get_client() as client:
            client.wait_for_workers(1, timeout=120)
            assert client.submit(sum, [1, 2]).result() == 3
            # on the host, as the gateway's own account: no container
            assert client.run_on_scheduler(os.getuid) == os.getuid()
        assert [c for c in hub.containers() if DASK_CLUSTER_LABEL in c.labels] == []

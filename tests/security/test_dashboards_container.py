"""The dashboards service runs its kernels in a hardened container, not on the host.

Whatever code ends up running in a dashboards kernel (the service refuses code from the
browser: tests/test_dashboards_service.py) runs as the probes below do, inside that
container: it reads public and internal data only, and reaches nothing of the host."""

from __future__ import annotations

import os

import docker
import pytest

from hub.dashboards.app import KERNEL_DATA_GROUPS
from hub.dashboards.container import container_name
from hub.network import hub_address, hub_network, service_address
from seoul_data.catalog import Dataset, Field
from seoul_data.data_permissions import gids_for
from seoul_data.ingest import ingest

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def service(running_hub, docker_engine):
    data_dir = running_hub.settings.data_dir
    csv = data_dir.parent / "table.csv"
    csv.write_text("gu,count\n종로구,1\n", encoding="utf-8")
    paths = {}
    for dataset_id, access, groups in [
        ("test.public_table", "public", ()),
        ("test.staff_table", "restricted", ("staff",)),
    ]:
        dataset = Dataset(
            id=dataset_id,
            title="시험",
            field="일반행정",
            access=access,
            allowed_groups=groups,
            schema=(Field("gu", role="gu"), Field("count", "integer")),
        )
        paths[dataset_id] = "/srv/data/" + ingest(dataset, data_dir=data_dir, path=csv).version.path
    running_hub.restart_hub()  # the service starts with these data views
    running_hub.wait_for_service("dashboards")
    client = docker.DockerClient(base_url=running_hub.settings.docker_host)
    return client.containers.get(container_name(running_hub.settings)), paths


def _run(container, code: str) -> str:
    result = container.exec_run(["python", "-c", code], user="1000")
    return result.output.decode().strip()


def test_the_service_container_is_hardened_on_the_hub_network(running_hub, service):
    container, _ = service
    settings = running_hub.settings
    host = container.attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
    assert host["ReadonlyRootfs"] is True and host["PidsLimit"] > 0
    # a memory limit (auto: a quarter of the host, at least 4G), never unlimited
    quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    assert host["Memory"] == max(4, quarter // 2**30) * 2**30
    networks = container.attrs["NetworkSettings"]["Networks"]
    assert list(networks) == [hub_network(settings.container_prefix)]
    assert networks[hub_network(settings.container_prefix)]["IPAddress"] == service_address(
        hub_address(settings)
    )
    # the shared kernels' data views: public and internal, no restricted dataset
    expected = gids_for(settings.data_dir, {KERNEL_DATA_GROUPS})
    assert sorted(map(int, host["GroupAdd"])) == sorted(expected)
    assert len(expected) == 2
    # the service (and so its kernels, its children) runs in that container
    top = container.top()["Processes"]
    assert any("hub.dashboards" in " ".join(p) for p in top), top


def test_code_in_the_service_reads_the_shared_view_only(running_hub, service):
    container, paths = service
    read = "try:\n    print('ok', len(open({!r}, 'rb').read()))\nexcept OSError as e:\n    print(type(e).__name__)"  # noqa: E501
    assert _run(container, read.format(paths["test.public_table"])).startswith("ok")
    assert _run(container, read.format(paths["test.staff_table"])) == "PermissionError"
    state = running_hub.settings.state_dir
    assert _run(container, f"import os; print(os.path.exists({str(state)!r}))") == "False"


def test_code_in_the_service_reaches_the_hub_api_only(running_hub, service):
    container, _ = service
    settings = running_hub.settings
    hub_ip = hub_address(settings)
    probe = (
        "import socket, json\nout = {}\n"
        f"for port in {[settings.hub_port, settings.proxy_api_port, settings.quota_port]!r}:\n"
        "    s = socket.socket(); s.settimeout(3)\n"
        f"    try:\n        s.connect(({hub_ip!r}, port)); out[port] = 'open'\n"
        "    except OSError as e:\n        out[port] = type(e).__name__\n"
        "print(json.dumps(out))"
    )
    import json

    seen = json.loads(_run(container, probe))
    assert seen.pop(str(settings.hub_port)) == "open", seen
    assert "open" not in seen.values(), seen

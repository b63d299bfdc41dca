"""Who the dashboards service reads for, behind a real hub and proxy: each request of its
REST API as its hub user (groups, admins as ``admin``), the usage log naming that user;
filters from the network structured, never SQL; the shared kernels as nobody in particular."""

from __future__ import annotations

import json
import re

import psutil
import pytest
import requests

from hub.accounts import GROUPS
from hub.dashboards.app import KERNEL_DATA_GROUPS
from seoul_data.access import Reader, may_read, reading_as
from seoul_data.catalog import Dataset, Field
from tests.conftest import started_hub
from tests.running_hub import RunningHub

STAFF_ONLY = "test.staff_only"
TOTAL = "population.gu_resident_total"
API = "services/dashboards/seoul-data/api"
HALL = "services/dashboards/voila/render/population_hall.ipynb"
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


def restricted(dataset_id: str, *groups: str) -> Dataset:
    return Dataset(
        id=dataset_id,
        title="직원 전용 시험 데이터",
        field="일반행정",
        access="restricted",
        allowed_groups=groups,
        schema=(Field("gu", role="gu"), Field("count", "integer")),
    )


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    from seoul_data.ingest import ingest
    from seoul_data.sources import ingest_bundled, sources

    tmp = tmp_path_factory.mktemp("dashboards_identity")
    data = tmp / "data"
    ingest_bundled(
        data, only={s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    )
    csv = tmp / "staff_only.csv"
    csv.write_text("gu,count\n종로구,1\n중구,2\n", encoding="utf-8")
    ingest(restricted(STAFF_ONLY, "staff"), data_dir=data, path=csv)
    users = {"carol": "staff", "alice": "analyst", "boss": "admin"}
    with started_hub(request, tmp, users, data_dir=data, dashboards_pool=1) as hub:
        yield hub


@pytest.fixture(scope="module")
def viewers(hub) -> dict[str, requests.Session]:
    """carol (staff), alice (analyst), boss (admin), logged in to the service (OAuth)."""
    return hub.dashboard_viewers("carol", "alice", "boss")


def preview(hub: RunningHub, session: requests.Session, **params) -> requests.Response:
    return session.get(f"{hub.url}/{API}/preview", params=params, timeout=120)


def usage_events(hub: RunningHub) -> list[dict]:
    path = hub.settings.state_dir / "dashboards" / "usage.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_restricted_data_is_refused_for_the_viewers_own_reason(hub, viewers):
    # the service holds the shared view only (public and internal: its container has no
    # restricted dataset's group), so nobody previews restricted data there; each viewer
    # is told their own reason, which shows the check uses the viewer's hub identity
    assert preview(hub, viewers["alice"], id=TOTAL, limit=2).status_code == 200
    refused = preview(hub, viewers["alice"], id=STAFF_ONLY)  # an analyst: not hers
    assert refused.status_code == 403, refused.text[:300]
    assert "열람 권한이 없습니다" in refused.json()["message"]
    for name in ("carol", "boss"):  # staff, and an administrator: theirs, in JupyterLab
        outside = preview(hub, viewers[name], id=STAFF_ONLY)
        assert outside.status_code == 403, f"{name}: {outside.text[:300]}"
        assert "데이터 보기에 없습니다" in outside.json()["message"], name


def test_the_usage_log_names_the_hub_user(hub, viewers):
    before = len(usage_events(hub))
    assert preview(hub, viewers["carol"], id=TOTAL, limit=1).status_code == 200
    assert preview(hub, viewers["alice"], id=STAFF_ONLY).status_code == 403
    assert preview(hub, viewers["alice"], id=TOTAL, limit=1).status_code == 200
    # written by the service's container into the state directory's dashboards folder
    events = [(e["user"], e["action"], e["target"]) for e in usage_events(hub)[before:]]
    assert ("carol", "load", TOTAL) in events and ("alice", "load", TOTAL) in events
    assert not [e for e in events if e[2] == STAFF_ONLY]  # a refusal reads nothing


def test_a_structured_filter_is_taken_and_sql_is_refused(hub, viewers, tmp_path):
    carol = viewers["carol"]
    where = [["area", "=", "강남구"], ["year", ">=", 2019]]
    found = preview(hub, carol, id=TOTAL, limit=50, where=json.dumps(where, ensure_ascii=False))
    assert found.status_code == 200, found.text[:300]
    rows = found.json()["rows"]
    assert rows and {r["area"] for r in rows} == {"강남구"} and min(r["year"] for r in rows) >= 2019
    copied = tmp_path / "copied.csv"
    for attempt, says in [
        (f"1=1; COPY (SELECT * FROM population_gu_resident_total) TO '{copied}'", "SQL 문은"),
        ("read_csv('/etc/passwd')", "SQL 문은"),
        ("area = '강남구'", "SQL 문은"),
        ('{"area": "강남구"}', "JSON 목록"),
        ('[["area) OR (1=1", "=", "x"]]', "없는 열입니다"),
        ('[["(SELECT 1 FROM read_csv(\'/etc/passwd\'))", "=", 1]]', "없는 열입니다"),
        ('[["area", "= \'x\' OR 1=1 --", "x"]]', "쓸 수 없는 연산자"),
        ('[["year", ">=", "2019"]]', "숫자를"),
    ]:
        reply = preview(hub, carol, id=TOTAL, where=attempt)
        assert reply.status_code == 400, f"{attempt}: {reply.status_code} {reply.text[:300]}"
        assert says in reply.json()["message"], reply.json()["message"]
    assert not copied.exists()
    bound = preview(hub, carol, id=TOTAL, where='[["area", "=", "강남구\' OR \'1\'=\'1"]]')
    assert bound.status_code == 200 and bound.json()["rows"] == []


def kernel_process(kernel_id: str) -> psutil.Process:
    """The process of a kernel (started with its connection file ``kernel-<id>.json``)."""
    connection_file = f"kernel-{kernel_id}.json"
    found = [
        process
        for process in psutil.process_iter(["cmdline"])
        if any(connection_file in part for part in process.info["cmdline"] or ())
    ]
    assert len(found) == 1, f"{len(found)} processes of kernel {kernel_id}"
    return found[0]


def test_shared_kernels_read_no_restricted_data(hub, viewers):
    page = viewers["carol"].get(f"{hub.url}/{HALL}", timeout=180)
    assert page.status_code == 200, page.text[:300]
    assert "There was an error when executing cell" not in page.text
    kernel_id = re.search(r'kernelId": "([0-9a-f-]{36})"', page.text).group(1)
    assert kernel_process(kernel_id).environ()["SEOUL_DATA_GROUPS"] == KERNEL_DATA_GROUPS
    # what those groups may read: what every platform user may, and no restricted dataset
    assert KERNEL_DATA_GROUPS not in GROUPS
    kernel_groups = {KERNEL_DATA_GROUPS}
    internal = Dataset(id="test.internal", title="내부", field="일반행정", access="internal")
    assert may_read(internal, kernel_groups)
    for groups in [(), *((g,) for g in GROUPS), tuple(GROUPS)]:
        dataset = restricted("test.restricted", *groups)
        assert not may_read(dataset, kernel_groups)
        assert may_read(dataset, {*groups, "admin"})  # the probe: some reader may


def test_a_reader_replaces_the_servers_identity_in_its_block_only(tmp_path, monkeypatch):
    import seoul_data as sd
    from seoul_data.ingest import ingest

    data = tmp_path / "data"
    monkeypatch.setenv("SEOUL_DATA_DIR", str(data))
    monkeypatch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
    monkeypatch.setenv("SEOUL_DATA_GROUPS", "analyst")
    monkeypatch.setenv("JUPYTERHUB_USER", "owner")
    csv = tmp_path / "staff_only.csv"
    csv.write_text("gu,count\n종로구,1\n", encoding="utf-8")
    ingest(restricted(STAFF_ONLY, "staff"), data_dir=data, path=csv)
    with pytest.raises(PermissionError):
        sd.load(STAFF_ONLY)
    with reading_as(Reader.of("carol", ["staff"])):
        assert len(sd.load(STAFF_ONLY)) == 1
    with reading_as(Reader.of("boss", [], admin=True)):
        assert len(sd.load(STAFF_ONLY)) == 1
    with reading_as(Reader.of("alice", ["analyst"])), pytest.raises(PermissionError):
        sd.load(STAFF_ONLY)
    with pytest.raises(PermissionError):
        sd.load(STAFF_ONLY)
    users = [json.loads(line)["user"] for line in (tmp_path / "usage.jsonl").open()]
    assert users == ["carol", "boss"]

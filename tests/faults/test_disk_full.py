"""The state disk or the data disk full: every write fails with a message that says so, and
every store is as it was once space is freed (the same accounts, policy and catalog, and
``PRAGMA integrity_check`` says ok)."""

from __future__ import annotations

import errno

import pytest

from hub.accounts import AccountError, AccountStore
from hub.default_policy import default_policy
from hub.quota_store import QuotaStore
from hub.settings import HubSettings
from seoul_data.catalog import Catalog, Dataset, Field
from seoul_data.ingest import ingest
from seoul_data.transactions import DiskFull
from tests.faults.full_disk import fill, integrity, small_filesystem

FULL = "디스크가 가득 차서 저장하지 못했습니다"
SCHEMA = (Field("gu", role="gu"), Field("count", "integer"))


def test_full_state_disk_refuses_account_and_policy_writes(tmp_path):
    with small_filesystem(tmp_path / "state") as state:
        accounts = AccountStore(state / "accounts.sqlite")
        accounts.add("alice", groups=["analyst"], password="alice-password")
        quota = QuotaStore(state / "quota.sqlite")
        policy = default_policy(HubSettings(mem_limit="1G", host_mem="8G"))
        quota.set_policy(policy, actor="boss")
        filler = fill(state)

        with pytest.raises(AccountError, match=FULL):
            accounts.add("bob", groups=["analyst"], password="bob-password")
        with pytest.raises(AccountError, match=FULL):  # a failed login is counted: a write
            accounts.verify("alice", "wrong-password")
        stricter = {**policy, "users": {"alice": ["basic"]}}
        with pytest.raises(DiskFull, match=FULL):
            quota.set_policy(stricter, actor="boss")

        filler.unlink()
        assert accounts.verify("alice", "alice-password").groups == ("analyst",)
        assert accounts.get("bob") is None
        assert QuotaStore(state / "quota.sqlite").policy().to_document()["users"] == {}
        for name in ("accounts.sqlite", "quota.sqlite"):
            assert integrity(state / name) == "ok", name
        # and the same writes work again
        accounts.add("bob", groups=["analyst"], password="bob-password")
        quota.set_policy(stricter, actor="boss")
        assert QuotaStore(state / "quota.sqlite").policy().to_document()["users"] != {}


def test_full_data_disk_refuses_catalog_writes(tmp_path):
    csv = tmp_path / "counts.csv"
    csv.write_text("gu,count\n종로구,1\n중구,2\n", encoding="utf-8")
    one = Dataset(id="test.one", title="시험 하나", field="일반행정", schema=SCHEMA)
    with small_filesystem(tmp_path / "data") as data:
        first = ingest(one, data_dir=data, path=csv).version
        filler = fill(data)

        with pytest.raises(DiskFull, match=FULL):
            Catalog(data).upsert([Dataset(id="test.two", title="시험 둘", field="일반행정")])
        two = Dataset(id="test.three", title="시험 셋", field="일반행정", schema=SCHEMA)
        big = tmp_path / "big.csv"
        big.write_text("gu,count\n" + "종로구,1\n" * 200_000, encoding="utf-8")
        # the Parquet file (OSError ENOSPC) or the catalog (DiskFull), whichever comes first
        with pytest.raises((OSError, DiskFull)) as refused:
            ingest(two, data_dir=data, path=big)
        assert getattr(refused.value, "errno", None) == errno.ENOSPC or FULL in str(refused.value)

        filler.unlink()
        catalog = Catalog(data, readonly=True)
        assert [d.id for d in catalog.find()] == ["test.one"]
        assert catalog.current("test.one") == first
        assert integrity(data / "catalog.sqlite") == "ok"
        assert not list((data / "datasets").glob("*/.staging-*"))  # no half-written version
        # and the same ingest works again
        assert ingest(two, data_dir=data, path=big).version.rows == 200_000

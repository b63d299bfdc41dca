"""What is the same for every reader, made once per data version and shared on disk
(seoul_data.prepared): kept, found again, and never given to data, code or readers it was
not made for."""

from __future__ import annotations

import os
import pickle

import pytest

from seoul_data import prepared
from seoul_data.access import Reader, reading_as
from seoul_data.catalog import Catalog

made: list[tuple] = []


@prepared.prepared
def tally(area: str, year: int = 2020) -> dict:
    made.append((area, year))
    return {"area": area, "year": year, "made": len(made)}


@pytest.fixture
def shared(tmp_path, monkeypatch):
    data = tmp_path / "data"
    Catalog(data)  # an empty catalog: the data version is its file
    monkeypatch.setenv("SEOUL_DATA_DIR", str(data))
    monkeypatch.setenv(prepared.VARIABLE, str(tmp_path / "prepared"))
    monkeypatch.setattr(prepared, "RECHECK_S", 0.0)
    made.clear()
    return tmp_path / "prepared"


def results(root) -> list:
    return sorted(root.rglob("*.pickle"))


def test_made_once_then_read_by_the_next_reader(shared):
    first = tally("강남구", year=2021)
    assert first == {"area": "강남구", "year": 2021, "made": 1}
    assert len(results(shared)) == 1
    made.clear()  # another kernel: nothing made in this process
    assert tally("강남구", year=2021) == first and made == []
    assert tally("송파구", year=2021)["made"] == 1  # other arguments: made
    assert len(results(shared)) == 2


def test_new_data_makes_them_again_and_drops_the_old(shared):
    tally("강남구")
    (version,) = [d.name for d in shared.iterdir()]
    catalog = shared.parent / "data" / "catalog.sqlite"
    stat = catalog.stat()
    os.utime(catalog, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # an ingest
    assert tally("강남구")["made"] == 2
    assert [d.name for d in shared.iterdir()] != [version] and len(results(shared)) == 1


def test_a_reader_of_other_groups_gets_their_own(shared):
    with reading_as(Reader.of("kim", ["gangnam-gu"])):
        assert tally("강남구")["made"] == 1
    with reading_as(Reader.of("lee", ["songpa-gu"])):
        assert tally("강남구")["made"] == 2
    assert len(results(shared)) == 2


def test_off_keeps_nothing(shared, monkeypatch):
    monkeypatch.setenv(prepared.VARIABLE, "off")
    tally("강남구")
    tally("강남구")
    assert len(made) == 2 and not shared.exists()


def test_a_directory_that_cannot_be_written_loses_the_sharing_not_the_result(shared):
    shared.write_text("not a directory")
    assert tally("강남구") == {"area": "강남구", "year": 2020, "made": 1}


def test_a_broken_result_is_made_again(shared):
    tally("강남구")
    (kept,) = results(shared)
    kept.write_bytes(b"\x80truncated")
    assert tally("강남구")["made"] == 2
    assert pickle.loads(kept.read_bytes())["made"] == 2


def test_past_the_limit_the_oldest_go(shared, monkeypatch):
    tally("강남구")
    (oldest,) = results(shared)
    monkeypatch.setattr(prepared, "MAX_BYTES", oldest.stat().st_size * 3 // 2)
    os.utime(oldest, (1, 1))
    tally("송파구")
    (kept,) = results(shared)
    assert pickle.loads(kept.read_bytes())["area"] == "송파구"

"""Structured filters (``sd.load(where=[[column, op, value], …])``) and locked DuckDB
sessions: what the data search REST API uses for input that came over the network."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import seoul_data as sd
from seoul_data.load import FilterError, locked_duckdb, untrusted_input
from seoul_data.sources import ingest_source, sources

AGE_SEX = "population.gu_resident_age_sex"
SECRET_FILE = "/etc/passwd"
SECRET_TABLE = f"read_csv('{SECRET_FILE}', sep=':', header=false)"
READ_SECRET = f"SELECT * FROM {SECRET_TABLE}"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("filters") / "data"
    source = next(s for s in sources() if s.dataset.id == AGE_SEX)
    ingest_source(source, directory)
    return directory


@pytest.fixture(autouse=True)
def platform(data_dir, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SEOUL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
    monkeypatch.delenv("SEOUL_DATA_GROUPS", raising=False)
    return data_dir


def test_a_structured_filter_gives_what_the_same_sql_condition_gives():
    where = [["gu", "in", ["강남구", "송파구"]], ["age", ">=", 65], ["year", "=", 2020]]
    frame = sd.load(AGE_SEX, columns=["gu", "age", "year", "population"], where=where)
    assert len(frame) and set(frame["gu"]) == {"강남구", "송파구"}
    assert frame["age"].min() == 65 and set(frame["year"]) == {2020}
    same = sd.load(
        AGE_SEX,
        columns=["gu", "age", "year", "population"],
        where="gu IN ('강남구', '송파구') AND age >= 65 AND year = 2020",
    )
    assert frame.sort_values(["gu", "age"]).values.tolist() == (
        same.sort_values(["gu", "age"]).values.tolist()
    )
    like = sd.load(AGE_SEX, columns=["gu"], where=[["gu", "like", "강%"], ["age", "!=", 0]])
    assert set(like["gu"]) == {"강남구", "강동구", "강북구", "강서구"}


def test_values_are_bound_as_parameters_not_spliced_into_sql():
    assert len(sd.load(AGE_SEX, where=[["gu", "=", "강남구"]], limit=3)) == 3
    injected = sd.load(AGE_SEX, where=[["gu", "=", "강남구' OR '1'='1"]], limit=3)
    assert injected.empty


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (42, "목록이어야"),
        ({"gu": "강남구"}, "목록이어야"),
        ([["gu", "=="]], "세 항목"),
        (["gu = '강남구'"], "세 항목"),
        ([["gu) OR (1=1", "=", "x"]], "없는 열입니다"),
        ([[f"(SELECT 1 FROM read_csv('{SECRET_FILE}'))", "=", 1]], "없는 열입니다"),
        ([["gu", "OR 1=1 --", "x"]], "쓸 수 없는 연산자"),
        ([["gu", "ilike", "강%"]], "쓸 수 없는 연산자"),
        ([["age", ">=", "65"]], "숫자 열 'age'에는 숫자를"),
        ([["age", "=", True]], "숫자 열"),
        ([["gu", "=", None]], "문자열을"),
        ([["gu", "in", "강남구"]], "'in'에는 값의 목록을"),
        ([["gu", "in", []]], "'in'에는 값의 목록을"),
        ([["age", "like", "6%"]], "'like'는 글자 열에만"),
    ],
)
def test_filters_that_cannot_be_used_are_refused_in_korean(where, says):
    with pytest.raises(FilterError, match=says):
        sd.load(AGE_SEX, where=where)


def test_a_locked_session_reads_only_the_files_it_was_opened_for(data_dir, tmp_path):
    open_session = duckdb.connect()
    assert len(open_session.execute(READ_SECRET).fetchall()) > 0  # the probe reads unlocked
    data_file = next(data_dir.rglob("*.parquet"))
    locked = locked_duckdb([data_file])
    assert locked.execute("SELECT count(*) FROM read_parquet(?)", [str(data_file)]).fetchone()[0]
    for statement in [
        READ_SECRET,
        f"SELECT * FROM read_text('{SECRET_FILE}')",
        f"COPY (SELECT 1 AS x) TO '{tmp_path / 'copied.csv'}'",
        f"ATTACH '{tmp_path / 'other.db'}'",
    ]:
        with pytest.raises(duckdb.PermissionException):
            locked.execute(statement)
    for statement in [
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        f"SET allowed_paths = ['{SECRET_FILE}']",
    ]:
        with pytest.raises(duckdb.InvalidInputException, match="configuration"):
            locked.execute(statement)
    with pytest.raises(duckdb.PermissionException):
        locked.execute(READ_SECRET)
    assert not (tmp_path / "copied.csv").exists() and not (tmp_path / "other.db").exists()


def test_sql_runs_again_in_the_same_process():
    query = "SELECT count(*) AS n FROM population_gu_resident_age_sex"
    assert sd.sql(query)["n"].iloc[0] == sd.sql(query)["n"].iloc[0] > 0


def test_inside_untrusted_input_every_session_is_locked():
    views = "SELECT count(*) AS n FROM population_gu_resident_age_sex"
    assert len(sd.sql(READ_SECRET)) > 0  # an analyst's own sd.sql is not locked
    with untrusted_input():
        assert len(sd.load(AGE_SEX, where=[["gu", "=", "종로구"]], limit=2)) == 2
        assert sd.sql(views)["n"].iloc[0] > 0
        with pytest.raises(duckdb.PermissionException):
            sd.sql(READ_SECRET)
        # a SQL condition written by library code still runs, in the locked session
        with pytest.raises(duckdb.PermissionException):
            sd.load(AGE_SEX, where=f"gu IN (SELECT column0 FROM {SECRET_TABLE})")
    assert sd.load(AGE_SEX, where=f"gu IN (SELECT column0 FROM {SECRET_TABLE})").empty

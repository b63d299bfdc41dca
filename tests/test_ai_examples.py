"""The analyst examples of AI 분석 (examples/*.ipynb), executed top to bottom on a real kernel
over the real bundled data; each ends with a ``summary`` the tests check."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import bundled_data

REPO = Path(__file__).resolve().parent.parent
WANTED = {
    "population.gu_resident_age_sex",
    "population.dong_age5",
    "population.dong_households_density",
    "facilities.public_libraries",
    "facilities.social_welfare",
    "living.gu_hourly_2024h1",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    with bundled_data(tmp_path_factory.mktemp("examples-data"), WANTED) as directory:
        yield directory


def run_example(name: str, data_dir: Path, tmp_path: Path, monkeypatch) -> dict:
    """Execute ``examples/<name>``; its ``summary`` variable."""
    monkeypatch.setenv("SEOUL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
    monkeypatch.setenv("SEOUL_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("MPLBACKEND", "agg")
    notebook = nbformat.read(REPO / "examples" / name, as_version=4)
    cells = len(notebook.cells)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    with client.setup_kernel():
        for index in range(cells):
            client.execute_cell(notebook.cells[index], index)
        probe = nbformat.v4.new_code_cell("import json; print(json.dumps(summary, default=str))")
        notebook.cells.append(probe)
        client.execute_cell(probe, cells)
    errors = [
        o
        for c in notebook.cells[:cells]
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, errors
    return json.loads(probe.outputs[0]["text"])


def test_gu_population_forecast_to_2030(data_dir, tmp_path, monkeypatch):
    summary = run_example("population_forecast_gu.ipynb", data_dir, tmp_path, monkeypatch)
    assert summary["gu"] == 25 and summary["last_year"] == 2030
    best = summary["mape"][summary["best"]]
    assert best < summary["baselines"]["naive"] and best < summary["baselines"]["linear_trend"]
    assert 8.0e6 < summary["seoul_2030"] < 10.0e6
    assert (tmp_path / "user" / "models" / "자치구인구예측" / "meta.json").exists()


def test_dong_clusters_from_population_and_facilities(data_dir, tmp_path, monkeypatch):
    summary = run_example("dong_clusters.ipynb", data_dir, tmp_path, monkeypatch)
    assert summary["dongs"] >= 420 and summary["libraries_placed"] > 150
    assert 2 <= summary["best_k"] <= 8 and sum(summary["sizes"]) == summary["dongs"]
    assert summary["silhouette"] > summary["baseline"] + 0.1


def test_living_population_by_hour_with_torch(data_dir, tmp_path, monkeypatch):
    summary = run_example("living_hourly_torch.ipynb", data_dir, tmp_path, monkeypatch)
    assert summary["device"] == "cpu"  # this machine has no GPU
    assert summary["r2"] > 0.9 and summary["baseline_r2"] < 0.01
    assert summary["holdout_mape"] < 15


def test_search_load_join_and_sql(data_dir, tmp_path, monkeypatch):
    summary = run_example("search_load_join_sql.ipynb", data_dir, tmp_path, monkeypatch)
    assert "population.dong_households_density" in summary["hits"]
    assert summary["dongs"] == summary["sql_rows"] == 22 and summary["same"]

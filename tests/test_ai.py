"""AI 분석 (seoul_data.ai): every task end to end on the real bundled data, the guard rails
and their Korean messages, the container's quota read from cgroup files, saved models
reloaded to predict, and exported notebooks executed on a real kernel."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from seoul_data import ai
from seoul_data.ai import quota as res
from tests.conftest import bundled_data

WANTED = {
    "population.gu_resident_age_sex",
    "population.dong_households_density",
    "population.dong_age5",
    "living.gu_hourly_2024h1",
    "transport.bike_sharing_demand_uci",
}
SMALL = ai.Resources(cpus=2, memory_available=None, memory_limit=None, device="cpu")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("ai-data")
    with bundled_data(root, WANTED) as directory, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_USER_DIR", str(tmp_path_factory.mktemp("ai-user")))
        yield directory


@pytest.fixture(scope="module")
def bikes(data_dir):
    import seoul_data as sd

    return sd.load("transport.bike_sharing_demand_uci")


def test_column_kinds_and_defaults(bikes):
    kinds = ai.column_kinds(bikes)
    assert kinds["date"] == "datetime" and kinds["season"] == "category"
    assert kinds["hour"] == "number" and kinds["functioning_day"] == "category"
    problem = ai.plan(bikes, "rented_bike_count")
    assert problem.task == "regression"
    assert "date" not in problem.features and "rented_bike_count" not in problem.features
    assert {"temperature_c", "season", "hour"} <= set(problem.features)
    assert ai.plan(bikes, "season").task == "classification"
    assert ai.plan(bikes, None, ["temperature_c", "humidity_pct"]).task == "clustering"


def test_regression_beats_the_mean_on_dong_density(data_dir):
    steps = []
    result = ai.run(
        "population.dong_households_density",
        "density",
        ["population", "households", "area_km2", "gu"],
        "regression",
        "random_forest",
        load={"years": 2021},
        folds=3,
        n_estimators=60,
        resources=SMALL,
        progress=lambda done, total, what: steps.append((done, total, what)),
    )
    assert result.metrics["r2"] > 0.8 > result.baseline["r2"]
    assert result.metrics["rmse"] < result.baseline["rmse"]
    assert len(result.folds) == 3 and len(result.predictions) == result.problem.rows
    assert {"예측", "잔차"} <= set(result.predictions.columns)
    assert result.importance.index[0] == "area_km2"  # density = population / area
    assert steps[-1][0] == steps[-1][1] and steps[-1][2] == "완료"
    assert [s[0] for s in steps] == sorted(s[0] for s in steps)
    assert result.used == {"cpus": 2, "device": "cpu", "folds": 3, "seed": 0}
    assert result.extra["source"]["sha256"] and result.extra["source"]["version"] == 1
    assert list(result.summary().columns) == ["지표", "모델", "기준(단순 예측)"]


def test_classification_of_season_from_weather(bikes):
    problem = ai.plan(bikes, "season", ["temperature_c", "dew_point_c", "solar_radiation_mj_m2"])
    result = ai.train(problem, bikes, "gradient_boosting", folds=3, resources=SMALL)
    assert result.metrics["accuracy"] > 0.7 and result.baseline["accuracy"] < 0.3
    assert result.metrics["f1_macro"] > result.baseline["f1_macro"]
    assert result.predictions["맞음"].mean() == pytest.approx(result.metrics["accuracy"], 0.02)
    linear = ai.train(problem, bikes, "linear", folds=3, resources=SMALL)
    assert linear.metrics["accuracy"] > result.baseline["accuracy"]


def test_forecast_each_gu_to_2030_with_a_backtest(data_dir):
    result = ai.run(
        "population.gu_resident_age_sex",
        "population",
        task="forecast",
        time="year",
        group="gu",
        until=2030,
        train_until=2016,
    )
    assert result.problem.warnings and "합계" in result.problem.warnings[0]
    table = result.folds
    assert set(table.model) == {"linear", "naive", "linear_trend"}
    assert table.test.unique().tolist() == ["2017–2021"]
    assert result.metrics["mape"] < result.extra["baselines"]["naive"] < 10
    ahead = result.extra["forecast"]
    assert list(ahead.index) == list(range(2022, 2031)) and ahead.shape[1] == 25
    total = ai.forecast_table(result)
    assert set(total["구분"]) == {"실적", "예측"} and total["값"].gt(0).all()
    assert len(result.predictions) == 25 * 5  # the backtest years of every gu
    # without a fixed cut: expanding-window TimeSeriesSplit
    rolling = ai.run(
        "population.gu_resident_age_sex",
        "population",
        task="forecast",
        time="year",
        group="gu",
        model="random_forest",
        folds=3,
        horizon=2,
        n_estimators=50,
        resources=SMALL,
    )
    assert rolling.folds.split.nunique() == 3
    assert list(rolling.folds.train_end.unique()) == [2015, 2017, 2019]


def test_the_citys_total_is_never_one_more_gu(data_dir):
    """A gu table that also holds 서울특별시 (as most do): K-means would find 'city vs gu'
    (silhouette ~1, 'better than the baseline'). The total row is left out, and said so."""
    import seoul_data as sd

    frame = sd.load("population.gu_resident_age_sex")
    wide = frame.pivot_table(index="gu", columns="sex", values="population", aggfunc="sum")
    wide = wide.reset_index()
    city = wide.drop(columns="gu").sum().to_frame().T.assign(gu="서울특별시")
    with_total = pd.concat([city, wide], ignore_index=True)
    result = ai.run(
        "population.gu_resident_age_sex", task="clustering", frame=with_total, resources=SMALL
    )
    assert result.problem.rows == len(wide) == 25
    assert "서울 전체·합계" in result.problem.warnings[0]


def test_clustering_dongs_by_age_structure(data_dir):
    import seoul_data as sd

    frame = sd.load("population.dong_age5", years=2021)
    bands = [c for c in frame.columns if c.startswith("age_")]
    shares = frame[bands].div(frame.population, axis=0).assign(dong=frame.dong)
    result = ai.train(
        ai.plan(shares, features=bands), shares, "kmeans", n_clusters=4, resources=SMALL
    )
    assert result.extra["n_clusters"] == 4
    assert result.metrics["silhouette"] > result.baseline["silhouette"] + 0.1
    profile = ai.cluster_profile(result)
    assert profile["행 수"].sum() == len(frame)
    assert result.importance.index[0].startswith("age_")


def test_torch_network_learns_the_hourly_living_population(data_dir):
    import seoul_data as sd

    frame = sd.load("living.gu_hourly_2024h1", gu=["강남구", "종로구", "노원구"])
    frame = frame.assign(weekday=frame.date.dt.day_of_week, gu=frame.gu.astype(str))
    problem = ai.plan(frame, "population", ["hour", "weekday", "gu"], "regression")
    result = ai.train(problem, frame, "torch_mlp", folds=2, epochs=25, resources=SMALL)
    assert result.metrics["r2"] > 0.9 and result.baseline["r2"] < 0.01
    assert result.used["device"] == "cpu"  # no GPU on this machine; torch.cuda says so


def _error(call, *args, **kwargs) -> ai.AIError:
    with pytest.raises(ai.AIError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_bad_choices_say_what_and_where_in_korean(bikes):
    e = _error(ai.plan, bikes, "season", task="regression")
    assert e.where == "대상 열" and "회귀" in e.message and "분류" in e.message
    e = _error(ai.plan, bikes, "rented_bike_count", [], "regression")
    assert e.where == "특성" and "하나 이상" in e.message
    e = _error(ai.plan, bikes, "rented_bike_count", ["기온"], "regression", dataset="bikes")
    assert e.where == "특성" and "'기온' 열이 데이터셋 'bikes'에 없습니다" in e.message
    e = _error(ai.plan, bikes, "없는열")
    assert e.where == "대상 열"
    e = _error(ai.plan, bikes.head(12), "rented_bike_count", ["hour"], "regression")
    assert e.where == "데이터" and "12개" in e.message and "30개" in e.message
    e = _error(ai.plan, bikes, "rented_bike_count", ["hour", "rented_bike_count"])
    assert "누수" in e.message
    e = _error(ai.plan, bikes, "temperature_c", ["hour"], "classification")
    assert "회귀" in e.message
    e = _error(ai.plan, bikes, "rented_bike_count", ["date"], "regression")
    assert "날짜" in e.message
    e = _error(ai.plan, bikes, "rented_bike_count", task="마법")
    assert e.where == "작업"
    problem = ai.plan(bikes, "season", ["temperature_c"])
    e = _error(ai.train, problem, bikes, "torch_mlp")
    assert e.where == "모델" and "random_forest" in e.message
    e = _error(ai.run, "no.such_dataset", "x")
    assert e.where == "데이터"
    assert str(e).startswith("[데이터] ")


def test_guard_rails_warn_in_plain_korean(bikes, data_dir):
    import seoul_data as sd

    dongs = sd.load("population.dong_households_density", years=2021)
    leak = ai.plan(dongs, "population", ["pop_male", "area_km2"], "regression")
    assert any("누수 의심" in w and "pop_male" in w for w in leak.warnings)
    holes = bikes.assign(temperature_c=bikes.temperature_c.where(bikes.hour != 3))
    problem = ai.plan(holes, "rented_bike_count", ["temperature_c", "hour"])
    assert any("빈 값이 365행" in w for w in problem.warnings)
    imbalance = ai.plan(bikes, "holiday", ["temperature_c", "hour"])
    assert any("범주 불균형" in w and "공휴일" in w for w in imbalance.warnings)
    few = ai.plan(bikes.head(50), "rented_bike_count", ["hour"])
    assert any("50개뿐" in w for w in few.warnings)
    ages = sd.load("population.gu_resident_age_sex")
    future = ai.plan(ages, "population", ["age"], "forecast", time="year", group="gu")
    assert any("미래 데이터" in w and "age" in w for w in future.warnings)


def _cgroup(tmp_path, **files) -> object:
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_quota_comes_from_the_cgroup_not_the_host(tmp_path):
    import os

    pinned = len(os.sched_getaffinity(0))
    v2 = _cgroup(
        tmp_path / "v2",
        **{"cpu.max": "50000 100000\n", "memory.max": "1073741824", "memory.current": "943718400"},
    )
    assert res.cpu_quota(v2) == 1
    limit, available = res.memory_limits(v2)
    assert limit == 2**30 and available == 2**30 - 943718400
    assert res.cpu_quota(_cgroup(tmp_path / "max", **{"cpu.max": "max 100000"})) == pinned
    v1 = _cgroup(
        tmp_path / "v1",
        cpu__cpu_cfs_quota_us="200000",
        cpu__cpu_cfs_period_us="100000",
        memory__memory_limit_in_bytes=str(2**62),
        memory__memory_usage_in_bytes="100",
    )
    for old in (v1 / "cpu").iterdir():
        old.rename(old.with_name(old.name.replace("cpu_cfs", "cpu.cfs")))
    for old in (v1 / "memory").iterdir():
        old.rename(old.with_name(old.name.replace("memory_", "memory.", 1)))
    assert res.cpu_quota(v1) == min(2, pinned)
    assert res.memory_limits(v1)[0] is None  # v1's "unlimited"
    assert res.resources(v2, with_device=False).cpus == 1


def test_a_shared_service_caps_the_cpus_of_one_training(tmp_path, monkeypatch):
    roomy = _cgroup(tmp_path / "v2", **{"cpu.max": "400000 100000\n"})
    monkeypatch.setattr(res.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert res.resources(roomy, with_device=False).cpus == 4
    monkeypatch.setenv("SEOUL_AI_MAX_CPUS", "1")
    assert res.resources(roomy, with_device=False).cpus == 1


def test_training_beyond_the_memory_left_is_refused_with_an_estimate(bikes):
    tight = ai.Resources(cpus=1, memory_available=50 * 2**20, memory_limit=2**30, device="cpu")
    problem = ai.plan(bikes, "rented_bike_count", ["temperature_c", "hour", "season"])
    with pytest.raises(ai.ResourceRefused) as caught:
        ai.train(problem, bikes, "random_forest", resources=tight)
    assert caught.value.where == "자원"
    assert "MiB 필요" in caught.value.message and "남은 메모리는 50 MiB" in caught.value.message
    assert res.estimate_bytes(10**7, 100, "random_forest") > 2**30


def test_saved_models_reload_and_predict(data_dir, bikes):
    import seoul_data as sd

    frame = sd.load("population.dong_households_density", years=2021)
    result = ai.run(
        "population.dong_households_density",
        "density",
        ["population", "households", "area_km2"],
        "regression",
        "linear",
        load={"years": 2021},
        resources=SMALL,
    )
    folder = ai.save_model(result, "밀도-선형")
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["dataset"]["id"] == "population.dong_households_density"
    assert len(meta["dataset"]["sha256"]) == 64 and meta["dataset"]["load"] == {"years": 2021}
    assert meta["features"] == ["population", "households", "area_km2"]
    assert meta["target"] == "density" and meta["task"] == "regression" and meta["created"]
    assert meta["metrics"]["r2"] == pytest.approx(result.metrics["r2"])
    loaded = ai.load_model("밀도-선형")
    again = loaded.predict(frame.head(5))
    np.testing.assert_allclose(
        again["예측"], result.estimator.predict(frame.head(5)[meta["features"]])
    )
    e = _error(loaded.predict, frame[["population"]])
    assert "households" in e.message and e.where == "예측"

    hourly = bikes.assign(season=bikes.season.astype(str))
    net = ai.train(
        ai.plan(hourly, "rented_bike_count", ["hour", "temperature_c", "season"]),
        hourly,
        "torch_mlp",
        folds=2,
        epochs=5,
        resources=SMALL,
    )
    assert (ai.save_model(net, "bikes-torch") / "weights.pt").exists()
    np.testing.assert_allclose(
        ai.load_model("bikes-torch").predict(hourly.head(3))["예측"],
        net.estimator.predict(hourly.head(3)[net.problem.features]),
        rtol=1e-5,
    )

    forecast = ai.run(
        "population.gu_resident_age_sex",
        "population",
        task="forecast",
        time="year",
        group="gu",
        until=2025,
    )
    ai.save_model(forecast, "gu-forecast")
    ahead = ai.load_model("gu-forecast").predict(until=2030)
    assert ahead["시점"].max() == 2030 and ahead["계열"].nunique() == 25
    assert set(ai.list_models().name) == {"밀도-선형", "bikes-torch", "gu-forecast"}
    assert _error(ai.load_model, "없는모델").where == "모델"
    assert _error(ai.save_model, result, "../escape").where == "모델 저장"


def _execute(path, tmp_path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    return notebook


def test_exported_notebooks_run(data_dir, tmp_path):
    forecast = ai.run(
        "population.gu_resident_age_sex",
        "population",
        task="forecast",
        time="year",
        group="gu",
        until=2030,
        train_until=2016,
        resources=SMALL,
    )
    clusters = ai.run(
        "population.dong_households_density",
        None,
        ["density", "households", "population"],
        "clustering",
        load={"years": 2021},
        n_clusters=3,
    )
    for name, result in (("forecast", forecast), ("clusters", clusters)):
        path = ai.export_notebook(result, tmp_path / f"{name}.ipynb")
        executed = _execute(path, tmp_path)
        outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        shown = "".join(o.get("data", {}).get("text/plain", "") for o in outputs)
        assert ("MAPE" in shown) if name == "forecast" else ("실루엣" in shown)
    assert "2030" in shown or name == "clusters"
    bare = ai.train(
        ai.plan(pd.DataFrame({"x": range(40), "y": range(40)}), "y", ["x"]),
        pd.DataFrame({"x": range(40), "y": range(40)}),
        "linear",
    )
    assert _error(ai.export_notebook, bare, tmp_path / "x.ipynb").where == "내보내기"


def test_forecast_by_date_continues_at_the_data_pace(data_dir):
    result = ai.run(
        "living.gu_hourly_2024h1",
        "population",
        task="forecast",
        group="gu",
        folds=2,
        horizon=7,
        until="2024-06-12",
        resources=SMALL,
    )
    assert result.problem.time == "date"  # detected: the datetime column
    assert set(result.folds.model) == {"linear", "naive", "linear_trend"}
    ahead = result.extra["forecast"]
    assert [str(d.date()) for d in ahead.index[[0, -1]]] == ["2024-06-06", "2024-06-12"]
    assert ahead.shape == (7, 25) and (ahead.to_numpy() > 0).all()


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="no NVIDIA GPU on this machine")
def test_the_network_trains_on_the_gpu_and_reloads(bikes):
    assert ai.resources().device == "cuda"
    problem = ai.plan(bikes, "rented_bike_count", ["hour", "temperature_c", "season"])
    result = ai.train(problem, bikes, "torch_mlp", folds=2, epochs=5)
    assert result.used["device"] == "cuda" and result.metrics["r2"] > result.baseline["r2"]
    ai.save_model(result, "bikes-gpu")
    again = ai.load_model("bikes-gpu").predict(bikes.head(3))["예측"]
    first = result.estimator.predict(bikes.head(3)[problem.features])
    np.testing.assert_allclose(again, first, rtol=1e-4)

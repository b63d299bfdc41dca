"""Training for regression, classification and clustering: cross-validated metrics beside a
naive baseline on the same folds, feature importance, out-of-fold predictions, and the model
refitted on every row. Forecasts are in :mod:`seoul_data.ai.forecast`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seoul_data.ai import quota as res
from seoul_data.ai.models import check_model, pipeline
from seoul_data.ai.problem import AIError, Problem

#: Korean names of the metrics; for each, whether higher is better.
METRICS = {
    "rmse": ("RMSE (평균제곱근오차)", False),
    "mae": ("MAE (평균절대오차)", False),
    "r2": ("R² (설명력)", True),
    "accuracy": ("정확도", True),
    "f1_macro": ("F1 (매크로)", True),
    "mape": ("MAPE (평균절대백분율오차)", False),
    "silhouette": ("실루엣 계수", True),
}
#: A progress callback: (steps done, steps in all, what is being done — Korean).
Progress = Callable[[int, int, str], None]


@dataclass
class Result:
    """A trained model and how well it does."""

    problem: Problem
    model: str
    estimator: object
    metrics: dict[str, float]
    baseline: dict[str, float]
    folds: pd.DataFrame
    importance: pd.Series
    predictions: pd.DataFrame
    options: dict = field(default_factory=dict)
    used: dict = field(default_factory=dict)
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.problem.task

    def summary(self) -> pd.DataFrame:
        """Metrics of the model and the baseline side by side (Korean metric names)."""
        rows = [
            {"지표": METRICS[k][0], "모델": v, "기준(단순 예측)": self.baseline.get(k)}
            for k, v in self.metrics.items()
        ]
        return pd.DataFrame(rows)


def _noop(done: int, total: int, message: str) -> None:
    pass


def frame_for(problem: Problem, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns training uses (rows without a target left out)."""
    columns = problem.features + ([problem.target] if problem.target else [])
    data = frame[columns]
    if problem.target:
        data = data[data[problem.target].notna()]
    return data


def prepare(
    problem: Problem, model: str, frame: pd.DataFrame, folds: int, resources: res.Resources | None
) -> tuple[res.Resources, int]:
    """Check the model, the folds and the memory; the resources to use and the fold count."""
    check_model(problem.task, model)
    resources = resources or res.resources(with_device=model == "torch_mlp")
    columns = len(problem.numeric) + sum(
        min(int(frame[c].nunique()), 200) for c in problem.categorical
    )
    res.check_memory(
        res.estimate_bytes(len(frame), columns, model, folds), resources.memory_available
    )
    if problem.task == "classification":
        smallest = int(frame[problem.target].value_counts().min())
        if smallest < 2:
            raise AIError(
                "어떤 범주는 행이 하나뿐이라 교차검증을 할 수 없습니다. 드문 범주를 묶거나 빼세요.",
                where="대상 열",
            )
        folds = min(folds, smallest)
    return resources, max(2, min(folds, len(frame) // 5))


def train(
    problem: Problem,
    frame: pd.DataFrame,
    model: str = "random_forest",
    *,
    folds: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
    resources: res.Resources | None = None,
    **options,
) -> Result:
    """Cross-validate ``model`` on the problem, then fit it on every row.

    folds: K in (Stratified)KFold. progress: called after each step. resources: what to use
    (default: this container's quota). options: passed to the estimator (e.g.
    ``n_estimators``; for clustering ``n_clusters``, default: the best of 2–8).
    """
    if problem.task == "forecast":
        raise AIError("시계열 예측은 forecast.train_forecast로 학습합니다.", where="작업")
    data = frame_for(problem, frame)
    resources, folds = prepare(problem, model, data, folds, resources)
    progress = progress or _noop
    started = time.perf_counter()
    n_jobs = resources.cpus
    if model == "torch_mlp":
        options.setdefault("device", resources.device)
    build = dict(n_jobs=n_jobs, seed=seed, **options)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_jobs):
        if problem.task == "clustering":
            result = _cluster(problem, data, model, build, progress)
        else:
            result = _supervised(problem, data, model, folds, build, progress)
    result.options = options
    result.used = {"cpus": n_jobs, "device": resources.device, "folds": folds, "seed": seed}
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _supervised(problem, data, model, folds, build, progress) -> Result:
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import KFold, StratifiedKFold

    X, y = data[problem.features], data[problem.target]
    classify = problem.task == "classification"
    if classify:
        y = y.astype(str)
    splitter = (StratifiedKFold if classify else KFold)(
        folds, shuffle=True, random_state=build["seed"]
    )
    template = pipeline(problem.task, model, problem.numeric, problem.categorical, **build)
    naive = DummyClassifier(strategy="most_frequent") if classify else DummyRegressor()
    total = folds + 2
    predicted = np.empty(len(y), dtype=object if classify else float)
    rows = []
    for number, (fit_rows, test_rows) in enumerate(splitter.split(X, y), start=1):
        progress(number - 1, total, f"교차검증 {number}/{folds}")
        fitted = clone(template).fit(X.iloc[fit_rows], y.iloc[fit_rows])
        guess = fitted.predict(X.iloc[test_rows])
        predicted[test_rows] = guess
        base = clone(naive).fit(X.iloc[fit_rows], y.iloc[fit_rows]).predict(X.iloc[test_rows])
        truth = y.iloc[test_rows]
        naive_scores = _scores(classify, truth, base)
        rows.append(
            {
                "fold": number,
                **_scores(classify, truth, guess),
                **{f"baseline_{k}": v for k, v in naive_scores.items()},
            }
        )
    progress(folds, total, "특성 중요도 계산")
    sample = X.iloc[test_rows], y.iloc[test_rows]
    importance = permutation_importance(fitted, *sample, n_repeats=3, random_state=0, n_jobs=1)
    progress(folds + 1, total, "전체 데이터로 최종 학습")
    final = clone(template).fit(X, y)
    progress(total, total, "완료")
    table = pd.DataFrame(rows)
    metrics = {k: float(table[k].mean()) for k in table if k in METRICS}
    baseline = {k: float(table[f"baseline_{k}"].mean()) for k in metrics}
    predictions = data.copy()
    predictions["예측"] = predicted
    if classify:
        predictions["맞음"] = predictions["예측"] == y
    else:
        predictions["잔차"] = y - predictions["예측"].astype(float)
    ranked = pd.Series(importance.importances_mean, index=problem.features).sort_values(
        ascending=False
    )
    return Result(problem, model, final, metrics, baseline, table, ranked, predictions)


def _scores(classify: bool, truth, guess) -> dict[str, float]:
    from sklearn import metrics as m

    if classify:
        return {
            "accuracy": m.accuracy_score(truth, guess),
            "f1_macro": m.f1_score(truth, guess, average="macro", zero_division=0),
        }
    return {
        "rmse": float(np.sqrt(m.mean_squared_error(truth, guess))),
        "mae": m.mean_absolute_error(truth, guess),
        "r2": m.r2_score(truth, guess),
    }


def _cluster(problem, data, model, build, progress) -> Result:
    from sklearn.base import clone
    from sklearn.metrics import silhouette_score

    X = data[problem.features]
    fixed = build.get("n_clusters")
    choices = [fixed] if fixed else list(range(2, min(8, len(X) - 1) + 1))
    total = len(choices) + 1
    prepared = pipeline("clustering", model, problem.numeric, [], **build)["prepare"]
    matrix = prepared.fit_transform(X)
    sample = min(len(X), 3000)
    rows, best = [], None
    for number, k in enumerate(choices):
        progress(number, total, f"군집 수 {k} 시험")
        fitted = clone(
            pipeline("clustering", model, problem.numeric, [], **{**build, "n_clusters": k})
        ).fit(X)
        labels = fitted["model"].labels_
        score = float(silhouette_score(matrix, labels, sample_size=sample, random_state=0))
        rng = np.random.default_rng(build["seed"])
        naive = float(
            silhouette_score(matrix, rng.integers(0, k, len(X)), sample_size=sample, random_state=0)
        )
        rows.append({"n_clusters": k, "silhouette": score, "baseline_silhouette": naive})
        if best is None or score > best[0]:
            best = (score, naive, fitted, labels)
    progress(total, total, "완료")
    score, naive, fitted, labels = best
    # how much of each (scaled) feature's spread lies between the clusters (eta squared)
    scaled = pd.DataFrame(matrix, columns=problem.features, index=X.index)
    between = scaled.groupby(labels).transform("mean").var() / scaled.var().replace(0, np.nan)
    predictions = data.copy()
    predictions["군집"] = labels
    return Result(
        problem,
        model,
        fitted,
        {"silhouette": score},
        {"silhouette": naive},
        pd.DataFrame(rows),
        between.fillna(0).sort_values(ascending=False),
        predictions,
        extra={"n_clusters": int(len(set(labels)))},
    )


def cluster_profile(result: Result) -> pd.DataFrame:
    """Mean of each feature per cluster, with the cluster sizes."""
    frame = result.predictions
    profile = frame.groupby("군집")[result.problem.features].mean()
    profile.insert(0, "행 수", frame.groupby("군집").size())
    return profile

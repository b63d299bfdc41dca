"""One analysis from a catalog dataset: load, check, train; what was done is recorded so it
can be saved with the model and exported as a notebook."""

from __future__ import annotations

import pandas as pd

from seoul_data.ai.forecast import train_forecast
from seoul_data.ai.problem import AIError, plan
from seoul_data.ai.quota import Resources
from seoul_data.ai.training import Progress, Result, train

#: The model each task starts with.
DEFAULT_MODEL = {
    "regression": "random_forest",
    "classification": "random_forest",
    "forecast": "linear",
    "clustering": "kmeans",
}


def dataset_source(dataset: str, load: dict | None = None) -> dict:
    """The dataset's id, current version and checksum (what a saved model records)."""
    from seoul_data.load import describe

    versions = describe(dataset)["versions"]
    latest = versions[-1] if versions else {}
    chosen = next((v for v in versions if v["version"] == (load or {}).get("version")), latest)
    return {
        "id": dataset,
        "version": chosen.get("version"),
        "sha256": chosen.get("sha256"),
        "load": load or {},
    }


def _without_totals(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``frame`` without the rows that sum the others (the city's total next to its 25 gu:
    seoul_data.geo.total_rows), and what was left out, in Korean ('' if nothing)."""
    from seoul_data.geo import total_rows

    totals = total_rows(frame)
    if not totals.any() or totals.all():
        return frame, ""
    note = (
        f"서울 전체·합계를 나타내는 행 {int(totals.sum())}개는 자치구와 섞이지 않도록 "
        "분석에서 뺐습니다."
    )
    return frame[~totals], note


def run(
    dataset: str,
    target: str | None = None,
    features: list[str] | None = None,
    task: str | None = None,
    model: str | None = None,
    *,
    time: str | None = None,
    group: str | None = None,
    load: dict | None = None,
    frame: pd.DataFrame | None = None,
    progress: Progress | None = None,
    resources: Resources | None = None,
    **options,
) -> Result:
    """Load ``dataset`` (``sd.load(dataset, **load)``, or use ``frame`` already loaded from
    it), check the choice (:func:`plan`) and train ``model`` (default: per task).
    resources: what training may use (default: this container's quota; not recorded).

    options: for training, e.g. ``folds``, ``seed``; forecasts also ``until``,
    ``train_until``, ``horizon``; the rest go to the estimator. The result's
    ``extra['call']`` holds these arguments (for :func:`export_notebook`).
    """
    from seoul_data.load import load as load_dataset

    if frame is None:
        try:
            frame = load_dataset(dataset, **(load or {}))
        except (LookupError, ValueError) as e:
            raise AIError(f"데이터셋 '{dataset}'을 불러오지 못했습니다: {e}", where="데이터") from e
    frame, dropped = _without_totals(frame)
    problem = plan(frame, target, features, task, time=time, group=group, dataset=dataset)
    if dropped:
        problem.warnings.insert(0, dropped)
    model = model or DEFAULT_MODEL[problem.task]
    if problem.task == "forecast":
        result = train_forecast(
            problem, frame, model, progress=progress, resources=resources, **options
        )
    else:
        result = train(problem, frame, model, progress=progress, resources=resources, **options)
    result.extra["source"] = dataset_source(dataset, load)
    result.extra["call"] = {
        "dataset": dataset,
        "target": problem.target,
        "features": problem.features or None,
        "task": problem.task,
        "model": model,
        "time": problem.time,
        "group": problem.group,
        "load": load or {},
        "options": options,
    }
    return result

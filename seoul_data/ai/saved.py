"""Saved models per user: the fitted model (joblib; a torch network's weights as a torch
state dict beside it) and a JSON sidecar saying what it was trained on and how well it did,
under ``<user dir>/models/<name>/`` (see :func:`seoul_data.paths.user_dir`)."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from seoul_data.ai.problem import AIError
from seoul_data.ai.training import Result
from seoul_data.paths import user_dir

_NAME = re.compile(r"^[\w가-힣][\w가-힣.-]{0,79}$")
META, MODEL, WEIGHTS = "meta.json", "model.joblib", "weights.pt"


def models_dir() -> Path:
    """Where this user's models are kept."""
    return user_dir() / "models"


def _torch_part(fitted):
    """The TorchRegressor inside a pipeline or forecaster, if any."""
    from seoul_data.ai.torch_mlp import TorchRegressor

    inner = getattr(fitted, "model", fitted)
    steps = [s for _, s in getattr(inner, "steps", [])] or [inner]
    return next((s for s in steps if isinstance(s, TorchRegressor)), None)


def metadata(result: Result, name: str) -> dict:
    """The JSON sidecar of a result: dataset (id, version, checksum), task, target,
    features, model, metrics beside the baseline, date, library versions."""
    import sklearn

    problem = result.problem
    return {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": result.extra.get("source", {"id": problem.dataset}),
        "task": problem.task,
        "target": problem.target,
        "features": problem.features,
        "kinds": problem.kinds,
        "time": problem.time,
        "group": problem.group,
        "model": result.model,
        "options": {
            k: v if isinstance(v, int | float | str | bool) else str(v)
            for k, v in result.options.items()
        },
        "metrics": result.metrics,
        "baseline": result.baseline,
        "used": result.used,
        "warnings": problem.warnings,
        "versions": {"seoul_data": _library_version(), "scikit-learn": sklearn.__version__},
    }


def _library_version() -> str:
    # From the installed distribution: importing the ``seoul_data`` facade for its
    # ``__version__`` would make this module depend on every dashboard module.
    try:
        return importlib.metadata.version("seoul-data-hub")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "dev"


def save_model(result: Result, name: str) -> Path:
    """Save a trained model under the user's models directory (replacing one of the same
    name atomically); the folder it is in."""
    import joblib

    if not _NAME.match(name):
        raise AIError(
            f"모델 이름 {name!r}을 쓸 수 없습니다. 한글·영문·숫자·'_'·'-'·'.'로 80자 이내로 "
            "정하세요.",
            where="모델 저장",
        )
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    meta = metadata(result, name)
    torch_part = _torch_part(result.estimator)
    if torch_part is not None:
        import torch

        torch.save(torch_part.state_dict(), staging / WEIGHTS)
        meta["weights"] = WEIGHTS
    joblib.dump(result.estimator, staging / MODEL)
    (staging / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str))
    target = root / name
    if target.exists():
        old = root / f".{name}.old"
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old)
    else:
        staging.rename(target)
    return target


@dataclass
class SavedModel:
    """A model loaded back: its metadata and the fitted estimator."""

    meta: dict
    estimator: object

    def predict(self, frame: pd.DataFrame | None = None, *, until=None) -> pd.DataFrame:
        """Predictions for new rows (regression, classification: column '예측';
        clustering: '군집'), or for a forecast the values up to ``until``."""
        if self.meta["task"] == "forecast":
            from seoul_data.ai.forecast import steps_until

            history = self.estimator.history
            steps = steps_until(history.index, until) if until is not None else 1
            ahead = self.estimator.predict(steps)
            return (
                ahead.rename_axis(index="시점", columns="계열").stack().rename("예측").reset_index()
            )
        if frame is None:
            raise AIError("예측할 데이터를 주세요.", where="예측")
        missing = [c for c in self.meta["features"] if c not in frame.columns]
        if missing:
            raise AIError(
                f"새 데이터에 모델이 쓰는 열이 없습니다: {', '.join(missing)}", where="예측"
            )
        guess = self.estimator.predict(frame[self.meta["features"]])
        column = "군집" if self.meta["task"] == "clustering" else "예측"
        return frame.assign(**{column: guess})


def load_model(name: str) -> SavedModel:
    """Load one of the user's saved models by name."""
    import joblib

    folder = models_dir() / name
    if not _NAME.match(name) or not (folder / META).exists():
        have = ", ".join(list_models().name) or "없음"
        raise AIError(f"저장된 모델 {name!r}이 없습니다. 저장된 모델: {have}", where="모델")
    meta = json.loads((folder / META).read_text())
    fitted = joblib.load(folder / MODEL)
    if meta.get("weights"):
        import torch

        _torch_part(fitted).load_state_dict(
            torch.load(folder / meta["weights"], map_location="cpu", weights_only=True)
        )
    return SavedModel(meta, fitted)


def list_models() -> pd.DataFrame:
    """The user's saved models: name, task, target, model, dataset, created."""
    rows = []
    root = models_dir()
    for meta_file in sorted(root.glob(f"*/{META}")) if root.exists() else []:
        if meta_file.parent.name.startswith("."):
            continue
        meta = json.loads(meta_file.read_text())
        rows.append(
            {
                "name": meta["name"],
                "task": meta["task"],
                "target": meta["target"],
                "model": meta["model"],
                "dataset": (meta.get("dataset") or {}).get("id"),
                "created": meta["created"],
            }
        )
    return pd.DataFrame(rows, columns=["name", "task", "target", "model", "dataset", "created"])

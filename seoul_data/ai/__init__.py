"""AI 분석: regression, classification, time-series forecasts and clustering on the
platform's data, with guard rails explained in Korean, within the container's quota.

    from seoul_data import ai
    result = ai.run("population.dong_households_density", target="density",
                    features=["population", "households", "area_km2"], task="regression")
    result.summary()
    ai.save_model(result, "density-rf"); ai.load_model("density-rf").predict(new_rows)
    ai.export_notebook(result, "density.ipynb")

scikit-learn (and torch for the neural network) are imported only when used.
"""

from __future__ import annotations

from seoul_data.ai.analysis import DEFAULT_MODEL, run
from seoul_data.ai.forecast import BASELINES, forecast_table, train_forecast
from seoul_data.ai.models import MODELS, models_for
from seoul_data.ai.notebook import export_notebook
from seoul_data.ai.problem import KINDS, TASKS, AIError, Problem, column_kinds, plan
from seoul_data.ai.quota import ResourceRefused, Resources, resources
from seoul_data.ai.saved import SavedModel, list_models, load_model, models_dir, save_model
from seoul_data.ai.training import METRICS, Result, cluster_profile, train

__all__ = [
    "BASELINES",
    "DEFAULT_MODEL",
    "KINDS",
    "METRICS",
    "MODELS",
    "TASKS",
    "AIError",
    "Problem",
    "ResourceRefused",
    "Resources",
    "Result",
    "SavedModel",
    "cluster_profile",
    "column_kinds",
    "export_notebook",
    "forecast_table",
    "list_models",
    "load_model",
    "models_dir",
    "models_for",
    "plan",
    "resources",
    "run",
    "save_model",
    "train",
    "train_forecast",
]

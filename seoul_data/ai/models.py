"""The models offered per task, built as scikit-learn pipelines: missing values filled,
numbers scaled, categories one-hot encoded, then the estimator."""

from __future__ import annotations

#: Model ids, their Korean names and the tasks they serve.
MODELS = {
    "linear": ("선형 모델", ("regression", "classification", "forecast")),
    "random_forest": ("랜덤 포레스트", ("regression", "classification", "forecast")),
    "gradient_boosting": ("그래디언트 부스팅", ("regression", "classification", "forecast")),
    "torch_mlp": ("신경망 (PyTorch)", ("regression", "forecast")),
    "kmeans": ("K-평균", ("clustering",)),
}


def has_torch() -> bool:
    """Whether PyTorch is installed here (the GPU image has it; the CPU image may not)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def models_for(task: str) -> dict[str, str]:
    """Model ids and Korean names that serve ``task`` (and can run here)."""
    return {
        m: name
        for m, (name, tasks) in MODELS.items()
        if task in tasks and (m != "torch_mlp" or has_torch())
    }


def check_model(task: str, model: str) -> None:
    from seoul_data.ai.problem import TASKS, AIError

    if model not in MODELS or task not in MODELS[model][1]:
        allowed = ", ".join(f"{k} ({v})" for k, v in models_for(task).items())
        raise AIError(
            f"'{model}' 모델은 {TASKS.get(task, task)}에 쓸 수 없습니다. 가능: {allowed}",
            where="모델",
        )


def estimator(task: str, model: str, *, n_jobs: int = 1, seed: int = 0, **options):
    """A fresh, unfitted estimator (no preprocessing). options: passed to it (e.g.
    ``n_estimators``, ``n_clusters``, ``epochs``)."""
    check_model(task, model)
    if model == "torch_mlp":
        if not has_torch():
            from seoul_data.ai.problem import AIError

            raise AIError(
                "이 서버에는 PyTorch가 설치되어 있지 않아 신경망 모델을 쓸 수 없습니다. "
                "다른 모델을 고르거나 GPU 서버(PyTorch 포함)로 시작하세요.",
                where="모델",
            )
        from seoul_data.ai.torch_mlp import TorchRegressor

        return TorchRegressor(threads=n_jobs, seed=seed, **options)
    from sklearn import cluster, ensemble, linear_model

    classify = task == "classification"
    if model == "linear":
        if classify:
            return linear_model.LogisticRegression(max_iter=2000, **options)
        return linear_model.Ridge(alpha=options.pop("alpha", 1e-3), **options)
    if model == "random_forest":
        kind = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        options.setdefault("n_estimators", 200)
        options.setdefault("min_samples_leaf", 2)
        return kind(n_jobs=n_jobs, random_state=seed, **options)
    if model == "gradient_boosting":
        kind = (
            ensemble.HistGradientBoostingClassifier
            if classify
            else ensemble.HistGradientBoostingRegressor
        )
        return kind(random_state=seed, **options)
    options.setdefault("n_init", 10)
    return cluster.KMeans(random_state=seed, **options)


def pipeline(task: str, model: str, numeric: list[str], categorical: list[str], **kwargs):
    """Preprocessing (impute, scale, one-hot) and the model in one scikit-learn pipeline
    that takes the original columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if numeric:
        parts.append(
            ("number", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if categorical:
        parts.append(
            (
                "category",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            )
        )
    prepare = ColumnTransformer(parts, verbose_feature_names_out=False)
    return Pipeline([("prepare", prepare), ("model", estimator(task, model, **kwargs))])

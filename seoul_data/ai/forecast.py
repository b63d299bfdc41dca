"""Time-series forecasts of one value per series (e.g. each gu's population by year).

A model learns next-step growth from the last few steps' growth, over all series at once,
and forecasts step by step. Backtests split by time only (scikit-learn's TimeSeriesSplit,
or "train to year X, test after"), so no future value reaches training, and compare the
model with two baselines: the last value (naive) and a straight line through the training
years (linear trend). The error is MAPE.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seoul_data.ai import quota as res
from seoul_data.ai.models import check_model, estimator
from seoul_data.ai.problem import AIError, Problem
from seoul_data.ai.training import Progress, Result, _noop

#: Baselines, with their Korean names.
BASELINES = {"naive": "단순 (마지막 값 유지)", "linear_trend": "선형 추세"}
ALL = "전체"


def series_table(problem: Problem, frame: pd.DataFrame) -> pd.DataFrame:
    """One column per series, one row per time (values summed where rows repeat); series
    with a gap are left out."""
    keys = [problem.time] + ([problem.group] if problem.group else [])
    summed = frame.groupby(keys, dropna=True)[problem.target].sum(min_count=1).reset_index()
    if problem.group:
        wide = summed.pivot(index=problem.time, columns=problem.group, values=problem.target)
    else:
        wide = summed.set_index(problem.time)[[problem.target]].rename(
            columns={problem.target: ALL}
        )
    wide = wide.sort_index().dropna(axis=1)
    if wide.shape[1] == 0:
        raise AIError("빈 값이 없는 계열이 하나도 없어 예측할 수 없습니다.", where="데이터")
    wide.columns = [str(c) for c in wide.columns]
    return wide.astype(float)


def next_times(index: pd.Index, steps: int) -> pd.Index:
    """The ``steps`` times after the last one of ``index`` (years, or dates at its pace)."""
    if pd.api.types.is_datetime64_any_dtype(index):
        freq = pd.infer_freq(index) or pd.Series(index).diff().mode().iloc[0]
        return pd.date_range(index[-1], periods=steps + 1, freq=freq)[1:]
    step = int(pd.Series(index).diff().mode().iloc[0]) if len(index) > 1 else 1
    return pd.Index([index[-1] + step * (i + 1) for i in range(steps)], name=index.name)


def steps_until(index: pd.Index, until) -> int:
    later = next_times(index, 400)
    count = int(
        (later <= (pd.Timestamp(until) if isinstance(later, pd.DatetimeIndex) else until)).sum()
    )
    if count == 0:
        raise AIError(
            f"예측 끝 시점 {until}이 마지막 자료 시점 {index[-1]} 뒤여야 합니다.", where="예측 기간"
        )
    return count


def naive(history: pd.DataFrame, steps: int) -> np.ndarray:
    return np.repeat(history.to_numpy()[-1:], steps, axis=0)


def linear_trend(history: pd.DataFrame, steps: int) -> np.ndarray:
    x = np.arange(len(history))
    slope, intercept = np.polyfit(x, history.to_numpy(), 1)
    ahead = np.arange(len(history), len(history) + steps)[:, None]
    return intercept + slope * ahead


@dataclass
class Forecaster:
    """A fitted growth model and the history it continues."""

    model: object
    lags: int
    log: bool
    scale: np.ndarray
    history: pd.DataFrame

    def _to_level(self, values: np.ndarray) -> np.ndarray:
        return np.log(values) if self.log else values / self.scale

    def _from_level(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.log else z * self.scale

    def predict(self, steps: int, history: pd.DataFrame | None = None) -> pd.DataFrame:
        """The next ``steps`` values of every series, one row per time."""
        history = self.history if history is None else history
        z = self._to_level(history.to_numpy())
        growth = np.diff(z, axis=0)
        rows = []
        for _ in range(steps):
            features = growth[-self.lags :][::-1].T  # series × lags, newest first
            step = np.asarray(self.model.predict(features)).reshape(-1)
            growth = np.vstack([growth, step])
            z = np.vstack([z, z[-1] + step])
            rows.append(z[-1])
        return pd.DataFrame(
            self._from_level(np.array(rows)),
            columns=history.columns,
            index=next_times(history.index, steps),
        )


def fit_forecaster(history: pd.DataFrame, model: str, build: dict, lags: int = 3) -> Forecaster:
    """Fit ``model`` on next-step growth from the ``lags`` growths before, all series."""
    values = history.to_numpy()
    log = bool((values > 0).all())
    scale = np.abs(values).mean(axis=0) + 1e-9
    z = np.log(values) if log else values / scale
    growth = np.diff(z, axis=0)
    if len(growth) <= lags:
        raise AIError(
            f"학습 구간이 {len(history)}시점뿐이라 성장률 모델을 만들 수 없습니다. "
            f"적어도 {lags + 2}시점이 필요합니다.",
            where="데이터",
        )
    X = [growth[t - lags : t][::-1].T for t in range(lags, len(growth))]
    y = [growth[t] for t in range(lags, len(growth))]
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    fitted = make_pipeline(StandardScaler(), estimator("forecast", model, **build))
    fitted.fit(np.vstack(X), np.concatenate(y))
    return Forecaster(fitted, lags, log, scale, history)


def mape(truth: np.ndarray, guess: np.ndarray) -> float:
    truth, guess = np.asarray(truth, float), np.asarray(guess, float)
    return float(np.mean(np.abs((truth - guess) / np.where(truth == 0, np.nan, truth))) * 100)


def splits(index: pd.Index, folds: int, horizon: int | None, train_until=None, lags: int = 3):
    """(train rows, test rows) pairs by time: one split at ``train_until``, else
    TimeSeriesSplit over the times."""
    if train_until is not None:
        cut = int((index <= train_until).sum())
        if cut < lags + 2 or cut >= len(index):
            raise AIError(
                f"학습 끝 시점 {train_until}으로는 학습({cut}시점)·검증 구간을 나눌 수 "
                f"없습니다. {index[lags + 1]}–{index[-2]} 사이를 고르세요.",
                where="검증",
            )
        return [(np.arange(cut), np.arange(cut, len(index)))]
    from sklearn.model_selection import TimeSeriesSplit

    horizon = horizon or max(1, len(index) // (folds + 2))
    folds = min(folds, (len(index) - lags - 2) // horizon)
    if folds < 1:
        raise AIError(f"시점이 {len(index)}개뿐이라 검증할 수 없습니다.", where="데이터")
    return list(TimeSeriesSplit(n_splits=folds, test_size=horizon).split(np.arange(len(index))))


def train_forecast(
    problem: Problem,
    frame: pd.DataFrame,
    model: str = "linear",
    *,
    until=None,
    train_until=None,
    folds: int = 3,
    horizon: int | None = None,
    lags: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
    resources: res.Resources | None = None,
    **options,
) -> Result:
    """Backtest ``model`` and the baselines, then fit on all times and forecast.

    until: the last time to forecast (default: one backtest horizon past the data).
    train_until: backtest with one split (train up to and including this time, test after);
    otherwise ``folds`` expanding-window splits of ``horizon`` steps. options: passed to
    the estimator.
    """
    check_model("forecast", model)
    progress = progress or _noop
    started = clock.perf_counter()
    wide = series_table(problem, frame)
    resources = resources or res.resources(with_device=model == "torch_mlp")
    res.check_memory(res.estimate_bytes(wide.size, lags, model), resources.memory_available)
    if model == "torch_mlp":
        options.setdefault("device", resources.device)
        options.setdefault("epochs", 200)
        options.setdefault("hidden", (32, 32))
    build = dict(n_jobs=resources.cpus, seed=seed, **options)
    pairs = splits(wide.index, folds, horizon, train_until, lags)
    total = len(pairs) + 1
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=resources.cpus):
        rows, kept = _backtest(
            wide, pairs, model, build, lags, lambda n, text: progress(n, total, text)
        )
        progress(len(pairs), total, "전체 기간으로 최종 학습")
        final = fit_forecaster(wide, model, build, lags)
        steps = steps_until(wide.index, until) if until is not None else len(pairs[-1][1])
        ahead = final.predict(steps)
    progress(total, total, "완료")
    table = pd.DataFrame(rows)
    means = table.groupby("model").mape.mean()
    result = Result(
        problem,
        model,
        final,
        {"mape": float(means[model])},
        {"mape": float(means["naive"])},
        table,
        _importance(final),
        kept,
        options=options,
        extra={
            "baselines": {b: float(means[b]) for b in BASELINES},
            "history": wide,
            "forecast": ahead,
            "until": until,
            "train_until": train_until,
            "lags": lags,
        },
    )
    result.used = {
        "cpus": resources.cpus,
        "device": resources.device,
        "folds": len(pairs),
        "seed": seed,
    }
    result.seconds = round(clock.perf_counter() - started, 3)
    return result


def _backtest(
    wide, pairs, model: str, build: dict, lags: int, progress
) -> tuple[list, pd.DataFrame]:
    """The MAPE of the model and the baselines on each split (rows of the backtest table),
    and the last split's guesses as a long table."""
    rows, kept = [], pd.DataFrame()
    for number, (train_rows, test_rows) in enumerate(pairs, start=1):
        progress(number - 1, f"백테스트 {number}/{len(pairs)}")
        history, actual = wide.iloc[train_rows], wide.iloc[test_rows]
        guesses = {
            model: fit_forecaster(history, model, build, lags).predict(len(test_rows)),
            "naive": naive(history, len(test_rows)),
            "linear_trend": linear_trend(history, len(test_rows)),
        }
        for name, guess in guesses.items():
            rows.append(
                {
                    "split": number,
                    "train_end": history.index[-1],
                    "test": f"{actual.index[0]}–{actual.index[-1]}",
                    "model": name,
                    "mape": mape(actual.to_numpy(), np.asarray(guess)),
                }
            )
        kept = _long(actual, guesses)
    return rows, kept


def _long(actual: pd.DataFrame, guesses: dict) -> pd.DataFrame:
    """The last backtest as a table: series, time, actual, each model's guess."""
    out = actual.stack().rename("실제").to_frame()
    out.index.names = ["시점", "계열"]
    for name, guess in guesses.items():
        wide = pd.DataFrame(np.asarray(guess), index=actual.index, columns=actual.columns)
        out[BASELINES.get(name, f"모델 ({name})")] = wide.stack()
    return out.reset_index()


def _importance(forecaster: Forecaster) -> pd.Series:
    model = forecaster.model[-1]
    names = [f"{i}시점 전 성장률" for i in range(1, forecaster.lags + 1)]
    if hasattr(model, "feature_importances_"):
        return pd.Series(model.feature_importances_, index=names).sort_values(ascending=False)
    if hasattr(model, "coef_"):
        return pd.Series(np.abs(np.ravel(model.coef_)), index=names).sort_values(ascending=False)
    return pd.Series(dtype=float)


def forecast_table(result: Result) -> pd.DataFrame:
    """History and forecast of every series, long: series, time, value, kind (실적/예측)."""
    history, ahead = result.extra["history"], result.extra["forecast"]
    parts = []
    for kind, wide in (("실적", history), ("예측", ahead)):
        long = wide.rename_axis(index="시점", columns="계열").stack().rename("값").reset_index()
        parts.append(long.assign(구분=kind))
    return pd.concat(parts, ignore_index=True).sort_values(["계열", "시점"], ignore_index=True)

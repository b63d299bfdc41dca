"""What the AI 분석 dashboard shows, as plain functions: the datasets and their columns with
detected types and sensible defaults, one analysis run from the menu choices, its charts
(feature importance, residuals, confusion matrix, forecast lines, cluster sizes), tables
and downloads (predictions as CSV/XLSX, the saved model, a notebook that redoes it).

The HTML the dashboard shows (checks, results, charts, download links) is made here too:
the dashboard's widgets only call these; tests call them too.
"""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import datetime

import pandas as pd

from seoul_data import display
from seoul_data.ai.analysis import DEFAULT_MODEL, run
from seoul_data.ai.forecast import BASELINES, forecast_table
from seoul_data.ai.models import models_for
from seoul_data.ai.notebook import notebook
from seoul_data.ai.problem import (
    KINDS,
    TASKS,
    AIError,
    Problem,
    column_kinds,
    default_features,
    default_task,
    default_time,
    plan,
)
from seoul_data.ai.saved import save_model
from seoul_data.ai.training import METRICS, Result, cluster_profile

#: Datasets bigger than this are not offered (the dashboard loads the whole table).
MAX_ROWS = 200_000
#: Names that make a good default target, best first.
TARGET_NAMES = ("population", "value", "count", "total", "density")


@functools.lru_cache(maxsize=4)
def frame(dataset: str) -> pd.DataFrame:
    """The whole dataset (cached: the menus and the run share it)."""
    from seoul_data.load import load

    data = load(dataset)
    return data.drop(columns="geometry") if "geometry" in data.columns else data


def datasets() -> list[tuple[str, str]]:
    """(Korean label, id) of the loadable datasets you may read, small enough to analyse
    here (boundaries left out)."""
    from seoul_data.access import check_access
    from seoul_data.catalog import CatalogError
    from seoul_data.load import open_catalog

    store = open_catalog()
    offered = []
    for dataset in store.find(loadable=True):
        if dataset.id.startswith("boundaries."):
            continue
        try:
            check_access(dataset)
            rows = store.current(dataset.id).rows
        except (CatalogError, PermissionError):
            continue
        if rows is None or rows <= MAX_ROWS:
            offered.append((f"{dataset.title} ({dataset.id})", dataset.id))
    return sorted(offered, key=lambda pair: pair[1])


def columns(dataset: str) -> pd.DataFrame:
    """Every column with its Korean title, detected type (Korean), distinct values and
    missing count."""
    data = frame(dataset)
    kinds = column_kinds(data)
    titles = dict((name, label) for label, name in column_options(dataset, kinds))
    return pd.DataFrame(
        [
            {
                "열": c,
                "이름": titles[c],
                "유형": KINDS[k],
                "서로 다른 값": int(data[c].nunique()),
                "빈 값": int(data[c].isna().sum()),
            }
            for c, k in kinds.items()
        ]
    )


def column_options(dataset: str, names) -> list[tuple[str, str]]:
    """The column menus' entries: each column by its Korean title, its name beside it."""
    from seoul_data.load import column_options as titled

    return titled(dataset, names)


def default_target(data: pd.DataFrame) -> str | None:
    """The column to predict unless told: a well-named number column, else the last one."""
    kinds = column_kinds(data)
    numbers = [
        c
        for c, k in kinds.items()
        if k == "number" and c not in ("year", "hour") and not c.endswith(("_code", "_id"))
    ]
    for name in TARGET_NAMES:
        if name in numbers:
            return name
    return numbers[-1] if numbers else None


def defaults(dataset: str, task: str | None = None, target: str | None = None) -> dict:
    """Sensible choices for a dataset: target, task, features, time and series columns,
    model, forecast periods."""
    data = frame(dataset)
    if task == "clustering":
        target = None
    else:
        target = target if target in data.columns else default_target(data)
    time = default_time(data)
    group = next((c for c in ("gu", "dong", "area") if c in data.columns and c != target), None)
    if task is None:
        task = default_task(data, target)
    kinds = column_kinds(data)
    if task == "forecast":
        features: list[str] = []
    else:
        features = default_features(data, target, task, kinds)
    choice = {
        "dataset": dataset,
        "task": task,
        "target": target,
        "features": features,
        "time": time,
        "group": group,
        "model": DEFAULT_MODEL[task],
    }
    if task == "forecast" and time and kinds.get(time) == "number":
        last = int(data[time].max())
        choice.update(until=last + 5, train_until=last - 4)
    return choice


def check(choice: dict) -> Problem:
    """The choice checked (warnings in ``Problem.warnings``); AIError if it cannot train."""
    return plan(
        frame(choice["dataset"]),
        choice.get("target"),
        choice.get("features"),
        choice["task"],
        time=choice.get("time"),
        group=choice.get("group"),
        dataset=choice["dataset"],
    )


def analyse(choice: dict, progress=None) -> Result:
    """Train what the menus chose."""
    options = {}
    if choice["task"] == "forecast":
        options = {k: choice[k] for k in ("until", "train_until") if choice.get(k) is not None}
    return run(
        choice["dataset"],
        choice.get("target"),
        choice.get("features"),
        choice["task"],
        choice.get("model"),
        time=choice.get("time"),
        group=choice.get("group"),
        frame=frame(choice["dataset"]),
        progress=progress,
        **options,
    )


def scores(result: Result) -> pd.DataFrame:
    """Metrics of the model against the naive baseline (and, for forecasts, linear trend)."""
    table = result.summary()
    if result.task == "forecast":
        table[BASELINES["linear_trend"]] = [result.extra["baselines"]["linear_trend"]]
        table = table.rename(columns={"기준(단순 예측)": BASELINES["naive"]})
    better = []
    for key, value in result.metrics.items():
        higher = METRICS[key][1]
        base = result.baseline[key]
        better.append("예" if (value > base if higher else value < base) else "아니오")
    table["기준보다 나음"] = better
    return table


def explain(result: Result) -> str:
    """One Korean sentence on how the model did against the baseline."""
    key, value = next(iter(result.metrics.items()))
    name, higher = METRICS[key]
    base = result.baseline[key]
    better = value > base if higher else value < base
    how = "교차검증" if result.task != "forecast" else "백테스트"
    verdict = "보다 낫습니다" if better else "보다 낫지 않습니다 — 이 모델을 쓸 이유가 없습니다"
    model, simple = display.number(value), display.number(base)
    return f"{how} {name}: 모델 {model}, 단순 기준 {simple}. 모델이 단순 기준{verdict}."


def predictions(result: Result) -> pd.DataFrame:
    """The table offered for download: out-of-fold predictions, cluster labels, or history
    and forecast."""
    if result.task == "forecast":
        return forecast_table(result)
    return result.predictions.reset_index(drop=True)


def _figure(size=(6, 3.6)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = ["NanumGothic", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt.subplots(figsize=size)


def importance_png(result: Result) -> bytes | None:
    """Feature importance as a bar chart (None when the model gives none)."""
    ranked = result.importance.head(15)
    if ranked.empty:
        return None
    fig, ax = _figure((6, 0.35 * len(ranked) + 1.2))
    ax.barh(ranked.index[::-1].astype(str), ranked.to_numpy()[::-1], color="#1f5fa8")
    title = {"clustering": "군집을 가르는 정도 (η²)", "forecast": "과거 성장률의 비중"}
    ax.set_title(title.get(result.task, "특성 중요도 (순열 중요도)"))
    return display.png(fig, dpi=90)


def diagnostic_png(result: Result) -> bytes:
    """Residuals (regression), the confusion matrix (classification), history and forecast
    of the largest series (forecast) or the cluster sizes (clustering)."""
    fig, ax = _figure()
    data = result.predictions
    if result.task == "regression":
        guess = data["예측"].astype(float)
        ax.scatter(guess, data["잔차"], s=8, alpha=0.5)
        ax.axhline(0, color="#a33")
        ax.set_xlabel("예측값")
        ax.set_ylabel("잔차 (실제 − 예측)")
        ax.set_title("잔차 그림 (교차검증 예측)")
    elif result.task == "classification":
        from sklearn.metrics import ConfusionMatrixDisplay

        truth = data[result.problem.target].astype(str)
        ConfusionMatrixDisplay.from_predictions(
            truth, data["예측"].astype(str), ax=ax, colorbar=False, cmap="Blues"
        )
        ax.set_xlabel("예측")
        ax.set_ylabel("실제")
        ax.set_title("혼동행렬 (교차검증 예측)")
    elif result.task == "forecast":
        history, ahead = result.extra["history"], result.extra["forecast"]
        for column in history.iloc[-1].sort_values(ascending=False).index[:5]:
            (line,) = ax.plot(history.index, history[column], label=str(column))
            ax.plot(ahead.index, ahead[column], "--", color=line.get_color())
        ax.set_title("실적(실선)과 예측(점선), 큰 계열 5개")
        ax.legend(fontsize=7)
    else:
        sizes = data["군집"].value_counts().sort_index()
        ax.bar(sizes.index.astype(str), sizes.to_numpy(), color="#1f5fa8")
        ax.set_xlabel("군집")
        ax.set_ylabel("행 수")
        ax.set_title("군집별 크기")
    return display.png(fig, dpi=90)


def profile(result: Result) -> pd.DataFrame | None:
    """What sets each cluster apart (clustering only)."""
    return cluster_profile(result) if result.task == "clustering" else None


def stem(result: Result) -> str:
    """The start of the download file names: dataset, task and model."""
    call = result.extra.get("call", {})
    name = f"{call.get('dataset', 'data')}_{result.task}_{result.model}"
    return name.replace(".", "_")


def downloads(result: Result) -> dict[str, bytes]:
    """The files offered: predictions (CSV for Excel, XLSX), the model (zip of the saved
    folder) and a notebook that redoes the analysis."""
    import nbformat

    table = predictions(result)
    excel = io.BytesIO()
    table.to_excel(excel, index=False, sheet_name="예측")
    return {
        f"{stem(result)}_예측.csv": table.to_csv(index=False).encode("utf-8-sig"),
        f"{stem(result)}_예측.xlsx": excel.getvalue(),
        f"{stem(result)}.ipynb": nbformat.writes(notebook(result)).encode(),
    }


def save(result: Result, name: str | None = None) -> tuple[str, bytes]:
    """Save the model in the user's models folder; its name and the folder as a zip."""
    name = name or f"{stem(result)}_{datetime.now():%Y%m%d-%H%M%S}"
    folder = save_model(result, name)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"{name}/{path.name}")
    return name, archive.getvalue()


def task_options() -> list[tuple[str, str]]:
    """(Korean label, key) of every task, for a menu."""
    return [(label, key) for key, label in TASKS.items()]


def model_options(task: str) -> list[tuple[str, str]]:
    """(Korean label, key) of the models that do ``task``, for a menu."""
    return [(label, key) for key, label in models_for(task).items()]


# -- HTML ------------------------------------------------------------------------------------

STYLE = (
    display.STYLE
    + """<style>
.sd-app { font-family: "NanumGothic", "Nanum Gothic", "Noto Sans KR", sans-serif; }
.sd-title { font-size: 1.6em; font-weight: bold; }
.sd-sub { color: #555; margin: 4px 0 8px; }
.sd-warn { color: #8a6d3b; }
.sd-download { display: inline-block; margin-right: 12px; }
.sd-table table { border-collapse: collapse; font-size: .9em; }
.sd-table td, .sd-table th { border: 1px solid #dde2ea; padding: 2px 6px; }
</style>"""
)
#: What the dashboard says when training fails for a reason nobody foresaw (logged in full).
UNEXPECTED = "학습 중 예상하지 못한 오류가 났습니다. 관리자에게 알려 주세요."
#: Downloads go as plain bytes: the browser keeps the file name it is given.
MIME = "application/octet-stream"
DOWNLOAD_LABELS = {
    "csv": "예측 CSV 내려받기",
    "xlsx": "예측 XLSX 내려받기",
    "ipynb": "노트북으로 내보내기",
}


def table_html(frame: pd.DataFrame, rows: int = 15) -> str:
    """The first ``rows`` rows of a table (numbers in Korean style: '570,123', '0.873')."""
    shown = frame.head(rows).to_html(index=False, float_format=display.number, na_rep="—")
    return f'<div class="sd-table">{shown}</div>'


def _warnings(warnings: list[str], title: str = "") -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{display.esc(w)}</li>" for w in warnings)
    return f'<div class="sd-warn">{title}<ul>{items}</ul></div>'


def checks_html(choice: dict) -> tuple[str, str]:
    """The choice checked: (error, HTML). ``error`` is '' when the choice can train; the HTML
    lists what to keep in mind, or says why it cannot train."""
    try:
        problem = check(choice)
    except AIError as e:
        return str(e), display.error(e)
    shown = _warnings(problem.warnings, "<b>확인할 점</b>")
    return "", shown or "<div>선택에 문제가 없습니다.</div>"


def results_html(result: Result) -> str:
    """Scores beside the baseline with a sentence on them, warnings, the cluster profile,
    the first predictions and what the training used."""
    profiled = profile(result)
    device = "GPU" if result.used["device"] == "cuda" else "CPU"
    return (
        f"<h3>결과</h3><div>{display.esc(explain(result))}</div>"
        + table_html(scores(result))
        + _warnings(result.problem.warnings)
        + (table_html(profiled.reset_index()) if profiled is not None else "")
        + "<h4>예측 (앞 15행)</h4>"
        + table_html(predictions(result))
        + f"<div>학습 {result.seconds:.1f}초 · CPU {result.used['cpus']}개 · {device}</div>"
    )


def pictures_html(result: Result) -> str:
    """The importance chart (when the model gives one) and the diagnostic chart."""
    return display.image(importance_png(result)) + display.image(diagnostic_png(result))


def downloads_html(result: Result) -> str:
    """Links to the predictions (CSV, XLSX) and the notebook that redoes the analysis."""
    return "".join(
        display.download_link(data, name, DOWNLOAD_LABELS[name.rsplit(".", 1)[1]], MIME)
        for name, data in downloads(result).items()
    )


def saved_html(name: str, archive: bytes) -> str:
    """Where the saved model is, how to use it, and the model as a zip."""
    return (
        f"<div>모델 '{display.esc(name)}'을 내 모델 폴더에 저장했습니다. "
        "ai.load_model로 다시 불러와 새 데이터에 예측할 수 있습니다.</div>"
        + display.download_link(archive, f"{name}.zip", "모델 내려받기", MIME)
    )

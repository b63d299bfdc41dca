"""What is being learned: the target, the features, the task; column types detected; and
the guard rails (leakage, too few rows, class imbalance, missing values) explained in plain
Korean before anything is trained."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The tasks offered, with their Korean names.
TASKS = {
    "regression": "회귀 (숫자 예측)",
    "classification": "분류 (범주 예측)",
    "forecast": "시계열 예측",
    "clustering": "군집 (비슷한 것끼리 묶기)",
}
#: Korean names of the column kinds.
KINDS = {"number": "숫자", "category": "범주", "datetime": "날짜·시간", "text": "글자(고유값 많음)"}
#: Fewest usable rows per task (below: refused); fewer than WARN_ROWS only warned.
MIN_ROWS = {"regression": 30, "classification": 30, "clustering": 10, "forecast": 6}
WARN_ROWS = 200
#: A category with more levels than this is treated as free text (names, addresses, ids).
MAX_LEVELS = 60
TIME_NAMES = ("year", "date", "time", "datetime", "month", "period", "연도", "일자", "시점")


class AIError(ValueError):
    """A choice that cannot be trained, with a Korean message saying what and where
    (``where``: the menu it concerns, e.g. '대상 열', '특성', '작업')."""

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(f"[{where}] {message}" if where else message)
        self.message = message
        self.where = where


@dataclass
class Problem:
    """A checked choice of what to learn from which frame."""

    task: str
    target: str | None
    features: list[str]
    kinds: dict[str, str]
    rows: int
    time: str | None = None
    group: str | None = None
    dataset: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def numeric(self) -> list[str]:
        return [f for f in self.features if self.kinds[f] == "number"]

    @property
    def categorical(self) -> list[str]:
        return [f for f in self.features if self.kinds[f] == "category"]


def column_kind(series: pd.Series) -> str:
    """'number', 'category', 'datetime' or 'text' (a string column with many distinct
    values: names, addresses, codes)."""
    if pd.api.types.is_bool_dtype(series):
        return "category"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    levels = series.nunique(dropna=True)
    if levels > MAX_LEVELS and levels > 0.05 * len(series):
        return "text"
    return "category"


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): column_kind(frame[c]) for c in frame.columns if c != "geometry"}


def default_time(frame: pd.DataFrame) -> str | None:
    """The column that looks like time: a datetime column, else one named like year/date."""
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            return str(column)
    for name in TIME_NAMES:
        if name in frame.columns:
            return name
    return None


def default_task(frame: pd.DataFrame, target: str | None) -> str:
    if target is None:
        return "clustering"
    kind = column_kind(frame[target])
    if kind == "number" and frame[target].nunique() > 10:
        return "regression"
    return "classification"


def default_features(
    frame: pd.DataFrame,
    target: str | None,
    task: str,
    kinds: dict[str, str],
    time: str | None = None,
    group: str | None = None,
) -> list[str]:
    """Numbers and categories other than the target (and the time, group, constant and
    code-like columns, and near-copies of the target: a leak is never a default); for
    clustering, numbers other than years and dates."""
    skip = {target, time, group}
    chosen = []
    for column, kind in kinds.items():
        if column in skip or kind in ("text", "datetime"):
            continue
        if _code_like(column) or frame[column].nunique() < 2:
            continue
        if task == "clustering" and (kind != "number" or column in TIME_NAMES):
            continue
        supervised = task in ("regression", "classification") and target in kinds
        if supervised and _leaks(frame, target, column, kinds):
            continue
        chosen.append(column)
    return chosen


def _code_like(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(("_code", "_id", "code", "_seq")) or lowered in ("id", "code")


def plan(
    frame: pd.DataFrame,
    target: str | None = None,
    features: list[str] | None = None,
    task: str | None = None,
    *,
    time: str | None = None,
    group: str | None = None,
    dataset: str | None = None,
) -> Problem:
    """Check a choice of target, features and task on ``frame`` and fill in defaults.

    Raises :class:`AIError` (Korean) for choices that cannot be trained; problems that can
    be trained but deserve attention become ``Problem.warnings``. task: one of
    :data:`TASKS` (default: from the target's type; no target: clustering). time, group:
    for forecasts, the time column (default: detected) and the series column (e.g. gu).
    """
    if frame is None or len(frame) == 0:
        raise AIError("데이터에 행이 없습니다. 다른 데이터셋이나 조건을 고르세요.", where="데이터")
    kinds = column_kinds(frame)
    for name, where in ((target, "대상 열"), (time, "시간 열"), (group, "계열 열")):
        if name is not None and name not in kinds:
            raise AIError(_unknown(name, kinds, dataset), where=where)
    task = task or default_task(frame, target)
    if task not in TASKS:
        raise AIError(f"알 수 없는 작업입니다: {task!r} (가능: {', '.join(TASKS)})", where="작업")
    if task == "forecast":
        return _forecast_plan(frame, target, features, time, group, kinds, dataset)
    if task != "clustering":
        _check_target(frame, target, task, kinds)
    if features is None:
        features = default_features(frame, target, task, kinds)
    features = list(dict.fromkeys(features))
    warnings: list[str] = []
    _check_features(features, target, kinds, dataset, task)
    rows = int(frame[target].notna().sum()) if target else len(frame)
    if target and rows < len(frame):
        warnings.append(
            f"대상 열 '{target}'에 빈 값이 {len(frame) - rows}행 있어 그 행은 학습에서 뺍니다."
        )
    _check_rows(rows, task)
    if rows < WARN_ROWS:
        warnings.append(
            f"학습에 쓸 행이 {rows}개뿐이라 결과가 불안정할 수 있습니다. "
            "교차검증 점수의 편차를 함께 보세요."
        )
    warnings += _missing_warnings(frame, features)
    if target:
        warnings += _leakage_warnings(frame, target, features, kinds)
    if task == "classification":
        warnings += _imbalance_warnings(frame[target].dropna())
    return Problem(
        task,
        target,
        features,
        {f: kinds[f] for f in features},
        rows,
        dataset=dataset,
        warnings=warnings,
    )


def _unknown(name: str, kinds: dict, dataset: str | None) -> str:
    where = f"데이터셋 '{dataset}'" if dataset else "데이터"
    return f"'{name}' 열이 {where}에 없습니다. 있는 열: {', '.join(kinds)}"


def _check_target(frame: pd.DataFrame, target: str | None, task: str, kinds: dict) -> None:
    if target is None:
        raise AIError(f"{TASKS[task]}에는 대상 열(예측할 값)을 골라야 합니다.", where="대상 열")
    kind = kinds[target]
    values = frame[target].dropna()
    if task == "regression" and kind != "number":
        raise AIError(
            f"'{target}' 열은 {KINDS[kind]} 값이라 회귀(숫자 예측)의 대상이 될 수 없습니다. "
            "숫자 열을 고르거나 작업을 '분류'로 바꾸세요.",
            where="대상 열",
        )
    if task == "classification":
        if kind == "datetime" or (kind == "number" and values.nunique() > 20):
            raise AIError(
                f"'{target}' 열은 값이 {values.nunique()}가지인 {KINDS[kind]} 열이라 분류에 "
                "맞지 않습니다. 작업을 '회귀'로 바꾸거나 범주 열을 고르세요.",
                where="대상 열",
            )
        if values.nunique() < 2:
            raise AIError(
                f"'{target}' 열의 값이 한 가지뿐이라 분류할 것이 없습니다.", where="대상 열"
            )


def _check_features(features, target, kinds, dataset, task) -> None:
    if not features:
        raise AIError(
            "특성(예측에 쓸 열)을 하나 이상 고르세요."
            + (" 군집에는 숫자 열이 필요합니다." if task == "clustering" else ""),
            where="특성",
        )
    for column in features:
        if column not in kinds:
            raise AIError(_unknown(column, kinds, dataset), where="특성")
        if column == target:
            raise AIError(
                f"대상 열 '{target}'이 특성에도 들어 있습니다. 답을 보고 답을 맞히는 셈(누수)"
                "이므로 특성에서 빼세요.",
                where="특성",
            )
        if kinds[column] in ("datetime", "text"):
            raise AIError(
                f"'{column}' 열은 {KINDS[kinds[column]]} 열이라 특성으로 쓸 수 없습니다. "
                "날짜는 시계열 예측에서 시간 열로 고르거나 연·월·요일 같은 열로 바꿔 쓰세요.",
                where="특성",
            )
        if task == "clustering" and kinds[column] != "number":
            raise AIError(
                f"군집은 숫자 열로만 합니다. '{column}'은 {KINDS[kinds[column]]} 열입니다.",
                where="특성",
            )


def _check_rows(rows: int, task: str) -> None:
    if rows < MIN_ROWS[task]:
        raise AIError(
            f"학습할 수 있는 행이 {rows}개뿐입니다. {TASKS[task]}에는 적어도 "
            f"{MIN_ROWS[task]}개가 필요합니다. 기간이나 지역을 넓혀 보세요.",
            where="데이터",
        )


def _missing_warnings(frame: pd.DataFrame, features: list[str]) -> list[str]:
    out = []
    for column in features:
        missing = int(frame[column].isna().sum())
        if missing:
            share = missing / len(frame)
            out.append(
                f"특성 '{column}'에 빈 값이 {missing}행({share:.0%}) 있습니다. 숫자는 중앙값, "
                "범주는 가장 흔한 값으로 채워 학습합니다."
                + (" 빈 값이 많아 이 열은 빼는 것이 나을 수 있습니다." if share > 0.3 else "")
            )
    return out


def _leakage_warnings(frame, target, features, kinds) -> list[str]:
    return [
        f"누수 의심: 특성 '{column}'이 대상 '{target}'과 거의 같은 정보를 담고 "
        "있습니다. 예측할 때 이 값을 미리 알 수 없다면 특성에서 빼세요."
        for column in features
        if _leaks(frame, target, column, kinds)
    ]


def _leaks(frame, target, column, kinds) -> bool:
    """Whether a feature is (almost) a copy of the target: |correlation| ≥ 0.98 for numbers,
    a category that fixes the target value for (almost) every row."""
    x, y = frame[column], frame[target]
    if kinds[column] == "number" and kinds[target] == "number":
        both = pd.concat([x, y], axis=1).dropna()
        if len(both) > 2 and both.iloc[:, 0].std() > 0 and both.iloc[:, 1].std() > 0:
            return abs(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]) >= 0.98
    elif kinds[target] != "number":
        both = pd.DataFrame({"x": x.astype(str), "y": y.astype(str)})
        purity = both.groupby("x").y.agg(lambda s: s.value_counts().iloc[0]).sum() / len(both)
        return purity >= 0.99 and both.x.nunique() < 0.5 * len(both)
    return False


def _imbalance_warnings(y: pd.Series) -> list[str]:
    shares = y.value_counts(normalize=True)
    if shares.iloc[-1] < 0.1:
        return [
            f"범주 불균형: '{shares.index[-1]}' 범주가 {shares.iloc[-1]:.1%}뿐입니다. 정확도만 "
            "보면 속기 쉬우니 F1(매크로)과 혼동행렬을 함께 보세요."
        ]
    return []


def _forecast_plan(frame, target, features, time, group, kinds, dataset) -> Problem:
    time = time or default_time(frame)
    if time is None:
        raise AIError(
            "시간 열(연도·날짜)을 찾지 못했습니다. 시간 열을 직접 고르세요.", where="시간 열"
        )
    if target is None or kinds.get(target) != "number":
        what = "고르지 않았습니다" if target is None else f"'{target}'은 숫자 열이 아닙니다"
        raise AIError(f"시계열 예측의 대상은 숫자 열이어야 합니다: {what}.", where="대상 열")
    if kinds[time] not in ("number", "datetime"):
        raise AIError(f"시간 열 '{time}'은 연도(숫자)나 날짜 열이어야 합니다.", where="시간 열")
    if group is not None and group in (target, time):
        raise AIError("계열 열은 대상·시간 열과 달라야 합니다.", where="계열 열")
    warnings = []
    extra = [f for f in (features or []) if f not in (target, time, group)]
    if extra:
        warnings.append(
            "미래 데이터 주의: 시계열 예측은 대상의 과거 값만 씁니다. 고른 특성 "
            f"({', '.join(extra)})은 예측 시점에는 알 수 없는 값이라 쓰지 않았습니다."
        )
    keys = [k for k in (group, time) if k]
    steps = frame[time].nunique()
    _check_rows(steps, "forecast")
    if frame.duplicated(keys).any():
        warnings.append(
            f"같은 {'계열·' if group else ''}시점에 행이 여러 개라 '{target}'을 합계로 "
            "묶어 예측합니다 (예: 연령·성별 행을 자치구 합계로)."
        )
    warnings += _missing_warnings(frame, [target])
    return Problem(
        "forecast",
        target,
        [],
        {target: "number"},
        steps,
        time=time,
        group=group,
        dataset=dataset,
        warnings=warnings,
    )

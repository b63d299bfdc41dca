"""Export as notebook: a runnable notebook that repeats an analysis step by step with
``seoul_data`` calls, for an analyst to continue from."""

from __future__ import annotations

from pathlib import Path

from seoul_data.ai.problem import TASKS, AIError
from seoul_data.ai.training import METRICS, Result
from seoul_data.display import number


def _args(**kwargs) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if v not in (None, {}, []))


def notebook(result: Result):
    """The analysis as an nbformat notebook (not executed)."""
    import nbformat

    call = result.extra.get("call")
    if not call:
        raise AIError(
            "이 결과는 데이터셋에서 시작하지 않아(ai.run이 아님) 노트북으로 내보낼 수 없습니다.",
            where="내보내기",
        )
    v4 = nbformat.v4
    source = result.extra.get("source", {})
    scores = ", ".join(
        f"{METRICS[k][0]} {number(v)} (기준 {number(result.baseline.get(k))})"
        for k, v in result.metrics.items()
    )
    options = dict(call["options"])
    train_call = "ai.train_forecast" if call["task"] == "forecast" else "ai.train"
    cells = [
        v4.new_markdown_cell(
            f"# AI 분석: {TASKS[call['task']]} — {call['target'] or '군집'}\n\n"
            f"- 데이터셋: `{call['dataset']}` (버전 {source.get('version')}, "
            f"sha256 `{str(source.get('sha256'))[:12]}…`)\n"
            f"- 모델: `{call['model']}`, 특성: {', '.join(result.problem.features) or '-'}\n"
            f"- 내보낼 때의 결과: {scores}\n\n"
            "AI 분석 대시보드에서 내보낸 노트북입니다. 위에서부터 실행하면 같은 분석을 "
            "다시 합니다."
        ),
        v4.new_code_cell("import seoul_data as sd\nfrom seoul_data import ai"),
        v4.new_code_cell(
            f"frame = sd.load({call['dataset']!r}"
            + (f", **{call['load']!r}" if call["load"] else "")
            + ")\nframe.head()"
        ),
        v4.new_code_cell(
            "problem = ai.plan(frame, "
            + _args(
                target=call["target"],
                features=call["features"],
                task=call["task"],
                time=call["time"],
                group=call["group"],
                dataset=call["dataset"],
            )
            + ")\nfor warning in problem.warnings:\n    print('주의:', warning)"
        ),
        v4.new_code_cell(
            f"result = {train_call}(problem, frame, {call['model']!r}"
            + (", " + _args(**options) if options else "")
            + ")\nresult.summary()"
        ),
        v4.new_code_cell("result.importance.head(10)"),
    ]
    if call["task"] == "forecast":
        cells.append(v4.new_code_cell("result.folds  # backtest: MAPE of model and baselines"))
        cells.append(v4.new_code_cell("ai.forecast_table(result).tail(10)"))
    elif call["task"] == "clustering":
        cells.append(v4.new_code_cell("ai.cluster_profile(result)"))
    else:
        cells.append(v4.new_code_cell("result.predictions.head(10)"))
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def export_notebook(result: Result, path: str | Path) -> Path:
    """Write the analysis as a runnable notebook at ``path``."""
    import nbformat

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(result), path)
    return path

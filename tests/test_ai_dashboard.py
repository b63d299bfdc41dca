"""AI 분석 dashboard over the real bundled data: executed on a real kernel and driven through
the functions its widgets call, and its views (seoul_data.ai.views) called directly — every
task end to end, the guard rails shown in Korean, downloads, a saved model, and the exported
notebook executed."""

from __future__ import annotations

import base64
import re

import nbformat
import pytest
from nbclient import NotebookClient

from seoul_data.ai import AIError
from seoul_data.ai import views as ai
from tests.conftest import bundled_data
from tests.dashboard_kernel import WIDGET_VIEW, executed

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
WANTED = {
    "population.gu_resident_age_sex",
    "population.dong_households_density",
    "population.dong_age5",
    "transport.bike_sharing_demand_uci",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("ai-dashboard-data")
    # the views called here read what the dashboard's kernel reads (tests/dashboard_kernel)
    with bundled_data(root, WANTED) as directory, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_USER_DIR", str(root / "user"))
        patch.setenv("SEOUL_AI_MAX_CPUS", "1")
        ai.frame.cache_clear()
        yield directory


@pytest.fixture(scope="module")
def page(data_dir, tmp_path_factory):
    with executed("ai_analysis.ipynb", tmp_path_factory.mktemp("ai-page"), data_dir) as page:
        yield page


def test_the_page_opens_with_defaults_and_warns_of_a_chosen_leak(page):
    outputs = page.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert WIDGET_VIEW in outputs[0]["data"]
    meta = page.notebook.metadata["seoul"]
    assert meta["title"] == "AI 분석" and meta["description"] and meta["order"] == 5
    state = page.value("state()")
    choice = state["choice"]
    assert choice["dataset"] == "population.dong_households_density"
    assert choice["task"] == "regression" and choice["target"] == "population"
    assert "households" in choice["features"] and "dong_code_mois" not in choice["features"]
    # near-copies of the target (pop_male + pop_female = population) are never a default
    assert "pop_male" not in choice["features"] and "누수 의심" not in state["checks"]
    assert state["can_train"] and state["metrics"] == {}
    # columns are offered by their Korean titles, the name beside
    assert page.value("target_menu.label") == "인구 (population)"
    assert "남자 인구 (pop_male)" in page.value("[label for label, _ in feature_list.options]")
    leaky = page.value(
        'choose("population.dong_households_density", "regression", '
        '"population", ["households", "pop_male"])'
    )
    assert "누수 의심" in leaky["checks"] and "pop_male" in leaky["checks"]


def test_regression_trains_with_progress_and_offers_downloads(page, tmp_path):
    page.value(
        'choose("population.dong_households_density", "regression", "density", '
        '["population", "households", "area_km2"])'
    )
    state = page.value("train()")
    assert state["error"] == "" and state["metrics"]["r2"] > state["baseline"]["r2"]
    assert state["progress"][0] == state["progress"][1] > 1
    assert (
        "기준보다 나음" in state["results"] and "모델이 단순 기준보다 낫습니다" in state["results"]
    )
    assert state["pictures"] == 2
    assert [n.split('"')[0].rsplit(".", 1)[1] for n in state["downloads"]] == [
        "csv",
        "xlsx",
        "ipynb",
    ]
    saved = page.value('save("대시보드-밀도")')
    assert saved["saved"] == "대시보드-밀도" and "모델 내려받기" in saved["saved_note"]
    # the exported notebook, as the browser would save it, runs on its own kernel
    files = page.value("files.value")
    encoded = re.search(r'download="[^"]+\.ipynb" href="data:[^;]+;base64,([^"]+)"', files)
    notebook = nbformat.reads(base64.b64decode(encoded.group(1)).decode(), as_version=4)
    NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    shown = "".join(
        o.get("data", {}).get("text/plain", "")
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "R² (설명력)" in shown


def test_forecast_menus_train_on_the_page(page):
    state = page.value('choose("population.gu_resident_age_sex", "forecast", "population")')
    choice = state["choice"]
    assert (choice["time"], choice["group"]) == ("year", "gu")
    assert (choice["train_until"], choice["until"]) == (2017, 2026)
    assert "합계" in state["checks"]
    state = page.value("train()")
    assert state["metrics"]["mape"] < state["baseline"]["mape"] and "선형 추세" in state["results"]


def test_classification_and_clustering(data_dir):
    choice = ai.defaults("transport.bike_sharing_demand_uci", "classification", "season")
    choice.update(features=["temperature_c", "dew_point_c"], model="gradient_boosting")
    assert ai.checks_html(choice)[0] == ""
    result = ai.analyse(choice)
    assert result.metrics["accuracy"] > 0.6 > result.baseline["accuracy"]
    assert "기준보다 나음" in ai.results_html(result)
    assert ai.pictures_html(result).count("<img") == 2

    choice = ai.defaults("population.dong_age5", "clustering")
    assert choice["target"] is None
    result = ai.analyse(choice)
    assert result.metrics["silhouette"] > result.baseline["silhouette"]
    assert "행 수" in ai.results_html(result)


def test_the_views_explain_bad_choices_in_korean(data_dir):
    error, shown = ai.checks_html(
        ai.defaults("transport.bike_sharing_demand_uci", "regression", "season")
    )
    assert "[대상 열]" in error and "회귀" in error
    assert shown.startswith('<div class="sd-error">') and "[대상 열]" in shown
    choice = ai.defaults("transport.bike_sharing_demand_uci", "regression", "rented_bike_count")
    assert "[특성]" in ai.checks_html({**choice, "features": []})[0]
    choice = ai.defaults("population.gu_resident_age_sex", "forecast", "population")
    with pytest.raises(AIError, match=r"\[검증\]"):
        ai.analyse({**choice, "train_until": 2008})


def test_bad_choices_are_explained_and_block_training(page):
    state = page.value('choose("transport.bike_sharing_demand_uci", "regression", "season")')
    assert not state["can_train"] and "[대상 열]" in state["error"] and "회귀" in state["error"]
    state = page.value(
        'choose("transport.bike_sharing_demand_uci", "regression", "rented_bike_count", [])'
    )
    assert not state["can_train"] and "[특성]" in state["error"]
    state = page.value(
        'choose("population.gu_resident_age_sex", "forecast", "population", train_until=2008)'
    )
    state = page.value("train()")
    assert "[검증]" in state["error"] and state["metrics"] == {}


def test_tables_print_numbers_as_korean_statistics_do():
    import pandas as pd

    shown = ai.table_html(pd.DataFrame({"자치구": ["종로구"], "인구": [570123.4], "R²": [0.87341]}))
    assert "570,123" in shown and "0.873" in shown
    assert not re.search(r"\de[+-]\d", shown)  # never 5.701e+05

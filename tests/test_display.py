"""seoul_data.display: the text every dashboard shows the same way."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

from seoul_data import display


def test_esc_escapes_markup_and_quotes_and_drops_none():
    assert display.esc('<b a="1">&</b>') == "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;"
    assert display.esc(None) == ""
    assert display.esc(12) == "12"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (675961, "675,961"),
        (np.int64(10_000_000), "10,000,000"),
        (1234.56, "1,235"),
        (np.float64(2000.4), "2,000"),
        (158.54, "158.5"),
        (62.4, "62.4"),
        (12.3456, "12.35"),
        (0.125, "0.125"),
        (5.0, "5"),
        (-3.5, "-3.5"),
        (-0.0001, "0"),
        (None, "—"),
        (float("nan"), "—"),
        (np.nan, "—"),
        (pd.NA, "—"),
    ],
)
def test_number_reads_like_korean_statistics(value, text):
    assert display.number(value) == text


def test_number_with_fixed_digits_and_own_missing_text():
    assert display.number(3.14159, 2) == "3.14"
    assert display.number(1234, 1) == "1,234.0"
    assert display.number(None, missing="자료 없음") == "자료 없음"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (675961, "명", "675,961명"),
        (62.4, "%", "62.4%"),
        (158.5, "유소년 인구 100명당 명", "158.5(유소년 인구 100명당 명)"),
        (3.2, "명 (추정)", "3.2명 (추정)"),
        (42, "", "42"),
        (None, "명", "—"),
    ],
)
def test_with_unit(value, unit, text):
    assert display.with_unit(value, unit) == text


def test_download_link_carries_the_bytes():
    link = display.download_link(b"a,b\n1,2\n", "표 <1>.csv", "CSV로 내려받기")
    found = re.fullmatch(
        r'<a class="sd-download" download="([^"]+)" href="data:([^;]+);base64,([^"]+)">(.+)</a>',
        link,
    )
    assert found, link
    name, mime, encoded, label = found.groups()
    assert (name, mime, label) == ("표 &lt;1&gt;.csv", "text/csv", "CSV로 내려받기")
    assert base64.b64decode(encoded) == b"a,b\n1,2\n"


def test_download_link_sends_text_as_utf8():
    link = display.download_link("<p>지도</p>", "map.html", "HTML", mime="text/html")
    assert 'href="data:text/html;charset=utf-8;base64,' in link
    encoded = link.split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded).decode("utf-8") == "<p>지도</p>"


def test_csv_bytes_open_in_excel_as_korean():
    data = display.csv_bytes(pd.DataFrame({"자치구": ["종로구"], "인구": [1]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["자치구,인구", "종로구,1"]


def test_panels_are_escaped_and_styled():
    assert display.busy("그리는 중…") == '<div class="sd-busy">그리는 중…</div>'
    assert display.error("잘못된 값: <x>") == '<div class="sd-error">잘못된 값: &lt;x&gt;</div>'
    assert display.notice("합성 자료") == '<div class="sd-notice">합성 자료</div>'
    for name in ("sd-busy", "sd-error", "sd-notice", "sd-download"):
        assert f".{name} " in display.STYLE


def test_silenced_handlers_miss_the_pages_own_moves_only():
    import ipywidgets as widgets

    menu = widgets.Dropdown(options=["a", "b"])
    seen = []

    def handler(change):
        seen.append(change["new"])

    menu.observe(handler, names="value")
    with display.silenced(menu, handler):
        menu.options = ["c", "d"]
    menu.value = "d"
    assert seen == ["d"]


def test_a_figure_becomes_an_inline_png():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    data = display.png(fig)
    assert data[:4] == b"\x89PNG" and not plt.get_fignums()  # closed
    shown = display.image(data, alt='인구 "추이"')
    assert shown.startswith('<img alt="인구 &quot;추이&quot;" src="data:image/png;base64,')
    assert display.image(None) == ""

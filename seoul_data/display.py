"""What every dashboard shows the same way: escaped text, Korean number and unit text,
download links, chart images, the small busy / error / notice panels, and a widget kept
quiet while the page moves it.

A dashboard puts :data:`STYLE` once at the top of its page; the panels use its classes.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import numbers
from collections.abc import Callable, Iterator
from typing import Any

MISSING = "—"

STYLE = """<style>
.sd-busy { color: #555; font-style: italic; }
.sd-error { color: #a33; font-weight: bold; }
.sd-notice { color: #8a6d3b; }
.sd-download { margin-right: 1em; }
</style>"""


def esc(value: Any) -> str:
    """``value`` as HTML-escaped text (quotes included); ``None`` is the empty string."""
    return "" if value is None else html.escape(str(value))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except (TypeError, ValueError):  # pandas.NA will not say
        return True


def number(value: Any, digits: int | None = None, missing: str = MISSING) -> str:
    """Number text the way Korean statistics print it: '675,961', '62.4', '0.125'.

    digits: decimals to show; when ``None``, integers have none, values of 1,000 and more are
    rounded to integers, smaller ones keep 1–3 decimals (fewer the larger the value) without
    trailing zeros.
    missing: the text for ``None`` and NaN.
    """
    if _missing(value):
        return missing
    if digits is not None:
        text = f"{value:,.{digits}f}"
    elif isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        places = 1 if abs(value) >= 100 else 2 if abs(value) >= 10 else 3
        text = f"{value:,.{places}f}".rstrip("0").rstrip(".")
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # not "-0"


def with_unit(value: Any, unit: str, digits: int | None = None, missing: str = MISSING) -> str:
    """The number and its unit: '675,961명', '62.4%', '158.5(유소년 인구 100명당 명)'.

    A unit that is a phrase (has a space, no brackets of its own) goes in brackets; a missing
    value is ``missing`` alone, without the unit.
    """
    if _missing(value):
        return missing
    return number(value, digits) + unit_text(unit)


def unit_text(unit: str) -> str:
    """A unit as it follows a number: '명', '%', or a phrase in brackets ('(유소년 인구 100명당
    명)'; one with a space and no brackets of its own)."""
    return f"({unit})" if " " in unit and "(" not in unit else unit


def download_link(data: bytes | str, filename: str, label: str, mime: str = "text/csv") -> str:
    """An ``<a download>`` link carrying ``data`` in a data: URI (text goes as UTF-8)."""
    if isinstance(data, str):
        data, mime = data.encode("utf-8"), f"{mime};charset=utf-8"
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="sd-download" download="{esc(filename)}" '
        f'href="data:{mime};base64,{encoded}">{esc(label)}</a>'
    )


def csv_bytes(frame: Any) -> bytes:
    """A DataFrame as CSV with a byte-order mark, so that Excel reads the Korean right."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def busy(message: str) -> str:
    """A panel saying that work is under way ('지도를 그리는 중…')."""
    return f'<div class="sd-busy">{esc(message)}</div>'


def error(message: Any) -> str:
    """A panel saying what went wrong, in words for the user."""
    return f'<div class="sd-error">{esc(message)}</div>'


def notice(message: Any) -> str:
    """A panel with something to keep in mind (a caveat, a hint)."""
    return f'<div class="sd-notice">{esc(message)}</div>'


def png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes, laid out tight; the figure is closed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def image(data: bytes | None, alt: str = "") -> str:
    """A PNG as an inline ``<img>`` ('' for none)."""
    if data is None:
        return ""
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


@contextlib.contextmanager
def silenced(widget, handler: Callable, name: str = "value") -> Iterator[None]:
    """``handler`` stays silent while the page moves ``widget`` itself (new options that
    reset its value), so that one choice draws once."""
    widget.unobserve(handler, names=name)
    try:
        yield
    finally:
        widget.observe(handler, names=name)

"""Class breaks (quantiles) and a sequential palette for choropleths, with a Korean legend."""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass

import numpy as np

from seoul_data.display import unit_text

#: Five-class sequential palette (light yellow → dark red), colour-blind safe (ColorBrewer YlOrRd).
PALETTE = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38))
MISSING = (200, 200, 200)


@dataclass(frozen=True)
class Classes:
    """Which class each value falls in (-1: no value), the breaks and the colours."""

    index: np.ndarray
    breaks: tuple[float, ...]

    def rgb(self, i: int) -> tuple[int, int, int]:
        return MISSING if i < 0 else PALETTE[i]

    def hex(self, i: int) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb(i))

    def legend_html(self, unit: str = "", title: str = "") -> str:
        """The legend as HTML: one swatch per class with its range ('-2.77 ~ -2.17%'; a unit
        that is a phrase in brackets: '120 ~ 163(유소년 인구 100명당 명)'), and '자료 없음'."""
        unit = unit_text(unit)
        rows = [
            f"{_swatch(self.hex(i))}{_fmt(low)} ~ {_fmt(high)}{html.escape(unit)}"
            for i, (low, high) in enumerate(itertools.pairwise(self.breaks))
        ]
        if (self.index < 0).any():
            rows.append(f"{_swatch(self.hex(-1))}자료 없음")
        head = f"<b>{html.escape(title)}</b><br>" if title else ""
        return f'<div class="sd-legend">{head}{"<br>".join(rows)}</div>'


def classify(values, k: int = 5, reference=None) -> Classes:
    """Quantile classes of ``values`` (NaN: class -1); fewer classes when values repeat.
    ``reference``: the values whose quantiles set the breaks, to share one scale between
    maps (two periods, two indicators); ``values`` by default."""
    values = np.asarray(values, dtype=float)
    scale = values if reference is None else np.asarray(reference, dtype=float)
    known = scale[~np.isnan(scale)]
    if known.size == 0:
        return Classes(np.full(values.shape, -1), ())
    breaks = np.unique(np.quantile(known, np.linspace(0, 1, min(k, len(PALETTE)) + 1)))
    if breaks.size == 1:
        breaks = np.array([breaks[0], breaks[0]])
    index = np.clip(np.searchsorted(breaks, values, side="right") - 1, 0, breaks.size - 2)
    index = np.where(np.isnan(values), -1, index)
    return Classes(index.astype(int), tuple(float(b) for b in breaks))


def _swatch(colour: str) -> str:
    return (
        '<span style="display:inline-block;width:14px;height:14px;margin-right:4px;'
        f'vertical-align:middle;background:{colour}"></span>'
    )


def _fmt(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"

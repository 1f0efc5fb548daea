"""Where a figure's labels go so that none hides another: end-of-line labels spread apart
(``spread_labels``, written as annotations by ``end_labels``), point labels placed clear of the
markers (``place_labels``) and long category names wrapped onto lines (``wrap_label``)."""

from __future__ import annotations

import textwrap
from collections.abc import Hashable, Sequence
from typing import Any, TypeVar

import numpy as np

#: The longest line of a wrapped category name (characters): "Practitioner-led relationship
#: support" on three short lines keeps a 390 px phone's bars most of its width.
WRAP_AT = 14


def wrap_label(text: str, width: int = WRAP_AT) -> str:
    """A category name on lines of at most ``width`` characters (plotly's ``<br>``), broken
    between words (a longer word stays whole)."""
    lines = textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines) if lines else str(text)


#: Where a line ends on the x axis (a category label, or a number).
X = TypeVar("X", bound=Hashable)


def spread_labels(
    ends: Sequence[tuple[X, float, str]],
    top: float,
    plot_px: float = 320,
    gap_px: float = 18,
    bottom: float = 0.0,
) -> list[tuple[X, float, str, float]]:
    """End-of-line labels pushed apart vertically (``yshift`` in pixels) where lines end close
    together, so no label hides another. Assumes a y axis from 0 to ``top`` over ``plot_px``."""
    scale = plot_px / (top - bottom) if top > bottom else 1.0
    out: list[tuple[X, float, str, float]] = []
    for x in dict.fromkeys(e[0] for e in ends):
        group = sorted((e for e in ends if e[0] == x), key=lambda e: e[1])
        placed: list[float] = []
        for _, y, label in group:
            px = y * scale
            if placed and px < placed[-1] + gap_px:
                px = placed[-1] + gap_px
            placed.append(px)
            out.append((x, y, label, px - y * scale))
    return out


def end_labels(
    ends: Sequence[tuple[X, float, str]],
    top: float,
    *,
    font_size: int,
    xshift: int = 0,
    plot_px: float = 320,
    gap_px: float = 18,
    bottom: float = 0.0,
) -> list[dict[str, Any]]:
    """Annotations writing each label just right of its line's end ``(x, y, label)`` (shifted
    ``xshift`` pixels to the right), spread apart by ``spread_labels``."""
    out = []
    for x, y, label, shift in spread_labels(ends, top, plot_px, gap_px, bottom):
        note: dict[str, Any] = {"x": x, "y": y, "text": label, "showarrow": False}
        note["xanchor"] = "left"
        if xshift:
            note["xshift"] = xshift
        note["yshift"] = shift
        note["font"] = {"size": font_size}
        out.append(note)
    return out


_POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)


#: A funnel's plot on a 390 px phone (px): its width and height, and how far a label may run
#: past its left and right edges into the margins (none above or below it, where the legend and
#: the axis are). Measured at 390 px: the topic pages' funnel plot 186 × 168 (the legend above
#: it takes the rest), margins 70 and 110; the area profile's 238 × 385. The plot is drawn with
#: the same label positions on every screen, so they are chosen where the points are closest
#: together: on the phone.
NARROW_PLOT_PX = (186.0, 168.0, 60.0, 100.0)
_OFF_PHONE = 1e12  # the cost of a position whose label would run off the phone's plot


def place_labels(
    x: np.ndarray,
    y: np.ndarray,
    texts: Sequence[str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width_px: float = 900,
    font_px: float = 13,
    narrow_px: tuple[float, float, float, float] = NARROW_PLOT_PX,
) -> list[str]:
    """A ``textposition`` per point chosen so labels overlap neither each other nor the markers
    (greedy), where that holds on the narrowest plot (``narrow_px``: a phone's width and height,
    and how far past each edge a label may run; the points there closest together, so the
    labels clear there are clear on a larger one too); where no position is clear, the one that covers the
    least of the others. Every label stays inside a desktop's plot (``width_px`` wide) and, where a
    position allows, the phone's. A label may be on several lines (``<br>``)."""
    (x0, x1), (y0, y1) = x_range, y_range
    narrow_w, narrow_h, spill_left, spill_right = narrow_px
    share = (np.asarray(x, float) - x0) / (x1 - x0) if x1 > x0 else np.zeros(len(texts))
    wide, px = share * width_px, share * narrow_w  # on a desktop's plot, and on the phone's
    py = (np.asarray(y, float) - y0) * (narrow_h / (y1 - y0) if y1 > y0 else 1.0)
    markers = np.column_stack([px - 6, py - 6, px + 6, py + 6])
    placed = np.empty((len(texts), 4))  # the boxes placed so far (on the phone's plot)
    out = ["top center"] * len(texts)

    def box(a: float, b: float, w: float, h: float, pos: str) -> tuple[float, ...]:
        vertical, horizontal = pos.split()
        left = {"center": a - w / 2, "right": a + 8, "left": a - 8 - w}[horizontal]
        bottom = {"top": b + 8, "bottom": b - 8 - h, "middle": b - h / 2}[vertical]
        return (left, bottom, left + w, bottom + h)

    def overlap(r: tuple[float, ...], others: list[list[float]]) -> float:
        """The area of ``r`` that ``others`` cover (summed box by box)."""
        return sum(
            max(0.0, min(r[2], o[2]) - max(r[0], o[0]))
            * max(0.0, min(r[3], o[3]) - max(r[1], o[1]))
            for o in others
        )

    def near(boxes: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """The boxes that reach into (x0, x1) × (y0, y1): every box a label there could hit."""
        return (boxes[:, 2] > x0) & (boxes[:, 0] < x1) & (boxes[:, 3] > y0) & (boxes[:, 1] < y1)

    for n_placed, i in enumerate(np.argsort(py)[::-1]):
        lines = str(texts[i]).split("<br>")
        w = 0.62 * font_px * max(len(line) for line in lines)
        h = 1.25 * font_px * len(lines)
        # every position's box lies in this region (a pixel wider each way): only the markers
        # and labels reaching into it are compared, box by box
        region = (px[i] - 9 - w, py[i] - 9 - h, px[i] + 9 + w, py[i] + 9 + h)
        close = near(markers, *region)
        close[i] = False  # a point's own marker is not in its label's way
        own = markers[close].tolist()
        done = placed[:n_placed]
        others = done[near(done, *region)].tolist()
        # the first position that hides nothing; where every one hides something, the one
        # that hides least (markers weigh double: a hidden point is worse than a crowded label)
        best: tuple[float, str, tuple[float, ...]] | None = None
        for pos in _POSITIONS:
            on_desktop = box(wide[i], py[i], w, h, pos)
            if on_desktop[0] < 0 or on_desktop[2] > width_px:
                continue
            r = box(px[i], py[i], w, h, pos)
            cost = overlap(r, others) + 2 * overlap(r, own)
            if r[0] < -spill_left or r[2] > narrow_w + spill_right or r[1] < 0 or r[3] > narrow_h:
                cost += _OFF_PHONE
            if best is None or cost < best[0]:
                best = (cost, pos, r)
            if cost == 0:
                break
        if best is None:
            best = (0.0, "top center", box(px[i], py[i], w, h, "top center"))
        out[i], placed[n_placed] = best[1], best[2]
    return out

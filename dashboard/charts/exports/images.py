"""The PNG and SVG downloads: the card's figure dressed for publication (title, subtitle, a
footer with the source, the suppression note and the copyright line; fixed size and fonts), drawn
by kaleido, with the metadata embedded (``embed``).

kaleido (headless Chromium) is imported and started on the first image a process draws, not when
the app starts, without MathJax. What it draws loads nothing from outside the figure
(``self_contained``): only the trace types the chart kit draws, layout images only as ``data:``
URIs, no maps or geographies (which fetch tiles and outlines). The figure is always one the
server built; this is the second line.
"""

from __future__ import annotations

import logging
import textwrap
import threading
from typing import Any, Literal
from xml.sax.saxutils import escape

import plotly.graph_objects as go

from dashboard.charts.content import ChartContent, meta_line
from dashboard.charts.exports.embed import add_png_text, add_svg_metadata, png_text
from dashboard.charts.exports.metadata import COPYRIGHT, context_text, suppression_notes
from lfo.indicators.definitions import DEFINITIONS_VERSION

log = logging.getLogger(__name__)

#: Fonts with the same metrics wherever the image is drawn (Liberation Sans is metric-compatible
#: with Arial), so legend entries and labels never overlap.
EXPORT_FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"

_KALEIDO_LOCK = threading.Lock()
_kaleido_started = False


def _kaleido() -> Any:
    global _kaleido_started
    import kaleido

    if not _kaleido_started:
        kaleido.start_sync_server(n=1, mathjax=False, silence_warnings=True)
        _kaleido_started = True
    return kaleido


#: The trace types drawn (none fetches anything); any other trace is left out of an image.
DRAWN_TRACES = frozenset({"bar", "scatter", "box", "histogram", "heatmap"})
#: Layout parts that make plotly.js fetch tiles, outlines or styles from elsewhere.
FETCHING_LAYOUT = ("mapbox", "map", "geo")


def _inline_images(images: object) -> list[Any]:
    """Layout images whose source is a ``data:`` URI (drawn from the figure itself)."""
    if not isinstance(images, (list, tuple)):
        return []
    return [
        i
        for i in images
        if isinstance(i, dict)
        and isinstance(i.get("source"), str)
        and i["source"].lstrip().lower().startswith("data:")
    ]


def self_contained(figure: dict[str, Any]) -> dict[str, Any]:
    """A copy of a figure dict (``go.Figure.to_dict``) that loads nothing from outside itself:
    traces of ``DRAWN_TRACES`` only, layout images only with a ``data:`` source (in the
    template's layout too), no maps or geographies."""

    def clean_layout(layout: object) -> dict[str, Any]:
        out = dict(layout) if isinstance(layout, dict) else {}
        for key in FETCHING_LAYOUT:
            out.pop(key, None)
        if "images" in out:
            out["images"] = _inline_images(out["images"])
        template = out.get("template")
        if isinstance(template, dict):
            out["template"] = {
                **template,
                "layout": clean_layout(template.get("layout", {})),
                "data": {
                    k: v for k, v in (template.get("data") or {}).items() if k in DRAWN_TRACES
                },
            }
        return out

    data = figure.get("data") or []
    traces = [t for t in data if isinstance(t, dict) and t.get("type", "scatter") in DRAWN_TRACES]
    return {"data": traces, "layout": clean_layout(figure.get("layout", {}))}


def _draw(fig: go.Figure, opts: dict[str, Any]) -> bytes | str:
    """Draw with the process's kaleido server; a failed browser is restarted on the next call.
    Any kaleido failure is raised as RuntimeError (the card shows it as a message)."""
    global _kaleido_started
    from kaleido.errors import KaleidoError

    with _KALEIDO_LOCK:
        try:
            drawn: bytes | str = _kaleido().calc_fig_sync(self_contained(fig.to_dict()), opts=opts)
            return drawn
        except (KaleidoError, RuntimeError) as exc:
            log.warning("kaleido failed (%s); it will be restarted on the next image", exc)
            try:
                import kaleido

                kaleido.stop_sync_server(silence_warnings=True)
            except (KaleidoError, RuntimeError, OSError):
                log.debug("stopping kaleido after a failure also failed", exc_info=True)
            _kaleido_started = False
            raise RuntimeError(f"the image could not be drawn: {exc}") from exc


def footer_lines(content: ChartContent, width: int = 150) -> list[str]:
    """What the figures are for (the context), source, data as at, the suppression note(s) and
    the copyright line, wrapped."""
    parts = [context_text(content)] if content.context else []
    parts.append(f"{meta_line(content)} Indicator definitions version {DEFINITIONS_VERSION}.")
    parts += suppression_notes(content)
    parts.append(COPYRIGHT)
    lines: list[str] = []
    for part in parts:
        lines += textwrap.wrap(part, width=width) or [""]
    return lines


def publication_figure(content: ChartContent, width: int = 1200, height: int = 700) -> go.Figure:
    """The card's figure dressed for publication: title, subtitle and footer, fixed size (and
    nothing that loads from outside the figure: ``self_contained``)."""
    figure = content.figure
    fig = go.Figure(self_contained(figure.to_dict() if isinstance(figure, go.Figure) else figure))
    lines = footer_lines(content, width=max(60, width // 8))
    subtitle_lines = textwrap.wrap(content.subtitle, width=max(60, width // 9)) or [""]
    top = 70 + 22 * len(subtitle_lines) + 40
    axis_space = 130  # tick labels (perhaps rotated) and the axis title sit above the footer
    bottom = axis_space + 10 + 20 * len(lines)
    own_height = fig.layout.height or 0
    total = max(height, own_height + top + bottom - 100)
    title = f"<b>{_html(content.title)}</b><br>" + "<br>".join(
        f"<span style='font-size:15px'>{_html(s)}</span>" for s in subtitle_lines
    )
    fig.update_layout(
        width=width,
        height=total,
        autosize=False,
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "y": 1 - 40 / total,
            "yanchor": "top",
            "yref": "container",
        },
        font={"family": EXPORT_FONT},
        margin={"t": top + 30, "b": bottom, "l": 80, "r": max(fig.layout.margin.r or 0, 40)},
        legend={"y": 1.01, "yanchor": "bottom"},
        paper_bgcolor="white",
    )
    fig.add_annotation(
        text="<br>".join(_html(s) for s in lines),
        showarrow=False,
        align="left",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-axis_space,
        font={"size": 13},
    )
    return fig


def _html(text: str) -> str:
    return escape(text)


def to_image(
    content: ChartContent,
    fmt: Literal["png", "svg"],
    width: int = 1200,
    height: int = 700,
    scale: float = 2,
) -> bytes:
    """PNG or SVG at publication quality, with the metadata embedded (PNG text chunks; SVG
    ``<title>``, ``<desc>`` and ``<metadata>``)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be png or svg, not {fmt!r}")
    fig = publication_figure(content, width, height)
    opts = {"format": fmt, "width": width, "height": fig.layout.height, "scale": scale}
    data = _draw(fig, opts)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if fmt == "png":
        return add_png_text(data, png_text(content))
    return add_svg_metadata(data, content)

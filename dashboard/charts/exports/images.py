"""The PNG and SVG downloads: the card's figure dressed for publication (title, subtitle, a
footer with the source, the suppression note and the copyright line; fixed size and fonts), drawn
by kaleido, with the metadata embedded (``embed``).

kaleido (headless Chromium) is imported and started on the first image a process draws, not when
the app starts.
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
from dashboard.charts.exports.metadata import COPYRIGHT, suppression_notes
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


def _draw(fig: go.Figure, opts: dict[str, Any]) -> bytes | str:
    """Draw with the process's kaleido server; a failed browser is restarted on the next call.
    Any kaleido failure is raised as RuntimeError (the card shows it as a message)."""
    global _kaleido_started
    from kaleido.errors import KaleidoError

    with _KALEIDO_LOCK:
        try:
            drawn: bytes | str = _kaleido().calc_fig_sync(fig.to_dict(), opts=opts)
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
    """Source, data as at, the suppression note(s) and the copyright line, wrapped."""
    parts = [f"{meta_line(content)} Indicator definitions version {DEFINITIONS_VERSION}."]
    parts += suppression_notes(content)
    parts.append(COPYRIGHT)
    lines: list[str] = []
    for part in parts:
        lines += textwrap.wrap(part, width=width) or [""]
    return lines


def publication_figure(content: ChartContent, width: int = 1200, height: int = 700) -> go.Figure:
    """The card's figure dressed for publication: title, subtitle and footer, fixed size."""
    fig = go.Figure(content.figure)
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

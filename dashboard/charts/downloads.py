"""The chart cards' downloads: one callback, attached once by ``register(app, threshold)``, serves
every card's PNG, SVG, CSV and Excel files.

A button press sends the card's payload (stored by ``card.render``); the callback rebuilds the
``ChartContent`` from it (``content.from_payload``), has ``exports`` make the file and hands it to
the browser (``dcc.send_bytes``). A failure is a message beside the buttons, never an error page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from dash import MATCH, Input, Output, State, ctx
from dash.dcc.express import send_bytes
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.charts import exports
from dashboard.charts.card import FORMATS, check_chart_id
from dashboard.charts.content import ChartContent, from_payload

log = logging.getLogger(__name__)

#: The file each download format is made by (see ``card.FORMATS``).
MAKERS: dict[str, Callable[[ChartContent], bytes]] = {
    "png": lambda content: exports.to_image(content, "png"),
    "svg": lambda content: exports.to_image(content, "svg"),
    "csv": exports.to_csv,
    "xlsx": exports.to_xlsx,
}


def file_name(chart_id: str, data_as_at: str | None, ext: str) -> str:
    """``lfo-<chart_id>-<data-as-at date>.<ext>``."""
    date = str(data_as_at)[:10] if data_as_at else "undated"
    date = re.sub(r"[^0-9A-Za-z-]", "-", date)
    return f"lfo-{check_chart_id(chart_id)}-{date}.{ext}"


def update_download(
    png: Any, svg: Any, csv: Any, xlsx: Any, payload: Any, *, threshold: int | None = None
) -> tuple[dict[str, Any] | None, str]:
    """Build the file for the button pressed; a failure is a message, never an error page.
    ``threshold``: the app's suppression threshold, for a payload that does not carry one."""
    trigger = ctx.triggered_id
    if not payload or not isinstance(trigger, dict) or trigger.get("fmt") is None:
        raise PreventUpdate
    fmt = str(trigger["fmt"])
    chart_id = str(trigger.get("chart"))
    spec = {f: (label, ext) for f, label, ext in FORMATS}
    if fmt not in spec:
        raise PreventUpdate
    label, ext = spec[fmt]
    try:
        content = from_payload(payload)
        if content.threshold is None:
            content.threshold = threshold
        data = MAKERS[fmt](content)
        name = file_name(chart_id, content.data_as_at, ext)
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        log.exception("chart %s: the %s download failed", chart_id, fmt)
        return None, f"Sorry, the {label} file could not be made ({type(exc).__name__})."
    # (dash's send_bytes has no annotations)
    sent: dict[str, Any] = send_bytes(data, name)  # type: ignore[no-untyped-call]
    return sent, f"Your {label} download ({name}) has started."


def register(app: Any, threshold: int | None = None) -> None:
    """Attach the kit's one download callback to ``app`` (every card, by pattern matching);
    ``threshold``: the app's suppression threshold."""

    # bound with its name kept: Dash's callback map, logs and the benchmarks name it by it
    download = update_wrapper(partial(update_download, threshold=threshold), update_download)
    app.callback(
        Output(ids.chart_pattern(MATCH, "download"), "data"),
        Output(ids.chart_pattern(MATCH, "status"), "children"),
        *[Input(ids.chart_download_button(MATCH, fmt), "n_clicks") for fmt, _, _ in FORMATS],
        State(ids.chart_pattern(MATCH, "payload"), "data"),
        prevent_initial_call=True,
    )(download)

"""The chart cards' downloads: the PNG, SVG, CSV and Excel files of every card, made on the server.

A page attaches one download callback per chart with ``attach(app, chart_id, rebuild, threshold)``.
A button press sends only the card's view key (``card.render`` keeps it: the codes the page's
callback drew the chart for). ``rebuild`` checks the key against the server's own lists (an
unknown or oversized key raises ``ValueError``) and builds the chart's ``ChartContent`` again with
the page's own presenter, from the server's data; ``exports`` makes the file from it
(``content.exported``) and the browser gets it (``dcc.send_bytes``), named by ``file_name`` from
the chart's id, the content's ``file_parts`` (indicator, period, filters) and its data-as-at date,
so two views of one chart never download to the same name. Nothing the browser holds is
ever drawn or written into a file. A failure is a message beside the buttons, never an error page.
``attach`` also attaches the card's table twin, built from the same key by the same ``rebuild``
when the reader opens it (``dashboard.charts.twin``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import partial, update_wrapper
from typing import Any

import flask
from dash import Input, Output, State, ctx
from dash.dcc.express import send_bytes
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.charts import exports, twin
from dashboard.charts.card import FORMATS, check_chart_id
from dashboard.charts.content import ChartContent, exported

log = logging.getLogger(__name__)

#: The file each download format is made by (see ``card.FORMATS``).
MAKERS: dict[str, Callable[[ChartContent], bytes]] = {
    "png": lambda content: exports.to_image(content, "png"),
    "svg": lambda content: exports.to_image(content, "svg"),
    "csv": exports.to_csv,
    "xlsx": exports.to_xlsx,
}
#: What a download of a view the server does not recognise says.
NOT_RECOGNISED = "Sorry, this chart's settings were not recognised, so no {label} file was made."
#: What a download of an empty chart says.
NOTHING = "There are no figures to download for this chart."
#: The formats rendered as images (each a server-side render: rate limited by the web layer,
#: which keeps its check in ``flask.current_app.extensions[IMAGE_QUOTA]``).
IMAGE_FORMATS = frozenset({"png", "svg"})
IMAGE_QUOTA = "lfo_image_quota"

#: ``rebuild(view)``: the chart's content for a view key, built on the server; ``ValueError``
#: for a key it does not recognise.
Rebuild = Callable[[object], ChartContent]


#: A file name's bounds: each part (after sanitising) and the parts between the chart's id and
#: the date together, so a name stays well under every file system's limit.
PART_LENGTH = 40
PARTS_LENGTH = 120


def name_part(text: object) -> str:
    """One part of a file name: letters, digits, dots, underscores and hyphens (anything else a
    hyphen, runs of hyphens one, none at either end), at most ``PART_LENGTH`` characters."""
    part = re.sub(r"[^0-9A-Za-z._-]+", "-", str(text))
    part = re.sub(r"-{2,}", "-", part).strip("-._")
    return part[:PART_LENGTH].strip("-._")


def file_name(chart_id: str, data_as_at: str | None, ext: str, parts: Sequence[object] = ()) -> str:
    """``lfo-<chart_id>-<parts>-<data-as-at date>.<ext>``: ``parts`` are the content's
    ``file_parts`` (indicator, period, filters: codes the server made, never text from the
    browser), each sanitised (``name_part``), empty ones left out, bounded in length together."""
    date = str(data_as_at)[:10] if data_as_at else "undated"
    date = re.sub(r"[^0-9A-Za-z-]", "-", date)
    middle = ""
    for part in filter(None, (name_part(p) for p in parts)):
        if len(middle) + len(part) + 1 > PARTS_LENGTH:
            break
        middle += f"-{part}"
    return f"lfo-{check_chart_id(chart_id)}{middle}-{date}.{ext}"


def _image_quota() -> str | None:
    """Why no more chart images may be rendered for this requester now (None: one may, and it
    is counted), from the rate limit the web layer keeps (``dashboard.web.rates``)."""
    if not flask.has_app_context():
        return None
    quota = flask.current_app.extensions.get(IMAGE_QUOTA)
    return quota() if quota is not None else None


def update_download(
    chart_id: str,
    rebuild: Rebuild,
    threshold: int | None,
    png: Any,
    svg: Any,
    csv: Any,
    xlsx: Any,
    view: object,
) -> tuple[dict[str, Any] | None, str]:
    """Build the file for the button pressed from the chart ``chart_id`` built again for
    ``view``; a failure is a message, never an error page. ``threshold``: the app's suppression
    threshold, for content that does not carry one."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or view is None:
        raise PreventUpdate
    spec = {f: (label, ext) for f, label, ext in FORMATS}
    fmt = trigger.get("fmt")
    if fmt not in spec or trigger.get("chart") != chart_id:
        raise PreventUpdate
    label, ext = spec[fmt]
    if fmt in IMAGE_FORMATS and (over := _image_quota()) is not None:
        return None, over
    try:
        content = rebuild(view)
    except ValueError:
        log.info("chart %s: a %s download of a view not recognised", chart_id, fmt)
        return None, NOT_RECOGNISED.format(label=label)
    if content.empty_message:
        return None, NOTHING
    try:
        content = exported(content)
        if content.threshold is None:
            content.threshold = threshold
        data = MAKERS[fmt](content)
        name = file_name(chart_id, content.data_as_at, ext, content.file_parts)
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        log.exception("chart %s: the %s download failed", chart_id, fmt)
        return None, f"Sorry, the {label} file could not be made ({type(exc).__name__})."
    # (dash's send_bytes has no annotations)
    sent: dict[str, Any] = send_bytes(data, name)  # type: ignore[no-untyped-call]
    return sent, f"Your {label} download ({name}) has started."


def attach(
    app: Any,
    chart_id: str,
    rebuild: Rebuild,
    threshold: int | None = None,
    *,
    table: twin.Build | None = None,
) -> None:
    """Attach the download callback of the card ``chart_id`` to ``app``: its buttons in, its
    view key as state, the file and the status line out; and the callbacks that build its table
    twin when the reader opens it (``dashboard.charts.twin``). ``rebuild``: see ``Rebuild``;
    ``threshold``: the app's suppression threshold; ``table``: the twin's table for a view key,
    for a chart whose twin is not the kit's table of its content (default: that table, from
    ``rebuild``)."""
    check_chart_id(chart_id)
    twin.attach(app, chart_id, table if table is not None else twin.from_content(rebuild))
    # bound with its name kept: Dash's callback map, logs and the benchmarks name it by it
    download = update_wrapper(
        partial(update_download, chart_id, rebuild, threshold), update_download
    )
    app.callback(
        Output(ids.chart_pattern(chart_id, "download"), "data"),
        Output(ids.chart_pattern(chart_id, "status"), "children"),
        *[Input(ids.chart_download_button(chart_id, fmt), "n_clicks") for fmt, _, _ in FORMATS],
        State(ids.chart_pattern(chart_id, "view"), "data"),
        prevent_initial_call=True,
    )(download)

"""What a chart card shows and every download carries: ``ChartContent``, and its plain-JSON form
(``to_payload`` / ``from_payload``).

Pure data (no Dash): a presenter makes a ``ChartContent``; ``card.render`` shows it. The browser
never holds it: a download builds it again on the server from the chart's view key
(``downloads``) and hands ``exports`` its plain-JSON form read back (``exported``), so a file's
figures are the ones the card shows (the table's numbers as JSON carries them, the figure as the
graph draws it).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly

from dashboard.charts.figures.base import Figure, empty_figure, to_wire
from dashboard.charts.frame import STATUS, UNITS

SOURCE = "Local Family Offer quarterly returns to DWP"
PAYLOAD_VERSION = 1


@dataclass
class ChartContent:
    """Everything a card shows and every export carries (see the module docstring)."""

    figure: go.Figure | Figure  # a figure dict from dashboard.charts.figures, or a go.Figure
    title: str
    subtitle: str
    summary: str
    table: pd.DataFrame
    indicator_ids: list[str]
    notes: list[str] = field(default_factory=list)
    data_as_at: str | None = None
    source: str = SOURCE
    empty_message: str | None = None
    #: the suppression threshold the figures were made with (None: the app's setting)
    threshold: int | None = None
    #: what the figures are for, as codes, in order (``period``, ``intervention_group``,
    #: ``measure``, ``benchmark``, ``confidence_level``, ...): a column of every CSV row and a
    #: line of the other files' metadata (see ``dashboard.present.export_context``)
    context: dict[str, str] = field(default_factory=dict)
    #: the codes a download's file name carries after the chart's id (indicator, period,
    #: filters), in order; sanitised and bounded by ``downloads.file_name``
    file_parts: list[str] = field(default_factory=list)


def empty_content(
    message: str, title: str = "", subtitle: str = "", data_as_at: str | None = None
) -> ChartContent:
    """A card with ``message`` in place of its chart, table and downloads."""
    return ChartContent(
        figure=empty_figure(message),
        title=title,
        subtitle=subtitle,
        summary=message,
        table=pd.DataFrame(),
        indicator_ids=[],
        empty_message=message,
        data_as_at=data_as_at,
    )


def format_as_at(data_as_at: str | None) -> str:
    """ "2019-01-15T09:30:00" → "15 January 2019"; unparseable text is returned as it is."""
    if not data_as_at:
        return "not known"
    try:
        when = dt.datetime.fromisoformat(str(data_as_at))
    except ValueError:
        return str(data_as_at)
    return f"{when.day} {when:%B %Y}"


def meta_line(content: ChartContent) -> str:
    """ "Source: …. Data as at 15 January 2019." (under the card, and in the downloads)."""
    return f"Source: {content.source}. Data as at {format_as_at(content.data_as_at)}."


# --- the plain-JSON form ------------------------------------------------------------------------


def figure_json(figure: go.Figure | Figure, *, wired: bool = False) -> str:
    """A figure as plotly JSON text (a figure dict's arrays as typed arrays, like
    ``go.Figure.to_json``); ``wired``: the dict is ``to_wire``'s already."""
    text: str = (
        figure.to_json()
        if isinstance(figure, go.Figure)
        else pio.to_json(figure if wired else to_wire(figure), validate=False)
    )
    return text


def to_payload(content: ChartContent, wired: go.Figure | Figure | None = None) -> dict[str, Any]:
    """The content as plain JSON (figure as plotly JSON);
    ``wired`` is ``to_wire(content.figure)`` when the caller has made it already."""
    table = content.table.reset_index(drop=True)
    return {
        "version": PAYLOAD_VERSION,
        "figure": (
            figure_json(content.figure) if wired is None else figure_json(wired, wired=True)
        ),
        "title": content.title,
        "subtitle": content.subtitle,
        "summary": content.summary,
        "table": json.loads(table.to_json(orient="split", index=False, date_format="iso")),
        "units": dict(table.attrs.get(UNITS, {})),
        "indicator_ids": list(content.indicator_ids),
        "notes": list(content.notes),
        "data_as_at": content.data_as_at,
        "source": content.source,
        "threshold": content.threshold,
        "context": dict(content.context),
        "file_parts": list(content.file_parts),
    }


def exported(content: ChartContent) -> ChartContent:
    """The content the files are made from: ``content`` through its plain-JSON form and back (the
    table as JSON writes it, the figure as the card's graph gets it), made on the server."""
    # encoded as Dash encodes a callback's answer (plotly's encoder)
    return from_payload(json.loads(to_json_plotly(to_payload(content))))


def from_payload(payload: dict[str, Any]) -> ChartContent:
    """The inverse of ``to_payload``."""
    if not isinstance(payload, dict) or payload.get("version") != PAYLOAD_VERSION:
        raise ValueError("not a chart payload")
    t = payload["table"]
    table = pd.DataFrame(t["data"], columns=t["columns"])
    if STATUS in table:
        table[STATUS] = pd.Series(
            [s if isinstance(s, str) and s else None for s in table[STATUS]],
            index=table.index,
            dtype=object,
        )
    table.attrs[UNITS] = dict(payload.get("units") or {})
    figure = go.Figure(decode_typed_arrays(json.loads(payload["figure"])))
    return ChartContent(
        figure=figure,
        title=payload["title"],
        subtitle=payload["subtitle"],
        summary=payload["summary"],
        table=table,
        indicator_ids=list(payload["indicator_ids"]),
        notes=list(payload["notes"]),
        data_as_at=payload["data_as_at"],
        source=payload["source"],
        threshold=payload.get("threshold"),
        context={str(k): str(v) for k, v in (payload.get("context") or {}).items()},
        file_parts=[str(p) for p in payload.get("file_parts") or []],
    )


def decode_typed_arrays(obj: Any) -> Any:
    """Plotly JSON with its binary arrays (``{"dtype", "bdata"}``, plotly.py 6+) turned back into
    numpy arrays, so a rebuilt figure's data can be read like the original's."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if obj.get("shape"):
                array = array.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return array
        return {k: decode_typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode_typed_arrays(v) for v in obj]
    return obj

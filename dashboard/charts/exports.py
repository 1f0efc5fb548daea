"""Chart downloads: ``ChartContent`` in, file bytes out (CSV, Excel, PNG, SVG).

Every file carries the indicator metadata (definitions version 1), the data-as-at date, the
source, the suppression note and "© Crown copyright". Values are the unrounded figures of the
table twin; suppressed cells are empty in the CSV (with a ``status`` column, GSS practice) and
``[c]`` in the spreadsheet (with the key in its notes).

Images are drawn by kaleido (headless Chromium, started once per process on first use).
"""

from __future__ import annotations

import io
import logging
import struct
import textwrap
import threading
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.table import STATUS, STATUS_KEY, UNITS, numeric_columns
from dashboard.present.words import display_unit
from lfo.indicators.definitions import CAVEATS, DEFINITIONS_VERSION, Indicator, indicators

if TYPE_CHECKING:
    from dashboard.charts.card import ChartContent

log = logging.getLogger(__name__)

COPYRIGHT = "© Crown copyright"
CONTACT = "Local Family Offer monitoring team, DWP (contact details to be added)"
METADATA_COLUMNS = [
    "indicator_id",
    "indicator_name",
    "unit",
    "interval_method",
    "definition",
    "data_as_at",
    "definitions_version",
    "source",
    "suppression_threshold",
]
TABLE_SHEET = "Table_1"
#: Fonts with the same metrics wherever the image is drawn (Liberation Sans is metric-compatible
#: with Arial), so legend entries and labels never overlap.
EXPORT_FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"
SHEETS = ("Cover", "Contents", "Notes", "Definitions", TABLE_SHEET)
ID_COLUMNS = ("Indicator id", "indicator")


# --- shared metadata -----------------------------------------------------------------------------


def chart_indicators(content: ChartContent) -> list[Indicator]:
    catalogue = indicators()
    return [catalogue[i] for i in content.indicator_ids if i in catalogue]


def metadata_lines(ind: Indicator) -> list[tuple[str, str]]:
    """One indicator's published metadata as (label, text) pairs."""
    return [
        ("Indicator id", ind.id),
        ("Name", ind.name),
        ("Definition", ind.definition),
        ("Numerator", ind.numerator),
        ("Denominator", ind.denominator),
        ("Unit", ind.unit),
        ("Polarity", ind.polarity),
        ("Period basis", ind.period_basis),
        ("Interval method", ind.interval_method),
        ("Source tables", ind.source_tables),
    ]


def _threshold(content: ChartContent) -> str:
    return "" if content.threshold is None else str(content.threshold)


def _row_indicators(content: ChartContent, n: int) -> list[Indicator | None]:
    inds = chart_indicators(content)
    table = content.table
    column = next((c for c in ID_COLUMNS if c in table), None)
    if column is not None:
        catalogue = indicators()
        return [catalogue.get(str(v)) for v in table[column]]
    if len(inds) == 1:
        return [inds[0]] * n
    return [None] * n


def _joined(content: ChartContent, attr: str) -> str:
    return "; ".join(str(getattr(i, attr)) for i in chart_indicators(content))


def suppression_notes(content: ChartContent) -> list[str]:
    return [n for n in content.notes if "[c]" in n]


# --- CSV -----------------------------------------------------------------------------------------


def to_csv(content: ChartContent) -> bytes:
    """UTF-8 with a byte-order mark: the table's rows (unrounded; suppressed cells empty; a
    ``status`` column) with the metadata columns on every row."""
    table = content.table.reset_index(drop=True).copy()
    if STATUS not in table:
        table[STATUS] = None
    table[STATUS] = table[STATUS].astype(object).where(table[STATUS].notna(), "")
    per_row = _row_indicators(content, len(table))
    meta: dict[str, list[Any]] = {c: [] for c in METADATA_COLUMNS}
    for ind in per_row:
        meta["indicator_id"].append(ind.id if ind else _joined(content, "id"))
        meta["indicator_name"].append(ind.name if ind else _joined(content, "name"))
        meta["unit"].append(ind.unit if ind else _joined(content, "unit"))
        meta["interval_method"].append(
            ind.interval_method if ind else _joined(content, "interval_method")
        )
        meta["definition"].append(ind.definition if ind else _joined(content, "definition"))
    n = len(table)
    meta["data_as_at"] = [content.data_as_at or ""] * n
    meta["definitions_version"] = [DEFINITIONS_VERSION] * n
    meta["source"] = [content.source] * n
    meta["suppression_threshold"] = [_threshold(content)] * n
    out = pd.concat([table, pd.DataFrame(meta, columns=METADATA_COLUMNS)], axis=1)
    text = out.to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


# --- Excel ---------------------------------------------------------------------------------------


def all_notes(content: ChartContent) -> list[str]:
    """The spreadsheet's notes, numbered in this order."""
    notes = list(content.notes)
    for ind in chart_indicators(content):
        notes.append(
            f"Indicator {ind.id} ({ind.name}): "
            + "; ".join(
                f"{label.lower()}: {text.rstrip('.')}" for label, text in metadata_lines(ind)[2:]
            )
            + "."
        )
    notes += [f"[{k}] means {v.split('] ', 1)[1]}." for k, v in STATUS_KEY.items()]
    if content.threshold is not None:
        notes.append(
            f"Figures resting on fewer than {content.threshold} people or episodes are "
            "suppressed ([c]), with further cells where needed so they cannot be "
            "worked out."
        )
    notes += [f"Caveat: {c}" for c in CAVEATS]
    return notes


def to_xlsx(content: ChartContent) -> bytes:
    """A statistical spreadsheet after the Analysis Function's guidance: Cover, Contents, Notes,
    Definitions and the table, each a sheet whose tables start in column A under a title row,
    with no merged cells and no blank rows inside a table; numbers stay numbers."""
    from openpyxl import Workbook

    notes = all_notes(content)
    wb = Workbook()
    wb.remove(wb.active)
    _cover_sheet(wb.create_sheet("Cover"), content)
    _contents_sheet(wb.create_sheet("Contents"), content)
    _notes_sheet(wb.create_sheet("Notes"), notes)
    _definitions_sheet(wb.create_sheet("Definitions"), content)
    _table_sheet(wb.create_sheet(TABLE_SHEET), content, len(notes))
    wb.properties.title = content.title
    wb.properties.creator = "Local Family Offer monitoring"
    wb.properties.description = description(content)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _title(ws: Any, text: str) -> None:
    from openpyxl.styles import Font

    ws["A1"] = text
    ws["A1"].font = Font(bold=True, size=16)


def _bold(cell: Any) -> None:
    from openpyxl.styles import Font

    cell.font = Font(bold=True)


def _add_table(ws: Any, name: str, header_row: int, n_rows: int, n_cols: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ref = f"A{header_row}:{get_column_letter(n_cols)}{header_row + max(n_rows, 1)}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    for cell in ws[header_row]:
        _bold(cell)


def _widths(ws: Any, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = w


def _cover_sheet(ws: Any, content: ChartContent) -> None:
    from dashboard.charts.card import format_as_at

    year = (content.data_as_at or "")[:4]
    _title(ws, content.title)
    rows = [
        (content.subtitle, False),
        ("About this data", True),
        (content.summary, False),
        ("Source", True),
        (content.source, False),
        ("Data as at", True),
        (format_as_at(content.data_as_at), False),
        ("Indicator definitions version", True),
        (DEFINITIONS_VERSION, False),
        ("Notes", True),
        (
            "Notes, indicator definitions and caveats are in the Notes and Definitions sheets. "
            "Cells marked [c] are suppressed to protect confidentiality, [x] not available, "
            "[z] not applicable.",
            False,
        ),
        ("Contact", True),
        (CONTACT, False),
        ("Copyright", True),
        (
            f"{COPYRIGHT} {year}".strip() + ". You may re-use this information under the terms "
            "of the Open Government Licence v3.0.",
            False,
        ),
    ]
    for k, (text, bold) in enumerate(rows, start=2):
        ws.cell(row=k, column=1, value=text)
        if bold:
            _bold(ws.cell(row=k, column=1))
    _widths(ws, [110])


def _contents_sheet(ws: Any, content: ChartContent) -> None:
    from openpyxl.worksheet.hyperlink import Hyperlink

    _title(ws, "Contents")
    ws["A2"] = "This worksheet contains one table."
    ws.append(["Sheet name", "Sheet title"])
    entries = [
        ("Cover", "About this spreadsheet"),
        ("Notes", "Notes, the status key and caveats"),
        ("Definitions", "Indicator definitions (version " + DEFINITIONS_VERSION + ")"),
        (TABLE_SHEET, content.title),
    ]
    for sheet, text in entries:
        ws.append([sheet, text])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1", display=sheet)
        cell.style = "Hyperlink"
    _add_table(ws, "Contents_table", 3, len(entries), 2)
    _widths(ws, [16, 90])


def _notes_sheet(ws: Any, notes: Sequence[str]) -> None:
    _title(ws, "Notes")
    ws["A2"] = "This worksheet contains one table."
    ws.append(["Note number", "Note text"])
    for k, note in enumerate(notes, start=1):
        ws.append([f"[note {k}]", note])
    _add_table(ws, "Notes_table", 3, len(notes), 2)
    _widths(ws, [14, 140])


def _definitions_sheet(ws: Any, content: ChartContent) -> None:
    _title(ws, "Indicator definitions")
    ws["A2"] = (
        f"Definitions version {DEFINITIONS_VERSION}. This worksheet contains one table, "
        "one row per indicator in the chart."
    )
    inds = chart_indicators(content)
    labels = [label for label, _ in metadata_lines(inds[0])] if inds else ["Indicator id"]
    ws.append(labels)
    for ind in inds:
        ws.append([text for _, text in metadata_lines(ind)])
    _add_table(ws, "Definitions_table", 3, len(inds), len(labels))
    _widths(ws, [26, 30, 70, 40, 40, 18, 18, 30, 20, 24][: len(labels)])


def _table_sheet(ws: Any, content: ChartContent, n_notes: int) -> None:
    from dashboard.charts.card import format_as_at

    table = content.table.reset_index(drop=True)
    status = table[STATUS].astype(object) if STATUS in table else pd.Series(None, table.index)
    shown = [c for c in table.columns if c != STATUS]
    numeric = set(numeric_columns(table))
    units = _column_formats(content, numeric)
    _title(ws, f"{content.title}")
    ws["A2"] = content.subtitle
    ws["A3"] = f"Source: {content.source}. Data as at {format_as_at(content.data_as_at)}."
    ws["A4"] = (
        "This table contains notes: see the Notes sheet [note 1] to "
        f"[note {n_notes}]. Cells marked [c] are suppressed to protect confidentiality, "
        "[x] not available, [z] not applicable."
    )
    header = 5
    ws.append(shown)
    for i in range(len(table)):
        mark = status.iloc[i]
        row = []
        for column in shown:
            value = table[column].iloc[i]
            if pd.isna(value):
                # no blank cells (Analysis Function guidance): the row's status, else [x]
                row.append(f"[{mark}]" if isinstance(mark, str) and mark else "[x]")
            elif column in numeric:
                row.append(float(value) if not float(value).is_integer() else int(value))
            else:
                row.append(str(value))
        ws.append(row)
        for k, column in enumerate(shown, start=1):
            if column in units:
                ws.cell(row=ws.max_row, column=k).number_format = units[column]
    _add_table(ws, "Table_1", header, len(table), len(shown))
    _widths(ws, [max(12, min(40, len(str(c)) + 4)) for c in shown])


def _column_formats(content: ChartContent, numeric: set[str]) -> dict[str, str]:
    """An Excel number format per numeric column (display only: the values stay unrounded)."""
    units = content.table.attrs.get(UNITS, {})
    out = {}
    for column in numeric:
        unit, dp = (
            display_unit(units[column])
            if column in units
            else (
                ("count", None)
                if pd.api.types.is_integer_dtype(content.table[column])
                else ("rate", None)
            )
        )
        places = dp if dp is not None else {"count": 0, "days": 0}.get(unit, 1)
        out[column] = "#,##0" + ("." + "0" * places if places else "")
    return out


# --- images --------------------------------------------------------------------------------------

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
            return _kaleido().calc_fig_sync(fig.to_dict(), opts=opts)
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
    from dashboard.charts.card import format_as_at

    parts = [
        f"Source: {content.source}. Data as at {format_as_at(content.data_as_at)}. "
        f"Indicator definitions version {DEFINITIONS_VERSION}."
    ]
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


def description(content: ChartContent) -> str:
    parts = [content.subtitle, content.summary, *content.notes]
    for ind in chart_indicators(content):
        parts.append(
            f"{ind.name} ({ind.id}): {ind.definition} Interval method: "
            f"{ind.interval_method}. Unit: {ind.unit}."
        )
    parts.append(f"Indicator definitions version {DEFINITIONS_VERSION}.")
    return " ".join(p for p in parts if p)


def data_csv_text(content: ChartContent) -> str:
    """The plotted numbers as CSV text (no metadata columns), for embedding in images."""
    return content.table.to_csv(index=False, lineterminator="\n")


def png_text(content: ChartContent) -> list[tuple[str, str]]:
    from dashboard.charts.card import format_as_at

    return [
        ("Title", content.title),
        ("Description", description(content)),
        ("Source", f"{content.source}. Data as at {format_as_at(content.data_as_at)}."),
        ("Copyright", COPYRIGHT),
        ("Data", data_csv_text(content)),
    ]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def add_png_text(png: bytes, items: Sequence[tuple[str, str]]) -> bytes:
    """The PNG with a text chunk per item after IHDR: ``tEXt`` where the text is Latin-1,
    ``iTXt`` (UTF-8) where it is not."""
    signature = b"\x89PNG\r\n\x1a\n"
    if not png.startswith(signature):
        raise ValueError("not a PNG")
    ihdr_end = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    chunks = []
    for key, text in items:
        keyword = key.encode("latin-1")[:79]
        try:
            chunks.append(_chunk(b"tEXt", keyword + b"\0" + text.encode("latin-1")))
        except UnicodeEncodeError:
            chunks.append(_chunk(b"iTXt", keyword + b"\0\0\0\0\0" + text.encode("utf-8")))
    return png[:ihdr_end] + b"".join(chunks) + png[ihdr_end:]


def read_png_text(png: bytes) -> dict[str, str]:
    """The ``tEXt`` and ``iTXt`` chunks of a PNG (for tests and for readers of our files)."""
    out: dict[str, str] = {}
    pos = 8
    while pos < len(png):
        length = struct.unpack(">I", png[pos : pos + 4])[0]
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            out[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            rest = rest[2:]  # compression flag and method
            _lang, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            out[key.decode("latin-1")] = text.decode("utf-8")
        pos += 12 + length
    return out


def add_svg_metadata(svg: bytes, content: ChartContent) -> bytes:
    """The SVG with ``<title>``, ``<desc>`` and ``<metadata>`` (the data as CSV and the indicator
    metadata) as the first children of its root element."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    if start < 0:
        raise ValueError("not an SVG")
    end = text.find(">", start) + 1
    meta_rows = []
    for ind in chart_indicators(content):
        fields = "".join(
            f'<lfo:field name="{escape(k)}">{escape(v)}</lfo:field>' for k, v in metadata_lines(ind)
        )
        meta_rows.append(f"<lfo:indicator>{fields}</lfo:indicator>")
    from dashboard.charts.card import format_as_at

    block = (
        f"<title>{escape(content.title)}</title>"
        f"<desc>{escape(description(content))}</desc>"
        '<metadata><lfo:chart xmlns:lfo="urn:lfo:chart-metadata">'
        f"<lfo:source>{escape(content.source)}</lfo:source>"
        f"<lfo:data-as-at>{escape(content.data_as_at or '')}</lfo:data-as-at>"
        f"<lfo:data-as-at-text>{escape(format_as_at(content.data_as_at))}</lfo:data-as-at-text>"
        f"<lfo:definitions-version>{DEFINITIONS_VERSION}</lfo:definitions-version>"
        f"<lfo:copyright>{escape(COPYRIGHT)}</lfo:copyright>"
        + "".join(meta_rows)
        + f'<lfo:data format="text/csv">{escape(data_csv_text(content))}</lfo:data>'
        "</lfo:chart></metadata>"
    )
    return (text[:end] + block + text[end:]).encode("utf-8")

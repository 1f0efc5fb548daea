"""Metadata written into the image files: PNG text chunks (``tEXt``, ``iTXt``) and the SVG's
``<title>``, ``<desc>`` and ``<metadata>`` (the chart's context as ``<lfo:context name="…">``
codes, the plotted data as CSV and the indicator metadata)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from dashboard.charts.content import ChartContent, format_as_at
from dashboard.charts.exports.metadata import (
    COPYRIGHT,
    chart_indicators,
    context_text,
    data_csv_text,
    description,
    metadata_lines,
)
from lfo.indicators.definitions import DEFINITIONS_VERSION


def png_text(content: ChartContent) -> list[tuple[str, str]]:
    """The text chunks a PNG download carries: title, description, what the figures are for
    (``Context``: area, period, filters, benchmark, confidence level), source, copyright, data."""
    return [
        ("Title", content.title),
        ("Description", description(content)),
        ("Context", context_text(content)),
        ("Source", f"{content.source}. Data as at {format_as_at(content.data_as_at)}."),
        ("Copyright", COPYRIGHT),
        ("Data", data_csv_text(content)),
    ]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, kind, body and CRC."""
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
            chunks.append(png_chunk(b"tEXt", keyword + b"\0" + text.encode("latin-1")))
        except UnicodeEncodeError:
            chunks.append(png_chunk(b"iTXt", keyword + b"\0\0\0\0\0" + text.encode("utf-8")))
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
    context = "".join(
        f'<lfo:context name="{escape(k)}">{escape(v)}</lfo:context>'
        for k, v in content.context.items()
    )
    meta_rows = []
    for ind in chart_indicators(content):
        fields = "".join(
            f'<lfo:field name="{escape(k)}">{escape(v)}</lfo:field>' for k, v in metadata_lines(ind)
        )
        meta_rows.append(f"<lfo:indicator>{fields}</lfo:indicator>")
    block = (
        f"<title>{escape(content.title)}</title>"
        f"<desc>{escape(description(content))}</desc>"
        '<metadata><lfo:chart xmlns:lfo="urn:lfo:chart-metadata">'
        f"<lfo:source>{escape(content.source)}</lfo:source>"
        f"<lfo:data-as-at>{escape(content.data_as_at or '')}</lfo:data-as-at>"
        f"<lfo:data-as-at-text>{escape(format_as_at(content.data_as_at))}</lfo:data-as-at-text>"
        f"<lfo:definitions-version>{DEFINITIONS_VERSION}</lfo:definitions-version>"
        f"<lfo:copyright>{escape(COPYRIGHT)}</lfo:copyright>"
        + context
        + "".join(meta_rows)
        + f'<lfo:data format="text/csv">{escape(data_csv_text(content))}</lfo:data>'
        "</lfo:chart></metadata>"
    )
    return (text[:end] + block + text[end:]).encode("utf-8")

"""Chart downloads: ``ChartContent`` in, file bytes out (CSV, Excel, PNG, SVG).

Every file carries the indicator metadata (definitions version 2), the data-as-at date, the
source, the suppression note and "© Crown copyright" (``metadata``). Values are the unrounded
figures of the table twin; suppressed cells are empty in the CSV (with a ``status`` column, GSS
practice: ``csv_file``) and ``[c]`` in the spreadsheet (with the key in its notes:
``spreadsheet``). Images are drawn by kaleido (headless Chromium, started once per process on
first use: ``images``), with their metadata embedded (``embed``).
"""

from __future__ import annotations

from dashboard.charts.exports.csv_file import METADATA_COLUMNS, to_csv
from dashboard.charts.exports.embed import add_png_text, add_svg_metadata, read_png_text
from dashboard.charts.exports.images import publication_figure, to_image
from dashboard.charts.exports.metadata import CONTACT, COPYRIGHT, description
from dashboard.charts.exports.spreadsheet import SHEETS, TABLE_SHEET, to_xlsx

__all__ = [
    "CONTACT",
    "COPYRIGHT",
    "METADATA_COLUMNS",
    "SHEETS",
    "TABLE_SHEET",
    "add_png_text",
    "add_svg_metadata",
    "description",
    "publication_figure",
    "read_png_text",
    "to_csv",
    "to_image",
    "to_xlsx",
]

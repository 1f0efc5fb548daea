"""The area profile's print document (``/area/<gss>/profile.pdf``): one self-contained HTML page
that Chromium prints to A4 (``dashboard.print_pdf``).

It is built from what the page itself shows (``dashboard.callbacks.area_print``): the spine's
chart, summary, notes and table twin, and the trend card. Every text is escaped; the charts are
the page's figures as JSON, drawn by the plotly.js the app serves, inlined, as static SVG
sized for A4 portrait. Nothing in it loads from anywhere: Chromium refuses every request.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from html import escape
from pathlib import Path

from dashboard.callbacks.area_print import ProfileFigures
from dashboard.charts.content import ChartContent, figure_json, format_as_at
from dashboard.charts.frame import STATUS_KEY
from dashboard.present import benchmark as bench
from dashboard.present.area import Link, Table, when_text
from dashboard.present.confidence import level_words
from lfo.periods import period as parse_code

PLOTLY_JS = Path(__file__).resolve().parents[1] / "assets" / "plotly-basic.min.js"
#: Where the charts are drawn: A4's 210 mm less two 14 mm margins, in CSS pixels (96 to the inch).
CHART_WIDTH = 680
#: The tallest a chart is printed (pixels), so the spine fits under the title on the first page
#: (A4's printable height is about 1,000 pixels). A taller figure is drawn wider, at its own
#: height, and scaled down whole (CSS ``zoom``): squeezing its rows would run two-line labels
#: into each other.
CHART_MAX_HEIGHT = 700
#: The room the spine keeps below its rows for its key wrapped on a tablet (``charts.spine``):
#: drawn wide for print the key takes two lines, so most of that room is given back.
SPINE_KEY_SPARE = 170
PUBLISHER = "Department for Work and Pensions, Local Family Offer monitoring"
STATUS_LINE = (
    "Official statistics in development. These are live figures, provisional until published: "
    "a later return may revise them."
)
COPYRIGHT = "© Crown copyright"

CSS = """
@page { size: A4 portrait; margin: 14mm 14mm 16mm; }
* { box-sizing: border-box; }
html { color: #0b0c0c; background: #ffffff; font-family: "Liberation Sans", Arial, Helvetica,
  sans-serif; font-size: 10pt; line-height: 1.35; }
body { margin: 0; }
h1 { font-size: 20pt; margin: 0 0 4pt; }
h2 { font-size: 14pt; margin: 14pt 0 4pt; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 10pt 0 3pt; break-after: avoid; }
p, li, dd, dt { orphans: 3; widows: 3; }
.service { margin: 0 0 6pt; padding-bottom: 4pt; border-bottom: 3pt solid #1d70b8;
  font-weight: 700; }
dl.facts { display: grid; grid-template-columns: 36mm 1fr; gap: 1pt 6pt; margin: 6pt 0 8pt; }
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; }
.subtitle { color: #0b0c0c; margin: 0 0 4pt; }
.chart { break-inside: avoid; margin: 0 0 4pt; }
figure { margin: 0; break-inside: avoid; }
.notes { font-size: 9pt; padding-left: 14pt; margin: 4pt 0; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; line-height: 1.25; }
caption { caption-side: top; text-align: left; font-weight: 700; font-size: 9pt;
  padding-bottom: 3pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border-bottom: 0.5pt solid #b1b4b6; padding: 2pt 3pt; vertical-align: top;
  text-align: left; overflow-wrap: break-word; hyphens: manual; }
tbody th { width: 20%; }
thead th { border-bottom: 1pt solid #0b0c0c; vertical-align: bottom; }
.num { text-align: right; }
.key { font-size: 8.5pt; margin: 3pt 0; }
.trend-list { columns: 2; column-gap: 10mm; padding-left: 14pt; font-size: 9pt; }
.trend-list li { break-inside: avoid; }
.table-part { break-before: page; }
footer { margin-top: 10pt; padding-top: 4pt; border-top: 1pt solid #b1b4b6; font-size: 8.5pt; }
footer p { margin: 0 0 2pt; }
"""


@cache
def plotly_js() -> str:
    """plotly.js as the app serves it (``assets/``), read once per process."""
    return PLOTLY_JS.read_text(encoding="utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def facts(figures: ProfileFigures, release: str | None) -> list[tuple[str, str]]:
    """The lines under the title: period, benchmark, confidence level, data as at, release."""
    v = figures.view
    shown = parse_code(v.period).in_words if v.period else "no period has figures"
    lines = [
        ("Period", shown[:1].upper() + shown[1:]),
        (
            "Benchmark",
            bench.its(v.benchmark, v.region)[:1].upper() + bench.its(v.benchmark, v.region)[1:],
        ),
        ("Confidence level", level_words(v.ci)),
        (
            "Data as at",
            when_text(figures.data_as_at) if figures.data_as_at else "no returns loaded",
        ),
    ]
    if release is not None:
        lines.append(("Release", release))
    else:
        lines.append(("Figures", "live (provisional): not a published release"))
    return lines


def _cell(value: str | Link) -> str:
    """A table cell's text: in print a link is its words (its address means nothing on paper)."""
    return escape(_words(value))


def table_html(table: Table) -> str:
    """An accessible table: caption, column headers with scope, the first cell a row header,
    numbers right-aligned; the header row repeated on every page, no row split."""

    def cls(k: int) -> str:
        return ' class="num"' if k in table.numeric else ""

    head = "".join(f'<th scope="col"{cls(k)}>{escape(c)}</th>' for k, c in enumerate(table.columns))
    rows = []
    for row in table.rows:
        cells = [
            f'<th scope="row">{_cell(v)}</th>' if k == 0 else f"<td{cls(k)}>{_cell(v)}</td>"
            for k, v in enumerate(row)
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    key = "; ".join(STATUS_KEY[s] for s in table.statuses if s in STATUS_KEY)
    return (
        f"<table><caption>{escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + (f'<p class="key">{escape(key)}.</p>' if key else "")
    )


def recent_trends(table: Table) -> list[tuple[str, str]]:
    """Each indicator whose recent trend was tested, with the trend in words (the table's
    "Recent trend" column)."""
    if "Recent trend" not in table.columns:
        return []
    k = table.columns.index("Recent trend")
    out = []
    for row in table.rows:
        word, first = _words(row[k]), _words(row[0])
        if word and word != "not tested":
            out.append((first, word))
    return out


def _words(cell: str | Link) -> str:
    return cell.text if isinstance(cell, Link) else cell


def _chart(chart_id: str, content: ChartContent) -> tuple[str, str | None]:
    """A chart's HTML (heading, subtitle, the box it is drawn in, summary, notes) and its
    figure's JSON (None when the card has nothing to draw)."""
    notes = "".join(f"<li>{escape(n)}</li>" for n in content.notes)
    if content.empty_message:
        return f"<p>{escape(content.empty_message)}</p>", None
    body = (
        f'<p class="subtitle">{escape(content.subtitle)}</p>'
        f'<figure aria-label="{escape(content.title)}"><div class="chart" id="{chart_id}"></div>'
        f"</figure><p>{escape(content.summary)}</p>"
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
    )
    return body, figure_json(content.figure)


def document(figures: ProfileFigures, *, threshold: int, release: str | None = None) -> str:
    """The whole print document for the figures (``threshold``: the suppression threshold)."""
    v, spine, trend = figures.view, figures.spine, figures.trend
    title = f"{v.name}: area profile"
    facts_html = "".join(
        f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in facts(figures, release)
    )
    spine_body, spine_json = _chart("spine", spine.content)
    trend_body, trend_json = _chart("trend", trend)
    trends = recent_trends(spine.twin) if spine.twin is not None else []
    trend_items = "".join(f"<li>{escape(n)}: {escape(w)}</li>" for n, w in trends)
    table = table_html(spine.twin) if spine.twin is not None else ""
    figures_js = {
        k: {"figure": json.loads(j), "spare": spare}
        for k, j, spare in (("spine", spine_json, SPINE_KEY_SPARE), ("trend", trend_json, 0))
        if j
    }
    made = datetime.now().astimezone()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{CSS}</style></head>
<body>
<header><p class="service">{escape(PUBLISHER)}</p><h1>{escape(title)}</h1>
<dl class="facts">{facts_html}</dl>
<p>{escape(STATUS_LINE)}</p></header>
<main>
<section><h2>{escape(spine.content.title or "Key indicators")}</h2>{spine_body}</section>
<section><h2>Key trends</h2>
{f'<p>The recent trend of each key indicator (a test over its latest quarters):</p><ul class="trend-list">{trend_items}</ul>' if trend_items else ""}
<h3>{escape(trend.title or "Trend")}</h3>{trend_body}</section>
<section class="table-part"><h2>The figures in a table</h2>{table}</section>
</main>
<footer>
<p>Source: {escape(PUBLISHER)}: {escape(spine.content.source)}. Data as at {escape(format_as_at(str(figures.data_as_at) if figures.data_as_at else None))}.</p>
<p>Figures marked [c] are suppressed to protect confidentiality: they rest on fewer than {threshold} people or episodes, or would let such a figure be worked out. [x]: not available; [z]: not applicable.</p>
<p>{escape(COPYRIGHT)}. Made {made.day} {made:%B %Y at %H:%M}.</p>
</footer>
<script>{plotly_js()}</script>
<script>
(function () {{
  var figures = {_script_json(json.dumps(figures_js))};
  var drawn = Object.keys(figures).map(function (id) {{
    var f = figures[id].figure, layout = Object.assign({{}}, f.layout || {{}});
    var height = (layout.height || 400) - (figures[id].spare || 0);
    var zoom = Math.min(1, {CHART_MAX_HEIGHT} / height);
    layout.height = height; layout.width = Math.round({CHART_WIDTH} / zoom);
    layout.autosize = false;
    document.getElementById(id).style.zoom = zoom;
    layout.paper_bgcolor = "#ffffff"; layout.plot_bgcolor = "#ffffff";
    return Plotly.newPlot(id, f.data || [], layout, {{staticPlot: true, displayModeBar: false}});
  }});
  Promise.all(drawn).then(function () {{ window.lfoDrawn = true; }},
                          function () {{ window.lfoDrawn = true; }});
}})();
</script>
</body></html>"""

"""The tracker pages' HTML and CSV lines (``dashboard.web.tracker_page``): plain functions of what
``lfo.tracker`` read, every value escaped. A status is always shown in words with its symbol
(never colour alone); "late" is a word too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from dashboard.web import forms
from dashboard.web.gate import RETURNS_PATH, TRACKER_PATH
from dashboard.web.tokens_page import when
from lfo import tracker
from lfo.periods import Quarter
from lfo.rollback import Candidate
from lfo.submissions import STATE_NAMES, Submission

#: Each status's symbol, shown before its words.
SYMBOLS = {
    "loaded": "✓",
    "submitted": "↑",
    "received": "●",
    "received with errors": "✗",
    "not received": "○",
    tracker.LATE: "!",
}
CSV_COLUMNS = (
    "area_code",
    "area_name",
    "quarter",
    "due_date",
    "status",
    "late",
    "first_loaded_at_utc",
    "latest_event",
)


def day(value: dt.date) -> str:
    """``8 May 2019``."""
    return f"{value.day} {value:%B %Y}"


def status_words(cell: tracker.Cell) -> str:
    """The status as the page and the CSV say it: "Loaded late" when a load came late."""
    words = cell.status.capitalize()
    return f"{words} late" if cell.late and cell.status == "loaded" else words


def latest(cell: tracker.Cell) -> str:
    if not cell.events:
        return ""
    event = cell.events[0]
    if event.who == tracker.COMMAND_LINE:  # "loaded from the command line" says who already
        return f"{event.what}, {when(event.at)}"
    return f"{event.what} by {event.who}, {when(event.at)}"


def filtered(made: tracker.Tracker, status: str, quarter: str) -> list[tracker.Row]:
    """The rows with a cell matching ``status`` (in ``quarter``, or any quarter shown)."""
    if not status:
        return list(made.rows)
    labels = [quarter] if quarter else [c.quarter.label for c in made.columns]
    return [
        row
        for row in made.rows
        if any((c := row.cells.get(q)) is not None and status in c.flags for q in labels)
    ]


def csv_lines(made: tracker.Tracker, rows: Sequence[tracker.Row]) -> list[list[Any]]:
    """One line per LA and quarter shown (``CSV_COLUMNS``); a quarter the LA had left by is
    "not in the programme"."""
    lines: list[list[Any]] = []
    for row in rows:
        for column in made.columns:
            cell = row.cells[column.quarter.label]
            start = [row.area_code, row.name, column.quarter.display, column.due.isoformat()]
            if cell is None:
                lines.append([*start, "not in the programme", "", "", ""])
                continue
            loaded = f"{cell.loaded_at:%Y-%m-%d %H:%M}" if cell.loaded_at else ""
            late = "late" if cell.late else ""
            lines.append([*start, status_words(cell).lower(), late, loaded, latest(cell)])
    return lines


def cell_html(row: tracker.Row, column: tracker.Column) -> str:
    cell = row.cells[column.quarter.label]
    if cell is None:
        return '<td>— <span class="small">Not in the programme</span></td>'
    context = f"{row.name}, {column.quarter.display}: "
    link = (
        f'<a href="{TRACKER_PATH}/{escape(row.area_code)}">'
        f'<span class="visually-hidden">{escape(context)}</span>'
        f'<span aria-hidden="true">{SYMBOLS[cell.status]}</span> {escape(status_words(cell))}</a>'
    )
    late = ""
    if cell.late and cell.status != "loaded":
        late = f'<br><strong><span aria-hidden="true">{SYMBOLS[tracker.LATE]}</span> Late</strong>'
    what = latest(cell)
    # the latest event, beside the status on wider screens (on a phone the LA's page has it)
    small = f'<br><span class="small d-none d-md-inline">{escape(what)}</span>' if what else ""
    return f"<td>{link}{late}{small}</td>"


def summary_line(made: tracker.Tracker, column: tracker.Column) -> str:
    s = made.summary(column.quarter)
    others = ", ".join(f"{s.counts[k]} {k}" for k in tracker.STATUSES if k != "loaded")
    return (
        f"<li><strong>{escape(column.quarter.display)}</strong> (due {day(column.due)}): "
        f"{s.counts['loaded']} of {s.total} loaded, {s.late} late; {escape(others)}.</li>"
    )


def earlier_note(latest: Quarter) -> str:
    """No return was received in the quarters shown: a link to those up to the latest loaded."""
    link = f"{TRACKER_PATH}?{urlencode({'until': latest.label})}"
    return (
        '<div class="alert alert-info" role="status">No return has been received for the '
        f"quarters shown. The latest loaded return is for {escape(latest.display)}: "
        f'<a href="{escape(link)}">show the quarters up to {escape(latest.display)}</a>.</div>'
    )


def filter_form(
    made: tracker.Tracker, status: str, quarter: str, until: Quarter | None = None
) -> str:
    def options(values: Sequence[tuple[str, str]], chosen: str) -> str:
        return "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(t)}</option>'
            for v, t in values
        )

    statuses = [("", "Every LA"), *((f, f.capitalize()) for f in tracker.FILTERS)]
    quarters = [
        ("", "Any quarter shown"),
        *((c.quarter.label, c.quarter.display) for c in made.columns),
    ]
    kept = until.label if until else ""
    query = urlencode(
        {k: v for k, v in (("status", status), ("quarter", quarter), ("until", kept)) if v}
    )
    csv_link = f"{TRACKER_PATH}/csv" + (f"?{query}" if query else "")
    hidden = f'<input type="hidden" name="until" value="{escape(kept)}">' if kept else ""
    return f"""<form method="get" action="{TRACKER_PATH}" class="lfo-form row g-2 align-items-end">
<div class="col-auto"><label class="form-label" for="status">Show LAs whose status is</label>
<select class="form-select" id="status" name="status">{options(statuses, status)}</select></div>
<div class="col-auto"><label class="form-label" for="quarter">In</label>
<select class="form-select" id="quarter" name="quarter">{options(quarters, quarter)}</select></div>
<div class="col-auto">{hidden}<button class="btn btn-primary" type="submit">Show</button></div>
</form>
<p class="mt-3"><a href="{escape(csv_link)}">Download these rows as CSV</a></p>"""


def tracker_body(
    made: tracker.Tracker,
    rows: Sequence[tracker.Row],
    status: str,
    quarter: str,
    *,
    every: bool,
    until: Quarter | None = None,
) -> str:
    whose = "every LA" if every else "your LA"
    which = (
        f"the quarters up to {escape(until.display)} "
        f'(<a href="{TRACKER_PATH}">the latest quarters</a>)'
        if until
        else "the latest quarters that have ended"
    )
    heads = "".join(
        f'<th scope="col">{escape(c.quarter.display)}<br>'
        f'<span class="fw-normal small">due {day(c.due)}</span></th>'
        for c in made.columns
    )
    body = "".join(
        f'<tr><th scope="row"><a href="{TRACKER_PATH}/{escape(r.area_code)}">{escape(r.name)}</a>'
        f' <span class="small">({escape(r.area_code)})</span></th>'
        + "".join(cell_html(r, c) for c in made.columns)
        + "</tr>"
        for r in rows
    )
    chosen = f" whose status is {status}" if status else ""
    if status and quarter:
        chosen += f" in {_period(quarter)}"
    summaries = "".join(summary_line(made, c) for c in made.columns)
    empty = "" if rows else "<p>No LA matches this choice.</p>"
    return f"""<p>The returns of {whose} for {which}. A return is due
a number of working days (Monday to Friday, not bank holidays in England) after its quarter ends;
it is <strong>late</strong> if it was not loaded by the end of that day. Choose an LA to see who did
what and when.</p>
<h2 class="h4">Each quarter</h2><ul>{summaries}</ul>
{filter_form(made, status, quarter, until)}
<div class="table-responsive" tabindex="0" role="region" aria-label="Each LA's return by quarter">
<table class="table table-sm lfo-table lfo-tracker"><caption>Each LA's return by quarter
({len(rows)} LAs{escape(chosen)}), by LA name</caption>
<thead><tr><th scope="col">LA</th>{heads}</tr></thead><tbody>{body}</tbody></table></div>{empty}"""


def area_body(
    code: str,
    name: str,
    made: tracker.Tracker,
    current: dict[str, Any] | None,
    history: Sequence[tracker.Event],
    sent: Sequence[Submission],
    rollback_html: str,
) -> str:
    if current is None:
        now = "<p>No return of this LA is loaded.</p>"
    else:
        shown = tracker.quarter_of(current["period"])
        period = shown.display if shown is not None else current["period"]
        now = (
            f"<p>{escape(period)}: {escape(current['file_name'])}, load {current['load_id']}, "
            f"loaded {when(current['loaded_at'])}.</p>"
        )
    [row] = made.rows
    quarters = "".join(
        f'<tr><th scope="row">{escape(c.quarter.display)}</th><td>{day(c.due)}</td>'
        + (
            cell_html(row, c)
            if row.cells[c.quarter.label] is not None
            else "<td>Not in the programme</td>"
        )
        + "</tr>"
        for c in made.columns
    )
    return f"""<p><a href="{TRACKER_PATH}">The submissions tracker</a></p>
<h2 class="h4">Current return</h2>{now}
{
        forms.scroll_box(
            f"{name}: the latest quarters",
            f'''<table class="table table-sm lfo-table">
<caption>{escape(name)} ({escape(code)}): the latest quarters</caption><thead><tr>
<th scope="col">Quarter</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
<tbody>{quarters}</tbody></table>''',
        )
    }
{submissions_table(sent)}
{events_table(history)}
{rollback_html}"""


def submissions_table(sent: Sequence[Submission]) -> str:
    if not sent:
        return "<p>No return of this LA was sent through the web.</p>"
    rows = "".join(
        f'<tr><td><a href="{RETURNS_PATH}/{s.submission_id}">Submission {s.submission_id}</a></td>'
        f"<td>{'Rollback' if s.kind == 'rollback' else 'Upload'}</td>"
        f"<td>{escape(_period(s.period))}</td>"
        f"<td>{escape(STATE_NAMES.get(s.shown, s.shown))}</td>"
        f"<td>{when(s.uploaded_at)}</td><td>{escape(s.reason or '')}</td></tr>"
        for s in sent
    )
    return forms.scroll_box(
        "Returns sent through the web",
        f"""<table class="table table-sm lfo-table"><caption>Returns sent through the web,
newest first</caption><thead><tr><th scope="col">Report</th><th scope="col">Kind</th>
<th scope="col">Quarter</th><th scope="col">State</th><th scope="col">Sent</th>
<th scope="col">Outcome</th></tr></thead><tbody>{rows}</tbody></table>""",
    )


def events_table(history: Sequence[tracker.Event]) -> str:
    if not history:
        return "<p>Nothing was sent or loaded for this LA yet.</p>"

    def details(e: tracker.Event) -> str:
        parts = []
        if e.submission_id is not None:
            parts.append(f'<a href="{RETURNS_PATH}/{e.submission_id}">report</a>')
        if e.load_id is not None:
            parts.append(f"load {e.load_id}")
        if e.note:
            parts.append(escape(e.note))
        return "; ".join(parts)

    rows = "".join(
        f"<tr><td>{when(e.at)}</td><td>{escape(_period(e.period))}</td><td>{escape(e.what)}</td>"
        f"<td>{escape(e.who)}</td><td>{details(e)}</td></tr>"
        for e in history
    )
    return forms.scroll_box(
        "Everything sent and loaded",
        f"""<table class="table table-sm lfo-table"><caption>Everything sent and loaded,
newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Quarter</th>
<th scope="col">What</th><th scope="col">Who</th><th scope="col">Details</th></tr></thead>
<tbody>{rows}</tbody></table>""",
    )


def rollback_forms(code: str, choices: Sequence[Candidate], csrf: str) -> str:
    intro = """<h2 class="h4">Roll back to an earlier return</h2>
<p>Loads an earlier return of this LA again, with force, in place of its current data (as
<code>python -m etl load --force</code> would). The background worker loads it; the outcome shows
above. Every rollback is in the audit log with its reason.</p>"""
    if not choices:
        return intro + "<p>No earlier loaded return of this LA is in the archive.</p>"
    options = "".join(
        f'<option value="{c.load.load_id}">{escape(_period(c.load.period))}: '
        f"{escape(c.load.file_name)}, {escape(c.load.outcome)} {when(c.load.at)} "
        f"(load {c.load.load_id})</option>"
        for c in choices
    )
    return (
        intro
        + f"""<form method="post" action="{TRACKER_PATH}/{escape(code)}/rollback"
class="lfo-form mb-4">{csrf}
<div class="mb-2"><label class="form-label" for="rollback-load">Earlier return (newest
first)</label><select class="form-select" id="rollback-load" name="load_id">{options}</select></div>
<div class="form-check mb-2"><input class="form-check-input" type="checkbox" name="confirm"
value="yes" id="rollback-confirm" required><label class="form-check-label"
for="rollback-confirm">I confirm: load this return in place of the LA's current data</label></div>
<div class="mb-2"><label class="form-label" for="rollback-reason">Reason</label>
<input class="form-control" id="rollback-reason" name="reason" maxlength="500" required></div>
<button class="btn btn-secondary" type="submit">Roll back to this return</button></form>"""
    )


def _period(code: str) -> str:
    shown: Quarter | None = tracker.quarter_of(code)
    return shown.display if shown is not None else code

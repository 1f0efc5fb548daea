"""A submission's report in the page (return-spec.md § 5, issue 13 § 2): the summary the check job
kept (``Submission.summary``: counts only) and the findings table, made from the uploaded file when
asked for, never stored in a table.

The findings are what ``etl.load.validate.validate_files`` gives for the file (the CLI's
``validate``), kept in a small in-process LRU cache keyed by (submission id, SHA-256) so that paging
and filtering do not check the file again. The rows shown and downloaded are the CLI report's
(``etl.report``: personal values masked; text cells through ``lfo.formula_guard`` in the files),
with control characters escaped as the CLI prints them (``etl.console.shown``) and every value
HTML-escaped.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard.web import forms
from dashboard.web.tokens_page import when
from etl.console import shown_frame
from etl.load.validate import validate_files
from etl.report import report_rows, write_report
from lfo.periods import period
from lfo.settings import Settings
from lfo.submissions import STATE_NAMES, Submission

PAGE_ROWS = 50
CACHE_SIZE = 8
#: The findings table's columns: the report's own names → the heading shown.
SHOWN_COLUMNS = {
    "sheet": "Sheet",
    "row": "Excel row",
    "column": "Column",
    "value": "Value",
    "code": "Code",
    "severity": "Severity",
    "message": "Message",
}
FILTERS = ("sheet", "code", "severity")
TABLES = ("participants", "episodes", "outcomes")
CHANGES = ("added", "changed", "removed", "unchanged")


class FindingsCache:
    """The findings of the last few files asked for, by (submission id, SHA-256)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.kept: OrderedDict[tuple[int, str], pd.DataFrame] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[int, str], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
        made = make()  # outside the lock: another file may be checked meanwhile
        with self.lock:
            self.kept[key] = made
            self.kept.move_to_end(key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return made


def checked_findings(path: Path, settings: Settings) -> pd.DataFrame:
    """Every finding of the file, as ``python -m etl validate`` finds them (LoadError if the
    database cannot be read)."""
    [result] = validate_files([path], settings)
    return result.findings


def report_file(findings: pd.DataFrame, name: str) -> bytes:
    """The CLI's ``--report`` file (``name`` ends .csv or .xlsx) as bytes: control characters shown
    escaped, as ``etl.commands`` writes it."""
    with tempfile.TemporaryDirectory(prefix="lfo-report-") as folder:
        path = write_report(shown_frame(findings), Path(folder) / name)
        return path.read_bytes()


def cell(value: Any) -> str:
    """A table cell's text: empty for a missing value, a whole number without ".0" (a column of
    Excel row numbers with gaps is read as floats: the CLI's report writes 5, so must the page)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return escape(str(value))


def table(caption: str, headings: list[str], rows: list[list[Any]], first_is_head: bool) -> str:
    """An HTML table with its caption and headed columns (and rows, if ``first_is_head``)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = []
    for row in rows:
        cells = [
            f'<th scope="row">{cell(v)}</th>' if i == 0 and first_is_head else f"<td>{cell(v)}</td>"
            for i, v in enumerate(row)
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return forms.scroll_box(
        caption,
        f'<table class="table table-sm"><caption>{escape(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>",
    )


def _period_words(code: object) -> str:
    """``2017-18 Q3`` for a period code, the text itself for anything else."""
    try:
        return period(str(code)).display
    except ValueError:
        return str(code)


def plural(n: int | None, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summary_html(summary: Mapping[str, Any], *, loaded: bool = False) -> str:
    """The check's summary (any part the check did not write is left out)."""
    parts = []
    found = summary.get("findings")
    if isinstance(found, list) and found:
        rows = [
            [
                f.get("sheet") or "(the file)",
                f.get("code"),
                f.get("severity"),
                f.get("title"),
                _count(f.get("count")),
            ]
            for f in found
            if isinstance(f, dict)
        ]
        headings = ["Sheet", "Code", "Severity", "What", "Findings"]
        parts.append(table("Findings by sheet and code", headings, rows, first_is_head=False))
    elif isinstance(found, list):
        parts.append("<p>The check found nothing to report.</p>")
    counts = summary.get("rows")
    if isinstance(counts, dict) and counts:
        rows = [[name.capitalize(), _count(counts.get(name))] for name in TABLES]
        kept = "Rows the load kept" if loaded else "Rows the load would keep"
        parts.append(table(kept, ["Table", "Rows"], rows, first_is_head=True))
    changes = summary.get("changes")
    if isinstance(changes, dict) and changes:
        current = summary.get("current_period")
        against = (
            f"against the LA's {'earlier' if loaded else 'current'} data (its return for "
            f"{escape(_period_words(current))})"
            if current
            else "against the LA's data (it had none)"
            if loaded
            else "against the LA's current data (it has none yet)"
        )
        rows = []
        for name in TABLES:
            of = changes.get(name)
            of = of if isinstance(of, dict) else {}
            rows.append([name.capitalize(), *(_count(of.get(c)) for c in CHANGES)])
        headings = ["Table", "Added", "Changed", "Removed", "Unchanged"]
        # once loaded, the same counts are what it changed (against the data it replaced)
        changed = "What the load changed" if loaded else "What the load would change"
        parts.append(f"<p>{changed}, {against}:</p>")
        parts.append(table(changed, headings, rows, first_is_head=True))
    return "".join(parts)


@dataclass(frozen=True)
class FindingsView:
    """The findings table's page and filters, checked against the values present."""

    page: int
    chosen: dict[str, str]
    problem: str


def shown_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The report's rows as the page shows them: personal values masked, control characters
    escaped (still to be HTML-escaped)."""
    return shown_frame(report_rows(findings)).reset_index(drop=True)


def choose(rows: pd.DataFrame, args: Mapping[str, str]) -> FindingsView:
    """The filters and page asked for, each checked against what the findings hold."""
    chosen: dict[str, str] = {}
    problems = []
    for name in FILTERS:
        wanted = str(args.get(name, ""))[:100]
        if not wanted:
            continue
        if wanted in set(rows[name].dropna().astype(str)):
            chosen[name] = wanted
        else:
            problems.append(f"no finding has {name} “{wanted}”")
    try:
        page = int(str(args.get("page", "1"))[:9])
    except ValueError:
        page = 1
    problem = ""
    if problems:
        problem = "Showing every value instead: " + "; ".join(problems) + "."
    return FindingsView(max(page, 1), chosen, problem)


def findings_html(rows: pd.DataFrame, view: FindingsView, here: str) -> str:
    """The filter form, the table (a page of ``PAGE_ROWS``) and the links to the other pages."""
    picked = rows
    for name, value in view.chosen.items():
        picked = picked[picked[name].astype(str) == value]
    pages = max(1, -(-len(picked) // PAGE_ROWS))
    page = min(view.page, pages)
    shown = picked.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    filters = "".join(_select(name, rows, view.chosen.get(name, "")) for name in FILTERS)
    form = (
        f'<form method="get" action="{escape(here)}" class="lfo-form row g-2 align-items-end">'
        f'{filters}<div class="col-auto"><button class="btn btn-secondary" type="submit">Show'
        "</button></div></form>"
    )
    caption = (
        f"Findings {((page - 1) * PAGE_ROWS + 1) if len(picked) else 0} to "
        f"{(page - 1) * PAGE_ROWS + len(shown)} of {len(picked)} (page {page} of {pages})"
    )
    body = table(
        caption,
        list(SHOWN_COLUMNS.values()),
        [[r[c] for c in SHOWN_COLUMNS] for r in shown.to_dict("records")],
        first_is_head=False,
    )
    links = []
    for label, number in (("Previous page", page - 1), ("Next page", page + 1)):
        if 1 <= number <= pages:
            query = urlencode({**view.chosen, "page": number})
            links.append(f'<a href="{escape(here)}?{escape(query)}#findings">{label}</a>')
    nav = f'<nav aria-label="Findings pages"><p>{" · ".join(links)}</p></nav>' if links else ""
    alert = (
        f'<div class="alert alert-warning" role="alert">{escape(view.problem)}</div>'
        if view.problem
        else ""
    )
    return alert + form + body + nav


def _select(name: str, rows: pd.DataFrame, chosen: str) -> str:
    values = sorted(set(rows[name].dropna().astype(str)))
    options = [f'<option value=""{" selected" if not chosen else ""}>All</option>']
    options += [
        f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(v)}</option>'
        for v in values
    ]
    ident = f"findings-{name}"
    return (
        f'<div class="col-auto"><label class="form-label" for="{ident}">{name.capitalize()}'
        f'</label><select class="form-select" id="{ident}" name="{name}">{"".join(options)}'
        "</select></div>"
    )


def person_name(user_id: int | None, who: dict[int, str]) -> str:
    """Who did it: their e-mail address, or the local user of demo and --no-sign-in modes."""
    return "local user" if user_id is None else who.get(user_id, f"user {user_id}")


def list_row(sub: Submission, names: dict[str, str], who: dict[int, str], href: str) -> str:
    """A row of the returns list."""
    cells = (
        escape(names.get(sub.area_code, sub.area_code)),
        escape(period(sub.period).display),
        f'<a href="{escape(href)}">{escape(sub.original_name or sub.file_name)}</a>',
        escape(STATE_NAMES.get(sub.shown, sub.shown)),
        "—" if sub.errors is None else str(sub.errors),
        "—" if sub.warnings is None else str(sub.warnings),
        escape(person_name(sub.uploaded_by, who)),
        when(sub.uploaded_at),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def facts_html(sub: Submission, names: dict[str, str], who: dict[int, str]) -> str:
    found = f"{plural(sub.errors, 'error')}, {plural(sub.warnings, 'warning')}"
    submitted = (
        f"<dt>Submitted</dt><dd>{when(sub.submitted_at)} by "
        f"{escape(person_name(sub.submitted_by, who))}</dd>"
        if sub.submitted_at is not None
        else ""
    )
    return (
        f"<dl><dt>Local authority</dt><dd>{escape(names.get(sub.area_code, sub.area_code))} "
        f"({escape(sub.area_code)})</dd><dt>Quarter</dt><dd>{escape(period(sub.period).display)}"
        f"</dd><dt>File</dt><dd>{escape(sub.original_name or sub.file_name)} (kept as "
        f"{escape(sub.file_name)}, {sub.size_bytes:,} bytes)</dd><dt>Uploaded</dt>"
        f"<dd>{when(sub.uploaded_at)} by {escape(person_name(sub.uploaded_by, who))}</dd>"
        f"{submitted}<dt>Errors and warnings</dt><dd>"
        f"{'not known yet' if sub.errors is None else found}"
        "</dd></dl>"
    )

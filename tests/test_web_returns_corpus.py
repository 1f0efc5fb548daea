"""Every faulty and hostile return of the ETL's corpus (``python -m etl generate``'s ``faulty/``
folders, one per finding code, and the zip bomb and wide files among them) gives through the web
exactly what it gives through the command line: uploaded by the page, checked by the worker's
``check-return`` job, its report (the CSV a person downloads) is byte for byte the CLI's
``validate --report``, and the counts kept on the submission are the CLI's findings counted by
sheet, code and severity (issue 13, "Bad input and failure").

Not through the web: E102, E103 and E104 are faults of the file's *name* (its LA and period); a
web upload takes the LA from the person's account and the period from their choice, both checked
against the server's lists (tests/test_web_returns.py), and stores the file under its canonical
name, so those names never reach the checks. The time and memory of the web check beside the
CLI's: ``python -m benchmarks.hostile_files`` (docs/benchmarks.md).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from support.accounts import engine, key
from test_web_returns import cli_report, table_rows, upload, world

from dashboard.web.submission_report import PAGE_ROWS
from etl.cli import main as etl_main
from etl.jobs_handlers import HANDLERS
from etl.synthetic.generate import generate
from lfo import submissions
from lfo.formula_guard import is_formula_like
from lfo.settings import Settings

__all__ = ["engine", "key", "world"]  # fixtures

BLACKPOOL, QUARTER = "E06000009", "2017-18_Q1"
NAME_FAULTS = {"E102", "E103", "E104"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, list[Path]]:
    """The faulty folders of the synthetic generator (Blackpool, 2017-18 Q1): code -> files in
    the order they are loaded."""
    made = generate(tmp_path_factory.mktemp("corpus"), seed=2016, only_areas=[BLACKPOOL])
    return made.faulty


CASES = [
    (code, index)
    for code, count in (
        *((c, 1) for c in ("E105", "E106", "E107", "E110")),
        ("E101", 2),
        ("E108", 2),
        ("E109", 2),
        *((f"E2{n:02d}", 1) for n in range(1, 11)),
        *((f"W30{n}", 1) for n in range(1, 7)),
    )
    for index in range(count)
]


@pytest.mark.parametrize(("code", "index"), CASES, ids=[f"{c}-{i}" for c, i in CASES])
def test_a_corpus_file_through_the_web_gives_what_the_cli_gives(world, corpus, code, index):
    files = corpus[code]
    assert code not in NAME_FAULTS
    if code in ("E108", "E109"):  # the fault is against the LA's current data: load the first
        assert etl_main(["load", str(files[0])]) == 0
        path = files[1]
    else:
        path = files[index]
    period = path.stem.split("_", 2)[2]
    assert period in (QUARTER, "2017-18_Q2")
    client = world["clients"]["programme"]
    answer = upload(
        client, {"area": BLACKPOOL, "period": period}, file=path.read_bytes(), name=path.name
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    sid = int(answer.headers["Location"].rsplit("/", 1)[1])
    settings = Settings.from_env()
    HANDLERS["check-return"]({"submission_id": sid}, settings, lambda _line: None)
    cli = cli_report(world, path, ".csv")
    with cli.open(encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert any(r["code"] == code for r in expected), f"the corpus file for {code} lost its fault"
    with world["engine"].connect() as conn:
        sub = submissions.get(conn, sid)
    assert sub is not None
    errors = sum(r["severity"] == "error" for r in expected)
    assert (sub.state, sub.errors) == ("errors" if errors else "valid", errors)
    counted = Counter((r["sheet"] or None, r["code"], r["severity"]) for r in expected)
    kept = {
        (f["sheet"] or None, f["code"], f["severity"]): f["count"] for f in sub.summary["findings"]
    }
    assert kept == dict(counted)
    report = client.get(f"/returns/{sid}/report.csv")
    assert report.status_code == 200
    assert report.data == cli.read_bytes()
    page = client.get(f"/returns/{sid}").get_data(as_text=True)  # the table in the page: as read
    columns = ("sheet", "row", "column", "value", "code", "severity", "message")
    assert table_rows(page, "Findings 1 to") == [
        [unguarded(r[c]) for c in columns] for r in expected[:PAGE_ROWS]
    ]


def unguarded(text: str) -> str:
    """A CSV cell without the quote the formula guard put before it (the page shows no quote)."""
    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text

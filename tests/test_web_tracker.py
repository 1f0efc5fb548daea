"""The submissions tracker through the web (service.md § 5, issue 13 § 4), in sign-in mode with
the real gate, audit log, loader and worker: who sees which LAs, the table and its CSV, the
filter, the per-LA page, and a programme lead's rollback from asking to the worker's load.

Newcastle's returns for 2017-18 Q3 and Q4 are loaded by the real loader (so the Q3 file is in the
archive); ``LFO_TODAY`` is 1 June 2018, so the tracker shows 2017-18 Q4 (due Tuesday 8 May
2018: Easter Monday 2 April and the Early May bank holiday 7 May skipped) and the three before.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.accounts import GATESHEAD, NEWCASTLE
from support.returns import valid_tables, write_return
from support.web_auth import SAME_SITE, audit_rows, csrf_of, person, settings_for, sign_in

from dashboard.app import create_app
from etl.load.loader import load_files
from etl.worker import run_worker
from lfo import jobs, schema, submissions, tracker
from lfo.access.secrets import load_key
from lfo.db import init_db, writer_engine
from lfo.periods import Quarter
from lfo.settings import Settings

Q3, Q4 = "2017-18_Q3", "2017-18_Q4"
TODAY = "2018-06-01"
DUE_Q4 = "8 May 2018"


def q3_tables() -> dict[str, list[dict]]:
    """Newcastle's Q3 return: Q4's with one age band another, so the two files differ."""
    tables = valid_tables()
    tables["participants"][0]["age_band"] = "35-44"
    return tables


@pytest.fixture
def site(lfo_settings, tmp_path, monkeypatch) -> dict[str, Any]:
    monkeypatch.setenv("LFO_TODAY", TODAY)
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(uploads))
    core = Settings.from_env()
    for period, tables in ((Q3, q3_tables()), (Q4, valid_tables())):
        [done] = load_files([write_return(tmp_path / period, tables, period=period)], core)
        assert done.outcome == "loaded", done.message
    engine = writer_engine(core.database_url)
    init_db(engine)
    key = load_key(tmp_path / "secrets.key")
    people = {
        "programme": person(engine, key, "pat@example.org", "programme", areas=()),
        "la": person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,)),
        "researcher": person(engine, key, "rae@example.org", "researcher", areas=()),
    }
    app = create_app(settings_for(engine, tmp_path))
    clients = {}
    for role, who in people.items():
        clients[role] = app.server.test_client()
        assert sign_in(clients[role], who).status_code == 303
    yield {"engine": engine, "core": core, "people": people, "clients": clients}
    engine.dispose()


class Table(HTMLParser):
    """The tracker's table: each body row's header cell and its data cells as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in: str | None = None
        self._body = False
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._body = True
        elif self._body and tag == "tr":
            self.rows.append([])
        elif self._body and tag in ("th", "td"):
            self._in = tag
            self.rows[-1].append("")
        elif tag == "span" and ("class", "visually-hidden") in attrs:
            self._hidden += 1
        elif tag == "br" and self._in:
            self.rows[-1][-1] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._body = False
        elif tag in ("th", "td"):
            self._in = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._in and not self._hidden:
            self.rows[-1][-1] += data


def table_of(html: str) -> list[list[str]]:
    parser = Table()
    parser.feed(html[html.index("lfo-tracker") :])
    return [[" ".join(cell.split()) for cell in row] for row in parser.rows]


def names(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(schema.areas.c.gss_code, schema.areas.c.name)).all())


def refused(engine, email: str, what: str) -> bool:
    gate_rows = [r for r in audit_rows(engine) if r["action"] == "refused"]
    return any(r["user_email"] == email and what in (r["object"] or "") for r in gate_rows)


def flush_refusals(client) -> None:
    gate = client.application.extensions["lfo_gate"]
    with gate.accounts.engine.begin() as conn:
        gate.refusals.write(conn, gate.refusals.drain())


# --- who sees what -----------------------------------------------------------------------------


def test_a_programme_lead_sees_every_la_with_statuses_due_dates_and_lateness(site):
    with site["engine"].begin() as conn:  # Gateshead: submitted through the web, not loaded
        sid = submissions.create(
            conn,
            kind="upload",
            area_code=GATESHEAD,
            period=Q4,
            file_name=f"LFO_{GATESHEAD}_{Q4}.zip",
            sha256="c" * 64,
            size_bytes=1,
            user_id=site["people"]["la"].user_id,
            now=dt.datetime(2018, 4, 20, 9),
        )
        submissions.record_check(conn, sid, errors=0, warnings=0, summary={}, message="ok")
        job = jobs.enqueue(conn, "load-return", {}, dedupe_key="never-run")
        submissions.submit(conn, sid, user_id=None, job_id=job, now=dt.datetime(2018, 4, 21))
    answer = site["clients"]["programme"].get("/tracker")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f"due {DUE_Q4}" in html and "<caption>" in html and 'scope="col"' in html
    rows = {row[0]: row[1:] for row in table_of(html)}
    everyone = names(site["engine"])
    assert len(rows) == len(everyone)
    newcastle = rows[f"{everyone[NEWCASTLE]} ({NEWCASTLE})"]
    # loaded today (after the due date), both quarters
    assert newcastle[0].startswith("✓ Loaded late") and newcastle[1].startswith("✓ Loaded")
    gateshead = rows[f"{everyone[GATESHEAD]} ({GATESHEAD})"]
    assert gateshead[0].startswith("↑ Submitted ! Late")
    assert "submitted by local user" in gateshead[0]
    assert "<td>uploaded</td><td>ann@example.org</td>" in site["clients"]["programme"].get(
        f"/tracker/{GATESHEAD}"
    ).get_data(as_text=True)
    others = [
        cells[0] for name, cells in rows.items() if NEWCASTLE not in name and GATESHEAD not in name
    ]
    assert others and all(c.startswith("○ Not received ! Late") for c in others)
    assert f"1 of {len(everyone)} loaded, {len(everyone)} late" in html


def test_an_la_lead_sees_their_own_la_only_and_is_refused_another(site):
    client, ann = site["clients"]["la"], site["people"]["la"]
    rows = table_of(client.get("/tracker").get_data(as_text=True))
    assert [row[0] for row in rows] == [f"{names(site['engine'])[NEWCASTLE]} ({NEWCASTLE})"]
    lines = list(csv.DictReader(io.StringIO(client.get("/tracker/csv").get_data(as_text=True))))
    assert {line["area_code"] for line in lines} == {NEWCASTLE}
    own = client.get(f"/tracker/{NEWCASTLE}")
    assert own.status_code == 200 and "Roll back to this return" not in own.get_data(as_text=True)
    assert client.get(f"/tracker/{GATESHEAD}").status_code == 403
    flush_refusals(client)
    assert refused(site["engine"], ann.email, f"view_submissions {GATESHEAD}")


def test_a_researcher_is_refused_the_tracker(site):
    client = site["clients"]["researcher"]
    for path in ("/tracker", "/tracker/csv", f"/tracker/{NEWCASTLE}"):
        assert client.get(path).status_code == 403
    flush_refusals(client)
    assert refused(site["engine"], "rae@example.org", "/tracker")


def test_an_unknown_la_code_is_not_found(site):
    answer = site["clients"]["programme"].get("/tracker/E99999999")
    assert answer.status_code == 404 and "no LA with the code" in answer.get_data(as_text=True)


# --- the table, its CSV and the filter ---------------------------------------------------------


def test_the_csv_says_what_the_table_says(site):
    client = site["clients"]["programme"]
    rows = table_of(client.get("/tracker").get_data(as_text=True))
    answer = client.get("/tracker/csv")
    assert answer.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    quarters = [(Quarter(2017, 4) - i).display for i in range(4)]
    table = {
        (row[0].rsplit("(", 1)[1].rstrip(")"), quarter): cell
        for row in rows
        for quarter, cell in zip(quarters, row[1:], strict=True)
    }
    assert len(lines) == len(table)
    for line in lines:
        cell = table[(line["area_code"], line["quarter"])]
        words = cell.split(" ", 1)[1]  # after the symbol
        assert words.lower().startswith(line["status"]), (line, cell)
        assert ("! Late" in cell or "Loaded late" in cell) == (line["late"] == "late")
    downloads = [r for r in audit_rows(site["engine"]) if r["action"] == "download"]
    assert downloads and "submissions tracker CSV" in downloads[-1]["object"]


def test_the_filter_lists_the_las_in_a_status(site):
    client = site["clients"]["programme"]
    loaded = table_of(client.get("/tracker?status=loaded").get_data(as_text=True))
    assert [row[0].rsplit("(", 1)[1] for row in loaded] == [f"{NEWCASTLE})"]
    late = table_of(client.get(f"/tracker?status=not+received&quarter={Q4}").get_data(as_text=True))
    assert len(late) == len(names(site["engine"])) - 1
    lines = list(
        csv.DictReader(io.StringIO(client.get("/tracker/csv?status=loaded").get_data(as_text=True)))
    )
    assert {line["area_code"] for line in lines} == {NEWCASTLE}
    bad = client.get("/tracker?status=<script>")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "is not a status the tracker knows" in text and "<script>" not in text
    assert client.get("/tracker?quarter=2030-31_Q1&status=late").status_code == 400


# --- rollback ----------------------------------------------------------------------------------


def load_ids(engine) -> dict[str, int]:
    log = schema.etl_load_log
    with engine.connect() as conn:
        return dict(conn.execute(select(log.c.period, log.c.load_id)).all())


def post_rollback(client, data: dict[str, str]) -> Any:
    shown = client.get(f"/tracker/{NEWCASTLE}").get_data(as_text=True)
    return client.post(
        f"/tracker/{NEWCASTLE}/rollback",
        data={"csrf": csrf_of(shown), **data},
        headers=SAME_SITE,
    )


def test_a_programme_lead_rolls_an_la_back_and_the_worker_loads_it(site):
    engine, client = site["engine"], site["clients"]["programme"]
    ids = load_ids(engine)
    page = client.get(f"/tracker/{NEWCASTLE}").get_data(as_text=True)
    assert page.count("Roll back to this return") == 1  # Q3 only: Q4 is the current return
    answer = post_rollback(
        client, {"load_id": str(ids[Q3]), "confirm": "yes", "reason": "Q4 file was wrong"}
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"].startswith(f"/tracker/{NEWCASTLE}?rollback=")
    with engine.connect() as conn:
        [made] = submissions.list_submissions(conn, areas=[NEWCASTLE])
        job = jobs.get(conn, made.load_job_id)
    assert (made.kind, made.state, made.period) == ("rollback", "submitted", Q3)
    assert made.uploaded_by == site["people"]["programme"].user_id
    assert job is not None and job.dedupe_key == f"rollback-{made.submission_id}"
    assert job.payload["force"] is True and job.payload["submission_id"] == made.submission_id
    copy = Path(job.payload["path"])
    assert copy.name == f"LFO_{NEWCASTLE}_{Q3}.zip" and copy.parent.name == str(made.submission_id)
    assert copy.stat().st_mode & 0o777 == 0o600 and copy.parent.stat().st_mode & 0o777 == 0o700
    [row] = [r for r in audit_rows(engine) if r["action"] == "rollback"]
    assert row["outcome"] == "requested" and row["user_email"] == "pat@example.org"
    assert all(part in row["object"] for part in (NEWCASTLE, Q3, f"load {ids[Q3]}", "Q4 file"))
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Rollback asked for" in shown and "Submitted: loading" in shown

    ran = run_worker(site["core"], once=True, poll=0.01)
    assert ran.done == 1
    with engine.connect() as conn:
        current = conn.execute(
            select(schema.returns.c.period).where(schema.returns.c.area_code == NEWCASTLE)
        ).scalar()
        bands = conn.execute(
            select(schema.participants.c.age_band).where(
                schema.participants.c.area_code == NEWCASTLE
            )
        ).scalars()
        assert jobs.get(conn, made.load_job_id).state == "done"
    assert current == Q3 and sorted(bands) == ["16-24", "35-44", "35-44"]
    with engine.connect() as conn:
        assert submissions.get(conn, made.submission_id).state == "loaded"
        events = tracker.history(conn, NEWCASTLE)
    # the worker's load is the lead's: the history says whose rollback it was
    [finished] = [e for e in events if e.submission_id == made.submission_id and e.what == "loaded"]
    assert finished.who == "pat@example.org"


def test_a_rollback_is_refused_for_another_las_load_an_unarchived_one_or_no_confirmation(site):
    engine, client = site["engine"], site["clients"]["programme"]
    ids = load_ids(engine)
    with engine.begin() as conn:
        other = conn.execute(
            schema.etl_load_log.insert().values(
                file_name=f"LFO_{GATESHEAD}_{Q3}.zip",
                sha256="d" * 64,
                size_bytes=1,
                area_code=GATESHEAD,
                period=Q3,
                outcome="loaded",
                started_at=dt.datetime(2018, 1, 5),
            )
        ).inserted_primary_key[0]
    cases = {
        str(other): "is not a load of",
        str(ids[Q4]): "current return",
        "abc": "Choose a return",
    }
    for load_id, message in cases.items():
        answer = post_rollback(client, {"load_id": load_id, "confirm": "yes", "reason": "x"})
        assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    no_box = post_rollback(client, {"load_id": str(ids[Q3]), "reason": "x"})
    assert no_box.status_code == 400 and "Tick the box" in no_box.get_data(as_text=True)
    no_reason = post_rollback(client, {"load_id": str(ids[Q3]), "confirm": "yes"})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_data(as_text=True)
    for archived in site["core"].archive_dir.iterdir():
        archived.unlink()
    gone = post_rollback(client, {"load_id": str(ids[Q3]), "confirm": "yes", "reason": "x"})
    assert gone.status_code == 400 and "no longer in the archive" in gone.get_data(as_text=True)
    with engine.connect() as conn:
        assert submissions.list_submissions(conn) == []
    assert not [r for r in audit_rows(engine) if r["action"] == "rollback"]
    assert not site["core"].uploads_dir.exists() or not any(site["core"].uploads_dir.iterdir())


def test_an_la_lead_cannot_roll_back_their_own_la(site):
    engine, client = site["engine"], site["clients"]["la"]
    ids = load_ids(engine)
    answer = post_rollback(client, {"load_id": str(ids[Q3]), "confirm": "yes", "reason": "x"})
    assert answer.status_code == 403
    flush_refusals(client)
    assert refused(engine, "ann@example.org", f"rollback_return {NEWCASTLE}")
    with engine.connect() as conn:
        assert submissions.list_submissions(conn) == []


def test_names_from_the_database_are_escaped_and_csv_cells_guarded(site):
    engine, client = site["engine"], site["clients"]["programme"]
    hostile = '=HYPERLINK("http://x")<b>'
    with engine.begin() as conn:
        conn.execute(
            schema.areas.update().where(schema.areas.c.gss_code == GATESHEAD).values(name=hostile)
        )
        submissions.create(
            conn,
            kind="upload",
            area_code=GATESHEAD,
            period=Q4,
            file_name=f"LFO_{GATESHEAD}_{Q4}.zip",
            original_name="<script>alert(1)</script>.xlsx",
            sha256="e" * 64,
            size_bytes=1,
            user_id=None,
            now=dt.datetime(2018, 4, 20),
        )
    page = client.get("/tracker").get_data(as_text=True)
    assert "<b>" not in page and "=HYPERLINK(&quot;http://x&quot;)&lt;b&gt;" in page
    detail = client.get(f"/tracker/{GATESHEAD}").get_data(as_text=True)
    assert "<script>alert" not in detail and "&lt;script&gt;alert(1)" in detail
    lines = list(csv.DictReader(io.StringIO(client.get("/tracker/csv").get_data(as_text=True))))
    names_sent = {line["area_name"] for line in lines if line["area_code"] == GATESHEAD}
    assert names_sent == {"'" + hostile}


def test_the_local_user_of_demo_mode_rolls_back_as_local_user(site, tmp_path):
    engine = site["engine"]
    client = create_app(settings_for(engine, tmp_path, sign_in=False)).server.test_client()
    ids = load_ids(engine)
    answer = post_rollback(client, {"load_id": str(ids[Q3]), "confirm": "yes", "reason": "demo"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with engine.connect() as conn:
        [made] = submissions.list_submissions(conn, areas=[NEWCASTLE])
    assert made.uploaded_by is None
    detail = client.get(f"/tracker/{NEWCASTLE}").get_data(as_text=True)
    assert "<td>rollback asked for</td><td>local user</td>" in detail


# --- earlier quarters ---------------------------------------------------------------------------


def test_earlier_quarters_are_shown_up_to_a_chosen_one_and_a_bad_choice_is_explained(site):
    client = site["clients"]["programme"]
    html = client.get(f"/tracker?until={Q3}").get_data(as_text=True)
    heads = [Quarter(2017, 3) - i for i in range(4)]
    assert all(q.display in html for q in heads)
    assert Quarter(2017, 4).display not in html.split("lfo-tracker")[1]
    rows = {row[0]: row[1:] for row in table_of(html)}
    newcastle = rows[f"{names(site['engine'])[NEWCASTLE]} ({NEWCASTLE})"]
    assert newcastle[0].startswith("✓ Loaded")
    assert f'name="until" value="{Q3}"' in html  # the filter keeps the choice
    for bad in ("2018-19_Q1", "2015-16_Q4", "Q3", "<b>"):  # not ended, before the programme, junk
        answer = client.get(f"/tracker?until={bad}")
        assert answer.status_code == 400
        assert "is not a quarter of the programme that has ended" in answer.get_data(as_text=True)
    assert client.get(f"/tracker/csv?until={Q3}").status_code == 200


def test_when_nothing_was_received_lately_the_page_links_to_the_latest_loaded_quarters(
    site, monkeypatch
):
    monkeypatch.setenv("LFO_TODAY", "2019-12-01")  # 2018-19 Q3 to 2019-20 Q2: nothing received
    html = site["clients"]["programme"].get("/tracker").get_data(as_text=True)
    assert "No return has been received for the quarters shown" in html
    assert f"/tracker?until={Q4}" in html
    monkeypatch.setenv("LFO_TODAY", TODAY)  # Newcastle's returns are in the quarters shown
    html = site["clients"]["programme"].get("/tracker").get_data(as_text=True)
    assert "No return has been received" not in html

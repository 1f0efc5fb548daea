"""The submissions tracker's core (service.md § 5): due dates counted in England's working days
(``lfo.due``), each LA's status and lateness built from load-log rows and submissions inserted
here (``lfo.tracker``), and what a rollback may choose (``lfo.rollback``), on SQLite and on a
throw-away PostgreSQL.

The due dates below are counted by hand from the calendar written beside each one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.postgres import create_database

from etl.archive import archive_name
from lfo import jobs, rollback, schema, submissions, tracker
from lfo.archived import archived_path
from lfo.db import init_db
from lfo.due import due_date, is_working_day, working_days_after
from lfo.periods import Quarter

_names = iter(range(1, 1000))
TODAY = dt.date(2019, 6, 1)
Q4, Q3 = Quarter(2018, 4), Quarter(2018, 3)  # 2018-19 Q4 (Jan–Mar 2019), Q3 (Oct–Dec 2018)
#: 2018-19 Q4 ends Sunday 31 March 2019. April 2019: Good Friday 19th, Easter Monday 22nd;
#: Early May bank holiday Monday 6 May. Working days 1–5: 1–5 Apr; 6–10: 8–12; 11–14: 15–18;
#: 15–18: 23–26; 19–23: 29 Apr–3 May; 24: 7 May; 25: Wednesday 8 May.
Q4_DUE = dt.date(2019, 5, 8)
NEWCASTLE, GATESHEAD, SUNDERLAND = "E08000021", "E08000037", "E08000024"


# --- due dates ----------------------------------------------------------------------------------


def test_day_one_is_the_first_working_day_after_the_quarter_and_bank_holidays_are_skipped():
    # 2025-26 Q3 ends Wednesday 31 December 2025; Thursday 1 January 2026 is a bank holiday.
    # Working day 1: Fri 2 Jan; 2–6: 5–9 Jan; 7–11: 12–16; 12–16: 19–23; 17–21: 26–30;
    # 22–25: Mon 2 – Thu 5 Feb.
    q3 = Quarter(2025, 3)
    assert q3.end == dt.date(2025, 12, 31)
    assert working_days_after(q3.end, 1) == dt.date(2026, 1, 2)
    assert due_date(q3, 25) == dt.date(2026, 2, 5)


def test_a_window_holding_easter_and_the_early_may_bank_holiday():
    # 2025-26 Q4 ends Tuesday 31 March 2026. Good Friday 3 April, Easter Monday 6 April, Early
    # May bank holiday Monday 4 May. Working days 1–2: 1–2 Apr; 3–6: 7–10 Apr; 7–11: 13–17;
    # 12–16: 20–24; 17–21: 27 Apr–1 May; 22–25: Tue 5 – Fri 8 May. (Counting weekdays only,
    # day 25 would be Tuesday 5 May.)
    q4 = Quarter(2025, 4)
    assert due_date(q4, 25) == dt.date(2026, 5, 8)
    assert not is_working_day(dt.date(2026, 4, 3)) and not is_working_day(dt.date(2026, 4, 6))
    assert due_date(Q4, 25) == Q4_DUE


def test_a_quarter_ending_on_a_friday_starts_counting_on_the_monday():
    # 2022-23 Q2 ends Friday 30 September 2022. Day 1: Monday 3 October; day 5: Friday 7 October.
    q2 = Quarter(2022, 2)
    assert q2.end.weekday() == 4
    assert due_date(q2, 1) == dt.date(2022, 10, 3)
    assert due_date(q2, 5) == dt.date(2022, 10, 7)


def test_the_due_date_is_a_working_day_with_exactly_n_working_days_up_to_it():
    for quarter in (Quarter(2016, 1) + i for i in range(48)):
        for n in (1, 10, 25):
            day = due_date(quarter, n)
            span = [quarter.end + dt.timedelta(days=k) for k in range(1, (day - quarter.end).days)]
            assert is_working_day(day)
            assert sum(is_working_day(d) for d in span) == n - 1


def test_a_due_date_needs_at_least_one_working_day():
    with pytest.raises(ValueError, match="at least 1"):
        due_date(Q4, 0)


# --- the tracker --------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lfo.db'}"
    else:
        url = create_database(request.getfixturevalue("pg_url"), f"lfo_trk{next(_names)}")
    made = jobs.engine(url)
    init_db(made)
    yield made
    made.dispose()


def load_row(conn, area: str, period: str, outcome: str, at: dt.datetime, **kw) -> int:
    values = dict(
        file_name=f"LFO_{area}_{period}.xlsx",
        sha256=kw.pop("sha256", f"{area}{period}{outcome}{at}".ljust(64, "0")[:64]),
        size_bytes=10,
        area_code=area,
        period=period,
        outcome=outcome,
        started_at=at,
        finished_at=at,
    )
    values.update(kw)
    key = conn.execute(schema.etl_load_log.insert().values(values)).inserted_primary_key
    return int(key[0])


def sent(conn, area: str, period: str, *, errors: int | None = None, user=None, submit=False):
    sid = submissions.create(
        conn,
        kind="upload",
        area_code=area,
        period=period,
        file_name=f"LFO_{area}_{period}.xlsx",
        original_name="our return.xlsx",
        sha256="b" * 64,
        size_bytes=10,
        user_id=user,
        now=dt.datetime(2019, 4, 20, 9),
    )
    if errors is not None:
        submissions.record_check(
            conn, sid, errors=errors, warnings=0, summary={}, message=f"{errors} errors"
        )
    if submit:
        job = jobs.enqueue(conn, "load-return", {}, dedupe_key=f"s{sid}")
        assert submissions.submit(conn, sid, user_id=user, job_id=job, now=dt.datetime(2019, 5, 1))
    return sid


def user(conn, email: str) -> int:
    key = conn.execute(
        schema.users.insert().values(email=email, role="la", created_at=dt.datetime(2019, 1, 1))
    ).inserted_primary_key
    return int(key[0])


def names(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(schema.areas.c.gss_code, schema.areas.c.name)).all())


@pytest.fixture
def world(engine):
    """Seven LAs in 2018-19 Q4, each in another state, one retired before Q4 ended."""
    codes = sorted(names(engine))
    la = dict(zip("abcdefgr", codes[:8], strict=True))
    with engine.begin() as conn:
        ann = user(conn, "ann@example.org")
        load_row(conn, la["a"], Q4.label, "loaded", dt.datetime(2019, 5, 2, 10))
        load_row(conn, la["a"], Q3.label, "loaded", dt.datetime(2019, 1, 20, 10))
        sent(conn, la["c"], Q4.label, errors=4, user=ann)
        sent(conn, la["d"], Q4.label, errors=0, user=None, submit=True)
        # on the due date in London (23:30 UTC on 8 May is 00:30 BST on the 9th: late)
        load_row(conn, la["e"], Q4.label, "loaded with quarantine", dt.datetime(2019, 5, 8, 23, 30))
        sent(conn, la["f"], Q4.label, errors=0, user=ann)
        load_row(conn, la["g"], Q4.label, "rejected", dt.datetime(2019, 4, 10))
        retired = dt.datetime(2019, 2, 1)
        conn.execute(
            update(schema.areas)
            .where(schema.areas.c.gss_code == la["r"])
            .values(retired_at=retired)
        )
    return la


def test_each_la_gets_its_status_and_late_flag(engine, world):
    la = world
    with engine.connect() as conn:
        made = tracker.tracker(conn, today=TODAY, working_days=25)
    assert [c.quarter for c in made.columns] == [Q4, Q3, Q4 - 2, Q4 - 3]
    assert made.columns[0].due == Q4_DUE and made.columns[0].overdue
    by_code = {row.area_code: row for row in made.rows}
    assert len(by_code) == len(names(engine))
    q4 = {k: by_code[code].cells[Q4.label] for k, code in la.items()}
    assert q4["r"] is None  # retired before 2018-19 Q4 ended
    assert by_code[la["r"]].cells[Q3.label] is not None
    got = {k: (c.status, c.late) for k, c in q4.items() if c is not None}
    assert got == {
        "a": ("loaded", False),
        "b": ("not received", True),
        "c": ("received with errors", True),
        "d": ("submitted", True),
        "e": ("loaded", True),
        "f": ("received", True),
        "g": ("received with errors", True),
    }
    assert by_code[la["a"]].cells[Q3.label].status == "loaded"
    assert [row.name for row in made.rows] == sorted(row.name for row in made.rows)
    summary = made.summary(Q4)
    assert summary.total == len(names(engine)) - 1
    assert (summary.counts["loaded"], summary.counts["submitted"]) == (2, 1)
    assert summary.late == summary.total - 1  # all but LA a


def test_who_did_what_and_when(engine, world):
    la = world
    with engine.connect() as conn:
        made = tracker.tracker(conn, today=TODAY, only=[la["a"], la["c"], la["d"]])
    cells = {row.area_code: row.cells[Q4.label] for row in made.rows}
    assert set(cells) == {la["a"], la["c"], la["d"]}
    [cli] = cells[la["a"]].events
    assert (cli.what, cli.who, cli.submission_id) == (
        "loaded from the command line",
        "command line",
        None,
    )
    [upload] = cells[la["c"]].events
    assert (upload.what, upload.who, upload.note) == (
        "uploaded",
        "ann@example.org",
        "our return.xlsx",
    )
    assert upload.submission_id is not None
    submitted, uploaded = cells[la["d"]].events
    assert (submitted.what, submitted.who) == ("submitted", tracker.LOCAL_USER)
    assert uploaded.at < submitted.at


def test_lateness_turns_on_the_day_after_the_due_date(engine, world):
    with engine.connect() as conn:
        on_the_day = tracker.tracker(conn, today=Q4_DUE, only=[world["b"]])
        next_day = tracker.tracker(conn, today=Q4_DUE + dt.timedelta(days=1), only=[world["b"]])
    assert not on_the_day.rows[0].cells[Q4.label].late
    assert not on_the_day.columns[0].overdue
    assert next_day.rows[0].cells[Q4.label].late


def test_a_load_from_a_web_submission_is_not_a_command_line_load(engine, world):
    code = world["d"]
    with engine.begin() as conn:
        [sid] = [s.submission_id for s in submissions.list_submissions(conn, areas=[code])]
        load_id = load_row(conn, code, Q4.label, "loaded", dt.datetime(2019, 5, 1, 10, 5))
        submissions.record_load(
            conn,
            sid,
            loaded=True,
            load_id=load_id,
            message="loaded",
            now=dt.datetime(2019, 5, 1, 10, 5),
        )
    with engine.connect() as conn:
        cell = tracker.tracker(conn, today=TODAY, only=[code]).rows[0].cells[Q4.label]
        history = tracker.history(conn, code)
    assert (cell.status, cell.late) == ("loaded", False)
    assert [e.what for e in cell.events] == ["loaded", "submitted", "uploaded"]
    assert cell.events[0].load_id == load_id and cell.events[0].submission_id == sid
    assert history == list(cell.events)


# --- what a rollback may choose -----------------------------------------------------------------


def test_a_rollback_may_choose_an_earlier_archived_loaded_return_only(engine, world, tmp_path):
    code, archive = world["a"], tmp_path / "archive"
    archive.mkdir()
    with engine.begin() as conn:
        log = schema.etl_load_log
        found = conn.execute(
            select(log.c.period, log.c.load_id, log.c.sha256).where(log.c.area_code == code)
        ).all()
        ids = {row.period: row.load_id for row in found}
        sha = {row.load_id: row.sha256 for row in found}
        q3_id, q4_id = ids[Q3.label], ids[Q4.label]
        conn.execute(
            schema.returns.insert().values(
                area_code=code,
                period=Q4.label,
                period_end=Q4.end,
                file_name=f"LFO_{code}_{Q4.label}.xlsx",
                sha256=sha[q4_id],
                load_id=q4_id,
                loaded_at=dt.datetime(2019, 5, 2, 10),
            )
        )
        rejected = load_row(conn, code, Q3.label, "rejected", dt.datetime(2019, 1, 10))
    with engine.connect() as conn:
        assert rollback.candidates(conn, code, archive) == []  # nothing archived yet
        for i in (q3_id, q4_id):
            path = archived_path(archive, sha[i], "x.XLSX")
            assert path.name == archive_name(sha[i], Path("x.XLSX"))
            path.write_bytes(b"return")
        [chosen] = rollback.candidates(conn, code, archive)
        assert chosen.load.load_id == q3_id
        assert chosen.canonical_name == f"LFO_{code}_{Q3.label}.xlsx"
        with pytest.raises(rollback.RollbackRefused, match="current return"):
            rollback.candidate(conn, code, q4_id, archive)
        with pytest.raises(rollback.RollbackRefused, match="not loaded"):
            rollback.candidate(conn, code, rejected, archive)
        with pytest.raises(rollback.RollbackRefused, match=f"not a load of {world['b']}"):
            rollback.candidate(conn, world["b"], q3_id, archive)
        archived_path(archive, sha[q3_id], "x.xlsx").unlink()
        with pytest.raises(rollback.RollbackRefused, match="no longer in the archive"):
            rollback.candidate(conn, code, q3_id, archive)


def test_the_tracker_reads_in_four_queries_whatever_the_number_of_las(engine, world):
    """Areas, load log, submissions (with their jobs), users: not one query per LA or cell
    (153 LAs here, as the programme has, each with a load in every quarter)."""
    from sqlalchemy import event

    extra = [f"E07{n:06d}" for n in range(153 - len(names(engine)))]
    with engine.begin() as conn:
        conn.execute(
            schema.areas.insert(),
            [
                dict(
                    gss_code=c,
                    name=f"Area {c}",
                    region="North East",
                    families=1000,
                    annual_target=100,
                    source="synthetic",
                )
                for c in extra
            ],
        )
        for c in extra:
            for q in range(4):
                load_row(
                    conn,
                    c,
                    (Q4 - q).label,
                    "loaded",
                    dt.datetime(2019, 1, 2) + dt.timedelta(days=q),
                )
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):  # the jobs engine's own BEGIN IMMEDIATE on SQLite
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.connect() as conn:
            seen.clear()
            every = tracker.tracker(conn, today=TODAY)
            queries_for_all, seen_all = len(seen), list(seen)
            seen.clear()
            none = tracker.tracker(conn, today=TODAY, only=[])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(every.rows) == len(names(engine)) == 153
    assert queries_for_all <= 4, seen_all
    assert none.rows == () and none.summary(Q4).total == 0

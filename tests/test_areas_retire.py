"""``python -m etl areas --retire GSS`` (service.md § 1, "An area leaving the programme"): the
history kept, the area's returns no longer loaded (E103), the LA users with no other area
disabled with their tokens, every change audited by the operating-system user; retiring twice
changes nothing; a wrong code or a wrong command line is a one-line refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.accounts import NEWCASTLE, enrolled
from support.returns import write_return

from etl.cli import main as etl
from lfo import schema
from lfo.access import audit, tokens
from lfo.access.secrets import load_key
from lfo.db import init_db, writer_engine

GATESHEAD = "E08000037"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LFO_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    assert etl(["load", str(write_return(tmp_path / "in")), "--db", url]) == 0  # Newcastle
    key = load_key(tmp_path / "secrets.key")
    with engine.begin() as conn:
        ann = enrolled(conn, key, "ann@example.org", "la", (NEWCASTLE,))
        enrolled(conn, key, "bob@example.org", "la", (NEWCASTLE, GATESHEAD))
        enrolled(conn, key, "pat@example.org", "programme", ())
        token = tokens.create_token(conn, ann.user_id, "notebook").token
    yield {"url": url, "engine": engine, "token": token, "dir": tmp_path}
    engine.dispose()


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_retiring_keeps_history_stops_returns_and_disables_its_only_la_users(world, capsys):
    engine, url = world["engine"], world["url"]
    rows_before = {t.name: count(engine, t) for t in (schema.returns, schema.participants)}
    capsys.readouterr()
    assert etl(["areas", "--retire", NEWCASTLE, "--db", url]) == 0
    said = capsys.readouterr().out
    assert f"{NEWCASTLE} Newcastle upon Tyne retired on " in said
    assert "LA users disabled (no other area): ann@example.org" in said
    # history kept: every row of its returns is still there
    assert {t.name: count(engine, t) for t in (schema.returns, schema.participants)} == rows_before
    u = schema.users
    with engine.begin() as conn:
        disabled = dict(conn.execute(select(u.c.email, u.c.disabled_at.is_not(None))).all())
        assert tokens.token_principal(conn, world["token"]) is None  # stopped with its owner
    assert disabled == {"ann@example.org": True, "bob@example.org": False, "pat@example.org": False}
    # audited, by the operating-system user
    a = schema.audit_log
    with engine.connect() as conn:
        logged = conn.execute(select(a.c.action, a.c.object, a.c.os_user)).all()
    retired = [r for r in logged if r.action == "areas-updated" and "retired" in r.object]
    assert len(retired) == 1 and "ann@example.org" in retired[0].object
    assert [r for r in logged if r.action == "disable" and "ann@example.org" in r.object]
    assert {r.os_user for r in logged if r.action in ("disable", "areas-updated")} == {
        audit.os_user()
    }
    # its returns are no longer loaded: E103, nothing changed
    later = write_return(world["dir"] / "later", period="2017-18_Q4")
    report = world["dir"] / "report.csv"
    assert etl(["load", str(later), "--db", url, "--report", str(report)]) == 1
    findings = report.read_text(encoding="utf-8")
    assert "E103" in findings and "retired with `etl areas --retire`" in findings
    assert {t.name: count(engine, t) for t in (schema.returns, schema.participants)} == rows_before
    # another area still loads
    other = write_return(world["dir"] / "other", area=GATESHEAD)
    assert etl(["load", str(other), "--db", url]) == 0


def test_retiring_twice_changes_nothing_and_says_so(world, capsys):
    url = world["url"]
    assert etl(["areas", "--retire", NEWCASTLE.lower(), "--db", url]) == 0
    rows = count(world["engine"], schema.audit_log)
    capsys.readouterr()
    assert etl(["areas", "--retire", NEWCASTLE, "--db", url]) == 0
    assert "was retired already" in capsys.readouterr().out
    assert count(world["engine"], schema.audit_log) == rows


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (["--retire", "E99999999"], 1, "'E99999999' is not one of the programme's areas"),
        ([], 2, "give either an areas .csv file or --retire GSS"),
        (["areas.csv", "--retire", NEWCASTLE], 2, "give either an areas .csv file or --retire"),
    ],
)
def test_a_wrong_code_or_command_line_is_a_one_line_refusal(world, capsys, args, status, words):
    capsys.readouterr()
    assert etl(["areas", *args, "--db", world["url"]]) == status
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1

"""``python -m dashboard users …``: add (prints the link and its expiry), list, disable, enable,
role, reset-2fa; one-line refusals with the ETL's exit statuses (1 refused, 2 could not run);
and the accounts revision on PostgreSQL, upgraded by ``python -m etl db upgrade``."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from support import migrations as m
from support.postgres import create_database

from dashboard.__main__ import main as dashboard
from etl.cli import main as etl
from lfo import schema
from lfo.access import audit, sessions
from lfo.db import init_db, writer_engine

NEWCASTLE = "E08000021"
PROG = "python -m dashboard users"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("LFO_BASE_URL", raising=False)
    monkeypatch.delenv("LFO_DATABASE_URL", raising=False)
    made = f"sqlite:///{tmp_path / 'lfo.db'}"
    engine = writer_engine(made)
    init_db(engine)
    engine.dispose()
    return made


def users(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = dashboard(["users", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_add_prints_a_link_valid_72_hours_and_list_shows_the_user(url, capsys):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    status, out, err = users(
        capsys, "add", "Ann@Example.org", "--role", "la", "--area", NEWCASTLE, "--db", url
    )
    assert (status, err) == (0, "")
    first, link = out.splitlines()
    assert first.startswith(
        f"invited ann@example.org (la: {NEWCASTLE}): pass on this single-use link"
    )
    expiry = dt.datetime.strptime(first.split("valid until ")[1], "%Y-%m-%d %H:%M UTC:")
    assert before + dt.timedelta(hours=72) <= expiry <= before + dt.timedelta(hours=72, minutes=2)
    assert link.startswith("http://127.0.0.1:8050/account/invitation/") and len(link) > 80
    status, out, _ = users(capsys, "--db", url, "list")  # --db before the command name too
    assert status == 0
    assert out.splitlines() == [
        "EMAIL            ROLE  AREAS      STATUS   LAST SIGN-IN",
        f"ann@example.org  la    {NEWCASTLE}  invited  never",
    ]


def test_the_link_uses_lfo_base_url(url, capsys, monkeypatch):
    monkeypatch.setenv("LFO_BASE_URL", "https://lfo.example.gov.uk/")
    status, out, _ = users(capsys, "add", "lead@example.org", "--role", "programme", "--db", url)
    assert status == 0
    assert out.splitlines()[1].startswith("https://lfo.example.gov.uk/account/invitation/")


def test_disable_enable_role_and_reset_2fa(url, capsys):
    users(capsys, "add", "ann@example.org", "--role", "la", "--area", NEWCASTLE, "--db", url)
    engine = create_engine(url)
    with engine.begin() as conn:
        user_id = conn.execute(select(schema.users.c.user_id)).scalar()
        sid = sessions.create_session(conn, user_id)
    status, out, _ = users(capsys, "disable", "ann@example.org", "--db", url)
    assert (status, out.strip()) == (
        0,
        "disabled ann@example.org: 1 session(s) ended, API tokens refused from now on",
    )
    with engine.begin() as conn:
        assert sessions.session_principal(conn, sid) is None
    assert (
        users(capsys, "disable", "ann@example.org", "--db", url)[1].strip()
        == "ann@example.org is disabled already"
    )
    assert "disabled" in users(capsys, "list", "--db", url)[1]
    assert (
        users(capsys, "enable", "ANN@example.org", "--db", url)[1].strip()
        == "enabled ann@example.org"
    )
    status, out, _ = users(
        capsys,
        "role",
        "ann@example.org",
        "--role",
        "la",
        "--area",
        NEWCASTLE,
        "--area",
        "E08000037",
        "--db",
        url,
    )
    assert (status, out.strip()) == (
        0,
        f"ann@example.org is now la for {NEWCASTLE} E08000037: 0 session(s) ended",
    )
    status, out, _ = users(capsys, "role", "ann@example.org", "--role", "researcher", "--db", url)
    assert (status, out.strip()) == (0, "ann@example.org is now researcher: 0 session(s) ended")
    status, out, _ = users(capsys, "reset-2fa", "ann@example.org", "--db", url)
    assert status == 0
    first, link = out.splitlines()
    assert first.startswith("cleared the second factor of ann@example.org and ended their sessions")
    assert link.startswith("http://127.0.0.1:8050/account/invitation/")
    with engine.begin() as conn:
        purposes = conn.execute(select(schema.invitations.c.purpose)).scalars().all()
        logged = conn.execute(
            select(schema.audit_log.c.action, schema.audit_log.c.os_user, schema.audit_log.c.object)
        ).all()
    engine.dispose()
    assert purposes == ["reset-2fa"]  # the first link was replaced
    # every change is in the audit log, by the operating-system user who ran the command
    assert [a for a, _, _ in logged] == [
        "invitation",
        "disable",
        "disable",  # "no change": the attempt is recorded too
        "enable",
        "role-change",
        "role-change",
        "2fa-reset",
    ]
    assert {o for _, o, _ in logged} == {audit.os_user()} and audit.os_user()
    assert all("ann@example.org" in obj for _, _, obj in logged)
    assert etl(["audit", "verify", "--db", url]) == 0  # the chain holds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "x@example.org", "--role", "boss"],
            "unknown role 'boss': use one of programme, la, researcher",
        ),
        (
            ["add", "x@example.org", "--role", "la"],
            "an la user needs one or more areas: add --area GSS",
        ),
        (
            ["add", "x@example.org", "--role", "la", "--area", "E99999999"],
            "unknown area code(s) E99999999",
        ),
        (["add", "x@example", "--role", "researcher"], "'x@example' is not an e-mail address"),
        (["disable", "nobody@example.org"], "there is no user 'nobody@example.org'"),
        (["enable", "nobody@example.org"], "there is no user 'nobody@example.org'"),
        (
            ["role", "nobody@example.org", "--role", "programme"],
            "there is no user 'nobody@example.org'",
        ),
        (["reset-2fa", "nobody@example.org"], "there is no user 'nobody@example.org'"),
    ],
)
def test_a_refused_request_exits_1_with_one_line(url, capsys, args, message):
    status, out, err = users(capsys, *args, "--db", url)
    assert (status, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"{PROG}: error: ") and message in err


def test_no_database_or_one_at_another_revision_exits_2(tmp_path, url, capsys):
    status, _, err = users(capsys, "list", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert status == 2 and "no database at" in err and len(err.splitlines()) == 1
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    status, _, err = users(capsys, "add", "x@example.org", "--role", "researcher", "--db", url)
    assert status == 2 and len(err.splitlines()) == 1
    assert "behind this program's" in err and "python -m etl db upgrade" in err
    status, _, err = users(capsys, "add", "x@example.org", "--db", url)  # no --role: argparse
    assert status == 2 and "the following arguments are required: --role" in err


def test_the_module_runs_and_the_server_command_is_unchanged(url):
    run = subprocess.run(
        [sys.executable, "-m", "dashboard", "users", "list", "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("no users yet: invite the first programme lead with")
    with pytest.raises(SystemExit) as done:
        dashboard(["--help"])
    assert done.value.code == 0


def test_the_accounts_revision_upgrades_a_postgresql_database_and_serves_the_commands(
    pg_url, capsys
):
    url = create_database(pg_url, "lfo_accounts")
    m.build_data(url)
    m.make_pre_migration(url)  # as made before migrations: no accounts tables
    assert "users" not in m.shape(url)
    status, out, err = users(capsys, "list", "--db", url)
    assert status == 2 and "python -m etl db upgrade" in err
    assert etl(["db", "upgrade", "--db", url]) == 0
    capsys.readouterr()
    assert m.revision_of(url) == m.HEAD
    shape = m.shape(url)
    assert set(schema.ACCOUNT_TABLES) <= set(shape)
    status, out, _ = users(
        capsys, "add", "ann@example.org", "--role", "la", "--area", NEWCASTLE, "--db", url
    )
    assert status == 0
    assert users(capsys, "add", "ann@example.org", "--role", "researcher", "--db", url)[0] == 1
    status, out, _ = users(capsys, "list", "--db", url)
    assert f"ann@example.org  la    {NEWCASTLE}  invited  never" in out
    engine = create_engine(url)
    try:
        with (
            engine.begin() as conn,
            pytest.raises(Exception, match="ck_users_role"),
            conn.begin_nested(),
        ):
            conn.execute(text("UPDATE users SET role = 'boss'"))
    finally:
        engine.dispose()


def test_enrolment_sign_in_session_and_token_work_on_postgresql(pg_url, tmp_path):
    from support.accounts import NOW, PASSWORD, code, enrolled

    from lfo.access import signin, tokens
    from lfo.access.secrets import load_key

    url = create_database(pg_url, "lfo_signin")
    engine = writer_engine(url)
    init_db(engine)
    key = load_key(tmp_path / "secrets.key")
    at = NOW + dt.timedelta(minutes=1)
    try:
        with engine.begin() as conn:
            ann = enrolled(conn, key)
            for _ in range(5):
                signin.check_password(conn, key, ann.email, "not the password", now=at)
            assert signin.check_password(conn, key, ann.email, PASSWORD, now=at).wait_seconds == 1
            at += dt.timedelta(seconds=1)
            assert signin.check_password(conn, key, ann.email, PASSWORD, now=at).ok
            done = signin.check_second_factor(conn, key, ann.user_id, code(ann, at), now=at)
            assert done.ok
            assert sessions.session_principal(conn, done.session_id, now=at).areas == {NEWCASTLE}
            made = tokens.create_token(conn, ann.user_id, "notebook", now=at)
        with engine.begin() as conn:
            assert tokens.token_principal(conn, made.token, now=at).via_token
    finally:
        engine.dispose()


def test_reset_sso_clears_the_binding_ends_sessions_and_is_audited(url, capsys):
    users(capsys, "add", "sso@example.org", "--role", "programme", "--db", url)
    status, out, _ = users(capsys, "reset-sso", "sso@example.org", "--db", url)
    assert (status, out.strip()) == (
        0,
        "sso@example.org is not bound to a single sign-on account: nothing to clear",
    )
    engine = create_engine(url)
    u = schema.users
    with engine.begin() as conn:
        user_id = conn.execute(select(u.c.user_id)).scalar()
        conn.execute(u.update().values(oidc_iss="https://idp.example.org", oidc_sub="old-subject"))
        sid = sessions.create_session(conn, user_id)
    status, out, _ = users(capsys, "reset-sso", "SSO@example.org", "--db", url)
    assert status == 0
    assert out.strip().startswith(
        "cleared the single sign-on binding of sso@example.org "
        "(was bound to https://idp.example.org) and ended 1 session(s)"
    )
    a = schema.audit_log
    with engine.begin() as conn:
        bound = conn.execute(select(u.c.oidc_iss, u.c.oidc_sub)).one()
        assert sessions.session_principal(conn, sid) is None
        logged = conn.execute(select(a.c.action, a.c.object).where(a.c.action == "sso-reset")).all()
    engine.dispose()
    assert tuple(bound) == (None, None)
    assert len(logged) == 2 and "was bound to https://idp.example.org" in logged[-1].object

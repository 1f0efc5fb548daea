"""``python -m dashboard users …``: users from the command line (docs/spec/service.md § 2), for
the first programme lead and for operators.

    python -m dashboard users add EMAIL --role programme|la|researcher [--area GSS ...]
    python -m dashboard users list
    python -m dashboard users disable EMAIL
    python -m dashboard users enable EMAIL
    python -m dashboard users role EMAIL --role ROLE [--area GSS ...]
    python -m dashboard users reset-2fa EMAIL
    python -m dashboard users reset-sso EMAIL

Every command accepts ``--db URL``. ``add`` and ``reset-2fa`` print a single-use link valid 72
hours (``LFO_BASE_URL`` + ``/account/invitation/…``; default base http://127.0.0.1:8050) for the
operator to pass on: no mail server is assumed. Exit status as the ETL's: 0 done, 1 the request
was refused (unknown role, e-mail address or area, an ``la`` user without ``--area``, …), 2 the
command could not run (bad options, no database, a database at another schema revision). Each
problem is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from dashboard.cli_errors import fail
from dashboard.settings import DashboardSettings
from lfo.access import audit, users
from lfo.access.event_log import record_event
from lfo.access.events import Event
from lfo.access.roles import ROLES
from lfo.db import DatabaseError, check_revision, database_exists, writer_engine
from lfo.settings import DEFAULT_DATABASE_URL

PROG = "python -m dashboard users"
OK, REFUSED, CANNOT_RUN = 0, 1, 2

COMMANDS = {
    "add": "invite a person: prints a single-use link valid 72 hours",
    "list": "every user: role, areas, status, last sign-in",
    "disable": "disable a user: their sessions end and their API tokens stop at once",
    "enable": "enable a disabled user again",
    "role": "change a user's role and areas (their sessions end)",
    "reset-2fa": "clear a user's second factor: prints a new single-use link to enrol again",
    "reset-sso": "clear a user's single sign-on binding: their next SSO sign-in binds anew",
}


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL (default: $LFO_DATABASE_URL, else {DEFAULT_DATABASE_URL})",
    )
    top = argparse.ArgumentParser(prog=PROG, description="Users of the monitoring service.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers = {
        name: sub.add_parser(
            name, help=text, description=text, parents=[common], prog=f"{PROG} {name}"
        )
        for name, text in COMMANDS.items()
    }
    for name in ("add", "disable", "enable", "role", "reset-2fa", "reset-sso"):
        parsers[name].add_argument("email", metavar="EMAIL", help="the person's e-mail address")
    for name in ("add", "role"):
        parsers[name].add_argument("--role", required=True, metavar="ROLE", help=" | ".join(ROLES))
        parsers[name].add_argument(
            "--area",
            action="append",
            default=[],
            metavar="GSS",
            help="a GSS code of the person's LA (la users; repeat for several)",
        )
    return top, parsers


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a command line (``--db`` may come before the command's name, or anywhere after)."""
    top, parsers = _parsers()
    words = list(argv)
    i = 0
    while i < len(words) and words[i] not in parsers:
        i += 2 if words[i] == "--db" else 1
    if i < len(words):
        name = words.pop(i)
        args = parsers[name].parse_intermixed_args(words)
        args.command = name
        return args
    return top.parse_args(words)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one users command; its exit status (never raises)."""
    argv = list(sys.argv[2:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else CANNOT_RUN
    try:
        settings = DashboardSettings.from_env(database_url=args.db)
    except ValueError as exc:
        return _fail(str(exc), CANNOT_RUN)
    url = settings.database_url
    if not database_exists(url):
        return _fail(
            f"no database at {url}: load returns with `python -m etl load`, or give --db",
            CANNOT_RUN,
        )
    engine = writer_engine(url)
    try:
        with engine.begin() as conn:
            check_revision(conn)
            return COMMAND_RUNS[args.command](conn, args, settings)
    except users.AccountError as exc:
        return _fail(str(exc), REFUSED)
    except (DatabaseError, SQLAlchemyError, OSError) as exc:
        text = " ".join(str(exc).split()).split("(Background on this error")[0].strip()
        return _fail(f"{url}: {text}", CANNOT_RUN)
    finally:
        engine.dispose()


Run = Callable[[Connection, argparse.Namespace, DashboardSettings], int]


def _add(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.add_user(conn, args.email, args.role, args.area, base_url=settings.base_url)
    _audit(conn, done.event)
    _say(
        f"invited {_who(done.user)}: pass on this single-use link, valid until {_when(done.link.expires_at)}:"
    )
    print(done.link.url)
    return OK


def _list(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    rows = users.list_users(conn)
    if not rows:
        _say(
            "no users yet: invite the first programme lead with "
            f"`{PROG} add EMAIL --role programme`"
        )
        return OK
    table = [("EMAIL", "ROLE", "AREAS", "STATUS", "LAST SIGN-IN")]
    for user in rows:
        status = "disabled" if user.disabled else "active" if user.enrolled else "invited"
        last = _when(user.last_sign_in_at) if user.last_sign_in_at else "never"
        table.append((user.email, user.role, " ".join(user.areas) or "-", status, last))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return OK


def _disable(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.set_disabled(conn, args.email, True)
    _audit(conn, done.event)
    if done.event.detail == "no change":
        _say(f"{done.user.email} is disabled already")
    else:
        _say(
            f"disabled {done.user.email}: {done.sessions_ended} session(s) ended, "
            "API tokens refused from now on"
        )
    return OK


def _enable(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.set_disabled(conn, args.email, False)
    _audit(conn, done.event)
    _say(
        f"{done.user.email} is enabled already"
        if done.event.detail == "no change"
        else f"enabled {done.user.email}"
    )
    return OK


def _role(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.set_role(conn, args.email, args.role, args.area)
    _audit(conn, done.event)
    areas = f" for {' '.join(done.user.areas)}" if done.user.areas else ""
    _say(
        f"{done.user.email} is now {done.user.role}{areas}: {done.sessions_ended} session(s) ended"
    )
    return OK


def _reset_2fa(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.reset_2fa(conn, args.email, base_url=settings.base_url)
    _audit(conn, done.event)
    _say(
        f"cleared the second factor of {done.user.email} and ended their sessions: pass on "
        f"this single-use link to enrol again, valid until {_when(done.link.expires_at)}:"
    )
    print(done.link.url)
    return OK


def _reset_sso(conn: Connection, args: argparse.Namespace, settings: DashboardSettings) -> int:
    done = users.reset_sso(conn, args.email)
    _audit(conn, done.event)
    if done.event.detail == "no change":
        _say(f"{done.user.email} is not bound to a single sign-on account: nothing to clear")
    else:
        _say(
            f"cleared the single sign-on binding of {done.user.email} ({done.event.detail}) and "
            f"ended {done.sessions_ended} session(s): their next single sign-on binds anew, "
            "matched by their verified e-mail address"
        )
    return OK


COMMAND_RUNS: dict[str, Run] = {
    "add": _add,
    "list": _list,
    "disable": _disable,
    "enable": _enable,
    "role": _role,
    "reset-2fa": _reset_2fa,
    "reset-sso": _reset_sso,
}


def _audit(conn: Connection, event: Event) -> None:
    """Write the change to the audit log, in the command's transaction, as done by the
    operating-system user who ran the command."""
    record_event(conn, event, os_user=audit.os_user())


def _who(user: users.User) -> str:
    return f"{user.email} ({user.role}{': ' + ' '.join(user.areas) if user.areas else ''})"


def _when(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _say(text: str) -> None:
    print(text, flush=True)


def _fail(text: str, status: int) -> int:
    return fail(text, status, PROG)

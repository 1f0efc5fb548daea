"""``python -m dashboard``: serve the dashboard; on first start, build the demo database.

Modes (docs/security.md, "The web layer"): on the demo database it built itself, no sign-in (the
demo banner and role switcher); with ``--no-sign-in``, no sign-in on any database but every
request needs the local token (printed in the start-up URL); otherwise sign-in, as under
gunicorn (users needed). The first two listen on a loopback address only.

A background worker (``python -m etl worker``: it loads the returns submitted in the service) is
started beside it and stopped with it, unless ``--no-worker`` (``dashboard.worker_process``).

Errors are one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import logging
import socket
import sys

from dashboard.app import create_app
from dashboard.cli_errors import fail as _fail
from dashboard.demo import (
    DemoBuildError,
    build_demo,
    demo_database,
    demo_ended_at,
    ended_demo_message,
    needs_demo,
)
from dashboard.services.database import Database
from dashboard.services.queries import check_readable
from dashboard.services.shared_cache import directory_for
from dashboard.services.warming import enable_warming
from dashboard.settings import DashboardSettings
from dashboard.web.accounts import service_problem
from dashboard.web.devserver import QuietRequestHandler
from dashboard.web.logs import configure_logging
from dashboard.worker_process import exit_on_sigterm, start_worker, stop_worker
from lfo.access.secrets import new_token
from lfo.db import DatabaseError
from lfo.settings import DEFAULT_DATABASE_URL


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Serve the Local Family Offer monitoring dashboard. If the database does not "
        "exist yet, first build a demo database from synthetic pilot returns.",
        epilog="Users: python -m dashboard users --help. The results maker beside gunicorn: "
        "python -m dashboard make-results --help",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    p.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")
    p.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help=f"database URL (default: LFO_DATABASE_URL, else {DEFAULT_DATABASE_URL})",
    )
    p.add_argument(
        "--no-demo",
        action="store_true",
        help="do not build the demo database when the database does not exist",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the background worker that loads returns submitted in the service "
        "(python -m etl worker; run it yourself, or under gunicorn as its own service)",
    )
    p.add_argument(
        "--no-sign-in",
        action="store_true",
        help="no sign-in, on any database: you act as a programme lead (with a role switcher); "
        "loopback addresses only, and every request needs the local token printed at start "
        "(LFO_LOCAL_TOKEN sets it)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:  # python -m dashboard users …: the accounts command line
        from dashboard.users_cli import main as users_main

        return users_main(argv[1:])
    if argv[:1] == ["make-results"]:  # the results maker (dashboard.results_cli)
        from dashboard.results_cli import main as results_main

        return results_main(argv[1:])
    args = parser().parse_args(argv)
    try:
        return _serve(args)
    except KeyboardInterrupt:
        return 0


def _serve(args: argparse.Namespace) -> int:
    # Imported here so that --help answers at once.

    try:
        settings = DashboardSettings.from_env(database_url=args.db)
    except ValueError as exc:
        return _fail(str(exc))
    url = settings.database_url
    if not 0 < args.port < 65536:
        return _fail(f"--port {args.port} is not a port number (1 to 65535)")
    problem = port_problem(args.host, args.port)
    if problem:
        return _fail(problem)
    if needs_demo(url):
        if args.no_demo:
            return _fail(
                f"no database at {url}: load returns with `python -m etl load`, "
                "or start without --no-demo to build the demo database"
            )
        try:
            build_demo(url, say=_say)
        except DemoBuildError as exc:
            return _fail(str(exc))
    db = Database(url)
    try:
        check_readable(db)
    except DatabaseError as exc:
        return _fail(f"{url}: {exc}")
    finally:
        db.dispose()
    settings, problem = choose_mode(settings, args)
    if problem:
        return _fail(problem)

    # from here on (the checks above fail in one line), one line per record on stderr with the
    # request id (dashboard.web.logs); werkzeug's own start-up lines too, its access lines
    # replaced by the app's; Dash prints its start-up line through its own handler, once
    configure_logging(settings.log_format)
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    logging.getLogger("dash.dash").propagate = False
    app = create_app(settings)
    if settings.warm_cache:
        enable_warming(
            app.services.data,
            app.server,
            directory_for(settings),
            follow=settings.results_maker,
        )
    if settings.local_token:
        _say(
            "No sign-in: open http://"
            f"{_url_host(args.host)}:{args.port}/?token={settings.local_token} "
            "(API clients: send Authorization: Bearer <the token>)"
        )
    worker = None if args.no_worker else start_worker(settings.database_url)
    exit_on_sigterm()
    try:
        app.run(host=args.host, port=args.port, debug=False, request_handler=QuietRequestHandler)
    except OSError as exc:
        return _fail(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")
    finally:
        stop_worker(worker)
    return 0


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback address (this computer only)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    try:
        return bool(infos) and all(
            ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]).is_loopback for info in infos
        )
    except ValueError:
        return False


def choose_mode(
    settings: DashboardSettings, args: argparse.Namespace
) -> tuple[DashboardSettings, str | None]:
    """The settings for the mode the command line and database ask for, or why not."""
    if args.no_sign_in or demo_database(settings.database_url):
        if not is_loopback(args.host):
            why = "--no-sign-in" if args.no_sign_in else "the demo (no sign-in)"
            return settings, (
                f"{why} listens on a loopback address only (such as 127.0.0.1), not {args.host}: "
                "to serve others, invite users and run with sign-in"
            )
        token = (settings.local_token or new_token(24)) if args.no_sign_in else ""
        demo = not args.no_sign_in
        return dataclasses.replace(settings, sign_in=False, demo=demo, local_token=token), None
    if not settings.base_url:
        base = f"http://{_url_host(args.host)}:{args.port}"
        settings = dataclasses.replace(settings, base_url=base)
    problem = service_problem(settings)
    ended = demo_ended_at(settings.database_url) if problem else None
    return settings, ended_demo_message(ended, problem) if ended and problem else problem


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard could not listen on ``host:port``, or None if it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"cannot listen on host {host!r}: no such address"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                return (
                    f"port {port} on {host} is already in use: stop the other server or use --port"
                )
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

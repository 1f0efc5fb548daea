"""The ETL's command line (return-spec.md section 5): a thin skin over the library.

    python -m etl validate PATH...
    python -m etl load PATH... [--quarantine] [--force] [--allow-shrink]
    python -m etl generate [--out DIR] [--seed N] [--scale pilot|national]
    python -m etl areas FILE.csv | --retire GSS
    python -m etl template --out FILE.xlsx
    python -m etl status
    python -m etl db current|upgrade|rebuild-summaries
    python -m etl audit verify|prune
    python -m etl files prune [--days N] [--dry-run]
    python -m etl worker [--once] [--poll SECONDS] [--lease SECONDS]
    python -m etl backup --to DIR [--without-keys]
    python -m etl restore --from BACKUP_DIR [--force]
    python -m etl release publish --period QUARTER [--note TEXT] | release list

Every command accepts ``--db URL``, ``--report FILE`` and ``--verbose`` anywhere after its name.
Exit status: 0 all files fine, 1 a file rejected or invalid, 2 the command could not run. Library
exceptions become one line on stderr; the traceback is logged only with ``--verbose``. The
commands themselves are in ``etl.commands``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from etl.areas import AreasFileError
from etl.areas_retire import RetireError
from etl.audit_commands import ACTIONS as AUDIT_ACTIONS
from etl.backup_files import BackupError
from etl.collect import UsageError
from etl.commands import CANNOT_RUN, PROG, REJECTED, one_line, run
from etl.console import LogSetup, shown
from etl.db_commands import ACTIONS as DB_ACTIONS
from etl.release_commands import ACTIONS as RELEASE_ACTIONS
from etl.report import ReportError
from etl.retention import ACTIONS as FILES_ACTIONS
from lfo.db import DatabaseError
from lfo.release_publish import PublishError

log = logging.getLogger("etl.cli")

COMMANDS = {
    "validate": "run every check on returns, against the database opened read-only; writes nothing",
    "load": "check returns and load the accepted ones, each in its own transaction",
    "generate": "write synthetic returns that follow the return specification",
    "areas": "add or update programme areas from a CSV file, or retire one (--retire GSS)",
    "template": "write an empty return workbook for LAs",
    "status": "one line per LA: latest period loaded, rows per table, findings by severity",
    "db": "the database: its schema revision (current), upgrade it to this program's, or rebuild "
    "the summary tables from the data",
    "audit": "the audit log: verify its hash chain, or prune rows past the retention period",
    "files": "the rejected files' retention: delete archive copies and uploads of returns never "
    "loaded, once past the retention period",
    "worker": "run the background jobs (returns submitted in the web app), one at a time, until "
    "stopped (SIGTERM)",
    "backup": "write one consistent backup set (database, keys, archive, manifest) into a new "
    "folder, while the service runs",
    "release": "releases: publish a quarter's figures as a frozen, citable release, or list them",
    "restore": "restore a backup set into an empty layout (--db, LFO_ID_KEY_FILE, "
    "LFO_SECRETS_KEY_FILE, LFO_ARCHIVE_DIR), after checking every file against its manifest",
}


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    common = argparse.ArgumentParser(add_help=False)
    opts = common.add_argument_group("options every command accepts")
    opts.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $LFO_DATABASE_URL, else sqlite:///data/lfo.db)",
    )
    opts.add_argument(
        "--report", metavar="FILE", type=Path, help="write every finding to FILE (.csv or .xlsx)"
    )
    opts.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log progress and, on failure, the full traceback",
    )
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Local Family Offer returns: check, load, generate, report.",
        epilog="Run '%(prog)s COMMAND --help' for a command's options.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers = {
        name: sub.add_parser(
            name, help=text, description=text, parents=[common], prog=f"{PROG} {name}"
        )
        for name, text in COMMANDS.items()
    }
    for name in ("validate", "load"):
        parsers[name].add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            type=Path,
            help="a return file, or a folder of .xlsx and .zip returns",
        )
    p = parsers["load"]
    p.add_argument(
        "--quarantine",
        action="store_true",
        help="hold back rows with errors (and rows that depend on them), load the rest",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="accept a return for an earlier period than the LA's current one (rollback)",
    )
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="accept a return missing more than 5%% of the LA's current participants",
    )
    p = parsers["generate"]
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default: data/returns/<scale>/)"
    )
    p.add_argument("--seed", type=int, default=2016, metavar="N", help="random seed (default 2016)")
    p.add_argument(
        "--scale",
        choices=("pilot", "national"),
        default="pilot",
        help="pilot: 12 areas, 12 quarters; national: 153 areas, 1,000,000 participants",
    )
    adders = (
        _add_areas_options,
        _add_template_and_worker_options,
        _add_backup_options,
        _add_release_options,
    )
    for add_options in (*adders, _add_actions):
        add_options(parsers)
    return top, parsers


def _add_template_and_worker_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The options of ``template``, ``files`` and ``worker``."""
    parsers["files"].add_argument(
        "--days",
        type=int,
        metavar="N",
        help="delete files older than N days (default: $LFO_REJECTED_RETENTION_DAYS, else 90)",
    )
    parsers["files"].add_argument(
        "--dry-run", action="store_true", help="list what would be deleted; delete nothing"
    )
    parsers["template"].add_argument(
        "--out", type=Path, metavar="FILE.xlsx", required=True, help="where to write the workbook"
    )
    p = parsers["worker"]
    p.add_argument(
        "--once", action="store_true", help="run the jobs waiting now, then stop (do not wait)"
    )
    p.add_argument(
        "--poll",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often to look for a job when none is waiting (default 5)",
    )
    p.add_argument(
        "--lease",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="a running job whose heartbeat is older than this is taken to have lost its worker "
        "and is run again (default 300)",
    )


def _add_backup_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The options of ``backup`` and ``restore``."""
    p = parsers["backup"]
    p.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        required=True,
        help="the folder to write the backup set into, as a new lfo-backup-<time> folder",
    )
    p.add_argument(
        "--without-keys",
        action="store_true",
        help="leave the ID and secrets keys out (keep them in the secret store); the manifest "
        "records their SHA-256 so a restore can check them",
    )
    p = parsers["restore"]
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="BACKUP_DIR",
        required=True,
        help="the lfo-backup-<time> folder a backup made",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a database that is not empty, and key and archive files that differ",
    )


def _add_areas_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The arguments of ``areas``."""
    parsers["areas"].add_argument(
        "file",
        type=Path,
        nargs="?",
        metavar="FILE.csv",
        help="areas to add or update, with the columns of areas.csv",
    )
    parsers["areas"].add_argument(
        "--retire",
        metavar="GSS",
        help="an area leaving the programme: its history is kept, its returns are no longer "
        "loaded, and LA users with no other area are disabled (with their API tokens)",
    )


def _add_release_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The options of ``release publish``."""
    p = parsers["release"]
    p.add_argument(
        "--period", metavar="QUARTER", help="publish: the release's quarter, e.g. 2018-19_Q4"
    )
    p.add_argument(
        "--note", metavar="TEXT", help="publish: the release's note (what it holds, what changed)"
    )


def _add_actions(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The ACTION argument of the commands that have several (``db``, ``audit``, ``files``,
    ``release``)."""
    for name, actions in (
        ("db", DB_ACTIONS),
        ("audit", AUDIT_ACTIONS),
        ("files", FILES_ACTIONS),
        ("release", RELEASE_ACTIONS),
    ):
        parsers[name].add_argument(
            "action",
            choices=tuple(actions),
            metavar="ACTION",
            help="; ".join(f"{action}: {text}" for action, text in actions.items()),
        )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a command line; argparse exits 2 with its usage message on a bad one."""
    top, parsers = _parsers()
    if argv and argv[0] in parsers:
        args = parsers[argv[0]].parse_intermixed_args(list(argv[1:]))
        args.command = argv[0]
        return args
    return top.parse_args(list(argv))  # help, or an unknown command: argparse reports it


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status; never raises (argparse's exits become statuses)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else CANNOT_RUN
    logs = LogSetup(args.verbose)
    try:
        return run(args)
    except BrokenPipeError:
        # stdout was closed early (``| head``): say nothing more, and stop Python complaining
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return CANNOT_RUN
    except KeyboardInterrupt:
        _fail("stopped by the user (Ctrl+C); a load in progress was rolled back")
        return 130
    except AreasFileError as exc:
        _fail(str(exc), escaped=True)  # one problem a line, each shown
        return REJECTED
    except (RetireError, BackupError) as exc:
        _fail(str(exc))
        return REJECTED
    except (
        UsageError,
        ReportError,
        DatabaseError,
        SQLAlchemyError,
        OSError,
        ValueError,
        PublishError,
    ) as exc:
        log.debug("the command could not run", exc_info=True)
        _fail(one_line(exc))
        return CANNOT_RUN
    except Exception as exc:
        log.debug("unexpected failure", exc_info=True)
        _fail(f"unexpected failure: {one_line(exc)} (run again with --verbose for details)")
        return CANNOT_RUN
    finally:
        logs.restore()


def _fail(text: str, *, escaped: bool = False) -> None:
    """One error on stderr; control characters from file names or values shown escaped."""
    sys.stderr.write(f"{PROG}: error: {text if escaped else shown(text)}\n")

"""The ETL's commands (validate, load, generate, areas, template, status, worker; db in
``etl.db_commands``, backup and restore in ``etl.backup`` and ``etl.restore``), run from parsed
arguments.

``etl.cli`` parses the command line and turns what these raise into exit statuses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from etl import console as out
from etl.areas import add_areas
from etl.areas_retire import retire_area
from etl.audit_commands import run_audit
from etl.backup import run_backup
from etl.collect import UsageError, collect_files
from etl.db_commands import run_db
from etl.load.loader import load_files
from etl.load.result import FileResult, LoadError
from etl.load.validate import validate_files
from etl.release_commands import run_release
from etl.report import ReportError, check_report_path, write_report
from etl.restore import run_restore
from etl.retention import run_retention
from etl.status import area_status
from etl.synthetic.generate import generate
from etl.template import write_template
from etl.worker import run_worker
from lfo.db import DatabaseError, reader_engine, sqlite_path, writer_engine
from lfo.findings import findings_frame
from lfo.settings import Settings

PROG = "python -m etl"
OK, REJECTED, CANNOT_RUN = 0, 1, 2


def run(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; library errors propagate for ``etl.cli.main``."""
    if args.report is not None:
        check_report_path(args.report, getattr(args, "paths", ()))
    settings = Settings.from_env(database_url=args.db)
    if args.command in (
        "validate",
        "load",
        "areas",
        "status",
        "db",
        "audit",
        "files",
        "worker",
        "backup",
        "restore",
        "release",
    ):
        _check_database_url(settings.database_url)
    runner: Callable[[argparse.Namespace, Settings], int] = {
        "validate": _validate,
        "load": _load,
        "generate": _generate,
        "areas": _areas,
        "template": _template,
        "status": _status,
        "db": _db,
        "audit": _audit,
        "files": _files_prune,
        "worker": _worker,
        "backup": _backup,
        "restore": _restore,
        "release": _release,
    }[args.command]
    return runner(args, settings)


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy understands, whose driver is installed (else DatabaseError)."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        raise DatabaseError(
            f"--db {url!r} is not a database URL: write it like "
            "sqlite:///data/lfo.db or postgresql://user@host/lfo"
        ) from None
    try:
        create_engine(url).dispose()
    except ImportError as exc:
        raise DatabaseError(
            f"cannot use the database {shown}: its driver is not installed ({exc}); install it "
            "(for PostgreSQL: pip install 'psycopg[binary]') or use a sqlite:/// URL"
        ) from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use the database {shown}: {one_line(exc)}") from exc


# --- returns: validate and load -----------------------------------------------------------------


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    _check_reachable(settings)
    files = _files(args)
    return _run_files(
        args, files, lambda on_file: validate_files(files, settings, on_file=on_file), loading=False
    )


def _load(args: argparse.Namespace, settings: Settings) -> int:
    files = _files(args)
    return _run_files(
        args,
        files,
        lambda on_file: load_files(
            files,
            settings,
            quarantine=args.quarantine,
            force=args.force,
            allow_shrink=args.allow_shrink,
            on_file=on_file,
        ),
        loading=True,
        key_file=settings.id_key_file,
    )


def _files(args: argparse.Namespace) -> list[Path]:
    files, skipped = collect_files(args.paths, exclude=args.report)
    console = out.stdout_console()
    for path in skipped:
        console.print(f"skipped {path}: not a return (.xlsx or .zip)")
    return files


def _run_files(
    args: argparse.Namespace,
    files: list[Path],
    run: Callable[[Callable[[FileResult], None]], list[FileResult]],
    *,
    loading: bool,
    key_file: Path | None = None,
) -> int:
    """Run validate or load with a progress bar; print and report what was done, even when the
    command stops part way (a LoadError: exit status 2 after the summary of the files done)."""
    results: list[FileResult] = []
    verb = "Loading" if loading else "Checking"
    error: LoadError | None = None
    with out.Progress(verb, total=len(files)) as bar:

        def on_file(result: FileResult) -> None:
            results.append(result)
            bar.advance(description=f"{verb} (done: {result.file_name})")

        try:
            run(on_file)
        except LoadError as exc:
            error = exc
    status = _finish(args, results, loading, report=error is None or bool(results))
    if any(getattr(r, "key_created", False) for r in results):
        _key_notice(key_file)
    if error is not None:
        raise UsageError(one_line(error)) from error
    return status


def _key_notice(key_file: Path | None) -> None:
    sys.stderr.write(
        f"\n*** Created a new ID key file, {key_file}. BACK IT UP NOW, somewhere only the service "
        "account can read: without it, later returns no longer line up with the data loaded "
        "today. ***\n\n"
    )


def _finish(
    args: argparse.Namespace, results: list[FileResult], loading: bool, *, report: bool
) -> int:
    console = out.stdout_console()
    findings = _all_findings(results)
    failure: OSError | None = None
    if args.report is not None and report:
        try:
            # first, so a broken stdout cannot lose it; control characters shown escaped
            write_report(out.shown_frame(findings), args.report)
        except OSError as exc:
            failure = exc
    if results:
        out.print_file_results(results, console, loading=loading)
        out.print_findings_summary(findings, console)
    if failure is not None:
        raise ReportError(
            f"could not write the report {args.report}: {failure.strerror or failure}"
        ) from failure
    if args.report is not None and report:
        console.print(f"report: {len(findings):,} finding(s) written to {args.report}")
    outcomes = {r.outcome for r in results}
    if "failed" in outcomes:
        return CANNOT_RUN
    if outcomes & {"rejected", "invalid"}:
        return REJECTED
    return OK


def _all_findings(results: list[FileResult]) -> pd.DataFrame:
    frames = [r.findings for r in results if r.findings is not None and len(r.findings)]
    if not frames:
        return findings_frame()
    return pd.concat(frames, ignore_index=True)


def _check_reachable(settings: Settings) -> None:
    """validate treats a missing SQLite file as empty, but a server it cannot reach is an error."""
    if settings.database_url.startswith("sqlite"):
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot reach the database: {one_line(exc)}") from exc
    finally:
        engine.dispose()


# --- the other commands ---------------------------------------------------------------------


def _empty_report(args: argparse.Namespace) -> None:
    """``--report`` on a command without findings writes the header only, so scripts find a file."""
    if args.report is not None:
        write_report(findings_frame(), args.report)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    target = args.out or Path("data/returns") / args.scale
    with out.Progress(f"Generating {args.scale} returns") as bar:
        summary = generate(target, seed=args.seed, scale=args.scale, progress=bar.update)
    out.print_generate_summary(summary, out.stdout_console())
    _empty_report(args)
    return OK


def _areas(args: argparse.Namespace, settings: Settings) -> int:
    if (args.file is None) == (args.retire is None):
        raise UsageError("give either an areas .csv file or --retire GSS (one of the two)")
    if args.retire is not None:
        return _retire(args, settings)
    if not args.file.is_file():
        raise UsageError(f"{args.file} does not exist: give the path of an areas .csv file")
    engine = writer_engine(settings.database_url)
    try:
        result = add_areas(args.file, engine)
    finally:
        engine.dispose()
    console = out.stdout_console()
    for label, codes in (
        ("added", result.added),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
    ):
        console.print(f"{len(codes)} area(s) {label}" + (f": {', '.join(codes)}" if codes else ""))
    for change in result.changes:
        console.print(f"  {change}")
    if result.load_id is not None:
        console.print(
            f"logged as load {result.load_id} (areas updated): the dashboard, its caches and "
            "the API show the new names and targets at once"
        )
    _empty_report(args)
    return OK


def _retire(args: argparse.Namespace, settings: Settings) -> int:
    engine = writer_engine(settings.database_url)
    try:
        done = retire_area(engine, args.retire)
    finally:
        engine.dispose()
    console = out.stdout_console()
    when = f"{done.retired_at:%Y-%m-%d %H:%M} UTC"
    if done.already:
        console.print(f"{done.code} {done.name} was retired already, on {when}: nothing changed")
    else:
        users = ", ".join(done.disabled) or "none"
        console.print(
            f"{done.code} {done.name} retired on {when}: its history is kept, its returns are "
            f"no longer loaded; LA users disabled (no other area): {users}"
        )
    _empty_report(args)
    return OK


def _db(args: argparse.Namespace, settings: Settings) -> int:
    status = run_db(args, settings)
    _empty_report(args)
    return status


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    status = run_audit(args, settings)
    _empty_report(args)
    return status


def _files_prune(args: argparse.Namespace, settings: Settings) -> int:
    status = run_retention(args, settings)
    _empty_report(args)
    return status


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    if args.poll <= 0 or args.lease <= 0:
        raise UsageError("--poll and --lease must be positive numbers of seconds")
    ran = run_worker(settings, once=args.once, poll=args.poll, lease=args.lease)
    out.stdout_console().print(
        f"worker stopped: {ran.done} job(s) done, {ran.failed} failed, "
        f"{ran.given_back} given back to the queue"
    )
    _empty_report(args)
    return OK


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    status = run_backup(args, settings)
    _empty_report(args)
    return status


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    status = run_restore(args, settings)
    _empty_report(args)
    return status


def _template(args: argparse.Namespace, settings: Settings) -> int:
    path = write_template(args.out)
    out.stdout_console().print(f"wrote the return template to {path}")
    _empty_report(args)
    return OK


def _status(args: argparse.Namespace, settings: Settings) -> int:
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise DatabaseError(
            f"the database {path} does not exist: load a return first, or give "
            "--db or LFO_DATABASE_URL"
        )
    engine = reader_engine(settings.database_url)
    try:
        status = area_status(engine)
    finally:
        engine.dispose()
    out.print_status(status, out.stdout_console())
    _empty_report(args)
    return OK


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.split("(Background on this error")[0].strip()


def _release(args: argparse.Namespace, settings: Settings) -> int:
    status = run_release(args, settings)
    _empty_report(args)
    return status

"""The ETL's command line (return-spec.md section 5): a thin skin over the library.

    python -m etl validate PATH...
    python -m etl load PATH... [--quarantine] [--force] [--allow-shrink]
    python -m etl generate [--out DIR] [--seed N] [--scale pilot|national]
    python -m etl areas FILE.csv
    python -m etl template --out FILE.xlsx
    python -m etl status

Every command accepts ``--db URL``, ``--report FILE`` and ``--verbose`` anywhere after its name.
Exit status: 0 all files fine, 1 a file rejected or invalid, 2 the command could not run. Library
exceptions become one line on stderr; the traceback is logged only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from etl import console as out
from etl.areas import AreasFileError
from etl.console import LogSetup
from etl.report import ReportError, check_report_path, write_report
from lfo.db import DatabaseError
from lfo.findings import findings_frame
from lfo.settings import Settings

log = logging.getLogger("etl.cli")

PROG = "python -m etl"
OK, REJECTED, CANNOT_RUN = 0, 1, 2
COMMANDS = {
    "validate": "run every check on returns, against the database opened read-only; writes nothing",
    "load": "check returns and load the accepted ones, each in its own transaction",
    "generate": "write synthetic returns that follow the return specification",
    "areas": "add or update programme areas from a CSV file",
    "template": "write an empty return workbook for LAs",
    "status": "one line per LA: latest period loaded, rows per table, findings by severity",
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
    parsers["areas"].add_argument(
        "file",
        type=Path,
        metavar="FILE.csv",
        help="areas to add or update, with the columns of areas.csv",
    )
    parsers["template"].add_argument(
        "--out", type=Path, metavar="FILE.xlsx", required=True, help="where to write the workbook"
    )
    return top, parsers


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
        return _run(args)
    except BrokenPipeError:
        # stdout was closed early (``| head``): say nothing more, and stop Python complaining
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return CANNOT_RUN
    except KeyboardInterrupt:
        _fail("stopped by the user (Ctrl+C); a load in progress was rolled back")
        return 130
    except AreasFileError as exc:
        _fail(str(exc))
        return REJECTED
    except (UsageError, ReportError, DatabaseError, SQLAlchemyError, OSError, ValueError) as exc:
        log.debug("the command could not run", exc_info=True)
        _fail(_one_line(exc))
        return CANNOT_RUN
    except Exception as exc:
        log.debug("unexpected failure", exc_info=True)
        _fail(f"unexpected failure: {_one_line(exc)} (run again with --verbose for details)")
        return CANNOT_RUN
    finally:
        logs.restore()


class UsageError(Exception):
    """The command line names something unusable (a missing path, a folder with no returns)."""


def _run(args: argparse.Namespace) -> int:
    if args.report is not None:
        check_report_path(args.report)
    settings = Settings.from_env(database_url=args.db)
    if args.command in ("validate", "load", "areas", "status"):
        _check_database_url(settings.database_url)
    runner: Callable[[argparse.Namespace, Settings], int] = {
        "validate": _validate,
        "load": _load,
        "generate": _generate,
        "areas": _areas,
        "template": _template,
        "status": _status,
    }[args.command]
    return runner(args, settings)


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy understands, whose driver is installed (else DatabaseError)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

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
        raise DatabaseError(f"cannot use the database {shown}: {_one_line(exc)}") from exc


# --- returns: validate and load -----------------------------------------------------------------

_NAME = re.compile(r"^LFO_(E[0-9]{8})_([0-9]{4})-([0-9]{2})_Q([1-4])\.(xlsx|zip)$")
RETURN_SUFFIXES = (".xlsx", ".zip")


def return_order(path: Path) -> tuple:
    """Sort key: period, then LA code, then file name; names that do not parse go last, by name."""
    m = _NAME.match(path.stem + path.suffix.lower())
    if m is None:
        return (1, 0, "", path.name)
    fy, yy, q = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if (fy + 1) % 100 != yy:
        return (1, 0, "", path.name)
    return (0, fy * 4 + q, m.group(1), path.name)


def collect_files(
    paths: Sequence[Path], *, exclude: Path | None = None
) -> tuple[list[Path], list[Path]]:
    """The return files named by ``paths`` in load order, and the files skipped in folders.

    A file is taken as it is (the checks judge it); a folder gives its ``*.xlsx`` and ``*.zip``
    files, not those of subfolders, and skips the rest (and Excel's ``~$`` lock files).
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist: give a return file or a folder of returns")
        if path.is_dir():
            found = [p for p in sorted(path.iterdir()) if p.is_file()]
            returns = [
                p
                for p in found
                if p.suffix.lower() in RETURN_SUFFIXES
                and not p.name.startswith("~$")
                and not _same(p, exclude)
            ]
            skipped += [p for p in found if p not in returns and not _same(p, exclude)]
            if not returns:
                raise UsageError(
                    f"{path} holds no returns (.xlsx or .zip files): check the folder name"
                )
            files += returns
        else:
            files.append(path)
    unique = {p.resolve(): p for p in files}
    return sorted(unique.values(), key=return_order), skipped


def _same(a: Path, b: Path | None) -> bool:
    return b is not None and a.resolve() == b.resolve()


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from etl.load.validate import validate_files

    _check_reachable(settings)
    files = _files(args)
    return _run_files(
        args, files, lambda on_file: validate_files(files, settings, on_file=on_file), loading=False
    )


def _load(args: argparse.Namespace, settings: Settings) -> int:
    from etl.load.loader import load_files

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
    args: argparse.Namespace, files: list[Path], run, *, loading: bool, key_file: Path | None = None
) -> int:
    """Run validate or load with a progress bar; print and report what was done, even when the
    command stops part way (a LoadError: exit status 2 after the summary of the files done)."""
    from etl.load.result import LoadError

    results: list = []
    verb = "Loading" if loading else "Checking"
    error: LoadError | None = None
    with out.Progress(verb, total=len(files)) as bar:

        def on_file(result) -> None:
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
        raise UsageError(_one_line(error)) from error
    return status


def _key_notice(key_file: Path | None) -> None:
    sys.stderr.write(
        f"\n*** Created a new ID key file, {key_file}. BACK IT UP NOW, somewhere only the service "
        "account can read: without it, later returns no longer line up with the data loaded "
        "today. ***\n\n"
    )


def _finish(args: argparse.Namespace, results: list, loading: bool, *, report: bool) -> int:
    console = out.stdout_console()
    findings = _all_findings(results)
    failure: OSError | None = None
    if args.report is not None and report:
        try:
            write_report(findings, args.report)  # first, so a broken stdout cannot lose it
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


def _all_findings(results: list) -> pd.DataFrame:
    frames = [r.findings for r in results if r.findings is not None and len(r.findings)]
    if not frames:
        return findings_frame()
    return pd.concat(frames, ignore_index=True)


def _check_reachable(settings: Settings) -> None:
    """validate treats a missing SQLite file as empty, but a server it cannot reach is an error."""
    from sqlalchemy import create_engine

    if settings.database_url.startswith("sqlite"):
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot reach the database: {_one_line(exc)}") from exc
    finally:
        engine.dispose()


# --- the other commands ---------------------------------------------------------------------


def _empty_report(args: argparse.Namespace) -> None:
    """``--report`` on a command without findings writes the header only, so scripts find a file."""
    if args.report is not None:
        write_report(findings_frame(), args.report)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from etl.synthetic.generate import generate

    target = args.out or Path("data/returns") / args.scale
    with out.Progress(f"Generating {args.scale} returns") as bar:
        summary = generate(target, seed=args.seed, scale=args.scale, progress=bar.update)
    out.print_generate_summary(summary, out.stdout_console())
    _empty_report(args)
    return OK


def _areas(args: argparse.Namespace, settings: Settings) -> int:
    from etl.areas import add_areas
    from lfo.db import writer_engine

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
    _empty_report(args)
    return OK


def _template(args: argparse.Namespace, settings: Settings) -> int:
    from etl.template import write_template

    path = write_template(args.out)
    out.stdout_console().print(f"wrote the return template to {path}")
    _empty_report(args)
    return OK


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from etl.status import area_status
    from lfo.db import reader_engine, sqlite_path

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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.split("(Background on this error")[0].strip()


def _fail(text: str) -> None:
    sys.stderr.write(f"{PROG}: error: {text}\n")

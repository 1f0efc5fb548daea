"""First start: build a demo database from synthetic pilot returns, through the ETL's own CLI.

The dashboard never imports the ETL's internals: it runs ``python -m etl generate`` and
``python -m etl load`` as subprocesses, exactly as a person would.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, func, select

from lfo import schema
from lfo.db import (
    database_exists,
    demo_ended,
    is_demo,
    mark_demo,
    reader_engine,
    writer_engine,
)

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RETURNS_DIR = Path("data/returns/pilot")

#: ``etl load`` exit status: 0 all loaded, 1 some files rejected (the rest are loaded), 2 failed.
LOAD_OK = (0, 1)


class DemoBuildError(Exception):
    """The demo database could not be built: the message says which step failed and why."""


def demo_commands(
    database_url: str, returns_dir: Path = DEFAULT_RETURNS_DIR, python: str = sys.executable
) -> list[list[str]]:
    """The two ETL command lines that build the demo database."""
    return [
        [python, "-m", "etl", "generate", "--scale", "pilot", "--out", str(returns_dir)],
        [python, "-m", "etl", "load", str(returns_dir / "zip"), "--db", database_url],
    ]


def needs_demo(database_url: str) -> bool:
    """True when the database does not exist yet (so a first start should build the demo)."""
    return not database_exists(database_url)


def build_demo(
    database_url: str,
    returns_dir: Path = DEFAULT_RETURNS_DIR,
    *,
    say: Callable[[str], None] = log.info,
    python: str = sys.executable,
) -> None:
    """Generate the synthetic pilot returns and load them into ``database_url``.

    Runs in the current working directory (so relative paths mean the same as for the caller),
    with the project on PYTHONPATH. Raises DemoBuildError naming the failed step.
    """
    generate, load = demo_commands(database_url, returns_dir, python)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    say(
        f"No database at {database_url}: building the demo database from synthetic pilot returns "
        "(this takes a few minutes, once)."
    )
    say(f"Generating returns: {_show(generate)}")
    started = time.monotonic()
    _run(generate, env, ok=(0,), step="generating the demo returns")
    say(f"Generated in {time.monotonic() - started:.0f} s. Loading returns: {_show(load)}")
    started = time.monotonic()
    status = _run(load, env, ok=LOAD_OK, step="loading the demo returns")
    say(f"Loaded in {time.monotonic() - started:.0f} s.")
    if status == 1:
        say("Some demo returns were rejected, as the demo intends; the rest are loaded.")
    engine = writer_engine(database_url)
    try:
        with engine.begin() as conn:
            latest = None
            if not mark_demo(conn):  # demo mode: no sign-in on it (until another load)
                say("The ETL made no database to mark as the demo's: it will need sign-in.")
            else:
                latest = conn.execute(select(func.max(schema.returns.c.period))).scalar()
    finally:
        engine.dispose()
    if latest is not None:  # service.md § 1: the demo is built with a release of its latest quarter
        publish = [python, "-m", "etl", "release", "publish", "--period", str(latest)]
        publish += ["--note", "The demo's release of its latest quarter", "--db", database_url]
        say(f"Publishing the demo's release: {_show(publish)}")
        started = time.monotonic()
        _run(publish, env, ok=(0,), step="publishing the demo's release")
        say(f"Published in {time.monotonic() - started:.0f} s.")
    say("Demo database ready.")


def demo_database(database_url: str) -> bool:
    """Whether ``database_url`` is the demo database ``build_demo`` made (and nothing else was
    loaded into it since)."""
    return bool(_read_mark(database_url, is_demo))


def demo_ended_at(database_url: str) -> str | None:
    """When a return was loaded into what was the demo database (its demo mode ended then);
    None when it never was the demo, or still is."""
    found = _read_mark(database_url, demo_ended)
    return found if isinstance(found, str) else None


def _read_mark(database_url: str, read: Callable[[Connection], object]) -> object:
    try:
        engine = reader_engine(database_url)
    except Exception:  # noqa: BLE001 - not readable: not the demo
        return None
    try:
        with engine.connect() as conn:
            return read(conn)
    except Exception:  # noqa: BLE001
        return None
    finally:
        engine.dispose()


def ended_demo_message(when: str, problem: str) -> str:
    """Why the database that was the demo now needs sign-in, and the ways on."""
    return (
        f"this database was the demo, but a return was loaded into it on {when} (through the "
        "Returns page or the ETL), so it may now hold real data and needs sign-in like any "
        "other. To see the demo again, move the database file away (data/lfo.db by default) "
        "and start again; to use this database on this computer only, start with --no-sign-in; "
        f"to serve it to others: {problem}"
    )


def _run(cmd: list[str], env: dict[str, str], ok: tuple[int, ...], step: str) -> int:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise DemoBuildError(f"{step} failed: {exc}") from None
    if done.stdout:
        log.debug("%s", done.stdout)
    if done.returncode not in ok:
        detail = (
            _last_line(done.stderr) or _last_line(done.stdout) or f"exit status {done.returncode}"
        )
        raise DemoBuildError(f"{step} failed ({_show(cmd)}): {detail}")
    return done.returncode


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _show(cmd: list[str]) -> str:
    shown = ["python" if i == 0 else part for i, part in enumerate(cmd)]
    return " ".join(shown)

"""Checking the next return in a worker process (``etl.checks.ahead.CheckAhead``) changes no outcome.

A load (or validate) of several files in one call checks file i + 1 in a worker process while file i
is loaded; the database, the results and the findings must be exactly those of loading the same
files one call at a time, also when the worker fails in any way; a single file starts no process;
the worker ends with its parent and never holds the load lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from support.dumps import TODAY, db_file, dump_tables
from support.returns import valid_tables, write_return

from etl.checks import ahead as checks
from etl.load.loader import load_files
from etl.load.validate import validate_files
from etl.pseudonymise import ensure_key
from lfo.settings import Settings

RUNNER = Path(__file__).parent / "support" / "load_runner.py"


def _files(folder: Path, scaled_tables) -> list[Path]:
    """Returns that exercise every path of a load: loaded, rejected, E108, E109, E103, unreadable,
    already loaded, quarantine-able errors, a second area."""
    bad = valid_tables()
    bad["participants"][0]["sex"] = "unknown"  # an error in a cell
    small = valid_tables()
    del small["participants"][2:]  # P003 gone: E109 against Q3
    small["interventions"] = [r for r in small["interventions"] if r["participant_id"] != "P003"]
    small["outcomes"] = [r for r in small["outcomes"] if r["participant_id"] != "P003"]
    first = write_return(folder / "a", scaled_tables(20))
    files = [
        first,
        write_return(folder / "b", bad, period="2017-18_Q4"),  # rejected (errors)
        write_return(folder / "c", scaled_tables(30), period="2017-18_Q4"),
        write_return(folder / "d", valid_tables(), period="2017-18_Q2"),  # E108 stale
        write_return(folder / "e", valid_tables(), area="E08000037"),
        write_return(folder / "f", small, area="E08000037", period="2017-18_Q4"),  # E109
        write_return(folder / "g", valid_tables(), area="E99999999"),  # E103 unknown area
        write_return(folder / "h", valid_tables(), name="notes.zip"),  # E102 file name
    ]
    broken = folder / "i" / "LFO_E09000008_2017-18_Q3.zip"
    broken.parent.mkdir()
    broken.write_bytes(b"not a zip file")  # rejected
    current = files[2]  # the LA's current return once loaded (the Q3 file is superseded by then)
    again = folder / "j" / current.name
    again.parent.mkdir()
    shutil.copy(current, again)  # the same file again: already loaded
    return [*files, broken, again]


def _settings(root: Path, key_file: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{root / 'lfo.db'}",
        archive_dir=root / "archive",
        id_key_file=key_file,
    )


def _untimed(message: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time> UTC", message)


def _same(a, b) -> None:
    """Two FileResults alike but for the load id and the file's folder."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (
            x.file_name,
            x.outcome,
            _untimed(x.message),
            x.area_code,
            x.period,
            x.rows_loaded,
            x.rows_held_back,
        ) == (
            y.file_name,
            y.outcome,
            _untimed(y.message),
            y.area_code,
            y.period,
            y.rows_loaded,
            y.rows_held_back,
        )
        pd.testing.assert_frame_equal(x.findings, y.findings)


def _data(settings: Settings) -> dict[str, list[tuple]]:
    """Every data table's rows, ``returns`` without its load time (no ``schema_info``)."""
    tables = dump_tables(db_file(settings))
    del tables["schema_info"]
    con = sqlite3.connect(db_file(settings))
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(returns)")]
    finally:
        con.close()
    at = cols.index("loaded_at")
    tables["returns"] = [r[:at] + r[at + 1 :] for r in tables["returns"]]
    return tables


def _etl_findings(settings: Settings) -> list[tuple]:
    """The stored findings without their ids and load ids."""
    return sorted(
        (r[2:] for r in dump_tables(db_file(settings), etl=True)["etl_findings"]), key=repr
    )


@pytest.fixture
def two_ways(tmp_path, lfo_settings, scaled_tables):
    """(files, sequential settings, sequential results): each file loaded in its own call."""
    ensure_key(lfo_settings.id_key_file)
    files = _files(tmp_path / "in", scaled_tables)
    one = _settings(tmp_path / "one", lfo_settings.id_key_file)
    results = []
    for f in files:
        results += load_files([f], one, quarantine=False)
    return files, one, results


def _spy(monkeypatch) -> list[str]:
    """Names of the files checked in this process (the worker's checks are not seen)."""
    seen: list[str] = []
    real = checks.check_file

    def spy(path, **kw):
        seen.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(checks, "check_file", spy)
    return seen


@pytest.mark.slow
def test_multi_file_load_is_identical_to_one_call_per_file(tmp_path, two_ways, monkeypatch, caplog):
    files, one, expected = two_ways
    assert [r.outcome for r in expected] == [
        "loaded",
        "rejected",
        "loaded",
        "rejected",
        "loaded",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "already loaded",
    ]
    seen = _spy(monkeypatch)
    caplog.set_level(logging.INFO, logger="etl")
    many = _settings(tmp_path / "many", one.id_key_file)
    got = load_files(files, many)
    _same(got, expected)
    assert _data(many) == _data(one)
    assert _etl_findings(many) == _etl_findings(one)
    # only the first file was checked here: the worker checked the others (the file loaded
    # before is not checked)
    assert seen == [files[0].name]
    # the worker's log records are handled here
    checked = [r.getMessage() for r in caplog.records if r.getMessage().startswith("checked ")]
    assert [m.split()[1].rstrip(":") for m in checked] == [f.name for f in files[:-1]]


def _crash(path, known_areas, today):
    os._exit(3)


def _raise(path, known_areas, today):
    raise RuntimeError("the worker failed")


def _unpicklable(path, known_areas, today):
    checked = checks.check_file(path, known_areas=known_areas, today=today)
    return dataclasses.replace(checked, findings=[lambda: None]), []


@pytest.mark.slow
@pytest.mark.parametrize("worker", [_crash, _raise, _unpicklable])
def test_a_failing_worker_falls_back_to_checking_here(tmp_path, two_ways, monkeypatch, worker):
    files, one, expected = two_ways
    monkeypatch.setattr(checks, "_check_in_worker", worker)
    seen = _spy(monkeypatch)
    many = _settings(tmp_path / "many", one.id_key_file)
    got = load_files(files, many)
    _same(got, expected)
    assert _data(many) == _data(one)
    assert _etl_findings(many) == _etl_findings(one)
    assert seen == [f.name for f in files[:-1]]  # every file checked here


def test_a_single_file_starts_no_process(lfo_settings, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(checks, "ProcessPoolExecutor", no_pool)
    [r] = load_files(
        [write_return(lfo_settings.archive_dir.parent / "in", valid_tables())], lfo_settings
    )
    assert r.outcome == "loaded"
    [v] = validate_files(
        [
            write_return(
                lfo_settings.archive_dir.parent / "in2", valid_tables(), period="2017-18_Q4"
            )
        ],
        lfo_settings,
    )
    assert v.outcome == "valid"


@pytest.mark.slow
def test_validate_of_several_files_is_identical_to_one_call_per_file(
    tmp_path, two_ways, monkeypatch
):
    files, one, _ = two_ways
    expected = [r for f in files for r in validate_files([f], one)]
    seen = _spy(monkeypatch)
    got = validate_files(files, one)
    _same(got, expected)
    assert seen == [files[0].name]


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out.update(int(c) for c in (task / "children").read_text().split())
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_the_worker_ends_with_a_killed_parent_and_holds_no_lock(
    tmp_path, lfo_settings, scaled_tables
):
    files = [
        write_return(tmp_path / f"in{i}", scaled_tables(400), period=p)
        for i, p in enumerate(["2017-18_Q2", "2017-18_Q3", "2017-18_Q4", "2018-19_Q1"])
    ]
    env = dict(
        os.environ,
        LFO_DATABASE_URL=lfo_settings.database_url,
        LFO_ARCHIVE_DIR=str(lfo_settings.archive_dir),
        LFO_ID_KEY_FILE=str(lfo_settings.id_key_file),
        LFO_TODAY=TODAY,
    )
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), *map(str, files)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert workers, "the load ended before a worker process was seen"
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
    # the lock is free: the next load runs at once, and ends with every file loaded or known
    results = load_files(files, lfo_settings, lock_wait=0)
    assert {r.outcome for r in results} <= {"loaded", "already loaded", "rejected"}
    assert results[-1].outcome in ("loaded", "already loaded")

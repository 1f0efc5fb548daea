"""Time ``python -m etl validate`` and ``load`` on hostile files and honest ones (issue 10).

``python -m benchmarks.hostile_files [--work DIR] [--xlsx-rows N] [--scale K] [--only NAME...]``
builds the files, then runs each command on each file in a child process of its own, as an
operator would (and ``web-check``: the file as uploaded through the web, checked by the worker's
``check-return`` job, issue 13), and prints one line per run: file size, wall seconds, the child's peak resident
memory (``os.wait4``'s rusage, the same figure as ``/usr/bin/time -v``'s "Maximum resident set
size"), exit status, the findings written and the database's size after a load. The budget
(issue 10): any file within the limits is checked in seconds to a few minutes at national return
size and within 2 GB; a hostile file costs seconds.

The files (built by ``tests/support/hostile.py`` and ``tests/support/returns.py``):

- ``wide-csv``: a zip whose participants.csv has 200,000 extra columns (the attack: 440 KB);
- ``wide-xlsx``: a workbook whose participants sheet fills 16,384 columns over ``--xlsx-rows``
  rows (the attack: 36 MB), its ``<dimension>`` saying A1:J4;
- ``formatted-xlsx``: a workbook (the first 500 participants of the national return) whose
  participant rows also carry formatted empty cells out to column XFD (21 MB; no value past
  column 10, but 8 million cells for openpyxl to parse: E110 since every cell counts);
- ``national-zip`` and ``national-xlsx``: an honest return of national size (7,000 participants,
  10,000 episodes, 25,000 outcomes; the tests' builder without its three known errors) times
  ``--scale``.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' builders: ``support.*``

from support.hostile import (  # noqa: E402
    replace_sheet,
    sheet_rows_xml,
    sheet_xml,
    wide_csv_zip,
    wide_xlsx,
)
from support.returns import SHEETS, national_tables, write_return  # noqa: E402

Tables = dict[str, list[dict[str, Any]]]  # a return as the tests' builders take it
TODAY = "2018-06-01"
BUDGET_MB = 2048
NAME = "LFO_E08000021_2017-18_Q3"


def _formatted_xlsx(folder: Path, tables: Tables, rows_wanted: int) -> Path:
    """An honest workbook whose first ``rows_wanted`` participant rows also hold formatted empty
    cells out to XFD (the rest of the return as it is)."""
    from openpyxl.utils import get_column_letter

    tables = _first_participants(tables, rows_wanted)
    path = write_return(folder, tables, fmt="xlsx")
    header = SHEETS["participants"]
    grid = [header] + [[str(r.get(c, "")) for c in header] for r in tables["participants"]]
    tail = "".join(f'<c r="{get_column_letter(j)}{{r}}" s="0"/>' for j in range(11, 16_385))

    def rows() -> Iterable[str]:
        for r, row in enumerate(sheet_rows_xml(grid), start=1):
            yield row.replace("</row>", tail.replace("{r}", str(r)) + "</row>")

    replace_sheet(path, "xl/worksheets/sheet1.xml", sheet_xml(rows(), "A1:XFD1"))
    return Path(path)


def _first_participants(tables: Tables, n: int) -> Tables:
    """The return cut to its first ``n`` participants and their episodes and outcomes."""
    keep = {r["participant_id"] for r in tables["participants"][:n]}
    return {s: [r for r in rows if r["participant_id"] in keep] for s, rows in tables.items()}


def valid_national(scale: int) -> Tables:
    """The tests' national-size return without its three deliberate errors."""
    tables: Tables = national_tables(7000 * scale, 10000 * scale, 25000 * scale)
    tables["participants"][10]["sex"] = "male"
    tables["interventions"][20]["end_date"] = tables["interventions"][20]["start_date"]
    tables["outcomes"][30]["score"] = "12"
    return tables


def build(folder: Path, xlsx_rows: int, scale: int) -> dict[str, Path]:
    """Every file of the benchmark, by name (slow parts printed as they are built)."""
    national = valid_national(scale)
    makers: dict[str, Callable[[Path], Path]] = {
        "wide-csv": lambda f: wide_csv_zip(f, 200_000, name=f"{NAME}.zip"),
        "wide-xlsx": lambda f: wide_xlsx(f, 16_384, repeat=max(1, xlsx_rows // 3)),
        "formatted-xlsx": lambda f: _formatted_xlsx(f, national, 500),
        "national-zip": lambda f: write_return(f, national, fmt="zip"),
        "national-xlsx": lambda f: write_return(f, national, fmt="xlsx"),
    }
    out = {}
    for name, make in makers.items():
        start = time.perf_counter()
        out[name] = make(folder / name)
        took = time.perf_counter() - start
        print(f"built {name}: {out[name].stat().st_size / 1e6:.2f} MB in {took:.0f} s", flush=True)
    return out


TIME = Path("/usr/bin/time")


def run(command: str, path: Path, work: Path, code: Path = ROOT) -> dict[str, object]:
    """One ``python -m etl COMMAND PATH`` in a child process (the ``etl`` package of ``code``):
    wall and CPU seconds, peak memory, exit status, findings written."""
    db = work / "lfo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    report = work / "report.csv"
    report.unlink(missing_ok=True)
    args = [sys.executable, "-m", "etl", command, str(path), "--db", f"sqlite:///{db}"]
    args += ["--report", str(report)]
    # /usr/bin/time measures its child alone (a child forked from this process would count this
    # process's own memory at the fork in its peak); wait4 is the fallback
    measured = _measured(args, work, code, {})
    rows: list[dict[str, str]] = []
    if report.exists():
        with report.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    codes = sorted({r["code"] for r in rows})
    return {
        **measured,
        "findings": len(rows),
        "codes": ",".join(codes[:6]) + ("..." if len(codes) > 6 else ""),
        "db_mb": db.stat().st_size / 1e6 if db.exists() else 0.0,
    }


def web_check(path: Path, work: Path, code: Path = ROOT) -> dict[str, object]:
    """The same file through the web (issue 13): a submission made as the upload page makes it,
    then the worker (``python -m etl worker --once``, in a child process of its own) running its
    ``check-return`` job: the checks of ``validate``, the archive copy and the counts kept."""
    import shutil

    from lfo import jobs, submissions
    from lfo.db import init_db

    db = work / "lfo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = jobs.engine(f"sqlite:///{db}")
    init_db(engine)
    area, period = NAME.split("_")[1], "2017-18_Q3"
    canonical = f"{NAME}{path.suffix.lower()}"
    with engine.begin() as conn:
        sid = submissions.create(
            conn,
            kind="upload",
            area_code=area,
            period=period,
            file_name=canonical,
            sha256=_sha256(path),
            size_bytes=path.stat().st_size,
            user_id=None,
            now=jobs.now_utc(),
        )
        job = jobs.enqueue(conn, "check-return", {"submission_id": sid})
        submissions.set_jobs(conn, sid, check=job)
    folder = work / "uploads" / str(sid)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / canonical)
    args = [sys.executable, "-m", "etl", "worker", "--once", "--db", f"sqlite:///{db}"]
    measured = _measured(args, work, code, {"LFO_UPLOADS_DIR": str(work / "uploads")})
    with engine.connect() as conn:
        sub = submissions.get(conn, sid)
    engine.dispose()
    assert sub is not None
    counts = sub.summary.get("findings", [])
    codes = sorted({f["code"] for f in counts})
    return {
        **measured,
        "findings": sum(int(f["count"]) for f in counts),
        "codes": ",".join(codes[:6]) + ("..." if len(codes) > 6 else "") or sub.shown,
        "db_mb": 0.0,
    }


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _measured(
    args: list[str], work: Path, code: Path, extra_env: dict[str, str]
) -> dict[str, float | int]:
    """Wall and CPU seconds, peak memory and exit status of ``args`` run as a child process."""
    env = {
        **os.environ,
        "LFO_TODAY": TODAY,
        "LFO_ARCHIVE_DIR": str(work / "archive"),
        "LFO_ID_KEY_FILE": str(work / "lfo-id.key"),
        "PYTHONPATH": str(code),
        **extra_env,
    }
    timing = work / "time.txt"
    wrapped = [str(TIME), "-f", "%e %U %S %M", "-o", str(timing), *args] if TIME.exists() else args
    start = time.perf_counter()
    proc = subprocess.Popen(
        wrapped, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall, cpu, peak_kb = (
        time.perf_counter() - start,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss,
    )
    if TIME.exists():
        fields = timing.read_text().split()[-4:]
        wall, cpu, peak_kb = float(fields[0]), float(fields[1]) + float(fields[2]), int(fields[3])
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_mb": peak_kb / 1024,
        "exit": os.waitstatus_to_exitcode(status),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile_files")
    parser.add_argument("--work", type=Path, help="folder for the files and databases")
    parser.add_argument(
        "--xlsx-rows", type=int, default=780, help="rows of the 16,384-column sheet (36 MB)"
    )
    parser.add_argument("--scale", type=int, default=1, help="national return size times K")
    parser.add_argument("--only", nargs="*", help="build and run only these files")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="a checkout whose etl package is run (e.g. an older commit, for before/after)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lfo-hostile-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        files = build(work / "files", args.xlsx_rows, args.scale)
        if args.only:
            files = {k: v for k, v in files.items() if k in args.only}
        print(
            f"{'file':<16} {'MB':>7} {'command':<9} {'wall s':>8} {'CPU s':>7} {'peak MB':>8} "
            f"{'exit':>4} "
            f"{'findings':>8} {'db MB':>7}  budget  codes"
        )
        for name, path in files.items():
            for command in ("validate", "web-check", "load"):
                r = (
                    web_check(path, work, args.code.resolve())
                    if command == "web-check"
                    else run(command, path, work, args.code.resolve())
                )
                within = r["peak_mb"] <= BUDGET_MB and r["wall"] <= 180  # type: ignore[operator]
                print(
                    f"{name:<16} {path.stat().st_size / 1e6:7.2f} {command:<9} {r['wall']:8.1f} "
                    f"{r['cpu']:7.1f} {r['peak_mb']:8.0f} {r['exit']:>4} {r['findings']:>8,} {r['db_mb']:7.2f}  "
                    f"{'within' if within else 'OVER':<6}  {r['codes']}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the return checker on a national-scale return, and the reader on zip bombs that lie.

``python -m benchmarks.checks_speed [--repeat N]`` prints one line per case: wall and CPU seconds
(the best of N runs) and what the check found. These were timing assertions in the test suite
(tests/test_checks_speed.py: ``check_file`` within 15 s for the zip and 60 s for the workbooks;
tests/test_reading.py: a lying zip read within 2 s); the tests now check the findings only, and
the old limits are printed beside the figures for reference. The files are built by the tests' own
builders (``tests/support/returns.py``): about 7,000 participants, 10,000 episodes and 25,000
outcomes with three known errors; a 600 MB member declaring 1,000 bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from etl.checks.file import check_file
from etl.reading import read_return
from tests.support.returns import lying_zip, national_tables, to_shared_strings, write_return

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})
NAME = "LFO_E08000021_2017-18_Q3.zip"
BOMB = 600 * 1024 * 1024


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float, object]:
    """The fastest of ``repeat`` runs: wall seconds, CPU seconds and its result."""
    best = None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if best is None or wall < best[0]:
            best = (wall, cpu, result)
    assert best is not None
    return best


def report(label: str, wall: float, cpu: float, limit: float, found: str) -> None:
    print(f"{label:<50} {wall:7.3f} s  {cpu:7.3f} s CPU  (old test limit {limit:g} s)  {found}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checks_speed")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (the best is shown)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lfo-checks-speed-") as tmp:
        folder = Path(tmp)
        national = national_tables()
        for fmt, limit in (("zip", 15), ("xlsx", 60), ("xlsx-shared", 60)):
            path = write_return(folder / fmt, national, fmt=fmt.split("-")[0])
            if fmt == "xlsx-shared":
                to_shared_strings(path)  # as Excel saves text; openpyxl writes inline strings
            wall, cpu, result = best_of(
                args.repeat, lambda path=path: check_file(path, known_areas=AREAS, today=TODAY)
            )
            errors = sorted({f.code for f in result.findings if f.severity == "error"})
            found = f"errors {', '.join(errors)}; {len(result.tables['outcomes']):,} outcome rows"
            report(f"check_file, national-scale return ({fmt})", wall, cpu, limit, found)
        for label, crc in (
            ("read_return, lying zip (bad CRC)", 0),
            ("read_return, lying zip (CRC of what it declares)", zlib.crc32(b"0" * 1000)),
        ):
            path = folder / "bombs" / f"{crc}" / NAME
            path.parent.mkdir(parents=True)
            lying_zip(path, actual=BOMB, declared=1000, crc=crc)
            wall, cpu, result = best_of(args.repeat, lambda path=path: read_return(path))
            codes = sorted({f.code for f in result.findings}) or ["none"]
            found = f"findings {', '.join(codes)}; stopped: {result.stopped}"
            report(label, wall, cpu, 2, found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

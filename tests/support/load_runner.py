"""Load files in a separate process (the kill -9 test kills it):
``python tests/support/load_runner.py F...``.

Settings come from the environment (LFO_DATABASE_URL, LFO_ARCHIVE_DIR, LFO_ID_KEY_FILE, LFO_TODAY).
Prints one line per file: the outcome, then the message.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from etl.load.loader import load_files
from etl.load.result import LoadError
from lfo.settings import Settings


def main(argv: list[str]) -> int:
    try:
        results = load_files([Path(a) for a in argv], Settings.from_env())
    except LoadError as exc:
        sys.stdout.write(f"refused\t{exc}\n")
        return 2
    for r in results:
        sys.stdout.write(f"{r.outcome}\t{r.message}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The pilot demo data as a test database: the synthetic pilot returns (``etl generate --scale
pilot``, the data ``python -m dashboard`` shows) loaded through the ETL's command line.

Returns are cumulative snapshots, so loading each area's latest return (2018-19 Q4) gives the
same figures as loading all 144 in turn, in a fraction of the time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from etl.synthetic.generate import generate
from support.dumps import TODAY

PROJECT = Path(__file__).resolve().parents[2]
LATEST = "2018-19_Q4"


def build_pilot_db(root: Path) -> str:
    """Generate the pilot returns under ``root`` and load each area's latest into a new SQLite
    database there; its URL."""
    generate(root / "gen")
    latest = root / "latest"
    latest.mkdir()
    for path in sorted((root / "gen" / "zip").glob(f"LFO_*_{LATEST}.zip")):
        shutil.copy(path, latest / path.name)
    url = f"sqlite:///{root / 'lfo.db'}"
    env = {
        **os.environ,
        "LFO_TODAY": TODAY,
        "LFO_ARCHIVE_DIR": str(root / "archive"),
        "LFO_ID_KEY_FILE": str(root / "lfo-id.key"),
        "LFO_DATABASE_URL": url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(latest), "--db", url],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"etl load failed: {done.stdout}\n{done.stderr}")
    return url

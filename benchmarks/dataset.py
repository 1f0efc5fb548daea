"""The data a benchmark runs on: generated once per scale under ``benchmarks/out/<scale>/``.

- ``national``: ``python -m etl generate --scale national`` (153 areas, about 1,000,000
  participants, one cumulative return per area), areas registered from its ``areas.csv``;
- ``pilot``: the synthetic pilot returns (12 areas x 12 quarters, every quarter loaded in turn);
- ``tiny``: the last two quarters of two pilot areas (four files; for the smoke test).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

OUT = Path(__file__).resolve().parent / "out"
SCALES = ("tiny", "pilot", "national")
TINY_AREAS = ("E06000008", "E08000021")
TINY_QUARTERS = ("2018-19_Q3", "2018-19_Q4")


@dataclass(frozen=True)
class Dataset:
    scale: str
    root: Path  # benchmarks/out/<scale>
    files: tuple[Path, ...]  # returns, in load order
    areas_csv: Path | None  # areas to register before loading (national only)
    database_url: str | None = None  # PostgreSQL (``--postgresql``); None: SQLite in ``root``

    @property
    def db_path(self) -> Path:
        return self.root / "lfo.db"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def on_postgresql(self) -> bool:
        return self.db_url.startswith("postgresql")

    @property
    def state(self) -> Path:
        """Where the database's archive and ID key live: its own per database, so a PostgreSQL
        run never replaces the key the SQLite database's participants were pseudonymised with
        (that made the SQLite load test's correction look like a return of strangers: E109)."""
        return self.root / "postgresql" if self.on_postgresql else self.root

    @property
    def archive_dir(self) -> Path:
        return self.state / "archive"

    @property
    def id_key_file(self) -> Path:
        return self.state / "lfo-id.key"


def _run(args: list[str]) -> None:
    log.info("running %s", " ".join(args))
    subprocess.run([sys.executable, *args], check=True, cwd=Path(__file__).resolve().parents[1])


def _generate(scale: str, out: Path) -> None:
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    _run(["-m", "etl", "generate", "--scale", scale, "--out", str(tmp)])
    tmp.rename(out)


def ensure_dataset(scale: str, out: Path = OUT) -> Dataset:
    """Generate the returns for ``scale`` unless they are already there; list them in load order."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {SCALES}")
    from etl.collect import return_order

    if scale == "national":
        root = out / "national"
        data = root / "returns"
        if not (data / "areas.csv").exists():
            root.mkdir(parents=True, exist_ok=True)
            _generate("national", data)
        files = sorted(data.glob("*.zip"), key=return_order)
        return Dataset(scale, root, tuple(files), data / "areas.csv")
    pilot = out / "pilot-returns"
    if not (pilot / "zip").is_dir():
        out.mkdir(parents=True, exist_ok=True)
        _generate("pilot", pilot)
    files = sorted((pilot / "zip").glob("*.zip"), key=return_order)
    if scale == "tiny":
        files = [
            f
            for f in files
            if any(a in f.name for a in TINY_AREAS) and any(q in f.name for q in TINY_QUARTERS)
        ]
    root = out / scale
    root.mkdir(parents=True, exist_ok=True)
    return Dataset(scale, root, tuple(files), None)

"""The start shared by the release tests' worlds: a database, archive, key file and releases
folder under one temporary folder, the process's settings pointing at them, and the first
quarter of two LAs loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.load.loader import load_files
from lfo.settings import Settings
from support.accounts import GATESHEAD, NEWCASTLE
from support.dumps import TODAY
from support.returns import scaled_tables, write_return


def release_settings(where: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{where / 'db' / 'lfo.db'}",
        archive_dir=where / "archive",
        id_key_file=where / "keys" / "lfo-id.key",
        releases_cache_dir=where / "releases-cache",
    )


def use_settings(mp: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the process (the ETL's commands, the app) at ``settings``, with LFO_TODAY fixed."""
    for name, value in (
        ("LFO_TODAY", TODAY),
        ("LFO_DATABASE_URL", settings.database_url),
        ("LFO_ARCHIVE_DIR", str(settings.archive_dir)),
        ("LFO_ID_KEY_FILE", str(settings.id_key_file)),
        ("LFO_RELEASES_CACHE_DIR", str(settings.releases_cache_dir)),
    ):
        mp.setenv(name, value)


def load_two_las(where: Path, settings: Settings, period: str, *, copies: int = 8) -> None:
    """Newcastle's and Gateshead's returns for ``period`` (``copies`` of the builders' return)."""
    files = [
        write_return(where / f"{a}-{period}", scaled_tables(copies), area=a, period=period)
        for a in (NEWCASTLE, GATESHEAD)
    ]
    assert [r.outcome for r in load_files(files, settings)] == ["loaded", "loaded"]

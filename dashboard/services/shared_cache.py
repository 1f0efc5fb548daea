"""Indicator results shared between a server's processes, through files.

Each gunicorn worker is a process with its own memory cache: without sharing, every worker
computes every indicator again after each load, on the same two cores that answer users. Here the
expensive results (one indicator and filter for every area and period) are written once, by
whichever process computes one first, and read by the others; a process that starts later (a
restarted worker) reads them too.

- One directory per data version: ``<dir>/<version digest>/<key digest>.pkl``. A new version never
  sees an older version's files, so nothing stale is served; directories of older versions are
  removed once no process can still be reading them (after ``KEEP_OLD_SECONDS``).
- Files are written to a temporary name and renamed, so a reader sees a whole file or none.
- A process computing a result holds a lock on ``<key digest>.lock`` (``fcntl``); another process
  needing it waits for the file instead of computing it too.
- Results are pickled, and unpickling runs code, so the directory must belong to this user and be
  closed to everyone else (mode 0700): otherwise sharing is switched off, with a warning.

Several web hosts share through Redis instead (``LFO_REDIS_URL``: ``dashboard.services.redis_cache``);
both are a ``SharedStore``, so ``IndicatorData`` does not care which it has.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from dashboard.services.queries import DataVersion
from dashboard.settings import DashboardSettings

log = logging.getLogger(__name__)

KEEP_OLD_SECONDS = 600.0  # a process may still read an older version's files this long


def default_directory(database_url: str) -> Path:
    """``<temp>/lfo-cache-<uid>/<digest of the database URL>``: private to the service account."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"lfo-cache-{os.getuid()}" / digest


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


class SharedStore(Protocol):
    """Where a server's processes (or hosts) share whole results, keyed by data version: a
    missing value is None, and a process computing one holds ``claim`` so that the others wait
    for it. Failures are never raised: a value that cannot be shared is computed again."""

    def load(self, version: DataVersion, key: str) -> object | None: ...

    def store(self, version: DataVersion, key: str, value: object) -> None: ...

    def claim(self, version: DataVersion, key: str) -> contextlib.AbstractContextManager[None]: ...

    def mark(self, version: DataVersion, key: str) -> None:
        """Say that ``key`` is done for ``version`` (e.g. every result made ahead)."""
        ...

    def marked(self, version: DataVersion, key: str) -> bool:
        """Whether ``mark`` was called for ``key`` and ``version`` (and is still known)."""
        ...

    def available(self) -> bool:
        """Whether sharing works now (``/healthz``)."""
        ...


class SharedResults:
    """Results on disk, one directory per data version (see the module's description)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        _private_directory(self.directory)

    @classmethod
    def open(cls, directory: Path) -> SharedResults | None:
        """The shared results in ``directory``, or None (with a warning) if it cannot be used."""
        try:
            return cls(directory)
        except OSError as exc:  # PermissionError included
            log.warning("indicator results are not shared between processes: %s", exc)
            return None

    def _version_dir(self, version: DataVersion) -> Path:
        return self.directory / _digest(version)

    def _path(self, version: DataVersion, key: str, suffix: str) -> Path:
        return self._version_dir(version) / f"{_digest(key)}{suffix}"

    def load(self, version: DataVersion, key: str) -> object | None:
        """The stored result, or None if there is none (or it cannot be read)."""
        path = self._path(version, key, ".pkl")
        try:
            with path.open("rb") as f:
                found: object = pickle.load(f)  # our own private 0700 folder (see above)
                return found
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a damaged file is recomputed, never fatal
            log.warning("could not read the shared result %s; computing it", path.name)
            return None

    def store(self, version: DataVersion, key: str, value: object) -> None:
        """Write ``value`` (atomically); a failure to write is logged, never raised."""
        folder = self._version_dir(version)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(version, key, ".pkl"))
        except OSError as exc:
            log.warning("could not share an indicator result: %s", exc)
        self._tidy(folder)

    @contextlib.contextmanager
    def claim(self, version: DataVersion, key: str) -> Iterator[None]:
        """Hold the lock on ``key`` (waiting while another process holds it)."""
        folder = self._version_dir(version)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(self._path(version, key, ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            log.warning("could not lock a shared indicator result: %s", exc)
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def mark(self, version: DataVersion, key: str) -> None:
        path = self._path(version, key, ".done")
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            path.touch(mode=0o600)
        except OSError as exc:
            log.warning("could not mark shared results as made: %s", exc)

    def marked(self, version: DataVersion, key: str) -> bool:
        return self._path(version, key, ".done").exists()

    def available(self) -> bool:
        return self.directory.is_dir()

    def _tidy(self, current: Path) -> None:
        """Remove other versions' directories not touched for ``KEEP_OLD_SECONDS``."""
        now = time.time()
        try:
            for folder in self.directory.iterdir():
                if (
                    folder != current
                    and folder.is_dir()
                    and now - folder.stat().st_mtime > KEEP_OLD_SECONDS
                ):
                    shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def _private_directory(directory: Path) -> None:
    """Create ``directory`` (0700, and its missing parents 0700) or check that it is this user's
    and closed to others."""
    missing = [p for p in [directory, *directory.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    info = directory.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{directory} belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise PermissionError(
            f"{directory} is open to other users (mode "
            f"{stat.S_IMODE(info.st_mode):o}; it must be 700)"
        )


def directory_for(settings: DashboardSettings) -> Path | None:
    """Where a server's processes share indicator results (``LFO_CACHE_DIR``; None: they do
    not)."""
    if settings.cache_dir.strip().lower() == "off":
        return None
    if settings.cache_dir:
        return Path(settings.cache_dir)
    return default_directory(settings.database_url)

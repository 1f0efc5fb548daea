"""Checking the next return file in a worker process while the caller works on the current one.

Used by loads and validates of more than one file; see ``CheckAhead``.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType

from etl.checks.file import CheckedReturn, check_file

log = logging.getLogger(__name__)

_Checked = tuple[CheckedReturn, list[logging.LogRecord]]  # what the worker sends back


class CheckAhead:
    """``check_file`` of the next file of a list in one worker process, while the caller works on
    the current one (loads and validates of more than one file).

    ``check_file`` is a pure function of the file, the known areas and today's date, so checking a
    file early gives the same ``CheckedReturn``. The caller calls ``begin(i)`` before working on
    ``files[i]`` (which submits ``files[i + 1]``: one file ahead, so at most two checked returns
    are held at a time) and ``check(files[i])`` when it needs the result. The first file, and any
    file whose check in the worker failed in any way (an exception, a crashed or broken worker, a
    result that could not be sent back) or that changed since it was submitted, is checked here,
    in this process, so the outcome is exactly that of checking the files one after another. The
    worker is started with "spawn" (it inherits no file descriptor, so not the load lock), only
    when a second file is submitted, and ends with its parent, however the parent ends. Log
    records of the check are sent back and handled here.
    """

    def __init__(
        self, files: Sequence[Path], *, known_areas: Collection[str], today: dt.date
    ) -> None:
        self.files = [Path(f) for f in files]
        self.known_areas = frozenset(known_areas)
        self.today = today
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._index = -1
        self._pending: dict[int, tuple[Future[_Checked], tuple[int, int] | None]] = {}

    def __enter__(self) -> CheckAhead:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(wait=exc_type is None)

    def close(self, *, wait: bool = True) -> None:
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def begin(self, index: int) -> None:
        """The caller starts on ``files[index]``: submit the next file."""
        self._index = index
        for old in [i for i in self._pending if i < index]:
            del self._pending[old]  # a file that needed no check (already loaded, unreadable)
        following = index + 1
        if following < len(self.files) and following not in self._pending and not self._broken:
            self._submit(following)

    def check(self, path: Path) -> CheckedReturn:
        """The ``CheckedReturn`` of ``path``, the current file: the worker's, or checked here."""
        pending = self._pending.pop(self._index, None)
        if (
            pending is not None
            and 0 <= self._index < len(self.files)
            and Path(path) == self.files[self._index]
        ):
            checked = self._received(path, *pending)
            if checked is not None:
                return checked
        return check_file(path, known_areas=self.known_areas, today=self.today)

    def _submit(self, index: int) -> None:
        path = self.files[index]
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_start,
                    initargs=(os.getpid(), logging.getLogger("etl").getEffectiveLevel()),
                )
            future = self._pool.submit(_check_in_worker, path, self.known_areas, self.today)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            log.debug("cannot check %s in a worker process: %s", path.name, exc)
            self._broken = True
            return
        self._pending[index] = (future, _stamp(path))

    def _received(
        self, path: Path, future: Future[_Checked], stamp: tuple[int, int] | None
    ) -> CheckedReturn | None:
        try:
            checked, records = future.result()
        except BrokenProcessPool as exc:
            log.debug("the checking process failed (%s): checking here from now on", exc)
            self._broken = True
            return None
        except Exception as exc:  # noqa: BLE001 - checked again here, which gives the real outcome
            log.debug("checking %s in the worker failed (%s): checking it here", path.name, exc)
            return None
        if not isinstance(checked, CheckedReturn) or stamp is None or _stamp(path) != stamp:
            return None
        for record in records:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return checked


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # sendable whatever the arguments
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


_collector: _Collect | None = None


def _worker_start(parent_pid: int, level: int) -> None:
    """In the worker: collect the ``etl`` log records, and end when the parent process ends.

    Ctrl-C is the parent's to handle (it stops the worker through the pool), not a traceback here.
    """
    global _collector
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _collector = _Collect()
    logger = logging.getLogger("etl")
    logger.setLevel(level)
    logger.addHandler(_collector)
    logger.propagate = False

    def watch() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(0.5)
        os._exit(1)  # the parent was killed: nobody wants the result

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _check_in_worker(path: Path, known_areas: frozenset[str], today: dt.date) -> _Checked:
    collector = _collector
    if collector is not None:
        collector.records = []
    checked = check_file(path, known_areas=known_areas, today=today)
    return checked, (collector.records if collector is not None else [])

"""One process makes each data version's results; the web processes read what it made.

Without it (``LFO_RESULTS_MAKER=0``, one machine), every web process makes results ahead in a
thread beside the requests it answers, sharing them through the shared store. At national scale a
new version's disclosure plan and results take minutes of one core, and a request answered by a
process whose thread is making them waits its turn for the interpreter (p95 0.9 s in the 30 s
after a load, docs/benchmarks.md "Under load").

With ``LFO_RESULTS_MAKER=1`` a separate process, ``python -m dashboard make-results``
(``deploy/systemd/lfo-results.service``), makes every version and marks each stage done in the
shared store (folder or Redis): ``ahead`` (every indicator's standard results at both levels),
then ``later`` (the group benchmarks). A web process *follows*: it keeps showing the previous
version while the maker works, waits for each mark, then reads the results (seconds) and shows
the new version. A maker that has not marked a version within ``MAKER_WAIT_SECONDS`` is taken to
be down: the web process makes what it needs itself, as without a maker, and says so in its log;
with the shared store unreachable (Redis down) it does so at once.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Protocol

from dashboard.services.queries import DataVersion, figures_version
from dashboard.services.shared_cache import SharedStore
from lfo.indicators.definitions import DEFINITIONS_VERSION

log = logging.getLogger(__name__)
AHEAD, LATER = "ahead", "later"  # the stages a maker marks, in order
MAKER_WAIT_SECONDS = 1800.0  # a follower waits this long for a mark, then makes it itself
POLL_SECONDS = 1.0  # how often a follower looks for the mark


class Maker(Protocol):
    """What of ``IndicatorData`` the making and following use (it imports this module)."""

    shared: SharedStore | None
    threshold: int
    follows: bool
    maker_wait: float

    def stopping(self) -> bool: ...

    def pause(self, seconds: float) -> None: ...

    def newest_version(self) -> DataVersion: ...

    def start_warming(self) -> object: ...

    def stop_warming(self) -> None: ...


def made_key(stage: str, threshold: int) -> str:
    """A stage's mark in the shared store (per definitions and suppression threshold)."""
    return f"definitions {DEFINITIONS_VERSION}|made {stage}|{threshold}"


def mark(data: Maker, stage: str, version: DataVersion | None) -> None:
    """Say in the shared store that ``stage`` of ``version`` is made (nothing without one)."""
    if data.shared is not None and version is not None:
        data.shared.mark(figures_version(version), made_key(stage, data.threshold))


def wait_for_maker(data: Maker, stage: str, version: DataVersion | None) -> bool:
    """In a following process: wait until the maker has marked ``stage`` of ``version``. True:
    read it now (or, after ``MAKER_WAIT_SECONDS``, make it here); False: stopped, or a newer
    version came meanwhile (it is waited for next)."""
    shared = data.shared
    if not data.follows or shared is None or version is None:
        return True
    key, figures = made_key(stage, data.threshold), figures_version(version)
    deadline = time.monotonic() + data.maker_wait
    while not data.stopping():
        if shared.marked(figures, key):
            return True
        if not shared.available():  # Redis down: the maker cannot share either, make it here
            log.warning("the shared store cannot be reached: making the %s results here", stage)
            return True
        if time.monotonic() >= deadline:
            log.warning(
                "the results maker has not made the %s results of the newest data within "
                "%.0f s: making them in this process (is lfo-results running?)",
                stage,
                data.maker_wait,
            )
            return True
        if data.newest_version() != version:
            return False
        data.pause(POLL_SECONDS)
    return False


def run(data: Maker, stop: threading.Event) -> None:
    """Make every data version's results until ``stop`` (``python -m dashboard make-results``)."""
    data.start_warming()
    try:
        stop.wait()
    finally:
        data.stop_warming()


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (systemd's stop, Ctrl+C): the maker then ends cleanly."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stop

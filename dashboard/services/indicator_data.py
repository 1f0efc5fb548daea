"""What pages and exports ask of the indicator engine: one entry point, cached per data version.

Every figure on a page comes from ``indicator_rows`` (the engine, with the app's suppression
threshold). Results are cached in memory keyed by the database's data version (the newest load
in ``etl_load_log`` and the current returns), so a load empties the cache for every worker on
its next request: nothing stale is ever served.

The cache holds, per indicator and filter (intervention or level, interval level, benchmark), the
engine's rows for **every area and every period**; a request's areas, periods and breakdown
categories are a slice of them. Disclosure control is one plan per data version (``lfo.indicators.protection``:
which cells of the complete published set are hidden, made once and passed to every computation),
so the slice is exactly what the engine gives when asked for those periods alone
(tests/test_data_cache_slices.py checks it). A background thread (``start_warming``) makes the
common results for each new data version before anyone asks; requests that arrive first, or ask
something else, compute it once (concurrent ones for the same result wait for that one). While
that thread makes a new data version's plan and results, requests are answered from the previous
version's (``dashboard.services.version_cache``: a load's figures are shown once made).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import cast

import pandas as pd
from sqlalchemy import Connection

from dashboard.services import queries
from dashboard.services.database import Database
from dashboard.services.queries import DataVersion, figures_version
from dashboard.services.result_slices import PeriodIndex, slice_rows, whole
from dashboard.services.results_maker import AHEAD, LATER, MAKER_WAIT_SECONDS, mark, wait_for_maker
from dashboard.services.shared_cache import SharedStore
from dashboard.services.version_cache import BeingMade, VersionCache
from lfo.indicators.benchmarks import NEIGHBOURS, REGION, groups
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.engine import compute
from lfo.indicators.indicator import Indicator
from lfo.indicators.protection import PLAN_FORMAT, Plan, PlanTooLarge, make_plan
from lfo.indicators.queries import coverage
from lfo.indicators.request import Query, Result, available_periods

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0  # how often the warming thread looks for a new data version
WARM_LEVELS = (95.0, 99.8)  # interval levels made ahead, in this order
#: compared with these too, after the version is shown (``_make_later``)
GROUP_BENCHMARKS = (NEIGHBOURS, REGION)
REMARK_SECONDS = 60.0  # how often an idle maker renews its marks (and Redis keeps the values)
STOP_JOIN_SECONDS = 30.0  # longest ``stop_warming`` waits for the thread
YIELD_SECONDS = 2.0  # longest the making ahead waits for this process's requests to finish


def shared_key(query: Query) -> str:
    """The name of a whole result among processes (the same in every process)."""
    (ind,) = query.indicators
    return (
        f"definitions {DEFINITIONS_VERSION}|{ind.id}|{query.intervention}|{query.level}|"
        f"{query.ci}|{query.threshold}|{query.benchmark}"
    )


def _plan_or_why(
    data: IndicatorData, conn: Connection, version: DataVersion
) -> Plan | PlanTooLarge:
    try:
        return data._shared_plan(conn, version)
    except PlanTooLarge as why:
        return why


class IndicatorData(VersionCache):
    """Indicator results for one app, cached by data version (thread-safe, bounded)."""

    def __init__(self, db: Database, threshold: int) -> None:
        super().__init__(db)
        self.threshold = threshold
        self._warmer: threading.Thread | None = None
        self._stop = threading.Event()
        self.shared: SharedStore | None = None  # results shared with other processes
        self._active = 0  # web requests being answered in this process (see enable_warming)
        self.warmed_version: DataVersion | None = None  # the last version fully made ahead
        #: made ahead too, each at its own level (``warm``): ``dashboard.present.ahead``
        self.ahead: tuple[Query, ...] = ()
        self.warm_seconds: float | None = None
        self.made_later_version: DataVersion | None = None  # group benchmarks made too
        #: another process makes each version (``results_maker``): wait for it, then read
        self.follows = False
        self.maker_wait = MAKER_WAIT_SECONDS
        #: added to each plan after ``make_plan`` (``ReleaseStore.across_releases``: cells that
        #: differencing with the latest release would reveal)
        self.plan_extra: Callable[[Connection, Plan], Plan] | None = None

    # --- engine results ----------------------------------------------------------------------

    def rows(
        self,
        indicator_ids: Sequence[str],
        *,
        areas: Sequence[str] | None = None,
        periods: Sequence[str] | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
        intervention: str | None = None,
        level: str | None = None,
        breakdowns: Sequence[str] | None = None,
        ci: float = 95.0,
        benchmark: str = "programme",
    ) -> Result:
        """Engine rows (``ROW_COLUMNS``) for the indicators, filters and ``benchmark`` given."""
        catalogue = indicators()
        query = Query(
            indicators=tuple(catalogue[i] for i in indicator_ids),
            periods=tuple(periods) if periods else None,
            period_from=period_from,
            period_to=period_to,
            intervention=intervention,
            level=level,
            breakdowns=tuple(breakdowns) if breakdowns else None,
            ci=ci,
            threshold=self.threshold,
            benchmark=benchmark,
        )
        return self.result(query, areas)

    def result(self, query: Query, areas: Sequence[str] | None = None) -> Result:
        """The engine's result for ``query`` (its own ``areas`` unless ``areas`` is given),
        from the cache when this data version has made it already."""
        if areas is None and query.areas is not None:
            areas = query.areas
        query = replace(query, areas=None)
        chosen = tuple(areas) if areas is not None else None
        if chosen is None and len(query.indicators) == 1 and query == whole(query):
            return self.per_version(
                ("whole", query), lambda conn, v: self._shared_or_compute(conn, v, query)
            )

        def make(conn: Connection, version: DataVersion) -> Result:
            if not query.indicators:
                return compute(conn, query)
            parts = []
            for ind in query.indicators:
                one_whole = replace(whole(query), indicators=(ind,))
                full = self._whole(conn, version, one_whole)
                index = self._get_or_make(
                    ("period index", one_whole), version, partial(PeriodIndex.of, full.rows)
                )
                if not index.covers(query):  # periods with no data: the engine says so
                    one = compute(
                        conn,
                        replace(query, indicators=(ind,), areas=chosen),
                        self._plan(conn, version),
                    )
                    parts.append((one, one.rows))
                    continue
                parts.append((full, slice_rows(full.rows, query, chosen, index)))
            if len(parts) == 1:
                full, rows = parts[0]
                return full if rows is full.rows else Result(rows, full.meta)
            rows = pd.concat([rows for _, rows in parts], ignore_index=True)
            return Result(rows, parts[0][0].meta)

        return self.per_version(("rows", query, chosen), make)

    def _whole(self, conn: Connection, version: DataVersion, query: Query) -> Result:
        """One indicator's rows for every area and period (the engine's, cached; shared with the
        server's other processes when ``share`` was called)."""
        return self._get_or_make(
            ("whole", query), version, lambda: self._shared_or_compute(conn, version, query)
        )

    def share(self, shared: SharedStore | None) -> None:
        """Share whole results with other processes through ``shared`` (None: do not)."""
        self.shared = shared

    def _plan(self, conn: Connection, version: DataVersion) -> Plan:
        """The disclosure plan of this data version (made once: every result hides its cells;
        shared with the server's other processes like the results). A plan that cannot be made
        (``PlanTooLarge``) is kept as such for the version: not tried again by every request."""
        made = self._get_or_make(self._plan_key, version, lambda: _plan_or_why(self, conn, version))
        if isinstance(made, PlanTooLarge):
            raise made
        return made

    @property
    def _plan_key(self) -> tuple[str, int]:
        """The disclosure plan's name among the version's values (its kind is ``"plan"``)."""
        return ("plan", self.threshold)

    def can_make(self, version: DataVersion) -> bool:
        """Once the version's plan is made, a result is seconds of work: made for the request."""
        with self._lock:
            gen = self._generation(version)
            return gen is not None and self._plan_key in gen.values

    def _shared_plan(self, conn: Connection, version: DataVersion) -> Plan:
        shared = self.shared
        if shared is None:
            return self._make_plan(conn)
        key = f"definitions {DEFINITIONS_VERSION}|disclosure plan {PLAN_FORMAT}|{self.threshold}"
        figures = figures_version(version)  # the same plan after a load that changed no data
        found = shared.load(figures, key)
        if found is None:
            with shared.claim(figures, key):  # another process (or host) making it: wait for it
                found = shared.load(figures, key)
                if found is None:
                    found = self._make_plan(conn)
                    shared.store(figures, key, found)
        return cast(Plan, found)  # only plans are stored under this key

    def _make_plan(self, conn: Connection) -> Plan:
        plan = make_plan(conn, self.threshold)
        return plan if self.plan_extra is None else self.plan_extra(conn, plan)

    def _shared_or_compute(self, conn: Connection, version: DataVersion, query: Query) -> Result:
        shared = self.shared
        if shared is None:
            return compute(conn, query, self._plan(conn, version))
        key, figures = shared_key(query), figures_version(version)
        found = shared.load(figures, key)
        if found is None:
            with shared.claim(figures, key):  # another process (or host) computing it: wait for it
                found = shared.load(figures, key)
                if found is None:
                    found = compute(conn, query, self._plan(conn, version))
                    shared.store(figures, key, found)
        return cast(Result, found)  # only results are stored under these keys

    def areas(self) -> pd.DataFrame:
        """Every area with its region, population, target and current return (period, time)."""
        return self.per_version(("areas",), lambda conn, _v: coverage(conn))

    def area_list(self) -> pd.DataFrame:
        """``queries.areas``, read once per data version (a copy: callers may change it)."""
        return self.per_version(("area list",), lambda conn, _v: queries.areas_in(conn)).copy()

    def benchmark_groups(self, kind: str) -> dict[str, tuple[str, ...]]:
        """``lfo.indicators.benchmarks.groups`` of this version's areas, made once per version."""
        return self.per_version(("groups", kind), lambda _c, _v: groups(self.areas(), kind))

    def periods(self) -> list[str]:
        """Every period with data: quarters, then financial years, oldest first."""
        return self.per_version(("periods",), lambda conn, _v: available_periods(coverage(conn)))

    def latest_quarter(self) -> str | None:
        quarters = [p for p in self.periods() if "_Q" in p]
        return quarters[-1] if quarters else None

    # --- making results ahead ----------------------------------------------------------------

    def request_started(self) -> None:
        with self._lock:
            self._active += 1

    def request_finished(self) -> None:
        with self._lock:
            self._active = max(0, self._active - 1)

    def _wait_for_idle(self) -> None:
        """Let the requests being answered finish first (they share this process's interpreter),
        but never wait longer than ``YIELD_SECONDS``, so that making ahead cannot starve."""
        deadline = time.monotonic() + YIELD_SECONDS
        while self._active > 0 and time.monotonic() < deadline and not self._stop.is_set():
            self._stop.wait(0.005)

    def warm(self, levels: Sequence[float] = WARM_LEVELS) -> int:
        """Make every indicator's whole result (all interventions, each level in ``levels``,
        then ``ahead`` at that level) for the newest data version, those in use before the data
        changed first, then show that version; count the standard ones made."""
        started = time.perf_counter()
        if not wait_for_maker(self, AHEAD, self.being_made or self._version):
            return 0
        self.making_ahead(True)
        try:
            done = self._make_ahead(levels)
        finally:
            self.making_ahead(False)
        if done is None:
            return 0
        count, version = done
        mark(self, AHEAD, version)
        self.warmed_version = version
        self.show(version)
        self.warm_seconds = time.perf_counter() - started
        log.info("made %d indicator results ahead in %.1f s", count, self.warm_seconds)
        self._make_later(levels)
        return count

    def _make_later(self, levels: Sequence[float] = WARM_LEVELS) -> None:
        """After the version is shown: every indicator compared with each group benchmark at
        each level (a topic page's benchmark choice, then its confidence level), those not made
        ahead already (``ahead`` at ``levels``, those ``warm`` made)."""
        made, version = {q for q in self.ahead if q.ci in levels}, self._version
        if not wait_for_maker(self, LATER, version):
            return
        order = warm_order(os.getpid() if self.shared is not None else None)
        for ci, kind in itertools.product(WARM_LEVELS, GROUP_BENCHMARKS):
            for ind in order:
                query = Query(indicators=(ind,), ci=ci, threshold=self.threshold, benchmark=kind)
                if self._stop.is_set() or self.being_made is not None:
                    return  # stopped, or a load came: its version is made first
                if query in made:
                    continue
                self._wait_for_idle()
                try:
                    self.result(query)
                except BeingMade:  # a load came: its version is made first (warm again)
                    return
        mark(self, LATER, version)
        self.made_later_version = version
        self.warn_if_dropped()

    def stopping(self) -> bool:
        return self._stop.is_set()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the making ahead is stopped."""
        self._stop.wait(seconds)

    def _make_ahead(self, levels: Sequence[float]) -> tuple[int, DataVersion | None] | None:
        """(standard results made, the version they belong to), or None when stopped."""
        done, version = 0, None
        recent, self._recent = self._recent, []
        if self.follows:  # read what the maker made; a group benchmark in use is made later
            recent = []
        for query in recent:  # the results in use before the load first, most recent first
            if self._stop.is_set():
                return None
            self._wait_for_idle()
            self.result(cast(Query, query))
        for ci in levels:
            order = warm_order(os.getpid() if self.shared is not None else None)
            standard = [Query(indicators=(i,), ci=ci, threshold=self.threshold) for i in order]
            for query in standard + [q for q in self.ahead if q.ci == ci]:
                if self._stop.is_set():
                    return None
                self._wait_for_idle()
                done += self.result(query) is not None and query in standard
                version = self.being_made or self._version
        return done, version

    def start_warming(self, poll: float = POLL_SECONDS) -> threading.Thread:
        """A daemon thread that warms the cache now and again after every load (it looks for a
        new data version every ``poll`` seconds, or sooner when a request has seen one)."""
        with self._lock:
            if self._warmer is not None and self._warmer.is_alive():
                return self._warmer
            self._stop.clear()
            self.hold_back = True  # a new data version is shown once this thread has made it
            self._warmer = threading.Thread(
                target=self._warm_loop, args=(poll,), name="lfo-cache-warmer", daemon=True
            )
            self._warmer.start()
            return self._warmer

    def stop_warming(self) -> None:
        self._stop.set()
        self._changed.set()
        if self._warmer is not None:
            self._warmer.join(timeout=STOP_JOIN_SECONDS)
        self.hold_back = False
        self.show_newest()

    def _warm_loop(self, poll: float) -> None:
        failed: DataVersion | None = None  # a version that failed: not tried again until a load
        marked = 0.0  # when the marks were last renewed (Redis forgets them after an hour)
        while not self._stop.is_set():
            version = None
            try:
                version = self.newest_version()
                if version not in (self.warmed_version, failed):
                    self._changed.clear()
                    self.warm()
                elif (
                    version == self.warmed_version
                    and not self.follows
                    and time.monotonic() - marked >= REMARK_SECONDS
                ):
                    marked = time.monotonic()
                    mark(self, AHEAD, version)
                    if version == self.made_later_version:
                        mark(self, LATER, version)
            except Exception:
                failed = version
                self.show_newest()  # requests make (or fail on) what they need themselves
                log.warning("making results ahead failed; requests will try", exc_info=True)
            self._changed.wait(poll)
            self._changed.clear()


def warm_order(seed: int | None = None) -> list[Indicator]:
    """Indicators in the order they are made ahead: the breakdown of reach (the largest) last;
    with ``seed`` the others shuffled, so that processes sharing results make different ones
    at the same time and then read each other's."""
    catalogue = indicators()
    last = [catalogue[i] for i in ("reach.breakdown",) if i in catalogue]
    first = [i for i in catalogue.values() if i not in last]
    if seed is not None:
        random.Random(seed).shuffle(first)
    return first + last


def indicator(indicator_id: str) -> Indicator:
    return indicators()[indicator_id]

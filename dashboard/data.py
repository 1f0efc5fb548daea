"""What pages and exports ask of the indicator engine: one entry point, cached per data version.

Every figure on a page comes from ``indicator_rows`` (the engine, with the app's suppression
threshold). Results are cached in memory keyed by the database's data version (the newest load
in ``etl_load_log`` and the current returns), so a load empties the cache for every worker on
its next request: nothing stale is ever served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
from sqlalchemy import Connection, func, select

from dashboard.db import Database
from dashboard.indicators.definitions import Indicator, indicators
from dashboard.indicators.engine import Query, Result, available_periods, compute
from dashboard.indicators.queries import coverage, snapshot
from etl import schema

_CACHE_SIZE = 512  # entries: one indicator's rows for all areas, or a selection of them


def data_version(conn: Connection) -> tuple:
    """Changes whenever a load changes the current data (or a new return is logged)."""
    log, r = schema.etl_load_log, schema.returns
    newest = conn.execute(select(func.max(log.c.load_id))).scalar()
    current = conn.execute(select(func.count(), func.max(r.c.loaded_at))).one()
    return (newest, current[0], str(current[1]))


class IndicatorData:
    """Indicator results for one app, cached by data version (thread-safe, bounded)."""

    def __init__(self, db: Database, threshold: int) -> None:
        self.db = db
        self.threshold = threshold
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._version: tuple | None = None
        self._lock = threading.Lock()

    def _cached(self, key: tuple, make):
        """``make(conn, version)``'s value for ``key`` at the current data version (made once)."""
        with self.db.engine.connect() as conn:
            snapshot(conn)  # the version read and the value made from one committed state
            version = data_version(conn)
            with self._lock:
                if version != self._version:
                    self._cache.clear()
                    self._version = version
            return self._get_or_make(key, version, lambda: make(conn, version))

    def _get_or_make(self, key: tuple, version: tuple, make):
        with self._lock:
            if key in self._cache and self._version == version:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._lock:
            if self._version == version:
                self._cache[key] = value
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return value

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
    ) -> Result:
        """Engine rows (see ``engine.ROW_COLUMNS``) for the indicators and filters given."""
        catalogue = indicators()
        query = Query(
            indicators=tuple(catalogue[i] for i in indicator_ids),
            periods=tuple(periods) if periods else None, period_from=period_from,
            period_to=period_to, intervention=intervention, level=level,
            breakdowns=tuple(breakdowns) if breakdowns else None, ci=ci,
            threshold=self.threshold,
        )
        # The engine works out every area whatever is asked (comparison and suppression need the
        # whole table) and only then keeps the areas asked for: so one cached result for all areas
        # serves every selection of areas, and keeping them here gives the same rows.
        return self.result(query, areas)

    def result(self, query: Query, areas: Sequence[str] | None = None) -> Result:
        """The engine's result for ``query`` (its own ``areas`` unless ``areas`` is given),
        from the cache when this data version has made it already."""
        if areas is None and query.areas is not None:
            areas = query.areas
        query = replace(query, areas=None)
        chosen = tuple(areas) if areas is not None else None

        def make(conn: Connection, version: tuple) -> Result:
            full = self._all_areas(conn, version, query)
            if chosen is None:
                return full
            keep = full.rows["area_code"].isin(list(chosen))
            return Result(full.rows[keep].reset_index(drop=True), full.meta)

        return self._cached(("rows", query, chosen), make)

    def _all_areas(self, conn: Connection, version: tuple, query: Query) -> Result:
        """Every area's rows for ``query``, made and cached one indicator at a time.

        ``compute`` of several indicators is the concatenation of each one's rows, so caching
        each indicator alone lets pages that share an indicator share its result.
        """
        if not query.indicators:
            return compute(conn, query)
        parts = []
        for ind in query.indicators:
            one = replace(query, indicators=(ind,))
            parts.append(self._get_or_make(("one", one), version, lambda q=one: compute(conn, q)))
        if len(parts) == 1:
            return parts[0]
        rows = pd.concat([p.rows for p in parts], ignore_index=True)
        return Result(rows, parts[0].meta)

    def areas(self) -> pd.DataFrame:
        """Every area with its region, population, target and current return (period, time)."""
        return self._cached(("areas",), lambda conn, _v: coverage(conn))

    def periods(self) -> list[str]:
        """Every period with data: quarters, then financial years, oldest first."""
        return self._cached(("periods",),
                            lambda conn, _v: available_periods(coverage(conn)))

    def latest_quarter(self) -> str | None:
        quarters = [p for p in self.periods() if "_Q" in p]
        return quarters[-1] if quarters else None


def indicator_data(db: Database, threshold: int) -> IndicatorData:
    """The one ``IndicatorData`` of an app's database (pages share its cache)."""
    existing = getattr(db, "_indicator_data", None)
    if existing is None or existing.threshold != threshold:
        existing = IndicatorData(db, threshold)
        db._indicator_data = existing  # noqa: SLF001 - one cache per Database, by design
    return existing


def indicator(indicator_id: str) -> Indicator:
    return indicators()[indicator_id]

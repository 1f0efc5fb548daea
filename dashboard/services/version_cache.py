"""Values made once per data version, and a new version held back until it has been made ahead.

``VersionCache.per_version(key, make)`` answers ``make``'s value for the data version in the
database, made once (concurrent requests for one value wait for the thread making it). A load
changes the data version. Without holding back, the next request answers at the new version at
once: at national scale its first figure waits minutes for the new disclosure plan.

With ``hold_back`` (set by the thread that makes results ahead, ``IndicatorData.start_warming``),
a new version is first *being made*: requests keep answering from the previous version's values
(the version shown) while the thread makes the new one's, and the version shown moves when
``show`` is called, after the making. The previous version is then frozen: a value made with a
disclosure plan (``MADE_FROM_DATA``) is read if held, never made again, because the database
already holds the new data; one it does not hold is answered at the new version instead
(waiting for it, as without holding back). Other values (a slice of results held, a page's rows
made from them, a read of a data-quality table) are still made and kept for the frozen version.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import flask
import pandas as pd
from sqlalchemy import Connection

from dashboard.services.database import Database
from dashboard.services.queries import DataVersion, data_version, figures_version
from dashboard.settings import DEFAULT_CACHE_ROWS
from lfo.indicators.queries import snapshot
from lfo.indicators.request import Result

log = logging.getLogger(__name__)
T = TypeVar("T")
#: A cached value's name: its kind ("whole", "rows", "areas", ...) and what identifies it.
CacheKey = tuple[Hashable, ...]

#: Kinds of value made with the data version's disclosure plan: never made for a frozen version.
MADE_FROM_DATA = frozenset({"whole", "plan"})
#: Kinds of value that depend only on ``figures_version``: kept when a load changed no data.
FIGURES_ONLY = MADE_FROM_DATA | {"rows", "period index", "areas", "periods", "area list", "groups"}
#: What a reader is told when a figure must wait for the new version's plan.
BEING_MADE = (
    "These figures are being updated after a new return was loaded. They will be shown in a few "
    "minutes: try again shortly."
)
_WAIT_SECONDS = 300  # longest wait for another thread computing the same value


class NeedsDatabase(Exception):
    """A value being made from values held needs to read the database (``_NO_CONNECTION``)."""


class _NoConnection:
    """Passed as the connection when a request makes a value at the version it has already read:
    any use of it means the value needs the database, so the version is read again first."""

    def __getattr__(self, name: str) -> object:
        raise NeedsDatabase(name)


_NO_CONNECTION = cast(Connection, _NoConnection())
_NEEDS_DATABASE = object()


class NotKept(Exception):
    """The frozen version does not hold this value: answer at the new version."""


class BeingMade(Exception):
    """A value the previous version never made, asked for while the new version's disclosure
    plan is still being made (minutes at national scale): the request is told to come back
    (a 503 with ``Retry-After``, or a chart's message) instead of holding a worker that long."""

    def __str__(self) -> str:
        return BEING_MADE


@dataclass
class Generation:
    """The values of one data version, oldest used first, with the rows they hold."""

    version: DataVersion | None = None
    values: OrderedDict[CacheKey, object] = field(default_factory=OrderedDict)
    rows: int = 0
    dropped: int = 0  # values dropped to keep within the limit

    def take(self, key: CacheKey) -> object:
        self.values.move_to_end(key)
        return self.values[key]

    def put(self, key: CacheKey, value: object, size: int, limit: int) -> None:
        """Keep ``value`` (``size`` rows), dropping the least recently used beyond ``limit``."""
        if key in self.values:
            return
        self.values[key] = value
        self.rows += size
        while self.rows > limit and len(self.values) > 1:
            _, dropped = self.values.popitem(last=False)
            self.rows -= value_size(dropped)
            self.dropped += 1


def value_size(value: object) -> int:
    """Rows a cached value holds (its weight against the cache's limit)."""
    if isinstance(value, Result):
        return len(value.rows) + 1
    if isinstance(value, pd.DataFrame):
        return len(value) + 1
    return 1


def _carried(gen: Generation, version: DataVersion) -> Generation:
    """A generation for ``version`` holding ``gen``'s values that depend only on the figures."""
    new = Generation(version)
    for key, value in gen.values.items():
        if key[0] in FIGURES_ONLY:
            new.values[key] = value
            new.rows += value_size(value)
    return new


def request_versions() -> dict[int, DataVersion] | None:
    """The data versions read during the current web request (None outside a request)."""
    if not flask.has_request_context():
        return None
    seen: dict[int, DataVersion] = flask.g.setdefault("lfo_data_versions", {})
    return seen


class VersionCache:
    """Values per data version, with at most one newer version being made (thread-safe)."""

    #: rows held by each version's values, least recently used out (``LFO_CACHE_ROWS``: a
    #: national version's results made ahead are about 4.8 million rows, 1.2 GB)
    limit = DEFAULT_CACHE_ROWS

    def __init__(self, db: Database) -> None:
        self.db = db
        self._live = Generation()  # the version shown
        self._next: Generation | None = None  # a newer version being made, not yet shown
        self._pending: dict[tuple[DataVersion, CacheKey], threading.Event] = {}
        self._lock = threading.Lock()
        self._changed = threading.Event()  # set when a new data version is seen
        self._local = threading.local()  # .frozen: making a frozen version's value (a slice)
        self._recent: list[Hashable] = []  # "whole" values in use before the last new version
        #: hold a new data version back until ``show`` (set while results are made ahead)
        self.hold_back = False
        #: a web request within this many seconds of the last read of the data version answers
        #: at that version from values held, without reading it (``LFO_VERSION_CHECK_MS``)
        self.version_seconds = 0.0
        self._last_read: tuple[DataVersion, float] | None = None

    @property
    def _cache(self) -> OrderedDict[CacheKey, object]:
        return self._live.values

    @property
    def _rows(self) -> int:
        return self._live.rows

    @property
    def _version(self) -> DataVersion | None:
        return self._live.version

    @property
    def being_made(self) -> DataVersion | None:
        """The newer data version being made ahead while the previous one is shown, if any."""
        following = self._next
        return None if following is None else following.version

    def per_version(self, key: CacheKey, make: Callable[[Connection, DataVersion], T]) -> T:
        """``make(conn, version)``'s value for ``key`` at the data version shown (made once).

        Within one web request the version is read once: later lookups of the request that find
        their value, or can make it from values held (a slice of a whole result), answer at that
        version without touching the database (one request's figures come from one version); a
        lookup whose making reads the database reads the version again. A request within
        ``version_seconds`` of the last read does the same at the version that read answered
        at (on PostgreSQL the read is a round trip, most of a light request's time): a load is
        then seen by this process at most that long after it commits, as if it had committed
        that much later; nothing that reads the database is made at a version not just read."""
        seen = request_versions()
        if seen is not None:
            known = seen.get(id(self)) or self._read_lately()
            if known is not None:
                made = self._made_without_reading(key, known, make)
                if made is not _NEEDS_DATABASE:
                    seen[id(self)] = known
                    return cast(T, made)
        with self.db.engine.connect() as conn:
            snapshot(conn)  # the version read and the value made from one committed state
            read_at = time.monotonic()
            version = self._see(data_version(conn))
            shown = self._shown(version)
            if shown != version:
                try:
                    value = self._from_frozen(key, shown, lambda: make(conn, shown))
                except NotKept:
                    if not self.can_make(version):
                        raise BeingMade(key) from None
                else:
                    self._note_read(seen, shown, read_at)
                    return value
            self._note_read(seen, version, read_at)
            return self._get_or_make(key, version, lambda: make(conn, version))

    def _read_lately(self) -> DataVersion | None:
        """The version the last read answered at, if read within ``version_seconds``."""
        last = self._last_read
        if last is None or time.monotonic() - last[1] >= self.version_seconds:
            return None
        return last[0]

    def _note_read(
        self, seen: dict[int, DataVersion] | None, version: DataVersion, read_at: float
    ) -> None:
        if seen is not None:
            seen[id(self)] = version
            self._last_read = (version, read_at)

    def _made_without_reading(
        self, key: CacheKey, version: DataVersion, make: Callable[[Connection, DataVersion], T]
    ) -> object:
        """``key``'s value at the request's ``version`` without touching the database: held, or
        made from values held (a slice of a whole result held: no SQL, so the version need not
        be read again); ``_NEEDS_DATABASE`` when making it needs a read (or the version is not
        the newest shown)."""
        with self._lock:
            gen = self._generation(version)
            if gen is not None and key in gen.values:
                return gen.take(key)
            newest = gen is self._live and self._next is None
        if not newest or getattr(self._local, "frozen", False):
            return _NEEDS_DATABASE

        def from_held() -> T:
            # what the value is made from must be held already: a disclosure plan or a whole
            # result that is not is never started here (``_get_or_make``: NeedsDatabase)
            was, self._local.held_only = getattr(self._local, "held_only", False), True
            try:
                return make(_NO_CONNECTION, version)
            finally:
                self._local.held_only = was

        try:
            return self._get_or_make(key, version, from_held)
        except NeedsDatabase:
            return _NEEDS_DATABASE

    def _generation(self, version: DataVersion | None) -> Generation | None:
        if version == self._live.version:
            return self._live
        if self._next is not None and version == self._next.version:
            return self._next
        return None

    def _shown(self, version: DataVersion) -> DataVersion:
        """The version a request answers at, having read ``version`` in the database."""
        following, live = self._next, self._live.version
        making = getattr(self._local, "making_ahead", False)
        if following is None or following.version != version or making or live is None:
            return version
        return live

    def _see(self, version: DataVersion) -> DataVersion:
        with self._lock:
            if self._generation(version) is not None:
                return version
            same = [
                gen
                for gen in (self._next, self._live)
                if gen is not None
                and gen.version is not None
                and figures_version(gen.version) == figures_version(version)
            ]
            if same:  # a load that changed no data: its figures are those already made
                self._live, self._next = _carried(same[0], version), None
                self._changed.set()
                return version
            # what users asked for most recently is made again first after a load
            self._recent = [k[1] for k in reversed(self._live.values) if k[0] == "whole"]
            if self.hold_back and self._live.values:
                self._next = Generation(version)  # shown once made ahead (``show``)
            else:
                self._live, self._next = Generation(version), None
            self._changed.set()
        return version

    def newest_version(self) -> DataVersion:
        """The database's data version now (seen: a newer one is then being made, or shown)."""
        with self.db.engine.connect() as conn:
            return self._see(data_version(conn))

    def show(self, version: DataVersion | None) -> None:
        """Show ``version`` (made ahead): requests answer at it from now on."""
        with self._lock:
            if self._next is not None and self._next.version == version:
                self._live, self._next = self._next, None

    def show_newest(self) -> None:
        """Show the newer version now, made or not (holding back stops)."""
        with self._lock:
            if self._next is not None:
                self._live, self._next = self._next, None

    def clear(self) -> None:
        """Forget every value (what a new data version does)."""
        with self._lock:
            self._live = Generation(self._live.version)
            self._next = None

    def _from_frozen(self, key: CacheKey, version: DataVersion, make: Callable[[], T]) -> T:
        """``key``'s value at the frozen ``version``: held, or made and kept unless made with a
        disclosure plan (NotKept: answer at the new version)."""
        with self._lock:
            if version == self._live.version and key in self._live.values:
                return cast(T, self._live.take(key))
        if key[0] in MADE_FROM_DATA:
            raise NotKept(key)
        was, self._local.frozen = getattr(self._local, "frozen", False), True
        try:
            value = make()
        finally:
            self._local.frozen = was
        with self._lock:
            if version == self._live.version:
                self._live.put(key, value, value_size(value), self.limit)
        return value

    def _get_or_make(self, key: CacheKey, version: DataVersion, make: Callable[[], T]) -> T:
        """The cached value, or the one another thread is making (waited for), or made here.
        Making a frozen version's slice, only values held are given (NotKept otherwise) or made
        from them (a period index)."""
        with self._lock:
            gen = self._generation(version)
            frozen = getattr(self._local, "frozen", False)
            if gen is not None and key in gen.values and not (frozen and key[0] == "plan"):
                return cast(T, gen.take(key))
            if frozen and key[0] in MADE_FROM_DATA:  # a frozen version's plan is not used
                raise NotKept(key)
            if key[0] in MADE_FROM_DATA and getattr(self._local, "held_only", False):
                raise NeedsDatabase(key[0])  # (``_made_without_reading``)
            other = self._pending.get((version, key))
            if other is None:
                pending = self._pending[(version, key)] = threading.Event()
        if other is not None:
            other.wait(_WAIT_SECONDS)
            with self._lock:
                gen = self._generation(version)
                if gen is not None and key in gen.values:
                    return cast(T, gen.take(key))
            return make()  # the other thread failed, or the data changed meanwhile
        try:
            value = make()
            with self._lock:
                gen = self._generation(version)
                if gen is not None:
                    gen.put(key, value, value_size(value), self.limit)
            return value
        finally:
            with self._lock:
                self._pending.pop((version, key), None)
            pending.set()

    def warn_if_dropped(self) -> None:
        """Log when the version shown has dropped values to keep within ``limit`` (said once all
        is made ahead: what was made did not fit, and requests will make it again)."""
        if self._live.dropped:
            log.warning(
                "the results made ahead do not fit in this process's cache (%d values dropped "
                "beyond LFO_CACHE_ROWS=%d rows): requests will make them again, slowly; raise "
                "LFO_CACHE_ROWS (docs/operations.md)",
                self._live.dropped,
                self.limit,
            )

    def can_make(self, version: DataVersion) -> bool:
        """Whether a value of ``version`` (being made) can be made now without waiting long:
        yes here; ``IndicatorData`` says no until the version's disclosure plan is made."""
        return True

    def making_ahead(self, on: bool) -> None:
        """Mark this thread as the one making the newer version (it answers at that version)."""
        self._local.making_ahead = on

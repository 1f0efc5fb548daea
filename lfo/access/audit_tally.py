"""Events counted in memory and written to the audit log as one row with a count.

The audit log is append-only, so a count cannot be kept by updating a row. Instead each process
counts in memory, per key and time window, and writes one row per key and window once the window
is over (``due``), or when the process stops (``drain``):

- **Refused requests** (service.md § 4: "repeated refusals from one client are recorded as one row
  per minute with a count"): ``refusals()``, keyed by client address and user, one-minute windows.
  The first refusal of a window is recorded at once (``add`` returns True: the caller records it
  with ``audit.record``), so a single refusal is never late or lost; the repeats in that minute
  become one more row with their count when the minute is over (dated at the minute's end).
  ``refused(engine, tally, key)`` does all this: the web layer's one call per refusal.
- **API requests** ("counted per token per hour"): ``api_requests()``, keyed by token (and its
  owner), one-hour windows; nothing at once, one row per token per hour with the count.

A count still in memory when a process is killed is lost (at most a window's worth: a minute of
repeated refusals, an hour of one token's request count); each refusal's first row is never lost.
Several server processes each write their own row for the same window: sum the ``count`` of a
key's rows to get its total. docs/decisions.md, "Issue 12 — audit and
authorisation", gives the reasons.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from lfo.access import audit
from lfo.access.roles import Principal


@dataclass(frozen=True)
class Key:
    """What one count is about: who (user, client) and what (the token, or the refused object)."""

    principal: Principal | None
    client: str | None
    obj: str


@dataclass(frozen=True)
class Count:
    """``n`` events of ``key`` in the window starting at ``start``."""

    key: Key
    start: dt.datetime
    n: int


class Tally:
    """Counts of one action per key and window (thread-safe); see the module docstring."""

    def __init__(
        self, action: audit.AuditAction, outcome: str, window: dt.timedelta, *, first_at_once: bool
    ) -> None:
        self.action: audit.AuditAction = action
        self.outcome = outcome
        self.window = window
        self.first_at_once = first_at_once
        self._counts: dict[tuple[Key, dt.datetime], int] = {}
        self._lock = threading.Lock()

    def start_of(self, moment: dt.datetime) -> dt.datetime:
        """The start of the window ``moment`` (naive UTC) falls in."""
        seconds = int(self.window.total_seconds())
        epoch = int((moment - dt.datetime(1970, 1, 1)).total_seconds())
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=epoch - epoch % seconds)

    def add(self, key: Key, now: dt.datetime | None = None) -> bool:
        """Count one event; True when it is the first of its window and is to be recorded at once
        (only with ``first_at_once``; it is then not part of the window's later count)."""
        start = self.start_of(now or audit.now_utc())
        with self._lock:
            seen = (key, start) in self._counts
            if self.first_at_once and not seen:
                self._counts[(key, start)] = 0
                return True
            self._counts[(key, start)] = self._counts.get((key, start), 0) + 1
            return False

    def due(self, now: dt.datetime | None = None) -> list[Count]:
        """Take the counts of the windows that are over (they are forgotten here)."""
        current = self.start_of(now or audit.now_utc())
        with self._lock:
            over = [k for k in self._counts if k[1] < current]
            return [Count(k[0], k[1], n) for k in over if (n := self._counts.pop(k))]

    def drain(self) -> list[Count]:
        """Take every count, over or not (when the process stops)."""
        with self._lock:
            counts = [Count(k[0], k[1], n) for k, n in self._counts.items() if n]
            self._counts.clear()
            return counts

    def write(self, conn: Connection, counts: list[Count]) -> int:
        """Record one row per count (in the caller's transaction); how many rows."""
        for c in counts:
            end = c.start + self.window
            span = f"{_iso(c.start)} to {_iso(end)}"
            audit.record(
                conn,
                self.action,
                self.outcome,
                obj=f"{c.key.obj} ({span})",
                principal=c.key.principal,
                client=c.key.client,
                count=c.n,
                at=min(end, audit.now_utc()),  # when the window ended (or now, when drained)
            )
        return len(counts)


def refused(
    engine: Engine,
    tally: Tally,
    key: Key,
    *,
    now: dt.datetime | None = None,
    obj: str | None = None,
) -> bool:
    """What the web layer calls on each refusal (403): the first of the key's minute is recorded
    at once (outcome ``refused``; its object ``obj``, else the key's), a repeat only counted; the
    counts of minutes that are over are written meanwhile. True when this refusal got its own
    row."""
    moment = now or audit.now_utc()
    first = tally.add(key, moment)
    due = tally.due(moment)
    if first or due:
        with engine.begin() as conn:
            tally.write(conn, due)  # the minutes that are over come first, in time order
            if first:
                audit.record(
                    conn,
                    tally.action,
                    "refused",
                    obj=obj or key.obj,
                    principal=key.principal,
                    client=key.client,
                    at=moment,
                )
    return first


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes") + "Z"


def refusals() -> Tally:
    """Refused requests: the first of each client's minute at once, the repeats as one row."""
    return Tally("refused", "repeated", dt.timedelta(minutes=1), first_at_once=True)


def api_requests() -> Tally:
    """API requests: one row per token per hour with the count."""
    return Tally("api-requests", "counted", dt.timedelta(hours=1), first_at_once=False)

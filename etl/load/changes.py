"""What a load of a checked return would change in its LA's current data (issue 13: the report of
a return uploaded through the web): participants, episodes and outcomes added, changed, removed
and unchanged. Counts only: nothing here keeps a value of the return.

A return is a cumulative snapshot that replaces all of its LA's rows, so the comparison is between
the rows the loader would insert (``stored_rows.data_rows``, the loader's own row building, IDs
pseudonymised with the ID key) and the LA's rows now (``store.current_rows``). A row is the same
row across returns when its table's primary key is the same:

- a participant: its pseudonymised participant ID (``participant_key``);
- an episode: its pseudonymised episode ID (``episode_key``): the LA's episode IDs are stable
  across returns, so an episode whose intervention or dates were corrected is *changed*, not
  removed and added;
- an outcome: its episode, measure and timepoint (the outcomes table's key; an episode belongs
  to one participant, so the participant adds nothing to it).

A row with the same identity is *changed* when any other stored column differs (a date, a code,
a score, the family or participant it belongs to), *unchanged* otherwise. Without the ID key file
no current row can be matched: every current row counts as removed and every row of the return as
added, and ``key_missing`` says so (a load would make a new key, or refuse, see the loader).

The comparison holds sets and dicts of the rows' tuples in memory: fine for one LA of the pilot
(tens of thousands of rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from etl.load import store
from etl.load.stored_rows import data_rows
from etl.pseudonymise import Hasher

TABLES = ("participants", "episodes", "outcomes")
#: The return's sheet behind each data table.
SHEET_OF = {"participants": "participants", "episodes": "interventions", "outcomes": "outcomes"}
#: What identifies a row across returns: its table's primary key (module docstring).
IDENTITY = {
    "participants": ("participant_key",),
    "episodes": ("episode_key",),
    "outcomes": ("episode_key", "measure", "timepoint"),
}
KINDS = ("added", "changed", "removed", "unchanged")


@dataclass(frozen=True)
class Changes:
    """The rows a load would insert (per table) and how they compare with the LA's current rows."""

    rows: dict[str, int]
    changes: dict[str, dict[str, int]]
    current_period: str | None  # the period of the LA's current return, None if it has none
    key_missing: bool


def compare_with_current(
    conn: Connection | None,
    tables: dict[str, pd.DataFrame],
    area: str,
    key: bytes | None,
) -> Changes:
    """How loading ``tables`` (a valid checked return of ``area``) would change the LA's current
    data in the database on ``conn`` (None: no database yet, so no current data)."""
    current = store.current_return(conn, area) if conn is not None else None
    period = str(current["period"]) if current else None
    if key is None:
        counts = store.count_rows(conn, TABLES, area) if conn is not None else {}
        rows = {name: len(tables[SHEET_OF[name]]) for name in TABLES}
        changes = {name: _counts(added=rows[name], removed=counts.get(name, 0)) for name in TABLES}
        return Changes(rows, changes, period, key_missing=True)
    new = data_rows(tables, area, Hasher(key, area))
    rows = {name: len(new[name][1]) for name in TABLES}
    changes = {}
    for name in TABLES:
        columns, returned = new[name]
        now = store.current_rows(conn, name, columns, area) if conn is not None else []
        changes[name] = compare(columns, IDENTITY[name], returned, now)
    return Changes(rows, changes, period, key_missing=False)


def compare(
    columns: Sequence[str],
    identity: Sequence[str],
    returned: Sequence[tuple[Any, ...]],
    current: Sequence[tuple[Any, ...]],
) -> dict[str, int]:
    """Added, changed, removed and unchanged rows between ``current`` and ``returned`` (tuples of
    ``columns``), rows matched by the ``identity`` columns."""
    at = [columns.index(c) for c in identity]
    before = {_key(row, at): _stored(row) for row in current}
    added = changed = unchanged = 0
    seen = set()
    for row in returned:
        key = _key(row, at)
        seen.add(key)
        old = before.get(key)
        if old is None:
            added += 1
        elif old == _stored(row):
            unchanged += 1
        else:
            changed += 1
    removed = sum(1 for key in before if key not in seen)
    return _counts(added=added, changed=changed, removed=removed, unchanged=unchanged)


def _counts(**counts: int) -> dict[str, int]:
    return {kind: int(counts.get(kind, 0)) for kind in KINDS}


def _key(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    return tuple(row[i] for i in at)


def _stored(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as the database gives it back: dates as ISO text (the loader's rows hold them so),
    whole floats and ints alike."""
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)

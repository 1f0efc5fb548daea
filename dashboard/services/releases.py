"""Releases as the dashboard reads them (service.md § 7): the list, and each release's figures.

A release's figures come from its frozen file (``lfo.release_snapshot``), written out once per
host under ``LFO_RELEASES_CACHE_DIR`` and read by the same engine and cache as the live figures
(``ReleaseData``: an ``IndicatorData`` whose disclosure plan is the one stored at publishing and
whose threshold is the release's own, whatever a request or the settings say now). Which release
a request reads is decided once per request by the gate (``dashboard.web.release_choice``) and
kept in ``flask.g``; ``Services.data`` answers with that release's data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection
from werkzeug.exceptions import Conflict

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.queries import DataVersion
from lfo import release_quality, release_snapshot
from lfo.indicators import cells as cell_table
from lfo.indicators import definitions
from lfo.indicators.protection import Plan
from lfo.indicators.request import Query, Result
from lfo.release_compare import programme_cells_to_hide
from lfo.release_publish import merged_plan
from lfo.releases import Key, Release, get, key_of, latest_key, listed_keys, snapshot_bytes

#: Releases whose figures one process keeps open at once (the oldest used is closed).
OPEN_RELEASES = 4


def code_definitions() -> str:
    """The definitions version this code computes figures under (read at each call)."""
    return definitions.DEFINITIONS_VERSION


class DefinitionsChanged(Conflict):
    """A release published under other indicator definitions than the code's: its figures are
    refused (409: JSON under ``/api/`` and for callbacks, a page otherwise), never computed
    again under the new definitions. Its stored bulk zip and its page still answer."""

    parameter = "release"

    def __init__(self, release: Release) -> None:
        rid, now = release.release_id, code_definitions()
        super().__init__(
            f"Release {rid} was published under indicator definitions version "
            f"{release.definitions_version}, and this service now computes figures under "
            f"version {now}, so its figures are not shown: they would differ from those "
            f"published. Its figures as published are in its bulk data (/releases/{rid}/bulk.zip). "
            f"To show this quarter under version {now}, a programme lead publishes it again "
            f"(a new revision; see /releases)."
        )
        self.release = release


def check_definitions(release: Release) -> Release:
    """``release`` if the code computes under its definitions version, else
    ``DefinitionsChanged``: a release's answers never change silently."""
    if release.definitions_version != code_definitions():
        raise DefinitionsChanged(release)
    return release


class ReleaseData(IndicatorData):
    """One release's figures: its stored plan and threshold, never made again."""

    def __init__(self, db: Database, release: Release) -> None:
        super().__init__(db, release.threshold)
        self.release = release
        self._stored: Plan | None = None
        self._quality: bool | None = None

    def _plan(self, conn: Connection, version: DataVersion) -> Plan:
        if self._stored is None:
            self._stored = release_snapshot.read_plan(conn)
        return self._stored

    @property
    def has_quality(self) -> bool:
        """Whether the release's file carries its data quality (releases published before it
        did have none: they say so rather than show the live data quality)."""
        if self._quality is None:
            with self.db.engine.connect() as conn:
                self._quality = release_quality.has_quality(conn)
        return self._quality

    def result(self, query: Query, areas: Sequence[str] | None = None) -> Result:
        # the release's threshold, whatever the caller's (the settings may have changed since)
        return super().result(replace(query, threshold=self.threshold), areas)


def quality_db(data: IndicatorData) -> Database | None:
    """The database the data quality of ``data``'s figures is read from: the release's own file
    for a release (None when it carries no data quality), else the live database. Never the
    live data quality under a release."""
    if isinstance(data, ReleaseData) and not data.has_quality:
        return None
    return data.db


class ReleaseStore:
    """The releases of one app's database, and the figures of those opened lately."""

    def __init__(self, db: Database, cache_dir: Path) -> None:
        self.db = db
        self.cache_dir = cache_dir
        self._open: OrderedDict[str, ReleaseData] = OrderedDict()
        self._known: dict[Key, Release] = {}  # a release's row never changes: read it once
        self._lock = threading.Lock()

    def all(self) -> list[Release]:
        with self.db.engine.connect() as conn:
            return [self._release(conn, key) for key in listed_keys(conn)]

    def get(self, rid: str) -> Release | None:
        with self.db.engine.connect() as conn:
            key = key_of(conn, rid)
            return None if key is None else self._release(conn, key)

    def latest(self) -> Release | None:
        with self.db.engine.connect() as conn:
            key = latest_key(conn)
            return None if key is None else self._release(conn, key)

    def _release(self, conn: Connection, key: Key) -> Release:
        """The release of ``key``, its whole row read once a process (``lfo.releases.Key``: at
        national scale a whole row costs about 50 ms, every request)."""
        found = self._known.get(key)
        if found is None:
            found = get(conn, key[0])
            if found is None:  # pragma: no cover - a release's row is never deleted
                raise LookupError(f"release {key[0]} is listed but has no row")
            with self._lock:
                self._known[key] = found
        return found

    def data(self, release: Release) -> ReleaseData:
        """The figures of ``release`` (its file written out on first use)."""
        with self._lock:
            found = self._open.get(release.release_id)
            if found is not None:
                self._open.move_to_end(release.release_id)
                return found
        with self.db.engine.connect() as conn:
            packed = snapshot_bytes(conn, release.release_id)
        path = release_snapshot.snapshot_file(packed, release.snapshot_sha256, self.cache_dir)
        made = ReleaseData(Database(f"sqlite:///{path}", check=False), release)
        with self._lock:
            found = self._open.setdefault(release.release_id, made)
            while len(self._open) > OPEN_RELEASES:
                _, old = self._open.popitem(last=False)
                old.db.dispose()
        return found

    def across_releases(self, conn: Connection, plan: Plan) -> Plan:
        """The live figures' disclosure ``plan`` with the programme cells whose change since the
        latest release a hidden area would show through (indicators.md v2: across releases and
        live data; ``lfo.release_compare``). Without a release, ``plan`` itself."""
        latest_release = self.latest()
        if latest_release is None:
            return plan
        rows = cell_table.build(conn, plan.threshold).rows
        cells = rows[release_snapshot.CELL_COLUMNS[:-1]].copy()
        cells["hidden"] = False
        for (ind, grp), part in rows.groupby(["indicator", "grp"], sort=False):
            cells.loc[part.index, "hidden"] = plan.hidden_mask(str(ind), str(grp), part)
        with self.data(latest_release).db.engine.connect() as frozen:  # opened once a process
            old = release_snapshot.read_frame(
                frozen, release_snapshot.CELLS, release_snapshot.CELL_COLUMNS
            )
        more = programme_cells_to_hide(cells, old)
        return merged_plan(plan, more) if more else plan

"""The small reads that change only with the data version, kept per version in the process.

A load, ``etl areas`` and a release's publishing each change the data version
(``queries.data_version``: every row of the load log is a new version), so what these read
cannot change within one: each is read once per data version (``VersionCache.per_version``, on
the connection the version was read on) and a request that finds it touches the database only
to learn the version. They sit beside the values ``IndicatorData`` keeps itself (``areas``:
populations, targets and current returns; ``area_list``; ``periods``; ``benchmark_groups``) and
the data-quality page's (``present.quality_completeness``, ``callbacks.quality``).

Read fresh on every request instead, never kept: the data version itself; who a request acts
for (sessions, API tokens, the local role's cookie), the audit log and the rate limits; data
challenges (``queries.open_challenges``: raised and answered without a load) and web
submissions; the release a request names (``ReleaseStore.get``/``latest``: one read, as the
version's would be).

``data`` is the figures a request reads (``Services.data``): the live ones, or a release's,
whose own file holds its data quality (``releases.quality_db``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.services import queries
from dashboard.services.version_cache import VersionCache


def data_as_at(data: VersionCache) -> dt.datetime | None:
    """``queries.data_as_at`` of ``data``'s database, read once per data version."""
    return data.per_version(("as at",), lambda conn, _v: queries.data_as_at(conn))


def current_returns(
    data: VersionCache, area: str | None = None, *, outcome: bool = True
) -> pd.DataFrame:
    """``queries.current_returns``: every area's read once per data version, ``area``'s (None:
    every area's) taken from them (a copy: callers may change it)."""
    every = data.per_version(
        ("quality_data", "current returns", outcome),
        lambda conn, _v: queries.current_returns(conn, outcome=outcome),
    )
    return _of(every, area)


def load_log(data: VersionCache, area: str | None = None) -> pd.DataFrame:
    """``queries.load_log`` (its newest loads for ``area``, or for every area), read once per
    data version and area (a copy)."""
    return data.per_version(
        ("quality_data", "load log", area), lambda conn, _v: queries.load_log(conn, area)
    ).copy()


def finding_counts(data: VersionCache, area: str | None = None) -> pd.DataFrame:
    """``queries.finding_counts``: every area's read once per data version (a copy)."""
    every = data.per_version(
        ("quality_data", "findings"), lambda conn, _v: queries.finding_counts(conn)
    )
    return _of(every, area)


def held_back(data: VersionCache, area: str | None = None) -> pd.DataFrame:
    """``queries.held_back``: every area's read once per data version (a copy)."""
    every = data.per_version(
        ("quality_data", "held back"), lambda conn, _v: queries.held_back(conn)
    )
    return _of(every, area)


def completeness(data: VersionCache, area: str | None = None) -> pd.DataFrame:
    """``queries.completeness``: every area's read once per data version (a copy)."""
    every = data.per_version(
        ("quality_data", "completeness"), lambda conn, _v: queries.completeness_rows(conn)
    )
    return _of(every, area)


def _of(every: pd.DataFrame, area: str | None) -> pd.DataFrame:
    """``area``'s rows of every area's (None: all of them), in their order, as a new frame."""
    if area is None:
        return every.copy()
    return every[every["area_code"] == area].reset_index(drop=True)

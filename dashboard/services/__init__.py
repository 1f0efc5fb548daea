"""What the dashboard's pages, API and health check read through: made once per app by the app
factory (``dashboard.app.create_app``) and passed down to every ``register`` function.

- ``database``: the read-only database handle, opened lazily;
- ``queries``: every read the dashboard makes (named queries, bound parameters);
- ``indicator_data``: the indicator engine's results, cached per data version, made ahead;
- ``version_reads``: the other small reads that change only with the data version, kept per
  version (data as at, returns, load log, findings, rows held back, completeness);
- ``shared_cache``: whole results shared between a server's processes (``redis_cache``: between
  several hosts, when ``LFO_REDIS_URL`` is set; ``result_codec``: how they are stored there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import flask
from werkzeug.exceptions import Forbidden

from dashboard.services import version_reads
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.redis_cache import RedisResults
from dashboard.services.releases import ReleaseStore, check_definitions
from dashboard.settings import DashboardSettings
from lfo.indicators.request import Query
from lfo.releases import Release
from lfo.settings import Settings as LfoSettings

#: Where the gate keeps the release a request reads (``flask.g``); absent or None: live.
RELEASE_KEY = "lfo_release"
#: Where the gate keeps whether the request's principal may see live figures (False: a read of
#: live figures is refused here too, whatever page or callback asks: never trust the route).
LIVE_KEY = "lfo_live_allowed"


def chosen_release() -> Release | None:
    """The release the current request reads (None: live figures, or outside a request)."""
    if not flask.has_request_context():
        return None
    found = flask.g.get(RELEASE_KEY)
    return found if isinstance(found, Release) else None


def chosen_release_id() -> str | None:
    """The id of the release the current request reads (None: live figures): what a page's
    links carry (``dashboard.present.choices.with_release``), from the server's own list."""
    found = chosen_release()
    return None if found is None else found.release_id


@dataclass(frozen=True)
class Services:
    """One app's settings, database and indicator data (one cache shared by pages and API)."""

    settings: DashboardSettings
    db: Database
    live: IndicatorData
    releases: ReleaseStore

    @classmethod
    def create(cls, settings: DashboardSettings, ahead: Sequence[Query] = ()) -> Services:
        """``ahead``: whole results made ahead beside every indicator's standard ones
        (``dashboard.present.ahead.made_ahead``, from the app factory and the results maker)."""
        db = Database(settings.database_url)
        data = IndicatorData(db, settings.suppression_threshold)
        data.ahead, data.limit = tuple(ahead), settings.cache_rows
        data.version_seconds = settings.version_check_ms / 1000
        if settings.redis_url:  # several hosts: share through Redis (it connects when first used)
            data.share(RedisResults(settings.redis_url, settings.database_url))
        releases = ReleaseStore(db, LfoSettings.from_env().releases_cache_dir)
        data.plan_extra = releases.across_releases  # live hides what releases would give away
        return cls(settings, db, data, releases)

    @property
    def data(self) -> IndicatorData:
        """The figures this request reads: the release the gate chose for it
        (``dashboard.web.release_choice``), else the live figures (outside a request too)."""
        release = chosen_release()
        if release is not None:  # made under other definitions: refused, never recomputed
            return self.releases.data(check_definitions(release))
        if flask.has_request_context() and flask.g.get(LIVE_KEY) is False:
            raise Forbidden(
                "Refused: these are live (provisional) figures, for programme and LA leads; "
                "researchers and the public see published releases, and none is published yet."
            )
        return self.live

    def data_as_at(self) -> dt.datetime | None:
        """When the figures this request reads were last changed: a release's own data as at
        (never a later load's), else the latest load of any current return."""
        release = chosen_release()
        return version_reads.data_as_at(self.live) if release is None else release.data_as_at

    @property
    def routed(self) -> IndicatorData:
        """An ``IndicatorData`` for callbacks bound once at start-up: each use reads ``data``
        again, so each request gets its own release's figures."""
        return cast(IndicatorData, _Routed(self))

    @property
    def threshold(self) -> int:
        """The suppression threshold: counts below it are never shown (from settings; a
        release's own, fixed when it was published, for a request reading one)."""
        release = chosen_release()
        return self.settings.suppression_threshold if release is None else release.threshold


class _Routed:
    """``Services.routed``: every attribute looked up on the request's ``Services.data``."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def __getattr__(self, name: str) -> object:
        return getattr(self._services.data, name)

"""What the dashboard's pages, API and health check read through: made once per app by the app
factory (``dashboard.app.create_app``) and passed down to every ``register`` function.

- ``database``: the read-only database handle, opened lazily;
- ``queries``: every read the dashboard makes (named queries, bound parameters);
- ``indicator_data``: the indicator engine's results, cached per data version, made ahead;
- ``shared_cache``: whole results shared between a server's processes (``redis_cache``: between
  several hosts, when ``LFO_REDIS_URL`` is set; ``result_codec``: how they are stored there).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.redis_cache import RedisResults
from dashboard.settings import DashboardSettings


@dataclass(frozen=True)
class Services:
    """One app's settings, database and indicator data (one cache shared by pages and API)."""

    settings: DashboardSettings
    db: Database
    data: IndicatorData

    @classmethod
    def create(cls, settings: DashboardSettings) -> Services:
        db = Database(settings.database_url)
        data = IndicatorData(db, settings.suppression_threshold)
        if settings.redis_url:  # several hosts: share through Redis (it connects when first used)
            data.share(RedisResults(settings.redis_url, settings.database_url))
        return cls(settings, db, data)

    @property
    def threshold(self) -> int:
        """The suppression threshold: counts below it are never shown (from settings only)."""
        return self.settings.suppression_threshold

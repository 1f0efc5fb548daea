"""What the dashboard's pages, API and health check read through: made once per app by the app
factory (``dashboard.app.create_app``) and passed down to every ``register`` function.

- ``database``: the read-only database handle, opened lazily;
- ``queries``: every read the dashboard makes (named queries, bound parameters);
- ``indicator_data``: the indicator engine's results, cached per data version, made ahead;
- ``shared_cache``: whole results shared between a server's processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
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
        return cls(settings, db, IndicatorData(db, settings.suppression_threshold))

    @property
    def threshold(self) -> int:
        """The suppression threshold: counts below it are never shown (from settings only)."""
        return self.settings.suppression_threshold

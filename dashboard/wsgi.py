"""WSGI entry point: ``gunicorn dashboard.wsgi:server``.

Settings come from the environment (see ``dashboard.settings``). The database is not opened until
the first request that reads it, and no demo is built here: load real returns with ``python -m etl``.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.services.indicator_data import enable_warming
from dashboard.services.shared_cache import directory_for
from dashboard.settings import DashboardSettings

settings = DashboardSettings.from_env()
app = create_app(settings)
server = app.server
if settings.warm_cache:
    # each worker makes the indicator results ahead (LFO_WARM_CACHE=0: not), sharing them
    enable_warming(app.services.data, server, directory_for(settings))

"""WSGI entry point: ``gunicorn dashboard.wsgi:server``.

Settings come from the environment (see ``dashboard.settings``). The database is not opened until
the first request that reads it, and no demo is built here: load real returns with ``python -m etl``.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.settings import DashboardSettings

app = create_app(DashboardSettings.from_env())
server = app.server

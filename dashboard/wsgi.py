"""WSGI entry point: ``gunicorn dashboard.wsgi:server``.

Settings come from the environment (see ``dashboard.settings``); the service always runs in
sign-in mode, and refuses to start, saying what to configure, without ``LFO_BASE_URL`` or without
any user (``python -m dashboard users add``): it never runs as the demo. The database is not opened until
the first request that reads it, and no demo is built here: load real returns with ``python -m etl``.
Each worker logs to stderr (gunicorn's error log stream) as ``LFO_LOG_FORMAT`` says, one line per
record with its request id (``dashboard.web.logs``). See ``deploy/gunicorn.conf.py``.
"""

from __future__ import annotations

import sys

from dashboard.app import create_app
from dashboard.services.shared_cache import directory_for
from dashboard.services.warming import enable_warming
from dashboard.settings import DashboardSettings
from dashboard.web.accounts import service_problem
from dashboard.web.logs import configure_logging

#: gunicorn stops (instead of starting the worker again and again) when a worker exits with this
APP_LOAD_ERROR = 4

settings = DashboardSettings.from_env()
configure_logging(settings.log_format)
problem = service_problem(settings)
if problem is not None:
    print(f"error: {problem}", file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR)
app = create_app(settings)
server = app.server
if settings.warm_cache:
    # each worker makes the indicator results ahead (LFO_WARM_CACHE=0: not), sharing them
    enable_warming(
        app.services.data,
        server,
        directory_for(settings),
        follow=settings.results_maker,
    )

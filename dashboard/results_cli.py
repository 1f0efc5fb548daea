"""``python -m dashboard make-results [--db URL]``: the results maker beside the web processes.

It makes each data version's indicator results (and disclosure plan) into the shared store, the
folder of ``LFO_CACHE_DIR`` on one host or Redis (``LFO_REDIS_URL``) across hosts, so that web
processes started with ``LFO_RESULTS_MAKER=1`` only read them (``dashboard.services.results_maker``
says why). It runs until stopped (SIGTERM or Ctrl+C), as ``deploy/systemd/lfo-results.service``.
Exit status: 0 stopped, 2 it could not start (bad settings, an unreadable database, no shared
store); each problem one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging

from dashboard.ahead_list import made_ahead_for
from dashboard.cli_errors import fail as _fail
from dashboard.services import Services
from dashboard.services.queries import check_readable
from dashboard.services.results_maker import run, stop_on_signals
from dashboard.services.shared_cache import directory_for
from dashboard.services.warming import share
from dashboard.settings import DashboardSettings
from dashboard.web.logs import configure_logging
from lfo.db import DatabaseError

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dashboard make-results",
        description="Make each data version's indicator results into the shared store, for web "
        "processes started with LFO_RESULTS_MAKER=1. Runs until stopped.",
    )
    p.add_argument("--db", help="database URL (default: LFO_DATABASE_URL, else data/lfo.db)")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        settings = DashboardSettings.from_env(database_url=args.db)
    except ValueError as exc:
        return _fail(str(exc))
    # the same results made ahead as the web processes' (the app factory's list)
    services = Services.create(settings, ahead=made_ahead_for(settings.suppression_threshold))
    try:
        check_readable(services.db)
    except DatabaseError as exc:
        return _fail(f"{settings.database_url}: {exc}")
    # the folder must be named: the default is in the temp folder, private to each service
    # under systemd (PrivateTmp), where the web processes would never find what was made
    named = settings.cache_dir.strip().lower() not in ("", "off")
    if named:
        share(services.live, directory_for(settings))
    if services.live.shared is None:
        return _fail(
            "the results maker needs a shared store the web processes read too: set "
            "LFO_CACHE_DIR to a folder both can write (e.g. /srv/lfo/data/results-cache) on "
            "one host, or LFO_REDIS_URL across hosts"
        )
    configure_logging(settings.log_format)
    stop = stop_on_signals()
    log.info("making each data version's results into the shared store until stopped")
    run(services.live, stop)
    log.info("stopped")
    return 0

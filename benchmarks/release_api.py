"""API answers against a release already published: ``python -m benchmarks.release_api --db URL
--release ID [-n 200] [--cache-dir DIR]``.

``benchmarks.release_publish`` publishes first, which takes about 13 minutes at national scale,
and its live side's first request makes the live disclosure plan (10 minutes more). This times the
release's side alone, against a database that holds the release: the first answer of each
indicator (its file written out under ``--cache-dir`` unless there already, its plan read, the
indicator computed), then ``n`` requests for one indicator and area each, as
``release_publish`` makes them. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile

from sqlalchemy import select

from benchmarks.release_publish import INDICATORS, _pcts, _timed_requests
from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo import schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--release", required=True)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--cache-dir")
    args = parser.parse_args()
    os.environ["LFO_RELEASES_CACHE_DIR"] = args.cache_dir or tempfile.mkdtemp(
        prefix="lfo-release-api-"
    )
    app = create_app(DashboardSettings(database_url=args.db))
    client = app.server.test_client()
    store = app.server.view_functions["lfo_profile_pdf"].__self__.services.releases
    release = store.get(args.release)
    if release is None:
        raise SystemExit(f"no release {args.release} in {args.db}")
    with store.data(release).db.engine.connect() as conn:
        areas = [a for (a,) in conn.execute(select(schema.returns.c.area_code))]
    rng = random.Random(2026)
    rid, quarter = release.release_id, release.quarter
    base = [
        f"/api/v1/data?indicator={i}&area={rng.choice(areas)}&period={quarter}&release={rid}"
        for i in INDICATORS
        for _ in range(max(1, args.n // len(INDICATORS)))
    ]
    rng.shuffle(base)
    first = _timed_requests(
        client, [f"/api/v1/data?indicator={i}&release={rid}" for i in INDICATORS]
    )
    out = {
        "release": rid,
        "first_requests_s": round(sum(first), 1),
        "api_release": _pcts(_timed_requests(client, base)),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

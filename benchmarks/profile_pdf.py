"""The area profile's PDF (``/area/<gss>/profile.pdf``): how long one takes, through the app's
own route (figures warm, as a served worker has them: ``LFO_WARM_CACHE``), and its parts.

    python -m benchmarks.profile_pdf --db sqlite:////tmp/lfo.db [--area E09000008] [-n 5]
        [--release ID]

Each round times, in turn: the figures (``area_print.profile_figures``, warm after the first
round), the print document (``profile_html.document``), Chromium's print (``print_pdf.render``:
a child process, Playwright's driver, Chromium's start, the document's charts and the PDF), and
the whole request through Flask's test client. Prints the median and the largest of each in
seconds; the first round's figures (cold) are printed apart. Goal: the whole request ≤ 5 s.
With ``--release ID`` only the whole request is timed, for that release (as a researcher or
the public is shown the profile); its first round (the release's file written out and read) is
printed apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from dashboard.app import create_app
from dashboard.callbacks.area_print import profile_figures
from dashboard.print_pdf import render
from dashboard.settings import DashboardSettings
from dashboard.web import profile_html

AREA = "E09000008"  # Croydon: a pilot area with neighbours and a region at both scales


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--area", default=AREA)
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--release")
    args = parser.parse_args()
    if args.release:
        _release_rounds(args)
        return
    settings = DashboardSettings(database_url=args.db, warm_cache=False)
    app = create_app(settings)
    services = app.server.view_functions["lfo_profile_pdf"].__self__.services
    client = app.server.test_client()
    times: dict[str, list[float]] = {"figures": [], "document": [], "chromium": [], "request": []}
    for round_ in range(args.n):
        t0 = time.perf_counter()
        figures = profile_figures(
            services, args.area, "latest", "95", "programme", "uptake.completion", "quarterly"
        )
        t1 = time.perf_counter()
        html = profile_html.document(figures, threshold=services.threshold)
        t2 = time.perf_counter()
        pdf = render(html, settings.chromium, 60)
        t3 = time.perf_counter()
        answer = client.get(f"/area/{args.area}/profile.pdf")
        t4 = time.perf_counter()
        if answer.status_code != 200:
            raise SystemExit(f"the PDF request answered {answer.status_code}")
        if round_ == 0:
            print(
                f"figures, first round (cold unless shared): {t1 - t0:.2f} s; PDF {len(pdf):,} bytes"
            )
            continue
        for key, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key].append(value)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    for key, values in times.items():
        print(f"{key:9} median {statistics.median(values):.2f} s, largest {max(values):.2f} s")


def _release_rounds(args: argparse.Namespace) -> None:
    """The whole request for ``args.release``'s profile, ``args.n`` rounds after the first."""
    app = create_app(DashboardSettings(database_url=args.db, warm_cache=False))
    client = app.server.test_client()
    url = f"/area/{args.area}/profile.pdf?release={args.release}"
    times = []
    for round_ in range(args.n + 1):
        started = time.perf_counter()
        answer = client.get(url)
        took = time.perf_counter() - started
        if answer.status_code != 200:
            raise SystemExit(f"the PDF request answered {answer.status_code}")
        if round_ == 0:
            print(f"first request (cold): {took:.2f} s; PDF {len(answer.data):,} bytes")
        else:
            times.append(took)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"request   median {statistics.median(times):.2f} s, largest {max(times):.2f} s")


if __name__ == "__main__":
    main()

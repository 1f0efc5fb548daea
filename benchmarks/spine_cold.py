"""The area profile's spine drawn cold: what its three engine requests cost with nothing cached.

    python -m benchmarks.spine_cold --db sqlite:////tmp/lfo.db [--area E09000008] [-n 3]

The spine asks the engine for its 19 indicators three times, once per benchmark (the
programme, the statistical neighbours, the region: ``callbacks.area_views.spine_chart``), since
its tables give every group's figure whatever the reader chose. Each is a different query, so
after a load (the cache emptied) the first spine makes all three. For each of ``-n`` rounds the
cache is emptied, then timed in turn:

- the disclosure plan (made once per data version and shared by every page and result);
- each benchmark's 19 results, cold (the plan made): what each request adds to the first draw;
- the same three again, warm (cached), and the whole spine (presenter included), warm;
- the whole spine cold again after emptying the cache and making the plan: the first spine
  drawn after a load once the plan is made (a served worker makes both ahead, ``LFO_WARM_CACHE``).

Prints the median and the largest of each, in milliseconds (wall time; CPU time beside).
The database is only read. ``--no-plan``: an empty disclosure plan in place of the real one (at
national scale the plan is refused, ``PlanTooLarge``): the engine's own cost, nothing hidden
beyond what each cell's own count hides.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from dashboard.callbacks import area_views
from dashboard.present import area as present
from dashboard.services import Services
from dashboard.settings import DashboardSettings
from lfo.indicators.benchmarks import KINDS
from lfo.indicators.protection import Plan

#: Croydon: a pilot area with neighbours and a region at both scales.
AREA = "E09000008"


def _timed(work: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(
    db_url: str, area_code: str = AREA, rounds: int = 3, real_plan: bool = True
) -> dict[str, list[float]]:
    """Each step's wall and CPU milliseconds per round (``<step>`` and ``<step> cpu``)."""
    services = Services.create(DashboardSettings(database_url=db_url, warm_cache=False))
    data = services.data
    area = area_views.shown_area(services, {"code": area_code})
    period = data.latest_quarter()
    if period is None:
        raise SystemExit("no quarter has data: nothing to draw")

    def rows(kind: str) -> Callable[[], Any]:
        return lambda: data.rows(present.SPINE_INDICATORS, periods=[period], benchmark=kind)

    def plan() -> Any:
        if real_plan:
            return data.per_version(("timed plan",), lambda conn, v: data._plan(conn, v))
        key = ("plan", data.threshold)  # what IndicatorData._plan looks up
        return data.per_version(
            ("timed plan",),
            lambda conn, v: data._get_or_make(key, v, lambda: Plan(data.threshold, {})),
        )

    def spine() -> Any:
        return area_views.spine_chart(services, area, None, period, "95", "neighbours")

    out: dict[str, list[float]] = {}

    def note(step: str, work: Callable[[], Any]) -> None:
        wall, cpu = _timed(work)
        out.setdefault(step, []).append(wall)
        out.setdefault(f"{step} cpu", []).append(cpu)

    for _ in range(rounds):
        data.clear()
        note("disclosure plan", plan)
        for kind in KINDS:
            note(f"{kind}: 19 results, cold", rows(kind))
        for kind in KINDS:
            note(f"{kind}: 19 results, warm", rows(kind))
        note("whole spine, warm", spine)
        data.clear()
        plan()
        note("whole spine, cold (plan made)", spine)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (read only)")
    parser.add_argument("--area", default=AREA)
    parser.add_argument("-n", type=int, default=3, help="rounds")
    parser.add_argument("--no-plan", action="store_true", help="an empty disclosure plan")
    args = parser.parse_args(argv)
    times = measure(args.db, args.area, args.n, real_plan=not args.no_plan)
    print(f"{'step':<40} {'median ms':>10} {'max ms':>10} {'CPU ms':>10}")
    for step, walls in times.items():
        if step.endswith(" cpu"):
            continue
        cpu = statistics.median(times[f"{step} cpu"])
        print(f"{step:<40} {statistics.median(walls):>10.1f} {max(walls):>10.1f} {cpu:>10.1f}")


if __name__ == "__main__":
    main()

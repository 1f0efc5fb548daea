"""Speed as felt (issue 11 § 12): every page's first full draw, and every control's
click-to-drawn time, in headless Chromium.

    python -m benchmarks.felt_speed --db sqlite:////tmp/pilot.db [--runs 3] [--repeats 4]

For each page: the first full draw (navigation start → "fully drawn", as ``benchmarks.browser``
defines it: no callback pending, nothing loading, every graph drawn, held for 300 ms), ``--runs`` + 1
times, each in a new browser context (a new visitor: empty cache), after every page was visited
once untimed (so the server has made the data version's disclosure plan and results). Then on the drawn page, each visible
control in ``<main>`` — every select, every radio group, every checkbox group — is changed
``--repeats`` times (back and forth between two of its values); each change is timed from the
moment the browser is told to change it to the moment the page is fully drawn again (the change
must have sent at least one callback request). Goals (issue 11): first draw ≤ 2 s; each
control's click-to-drawn p95 ≤ 1 s at pilot scale, ≤ 1.5 s at national scale.

The app is served by werkzeug in a thread of this process, as in ``benchmarks.browser``, with
its warming thread making results ahead as in production; the measuring starts once it has made
them all (``wait_until_made_ahead``), as the load test starts its users.
It prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from dataclasses import dataclass, field

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from benchmarks.browser import CACHE_HELP, _is_callback, _Visit, app_for, chromium, serving, warm_up

PAGES = ("/", "/reach", "/uptake", "/outcomes", "/area/E09000008", "/quality")
FIRST_DRAW_GOAL = 2.0
WAIT_FOR_REQUEST_S = 3.0

#: Every control of the page's main part: (kind, locator of the group, values to alternate).
CONTROLS_JS = """() => {
  const out = [];
  const seen = new Set();
  const visible = (el) => el.offsetParent !== null;
  for (const s of document.querySelectorAll('main select')) {
    if (!visible(s) || !s.id) continue;
    const values = [...s.options].map(o => o.value).filter(v => v !== s.value);
    if (values.length) out.push({kind: 'select', id: s.id, values: [values[values.length - 1], s.value]});
  }
  for (const input of document.querySelectorAll('main input[type=radio], main input[type=checkbox]')) {
    if (!visible(input)) continue;
    const group = input.parentElement.closest('[id]');
    if (!group || seen.has(group.id)) continue;
    seen.add(group.id);
    out.push({kind: input.type, id: group.id, values: []});
  }
  return out;
}"""


@dataclass
class PageTimes:
    path: str
    cold: float
    warm: list[float]
    controls: dict[str, list[float]] = field(default_factory=dict)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank; the largest of fewer than 20 values)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


def _changed(visit: _Visit, act) -> float:
    """Seconds from ``act()`` to fully drawn again; the change must send a callback."""
    before = sum(1 for entry in visit.log if _is_callback(entry[0].url))
    start = visit.start = time.perf_counter()
    act()
    deadline = start + WAIT_FOR_REQUEST_S
    while sum(1 for entry in visit.log if _is_callback(entry[0].url)) == before:
        if time.perf_counter() > deadline:
            raise RuntimeError("the change sent no callback request")
        visit.page.wait_for_timeout(5)
    seconds, _graphs = visit._drawn(start, "change")
    return seconds


def _control_times(visit: _Visit, control: dict, repeats: int) -> list[float]:
    page = visit.page
    times: list[float] = []
    if control["kind"] == "select":
        select = page.locator(f"main select[id='{control['id']}']")
        select.wait_for(state="visible", timeout=5_000)
        for i in range(repeats):
            value = control["values"][i % 2]
            times.append(_changed(visit, lambda v=value: select.select_option(v)))
        return times
    inputs = page.locator(f"main [id='{control['id']}'] input")
    count = inputs.count()
    for _ in range(repeats):
        if control["kind"] == "radio":
            checked = [j for j in range(count) if inputs.nth(j).is_checked()]
            target = inputs.nth(count - 1 if not checked or checked[0] != count - 1 else 0)
            times.append(_changed(visit, target.check))
        else:  # a checkbox group: untick and tick its first box again
            box = inputs.nth(0)
            times.append(_changed(visit, box.click))
    return times


def measure(base: str, paths: tuple[str, ...], runs: int, repeats: int) -> list[PageTimes]:
    out: list[PageTimes] = []
    with chromium() as browser:
        warm_up(browser, base, paths)
        for path in paths:
            firsts = []
            for _ in range(runs + 1):  # a new visitor each time: new context, empty cache
                context = browser.new_context(
                    viewport={"width": 1366, "height": 768}, locale="en-GB"
                )
                seconds, _ = _Visit(context.new_page()).open(base + path)
                firsts.append(seconds)
                context.close()
            times = PageTimes(path, firsts[0], firsts[1:])
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
            visit = _Visit(context.new_page())
            visit.open(base + path)
            # the topic pages' controls are behind the filter bar's summary line: open it
            visit.page.evaluate(
                "() => document.querySelectorAll('details.lfo-filterbar')"
                ".forEach(d => { d.open = true; })"
            )
            for control in visit.page.evaluate(CONTROLS_JS):
                try:
                    times.controls[control["id"]] = _control_times(visit, control, repeats)
                except (RuntimeError, PlaywrightTimeout):  # asks the server nothing, or gone
                    continue
            context.close()
            out.append(times)
            print(
                f"{path}: first draw {', '.join(f'{s:.2f}' for s in firsts)} s; "
                + ", ".join(f"{k} p95 {p95(v):.2f} s" for k, v in times.controls.items())
            )
    return out


def markdown(results: list[PageTimes], goal: float) -> str:
    lines = [
        "| page | first draw (new visitor) | median of the next | controls | slowest control (p95) | "
        f"controls over {goal:g} s p95 |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        per = {name: p95(ts) for name, ts in r.controls.items()}
        slowest = max(per.items(), key=lambda kv: kv[1]) if per else ("—", 0.0)
        over = [f"{name} {t:.2f} s" for name, t in per.items() if t > goal]
        lines.append(
            f"| `{r.path}` | {r.cold:.2f} s | {statistics.median(r.warm):.2f} s | {len(per)} | "
            f"{slowest[0]} {slowest[1]:.2f} s | {', '.join(over) or 'none'} |"
        )
    every = [t for r in results for ts in r.controls.values() for t in ts]
    if every:
        lines.append("")
        lines.append(
            f"All {len(every)} control changes: median {statistics.median(every):.2f} s, "
            f"p95 {p95(every):.2f} s, slowest {max(every):.2f} s. "
            f"Pages over the {FIRST_DRAW_GOAL:g} s first-draw goal (warm median): "
            + (
                ", ".join(
                    f"`{r.path}`" for r in results if statistics.median(r.warm) > FIRST_DRAW_GOAL
                )
                or "none"
            )
            + "."
        )
    return "\n".join(lines)


def wait_until_made_ahead(data, timeout: float = 1800.0) -> float:
    """Seconds until the server's warming thread has made every result ahead (both confidence
    levels, and every indicator's group benchmarks), as the load test waits for ``/healthz`` after a
    deployment: the figures are of a server in its steady state, not of its first minute."""
    started = time.perf_counter()
    data.start_warming()  # (started by the first request otherwise; a no-op once running)
    while data.made_later_version is None:  # the group benchmarks too, made after the rest
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"the figures were not made ahead within {timeout:.0f} s")
        time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded database")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--goal", type=float, default=1.0, help="click-to-drawn p95 goal, s")
    parser.add_argument("--page", action="append", help="only these pages (repeatable)")
    parser.add_argument("--cache", help=CACHE_HELP)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = app_for(args.db, args.cache)
    started = time.perf_counter()
    with serving(app.server) as base:
        print(f"serving {args.db} at {base}")
        made = wait_until_made_ahead(app.services.data)
        print(f"the figures were made ahead (every level) in {made:.0f} s; measuring from now")
        results = measure(base, tuple(args.page or PAGES), args.runs, args.repeats)
    print(f"\n(measured in {time.perf_counter() - started:.0f} s)\n")
    print(markdown(results, args.goal))


if __name__ == "__main__":
    main()

"""Where a page's felt time goes, in headless Chromium (issue 11 § 12; see ``benchmarks.felt_speed``
for the times themselves).

    python -m benchmarks.felt_profile --db sqlite:////tmp/pilot.db [--page /area/E09000008 ...]

For each page, after one untimed visit (the server makes the data version's results), one new
visitor's first draw with the browser's JavaScript profiler on, and it prints:

- the Dash components in the drawn page's layout, and how many of them sit inside a folded
  ``<details>``: Dash's renderer runs a selector for every component at every store update (several
  per callback answer), so its work grows with (components) × (callback answers);
- the callback answers the page waited for, and the bytes they carried;
- the main thread's sampled time by script: Dash's renderer, React, plotly.js, the rest.

Absolute times vary on a shared machine (and the profiler slows the page); the shares and the
counts are what to compare before and after a change.
"""

from __future__ import annotations

import argparse
import collections
import logging
from urllib.parse import urlsplit

from benchmarks.browser import CACHE_HELP, _is_callback, _Visit, app_for, chromium, serving, warm_up

PAGES = ("/", "/reach", "/uptake", "/outcomes", "/area/E09000008", "/quality")

#: The layout's Dash components: all, and those inside a ``Details`` (folded until opened).
COUNT_JS = """() => {
  let total = 0, folded = 0;
  const walk = (node, inDetails) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) { node.forEach(n => walk(n, inDetails)); return; }
    if (node.type && node.namespace) {
      total += 1;
      if (inDetails) folded += 1;
      const inner = inDetails || node.type === 'Details';
      for (const key in (node.props || {})) if (key !== 'figure') walk(node.props[key], inner);
      return;
    }
    for (const key in node) walk(node[key], inDetails);
  };
  walk(window.store.getState().layout, false);
  return [total, folded];
}"""

#: Which part of the page a script URL belongs to.
PARTS = (
    ("dash_renderer", "Dash renderer"),
    ("react-dom", "React"),
    ("plotly", "plotly.js"),
    ("async-graph", "plotly.js"),
)


def _part(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    for needle, part in PARTS:
        if needle in name:
            return part
    return "other scripts" if name else "browser (GC, layout, idle)"


def profile_page(browser, url: str) -> list[str]:
    """One new visitor's first draw of ``url``, profiled: lines to print."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
        visit = _Visit(page)
        seconds, graphs = visit.open(url)
        profile = cdp.send("Profiler.stop")["profile"]
        total, folded = page.evaluate(COUNT_JS)
        answers = [e[0] for e in visit.log if _is_callback(e[0].url)]
        answer_bytes = sum(r.sizes()["responseBodySize"] for r in answers)
    finally:
        context.close()
    urls = {n["id"]: n["callFrame"]["url"] for n in profile["nodes"]}
    by_part: collections.Counter[str] = collections.Counter()
    for node, delta in zip(profile["samples"], profile["timeDeltas"], strict=False):
        by_part[_part(urls[node])] += delta / 1e6
    shares = ", ".join(f"{part} {s:.2f} s" for part, s in by_part.most_common())
    return [
        f"{urlsplit(url).path}: drawn in {seconds:.2f} s (profiled), {graphs} graphs",
        f"  components {total} ({folded} folded in <details>); callback answers {len(answers)}, "
        f"{answer_bytes / 1000:.0f} kB on the wire",
        f"  main thread: {shares}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded database")
    parser.add_argument("--page", action="append", help="only these pages (repeatable)")
    parser.add_argument("--cache", help=CACHE_HELP)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = app_for(args.db, args.cache)
    paths = tuple(args.page or PAGES)
    with serving(app.server) as base, chromium() as browser:
        warm_up(browser, base, paths)
        for path in paths:
            print("\n".join(profile_page(browser, base + path)))


if __name__ == "__main__":
    main()

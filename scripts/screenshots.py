"""Screenshots of every page with charts at desktop, tablet and phone widths and at 200% zoom, on first draw and
after a select changes, for looking at by eye (docs/screenshots/, docs/accessibility.md).

``python scripts/screenshots.py --db PATH [--out docs/screenshots]`` (PATH: a loaded SQLite
database, for example the demo's). Uses Debian's Chromium, like the browser tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from support.browser import CHROMIUM_ARGS, chromium_path, serving, wait_for_dash  # noqa: E402

from dashboard.app import create_app  # noqa: E402
from dashboard.settings import DashboardSettings  # noqa: E402

WIDTHS = {"desktop": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}
#: 200% zoom on a 1366×768 screen: half the CSS pixels, each drawn twice as large
ZOOM = {"zoom200": (683, 384)}
PAGES = {
    "home": "/",
    "reach": "/reach",
    "uptake": "/uptake",
    "outcomes": "/outcomes",
    "area": "/area/E09000008",
    "quality": "/quality",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/screenshots.py")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app(DashboardSettings(database_url=f"sqlite:///{args.db}"))
    with serving(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        for width_name, (w, h) in {**WIDTHS, **ZOOM}.items():
            scale = 2 if width_name in ZOOM else 1
            context = browser.new_context(
                viewport={"width": w, "height": h}, device_scale_factor=scale, locale="en-GB"
            )
            context.set_default_timeout(600_000)  # the first draw waits for the disclosure plan
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(base + path)
                wait_for_dash(page)
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / f"{name}-{width_name}.png"), full_page=True)
                # the topic pages keep their controls behind the filter bar's summary line
                page.evaluate(
                    "() => document.querySelectorAll('details.lfo-filterbar')"
                    ".forEach(d => { d.open = true; })"
                )
                select = page.locator("main select:visible").first
                options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
                if len(options) > 1:
                    select.select_option(options[-1])
                    wait_for_dash(page)
                    page.wait_for_timeout(500)
                    out = args.out / f"{name}-{width_name}-after-select.png"
                    page.screenshot(path=str(out), full_page=True)
                    # and the first chart as it sits on the screen after the change
                    page.locator("figure.chart-figure:visible").first.scroll_into_view_if_needed()
                    out = args.out / f"{name}-{width_name}-after-select-chart.png"
                    page.screenshot(path=str(out))
                print(name, width_name, flush=True)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Accessibility checks with axe-core, vendored (``tests/browser/vendor/axe.min.js``, axe-core
4.14.1, MPL-2.0).

The script is injected from disk, so the check needs no network.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_results(page: Page, context: str | None = None) -> dict:
    """Run axe-core on the page (or a CSS selector within it) for WCAG 2.2 A and AA."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))  # not a <script>: the CSP refuses it
    return page.evaluate(
        "async ([context, tags]) => await axe.run(context || document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [context, WCAG_TAGS],
    )


def axe_violations(page: Page, context: str | None = None) -> list[dict]:
    return axe_results(page, context)["violations"]


def describe(violations: list[dict]) -> str:
    """A readable list of violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)

"""The accessibility statement: the same text as ``docs/accessibility.md``, rendered as a page.

The statement is written once, in Markdown (GOV.UK's model statement), and read at layout time;
its first-level heading is the page's one h1.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from dash import dcc, html

log = logging.getLogger(__name__)

TITLE = "Accessibility statement"
STATEMENT = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"


@cache
def statement_text() -> str | None:
    """The statement's Markdown, or None if the file is missing."""
    try:
        return STATEMENT.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("accessibility statement: %s", exc)
        return None


def layout(search: str = "") -> html.Div:
    text = statement_text()
    if text is None:
        return html.Div(
            [
                html.H1(TITLE),
                html.P(
                    "The accessibility statement cannot be shown just now. To report a problem "
                    "with this dashboard's accessibility, contact the Local Family Offer "
                    "monitoring team at DWP."
                ),
            ]
        )
    return html.Div(dcc.Markdown(text, link_target="_self", className="lfo-statement"))

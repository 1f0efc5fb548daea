"""The area profile's "Data challenges" panel (issue 13; service.md § 6): the area's open
challenges, and a "Flag this figure" link beside each key indicator of the period shown, marked
"Challenge open" where one is. Shown only to those who may raise challenges for the area (its LA
leads, programme leads); the callback (``dashboard.callbacks.area_challenges``) decides that per
request and hands in ``present.challenges.AreaChallenges``.
"""

from __future__ import annotations

from typing import Any

from dash import html
from dash.development.base_component import Component

from dashboard.present.challenges import MARK, AreaChallenges, FlagLink

HEADING_ID = "area-challenges-heading"
#: Attributes Dash takes only as keyword arguments spelt with a hyphen.
_LABELLED: dict[str, Any] = {"aria-labelledby": HEADING_ID}


def _flag(flag: FlagLink) -> html.Li:
    parts: list[Component | str] = [
        html.Span(flag.indicator),
        " ",
        html.A("Flag this figure", href=flag.href, className="lfo-flag-link"),
    ]
    if flag.challenged:
        parts += [" ", html.Strong(f"{MARK} Challenge open", className="lfo-challenge-open")]
    return html.Li(parts)


def _open_table(panel: AreaChallenges) -> Component:
    if not panel.open_rows:
        return html.P(f"No figure of {panel.area_name} has an open challenge.")
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col")
                for h in ("Indicator", "Period", "Value shown", "Raised", "State")
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(html.A(r.indicator, href=r.href)),
                    html.Td(r.period),
                    html.Td(r.value),
                    html.Td(r.raised),
                    html.Td(f"{MARK} Challenge open"),
                ]
            )
            for r in panel.open_rows
        ]
    )
    caption = html.Caption(f"Open challenges on {panel.area_name}'s figures")
    return html.Table([caption, head, body], className="table table-sm")


def panel(content: AreaChallenges | None) -> Component | None:
    """The panel, or nothing (for those who may not raise challenges for the area)."""
    if content is None:
        return None
    flags: list[Component] = []
    if content.flags:
        flags = [
            html.Details(
                [
                    html.Summary(f"Flag a figure of {content.period} as looking wrong"),
                    html.Ul([_flag(f) for f in content.flags], className="lfo-flag-list"),
                ],
                open=any(f.challenged for f in content.flags),
            )
        ]
    return html.Section(
        [
            html.H2("Data challenges", id=HEADING_ID),
            _open_table(content),
            *flags,
            html.P(html.A("Every challenge on this area, with its answer", href=content.all_href)),
        ],
        **_LABELLED,
        className="lfo-area-challenges",
    )

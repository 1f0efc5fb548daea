"""The area profile's data challenges panel (issue 13): per person and per request, never from
a shared cache. Whether the request's principal may raise challenges for the area is asked of
``lfo.access.policy`` (its LA leads and programme leads; anyone else gets nothing), and the open
challenges are read fresh (``queries.open_challenges``)."""

from __future__ import annotations

import logging

from dash import Dash, Input, Output
from dash.development.base_component import Component

from dashboard import ids
from dashboard.callbacks import bound
from dashboard.callbacks.area_views import checked_text, shown_area
from dashboard.layouts import area_challenges as layout
from dashboard.present import area as present
from dashboard.present import challenges as words
from dashboard.services import Services, queries
from dashboard.services.database import READ_ERRORS
from dashboard.web.principal import current
from lfo.access.policy import decide

log = logging.getLogger(__name__)


def update_area_challenges(
    services: Services, period: str | None, shown: object
) -> Component | None:
    """The panel for the area and the period select's value, or nothing."""
    period = checked_text(period)
    area = shown_area(services, shown)
    code = area["code"]
    if not decide(current(), "raise_challenge", code).allowed:
        return None
    try:
        chosen = present.view(area, None, period, services.data.periods()).period
        open_ones = queries.open_challenges(services.db, code)
    except READ_ERRORS as exc:
        log.warning("area profile, challenges: %s", exc)
        return None
    spine = [(i, present.spine_label(i)) for i in present.SPINE_INDICATORS]
    content = words.area_challenges(code, str(area["name"]), chosen, open_ones, spine)
    return layout.panel(content)


def register(app: Dash, services: Services) -> None:
    app.callback(
        Output(ids.AREA_CHALLENGES, "children"),
        Input(ids.AREA_PERIOD, "value"),
        Input(ids.AREA_SHOWN, "data"),
    )(bound(update_area_challenges, services))

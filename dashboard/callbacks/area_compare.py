"""The area profile's areas to compare with, chosen in the shared area picker
(``callbacks.area_picker``, ``layouts.area_picker``; its key ``ids.AREA_PICKER``), attached by
``register`` (called from ``callbacks.area.register``).

``update_area_choice``: an area typed, removed, or a quick pick (similar areas: the shown
area's statistical neighbours; the areas worse than the programme on the trend chart's
indicator for the period and level shown; every area of a region; clear). The area shown is
never one of them. Its value, the Store ``ids.AREA_COMPARE``, feeds the spine, the trend and
the address (``callbacks.area``) as the old checkboxes did; every callback checks its codes
against the server's areas (``area_views.checked_compare``).
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import area_picker, bound
from dashboard.callbacks.area_views import checked_text, shown_area
from dashboard.present import area as present
from dashboard.present import topic_picker as picker
from dashboard.present.confidence import checked as checked_ci
from dashboard.present.confidence import level_words
from dashboard.present.topic_filters import period_in_words
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS

log = logging.getLogger(__name__)


def update_area_choice(services: Services, *values: object) -> tuple[Any, Any, Any]:
    """The areas to compare with after a reader's action in the picker (the shared picker's
    ``area_picker.choose``): similar areas are the shown area's statistical neighbours, the
    areas worse than the programme those on the trend chart's indicator for the period and
    level shown; the area shown is never one of them."""
    typed, current, region, shown, period, ci, indicator_id = values[7:14]
    if ctx.triggered_id is None or not area_picker.clicked():
        raise PreventUpdate
    try:
        area = shown_area(services, shown)
    except READ_ERRORS as exc:
        log.warning("area profile, picker: %s", exc)
        raise PreventUpdate from exc
    areas, chosen = area_picker.checked_areas(services.data, current)
    code = area["code"]

    def worse(_chosen: list[str]) -> tuple[list[str], str]:
        return _worse(services, area, checked_text(period), checked_ci(ci), indicator_id)

    return area_picker.choose(
        ids.AREA_PICKER, areas, chosen, (typed, region), similar_to=code, worse=worse, shown=code
    )


def _worse(
    services: Services, area: dict[str, Any], period: str | None, ci: str, indicator_id: object
) -> tuple[list[str], str]:
    """The areas worse than the programme on the trend chart's indicator (checked against the
    catalogue: ``present.trend_choice``) for the period and level shown, and those in words."""
    data = services.data
    chosen = present.trend_choice(checked_text(indicator_id))
    v = present.view(area, None, period, data.periods())
    where = f"{present.spine_label(chosen)}, {period_in_words(v.period)}, {level_words(ci)}"
    if v.period is None:
        return [], where
    try:
        rows = data.rows([chosen], periods=[v.period], ci=float(ci)).rows
    except READ_ERRORS as exc:
        log.warning("area profile, worse than the programme: %s", exc)
        raise PreventUpdate from exc
    return picker.worse_codes(rows), where


def register(app: Dash, services: Services) -> None:
    """Attach the profile's picker: its actions and the chosen areas' list."""
    app.callback(
        *area_picker.outputs(ids.AREA_PICKER),
        *area_picker.trigger_inputs(ids.AREA_PICKER),
        *area_picker.value_states(ids.AREA_PICKER),
        State(ids.AREA_SHOWN, "data"),
        State(ids.AREA_PERIOD, "value"),
        State(ids.AREA_CI, "value"),
        State(ids.AREA_INDICATOR, "value"),
        prevent_initial_call=True,
    )(bound(update_area_choice, services))
    area_picker.register_chosen_list(app, services.data, ids.AREA_PICKER)

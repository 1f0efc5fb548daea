"""The topic pages' area picker (issue 11 § 8), attached per page by ``register`` (called from
``callbacks.topic.register_topic``).

``update_area_choice`` adds the area typed (Enter or Add), removes one (its Remove button), or
applies a quick pick (clear; the areas worse than the programme on the indicator shown; every
area of a region; similar areas: the first chosen area's statistical neighbours);
``update_chosen_list`` draws the chosen areas with their Remove buttons.

What the browser sends is only ever looked up in the server's lists: the typed text against the
areas' names and codes (``topic_picker.find_area``), the chosen codes and the region against
the areas (``inputs``), the indicator and filters through ``topic_filters.checked_filters``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import bound, inputs
from dashboard.layouts import topic as layout
from dashboard.present import topic_picker as picker
from dashboard.present.confidence import level_words
from dashboard.present.topic_filters import (
    Topic,
    checked_filters,
    filters_from_inputs,
    period_in_words,
)
from dashboard.present.topic_rows import the_period
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.indicator_data import IndicatorData, indicator

if TYPE_CHECKING:  # a type hint only: the callbacks need no pandas of their own
    import pandas as pd

log = logging.getLogger(__name__)


def _clicked() -> bool:
    """Whether the callback was started by a click (not by a button appearing)."""
    return any(t.get("value") for t in ctx.triggered)


def update_area_choice(data: IndicatorData, topic: Topic, *values: object) -> tuple[Any, Any, Any]:
    """The chosen areas after the reader's action, the text box (emptied after an area is
    added) and a status line saying what happened."""
    typed, current, region = values[7:10]  # after the seven buttons' clicks
    filter_values = values[10:]
    trigger = ctx.triggered_id
    if trigger is None or not _clicked():
        raise PreventUpdate
    areas, chosen, names = _areas_and_chosen(data, topic, current)
    known = set(names)
    try:
        typed_text = inputs.text(typed)
        region_text = inputs.text(region)
    except inputs.NotRecognised:
        raise PreventUpdate from None
    p = topic.part
    if trigger in (p("area-add"), p("area-search")):
        code = picker.find_area(typed_text, areas)
        if code is None:
            shown = (typed_text or "").strip()[:40]
            message = (
                f"No programme area is called ‘{shown}’: choose a name from the list."
                if shown
                else "Type an area's name first."
            )
            return no_update, no_update, message
        return list(picker.added(chosen, [code])), "", f"Added {names[code]}."
    if trigger == p("quick-none"):
        return [], no_update, "Cleared: the programme only."
    if trigger == p("quick-region"):
        codes = picker.region_codes(areas, region_text)
        if not codes:
            return no_update, no_update, "Choose a region first."
        return list(picker.added(chosen, codes)), no_update, f"Added the areas of {region_text}."
    if trigger == p("quick-worse"):
        return _worse(data, topic, chosen, names, filter_values)
    if trigger == p("quick-neighbours"):
        if not chosen:
            return no_update, no_update, "Choose an area first: similar areas are its neighbours."
        codes = [c for c in picker.neighbour_codes(chosen[0], areas) if c in known]
        return (
            list(picker.added(chosen, codes)),
            no_update,
            f"Added areas similar to {names[chosen[0]]}.",
        )
    if isinstance(trigger, dict) and trigger.get("type") == ids.TOPIC_AREA_REMOVE_TYPE:
        code = trigger.get("code")
        if code in chosen:
            return [c for c in chosen if c != code], no_update, f"Removed {names[str(code)]}."
    raise PreventUpdate


def _worse(
    data: IndicatorData,
    topic: Topic,
    chosen: list[str],
    names: dict[str, str],
    filter_values: tuple[object, ...],
) -> tuple[Any, Any, Any]:
    """The quick pick "areas worse than the programme" on the indicator, period, level and
    filters the page shows."""
    try:
        choice, period, ci, *optional = (inputs.text(v) for v in filter_values)
    except inputs.NotRecognised:
        raise PreventUpdate from None
    f = filters_from_inputs(topic, choice, None, None, None, period, ci, optional)
    f = checked_filters(topic, f, set(names), data.periods())
    ind = indicator(topic.indicator_id(f.indicator, f.measure))
    rows = data.rows(
        [ind.id],
        ci=f.ci_level,
        intervention=f.intervention,
        level=f.level,
        periods=the_period(f),
    ).rows
    codes = picker.worse_codes(rows)
    where = f"{ind.name}, {period_in_words(f.period)}, {level_words(f.ci)}"
    if not codes:
        return no_update, no_update, f"No area is worse than the programme on {where}."
    return (
        list(picker.added(chosen, codes)),
        no_update,
        f"Added the {len(codes)} areas worse than the programme on {where}.",
    )


def update_chosen_list(data: IndicatorData, topic: Topic, chosen: object) -> list[Any]:
    """The chosen areas, each with its Remove button."""
    _areas, codes, names = _areas_and_chosen(data, topic, chosen)
    return layout.chosen_areas(topic, codes, names)


def _areas_and_chosen(
    data: IndicatorData, topic: Topic, chosen: object
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """The server's areas, the chosen codes checked against them, and each area's name; no
    update for codes it does not know or a database it cannot read."""
    try:
        areas = data.areas()
        codes = inputs.codes(chosen, set(areas["area_code"]), picker.MAX_CHOSEN)
    except inputs.NotRecognised:
        raise PreventUpdate from None
    except READ_ERRORS as exc:
        log.warning("%s area picker: %s", topic.key, exc)
        raise PreventUpdate from exc
    return areas, codes, dict(zip(areas["area_code"], areas["area_name"], strict=True))


def register(app: Dash, services: Services, topic: Topic) -> None:
    """Attach the picker's callbacks of ``topic``."""
    p, data = topic.part, services.data
    app.callback(
        Output(p("areas"), "data", allow_duplicate=True),
        Output(p("area-search"), "value"),
        Output(p("area-status"), "children"),
        Input(p("area-add"), "n_clicks"),
        Input(p("area-search"), "n_submit"),
        Input(p("quick-none"), "n_clicks"),
        Input(p("quick-worse"), "n_clicks"),
        Input(p("quick-region"), "n_clicks"),
        Input(p("quick-neighbours"), "n_clicks"),
        Input(ids.topic_area_remove(topic.key, ALL), "n_clicks"),
        State(p("area-search"), "value"),
        State(p("areas"), "data"),
        State(p("region"), "value"),
        State(p("indicator"), "value"),
        State(p("period"), "value"),
        State(p("ci"), "value"),
        *[State(p(o), "value") for o in topic.optional],
        prevent_initial_call=True,
    )(bound(update_area_choice, data, topic))
    app.callback(Output(p("chosen"), "children"), Input(p("areas"), "data"))(
        bound(update_chosen_list, data, topic)
    )

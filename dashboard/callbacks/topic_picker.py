"""The topic pages' area picker (issue 11 § 8), attached per page by ``register`` (called from
``callbacks.topic.register_topic``): the shared picker (``callbacks.area_picker``) with what
only a topic page knows, the areas worse than the programme on the indicator, period, level
and filters shown (checked through ``topic_filters.checked_filters``), and similar areas as
the first chosen area's statistical neighbours.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, State, ctx
from dash.exceptions import PreventUpdate

from dashboard.callbacks import area_picker, bound, inputs
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
from dashboard.services.indicator_data import IndicatorData, indicator


def update_area_choice(data: IndicatorData, topic: Topic, *values: object) -> tuple[Any, Any, Any]:
    """The chosen areas after the reader's action, the text box (emptied after an area is
    added) and a status line saying what happened (``area_picker.choose``; similar areas: the
    first chosen area's neighbours)."""
    typed, current, region = values[7:10]  # after the seven buttons' clicks
    filter_values = values[10:]
    if ctx.triggered_id is None or not area_picker.clicked():
        raise PreventUpdate
    areas, chosen = area_picker.checked_areas(data, current)
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))

    def worse(_chosen: list[str]) -> tuple[list[str], str]:
        return _worse(data, topic, names, filter_values)

    return area_picker.choose(
        topic.key,
        areas,
        chosen,
        (typed, region),
        similar_to=chosen[0] if chosen else None,
        worse=worse,
    )


def _worse(
    data: IndicatorData,
    topic: Topic,
    names: dict[str, str],
    filter_values: tuple[object, ...],
) -> tuple[list[str], str]:
    """The quick pick "areas worse than the programme" on the indicator, period, level and
    filters the page shows: the codes, and those choices in words."""
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
    return picker.worse_codes(rows), f"{ind.name}, {period_in_words(f.period)}, {level_words(f.ci)}"


def register(app: Dash, services: Services, topic: Topic) -> None:
    """Attach the picker's callbacks of ``topic``."""
    p, data = topic.part, services.data
    app.callback(
        *area_picker.outputs(topic.key),
        *area_picker.trigger_inputs(topic.key),
        *area_picker.value_states(topic.key),
        State(p("indicator"), "value"),
        State(p("period"), "value"),
        State(p("ci"), "value"),
        *[State(p(o), "value") for o in topic.optional],
        prevent_initial_call=True,
    )(bound(update_area_choice, data, topic))
    area_picker.register_chosen_list(app, data, topic.key)

"""The area picker's callbacks (issue 11 § 8), shared by every page that has one
(``layouts.area_picker``): the topic pages (``callbacks.topic_picker``) and the area profile
(``callbacks.area``).

``choose`` is what a reader's action does to the chosen areas: add the area typed (Enter or
Add), remove one (its Remove button), or apply a quick pick (clear; the areas worse than the
programme, as the page works them out; every area of a region; similar areas: the statistical
neighbours of the area the page names). ``chosen_list`` draws the chosen areas.

What the browser sends is only ever looked up in the server's lists: the typed text against
the areas' names and codes (``topic_picker.find_area``), the chosen codes and the region
against the areas (``inputs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import bound, inputs
from dashboard.layouts import area_picker as layout
from dashboard.present import topic_picker as picker
from dashboard.services.database import READ_ERRORS

if TYPE_CHECKING:  # a type hint only: the callbacks need no pandas of their own
    import pandas as pd

    from dashboard.services.indicator_data import IndicatorData

log = logging.getLogger(__name__)

#: The worse-than-the-programme quick pick of a page: the chosen codes in, the areas worse (in
#: the page's order) and the words saying on what; (no codes, words): none is worse.
Worse = Callable[[list[str]], tuple[list[str], str]]


def clicked() -> bool:
    """Whether the callback was started by a click (not by a button appearing)."""
    return any(t.get("value") for t in ctx.triggered)


def trigger_inputs(key: str) -> list[Input]:
    """The picker's actions, in the order ``choose`` expects none of (it reads ``ctx``)."""
    p = ids.topic_part
    return [
        Input(p(key, "area-add"), "n_clicks"),
        Input(p(key, "area-search"), "n_submit"),
        Input(p(key, "quick-none"), "n_clicks"),
        Input(p(key, "quick-worse"), "n_clicks"),
        Input(p(key, "quick-region"), "n_clicks"),
        Input(p(key, "quick-neighbours"), "n_clicks"),
        Input(ids.topic_area_remove(key, ALL), "n_clicks"),
    ]


def value_states(key: str) -> list[State]:
    """The text typed, the chosen areas and the region select (``choose``'s ``typed``,
    ``current``, ``region``)."""
    p = ids.topic_part
    return [
        State(p(key, "area-search"), "value"),
        State(p(key, "areas"), "data"),
        State(p(key, "region"), "value"),
    ]


def outputs(key: str) -> list[Output]:
    """The chosen areas (another callback writes them too: the address), the text box and the
    status line."""
    p = ids.topic_part
    return [
        Output(p(key, "areas"), "data", allow_duplicate=True),
        Output(p(key, "area-search"), "value"),
        Output(p(key, "area-status"), "children"),
    ]


def choose(
    key: str,
    areas: pd.DataFrame,
    chosen: list[str],
    values: tuple[object, object],
    *,
    similar_to: str | None,
    worse: Worse,
    shown: str | None = None,
) -> tuple[Any, Any, Any]:
    """The chosen areas after the reader's action, the text box (emptied after an area is
    added) and a status line saying what happened. ``values``: the text typed and the region
    select's value (the browser's); ``similar_to``: the area whose neighbours "similar areas"
    adds (None: the line says to choose one); ``shown``: an area never chosen (the profile's
    own)."""
    trigger = ctx.triggered_id
    if trigger is None or not clicked():
        raise PreventUpdate
    try:
        typed, region = (inputs.text(v) for v in values)
    except inputs.NotRecognised:
        raise PreventUpdate from None
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))

    def add(codes: list[str], message: str) -> tuple[Any, Any, Any]:
        kept = [c for c in codes if c in names and c != shown]
        return list(picker.added(chosen, kept)), no_update, message

    if trigger in (ids.topic_part(key, "area-add"), ids.topic_part(key, "area-search")):
        code = picker.find_area(typed, areas)
        if code is None:
            text = (typed or "").strip()[:40]
            return no_update, no_update, _not_found(text)
        if code == shown:
            return (
                no_update,
                "",
                f"{names[code]} is the area shown: the others are compared with it.",
            )
        return list(picker.added(chosen, [code])), "", f"Added {names[code]}."
    part = trigger.removeprefix(f"{key}-") if isinstance(trigger, str) else None
    if part == "quick-none":
        return [], no_update, "Cleared: the programme only."
    if part == "quick-region":
        codes = picker.region_codes(areas, region)
        if not codes:
            return no_update, no_update, "Choose a region first."
        return add(codes, f"Added the areas of {region}.")
    if part == "quick-worse":
        codes, where = worse(chosen)
        if not codes:
            return no_update, no_update, f"No area is worse than the programme on {where}."
        return add(codes, f"Added the {len(codes)} areas worse than the programme on {where}.")
    if part == "quick-neighbours":
        if similar_to is None:
            return no_update, no_update, "Choose an area first: similar areas are its neighbours."
        codes = picker.neighbour_codes(similar_to, areas)
        name = names.get(similar_to, similar_to)
        if not codes:  # an area without a deprivation rank has no neighbours
            return no_update, no_update, f"{name} has no statistical neighbours to add."
        return add(codes, f"Added areas similar to {name}.")
    if isinstance(trigger, dict) and trigger.get("type") == ids.TOPIC_AREA_REMOVE_TYPE:
        code = trigger.get("code")
        if code in chosen:
            return [c for c in chosen if c != code], no_update, f"Removed {names[str(code)]}."
    raise PreventUpdate


def _not_found(text: str) -> str:
    if not text:
        return "Type an area's name first."
    return f"No programme area is called ‘{text}’: choose a name from the list."


def checked_areas(data: IndicatorData, current: object) -> tuple[pd.DataFrame, list[str]]:
    """The server's areas and the chosen codes checked against them; no update for codes it
    does not know or a database it cannot read."""
    try:
        areas = data.areas()
        codes = inputs.codes(current, set(areas["area_code"]), picker.MAX_CHOSEN)
    except inputs.NotRecognised:
        raise PreventUpdate from None
    except READ_ERRORS as exc:
        log.warning("area picker: %s", exc)
        raise PreventUpdate from exc
    return areas, codes


def chosen_list(data: IndicatorData, key: str, current: object) -> list[Any]:
    """The chosen areas, each with its Remove button."""
    areas, codes = checked_areas(data, current)
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    return layout.chosen_areas(key, codes, names)


def register_chosen_list(app: Dash, data: IndicatorData, key: str) -> None:
    """Draw the chosen areas of the picker ``key`` whenever they change."""
    app.callback(
        Output(ids.topic_part(key, "chosen"), "children"),
        Input(ids.topic_part(key, "areas"), "data"),
    )(bound(chosen_list, data, key))

"""The area profile's frame (``/area/<gss_code>``): the heading, the area's facts, the switch and
period selects and the area picker's lists and chosen areas (or the friendly page for an unknown code), for the
address the page was opened at.

It is not a callback: it is the page's ``prefill`` (``dashboard.layouts.Page``), which the router
runs on the server with the layout, so the charts (which take the checkboxes and the shown area
as inputs) are drawn in the first round of callbacks rather than a second one after the frame
came back (issue 11 § 12: the area profile's first draw). ``update_area_frame`` is the whole
frame for a page state; ``prefill`` puts it into the layout.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Output, State, no_update
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.callbacks import inputs
from dashboard.layouts import area as page
from dashboard.layouts import area_picker, dependency_values, fill_outputs, shell
from dashboard.present import area as present
from dashboard.present import area_address as address
from dashboard.present import topic_picker as picker
from dashboard.services import Services, chosen_release_id
from dashboard.services.database import READ_ERRORS

log = logging.getLogger(__name__)


def frame_outputs() -> list[Output]:
    return [
        Output(ids.AREA_HEADING, "children"),
        Output(ids.AREA_HEADER, "children"),
        Output(ids.AREA_NOT_FOUND, "children"),
        Output(ids.AREA_NOT_FOUND, "hidden"),
        Output(ids.AREA_PROFILE, "hidden"),
        Output(ids.AREA_SWITCH, "options"),
        Output(ids.AREA_SWITCH, "value"),
        Output(ids.AREA_PERIOD, "options"),
        Output(ids.AREA_COMPARE, "data"),
        Output(ids.topic_part(ids.AREA_PICKER, "area-options"), "children"),
        Output(ids.topic_part(ids.AREA_PICKER, "region"), "options"),
        Output(ids.topic_part(ids.AREA_PICKER, "region"), "value"),
        Output(ids.AREA_SHOWN, "data"),
        Output(ids.AREA_MESSAGES, "children"),
    ]


def _data_as_at(services: Services) -> object:
    """The data as at of the figures shown (a release's own under a release)."""
    try:
        return services.data_as_at()
    except READ_ERRORS:
        return None


def update_area_frame(services: Services, state: dict[str, Any] | None) -> list[Any]:
    """Every output of ``frame_outputs`` for the page state (code and raw query)."""
    state = state if isinstance(state, dict) else {}
    code, search = state.get("code"), state.get("search")
    if code is not None and not isinstance(code, str):
        code = ""
    code = code if code is None else code[: inputs.MAX_TEXT]  # no code is longer
    parsed = urlstate.parse_query(search, address.PARAMS)
    messages = [*parsed.messages, *present.code_messages(code)]
    try:
        data = services.data  # a release's own areas (names, regions) under a release
        areas = data.area_list()
        if code is None or code not in set(areas["area_code"]):
            heading = "Choose an area" if code is None else "Area not found"
            not_found = page.not_found(code or None, areas, chosen_release_id())
            banner = shell.messages_banner(messages)
            nothing: list[Any] = [[], [], [], None]  # the picker: no areas to choose from
            return [
                heading,
                None,
                not_found,
                False,
                True,
                [],
                None,
                no_update,
                *nothing,
                None,
                banner,
            ]
        shown = present.area_frame(
            code,
            address.control_values(parsed)[0],
            areas,
            data.areas(),
            data.periods(),
            data.latest_quarter(),
            _data_as_at(services),
        )
    except READ_ERRORS as exc:
        log.warning("area profile: %s", exc)
        return [no_update, page.unavailable(), *[no_update] * (len(frame_outputs()) - 2)]
    return [
        shown.heading,
        page.header(shown.facts),
        None,
        True,
        False,
        shown.switch_options,
        code,
        shown.period_options,
        list(shown.ticked),
        area_picker.suggestions(picker.suggestions(areas)),
        [{"label": r, "value": r} for r in picker.regions(areas)],
        shown.region,
        {"code": code},  # the page keeps only the code; the server looks the rest up
        shell.messages_banner([*messages, *shown.messages]),
    ]


def prefill(services: Services, layout: Component) -> str | None:
    """The page's first state filled into ``layout`` (``update_area_frame`` for its address, as
    the layout's ``AREA_STATE`` store holds it); the document title: the heading (the area's
    name, or why there is none)."""
    (state,) = dependency_values(layout, [State(ids.AREA_STATE, "data")])
    values = update_area_frame(services, state if isinstance(state, dict) else None)
    fill_outputs(layout, frame_outputs(), values)
    heading = values[0]
    return heading if isinstance(heading, str) and heading else None

"""The area profile's cards drawn with the first layout of a page opened at its address.

It is not a callback: it is the page's ``first_draw`` (``dashboard.layouts.Page``), which runs on
the server after the frame's ``prefill`` (``area_frame``), for a page opened at its address only
(``dashboard.callbacks.initial_layout``). Each card's callback (``area.CARDS``) is run with the
values the prefilled layout holds, as the browser would send them, and its answer is put into the
layout: the browser draws the charts with the layout, instead of after a round of callbacks
(issue 11 § 12: the area profile's first draw).

The cards' callbacks still fire when the page loads (Dash fires every callback whose inputs are
in a new layout); each finds its card's view key already that of its values and answers nothing
(``area_views.unless_drawn``). A page reached through the router is not drawn here: the router's
one request would then do every card's work in turn, and the cards' callbacks draw them in
parallel instead.
"""

from __future__ import annotations

from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard.callbacks.area import CARDS
from dashboard.layouts import dependency_values, fill_outputs
from dashboard.services import Services


def first_draw(services: Services, layout: Component) -> None:
    """Every card of ``layout`` (the prefilled area profile) drawn into it; a card whose
    callback would not draw (no known area shown) is left for the browser's callbacks."""
    for outputs, inputs_, function in CARDS:
        args = dependency_values(layout, inputs_)  # (its own view store is still empty)
        try:
            answer = function(services, *args)
        except PreventUpdate:
            continue
        fill_outputs(layout, outputs, answer)

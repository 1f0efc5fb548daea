"""Page layouts. Each page is a ``Page``: its path, title, navigation label and layout function.

A layout function takes only defaulted arguments (``search``, the raw query string, is passed by
the router) and does no database work: data is fetched by the page's callbacks. A page whose
first state needs the database before its charts can be drawn (the area profile: the area's
heading, facts and comparison checklists, which the charts take as inputs) has a ``prefill``,
which the router runs on the server with the layout, so the page draws in one round of callbacks
(``dashboard.callbacks.route``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dash.development.base_component import Component

if TYPE_CHECKING:
    from dash import Dash

    from dashboard.services import Services


@dataclass(frozen=True)
class Page:
    """One page of the dashboard.

    ``title`` is the page's document title (the service name is appended) and usually its h1;
    ``register(app, services)``, if given, attaches the page's callbacks to ``app``;
    ``prefill(services, layout)``, if given, fills the page's first state into the layout it is
    given (from the database) and returns the document title for it (None: ``title``).
    """

    path: str
    title: str
    nav_label: str
    layout: Callable[..., Component]
    register: Callable[[Dash, Services], None] | None = None
    in_nav: bool = True
    prefill: Callable[[Services, Component], str | None] | None = None


def set_props(root: Component, values: Mapping[tuple[object, str], object]) -> None:
    """Set ``values`` (by component id and property) on the components of ``root``'s tree."""
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not isinstance(node, Component):
            continue
        ident = getattr(node, "id", None)
        for (cid, prop), value in values.items():
            if ident == cid:
                setattr(node, prop, value)
        stack.append(getattr(node, "children", None))

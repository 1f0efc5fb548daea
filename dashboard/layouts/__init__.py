"""Page layouts. Each page is a ``Page``: its path, title, navigation label and layout function.

A layout function takes only defaulted arguments (``search``, the raw query string, is passed by
the router) and does no database work: data is fetched by the page's callbacks. A page whose
first state needs the database before its charts can be drawn (the area profile: the area's
heading, facts and comparison checklists, which the charts take as inputs) has a ``prefill``,
which the router runs on the server with the layout, so the page draws in one round of callbacks
(``dashboard.callbacks.route``). Such a page may also have a ``first_draw``, which fills its charts
into the layout of a page opened at its address (``dashboard.callbacks.initial_layout``), so they
are drawn with the layout, before any callback has answered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dash import no_update
from dash.dependencies import DashDependency
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
    given (from the database) and returns the document title for it (None: ``title``);
    ``first_draw(services, layout)``, if given, fills the page's charts into the prefilled layout
    of a page opened at its address (not one reached through the router: see
    ``dashboard.callbacks.area_first``).
    """

    path: str
    title: str
    nav_label: str
    layout: Callable[..., Component]
    register: Callable[[Dash, Services], None] | None = None
    in_nav: bool = True
    prefill: Callable[[Services, Component], str | None] | None = None
    first_draw: Callable[[Services, Component], None] | None = None


def id_key(component_id: object) -> Hashable:
    """A component id as a key of ``set_props``'s and ``get_props``'s mappings (a dict id, as
    the chart kit's pattern ids, as its sorted items)."""
    if isinstance(component_id, dict):
        return tuple(sorted(component_id.items()))
    return component_id if isinstance(component_id, Hashable) else repr(component_id)


def _components(root: Component) -> Iterator[tuple[Hashable, Component]]:
    """Every component of ``root``'s tree, with its id's key (``id_key``)."""
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not isinstance(node, Component):
            continue
        yield id_key(getattr(node, "id", None)), node
        stack.append(getattr(node, "children", None))


def set_props(root: Component, values: Mapping[tuple[Hashable, str], object]) -> None:
    """Set ``values`` (by component id, ``id_key``, and property) on the components of
    ``root``'s tree."""
    for ident, node in _components(root):
        for (cid, prop), value in values.items():
            if ident == cid:
                setattr(node, prop, value)


def get_props(
    root: Component, wanted: Iterable[tuple[Hashable, str]]
) -> dict[tuple[Hashable, str], object]:
    """The values of ``wanted`` (component id, ``id_key``, and property) in ``root``'s tree, as
    the browser would send them to a callback: None for a property not set (or a component not
    found)."""
    wanted = set(wanted)
    found: dict[tuple[Hashable, str], object] = dict.fromkeys(wanted)
    for ident, node in _components(root):
        for cid, prop in wanted:
            if ident == cid:
                found[cid, prop] = getattr(node, prop, None)
    return found


def dependency_values(root: Component, dependencies: Sequence[DashDependency]) -> list[object]:
    """The values a callback with these inputs and states would be sent for ``root``'s tree,
    in order (``get_props``)."""
    keys = [(id_key(d.component_id), d.component_property) for d in dependencies]
    found = get_props(root, keys)
    return [found[k] for k in keys]


def fill_outputs(
    root: Component, outputs: Sequence[DashDependency], values: Sequence[object]
) -> None:
    """A callback's answer (``values`` for ``outputs``) put into ``root``'s tree, as the browser
    would put it (``no_update`` left as it is)."""
    set_props(
        root,
        {
            (id_key(o.component_id), o.component_property): v
            for o, v in zip(outputs, values, strict=True)
            if v is not no_update
        },
    )

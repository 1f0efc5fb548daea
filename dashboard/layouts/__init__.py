"""Page layouts. Each page is a ``Page``: its path, title, navigation label and layout function.

A layout function takes only defaulted arguments (``search``, the raw query string, is passed by
the router) and does no database work: data is fetched by the page's callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
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
    ``register(app, services)``, if given, attaches the page's callbacks to ``app``.
    """

    path: str
    title: str
    nav_label: str
    layout: Callable[..., Component]
    register: Callable[[Dash, Services], None] | None = None
    in_nav: bool = True

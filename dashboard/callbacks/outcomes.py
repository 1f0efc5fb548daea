"""Callbacks of the Outcomes page: the shared topic callbacks (``dashboard.callbacks.topic``) with
the page's own charts (``dashboard.present.outcomes``)."""

from __future__ import annotations

from dash import Dash

from dashboard.callbacks.topic import register_topic
from dashboard.layouts import outcomes as page
from dashboard.present import outcomes as present
from dashboard.services import Services


def register(app: Dash, services: Services) -> None:
    """Attach the Outcomes page's callbacks to ``app``."""
    register_topic(app, services, page.TOPIC, present.EXTRAS)

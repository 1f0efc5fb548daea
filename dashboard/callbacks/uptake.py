"""Callbacks of the Uptake page: the shared topic callbacks (``dashboard.callbacks.topic``) with
the page's own charts (``dashboard.present.uptake``)."""

from __future__ import annotations

from dash import Dash

from dashboard.callbacks.topic import register_topic
from dashboard.layouts import uptake as page
from dashboard.present import uptake as present
from dashboard.services import Services


def register(app: Dash, services: Services) -> None:
    """Attach the Uptake page's callbacks to ``app``."""
    register_topic(app, services, page.TOPIC, present.EXTRAS)

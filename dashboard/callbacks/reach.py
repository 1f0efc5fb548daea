"""Callbacks of the Reach page: the shared topic callbacks (``dashboard.callbacks.topic``) with
the page's own charts (``dashboard.present.reach``)."""

from __future__ import annotations

from dash import Dash

from dashboard.callbacks.topic import register_topic
from dashboard.layouts import reach as page
from dashboard.present import reach as present
from dashboard.services import Services


def register(app: Dash, services: Services) -> None:
    """Attach the Reach page's callbacks to ``app``."""
    register_topic(app, services, page.TOPIC, present.EXTRAS)

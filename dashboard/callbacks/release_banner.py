"""The banner above every figures page saying what its figures are (service.md § 7): a release
(when published, data as at, and whether a later release has been published since, with a link to
the latest), or the live figures, provisional, for those who see them."""

from __future__ import annotations

from dash import html
from dash.development.base_component import Component

from dashboard.present.choices import with_release
from dashboard.services import Services, chosen_release
from dashboard.services.database import READ_ERRORS

CLASS = "lfo-release-banner"


def release_banner(services: Services, *, figures: bool, here: str = "") -> Component | None:
    """The banner for the current request (None on pages without figures); ``here``: the page's
    address (path and query), which the link to a later release keeps, with that release."""
    if not figures:
        return None
    release = chosen_release()
    if release is None:
        return html.Div(
            [
                html.Strong("Provisional: "),
                "live figures, revised as each return is loaded. Figures to quote are in the ",
                html.A("published releases", href="/releases"),
                ".",
            ],
            className=CLASS,
            role="note",
        )
    try:
        latest = services.releases.latest()
    except READ_ERRORS:
        latest = None
    as_at = "" if release.data_as_at is None else f"; data as at {release.data_as_at:%d %B %Y}"
    parts: list[Component | str] = [
        html.Strong(f"Release {release.release_id}: "),
        f"published {release.published_at:%d %B %Y}{as_at}. ",
        html.A("About this release", href=f"/releases/{release.release_id}"),
        ".",
    ]
    if latest is not None and latest.release_id != release.release_id:
        parts += [
            f" A later release, {latest.release_id}, was published on "
            f"{latest.published_at:%d %B %Y}: figures may have been revised since. ",
            html.A(f"See release {latest.release_id}", href=with_release(here, latest.release_id)),
            ".",
        ]
    return html.Div(parts, className=CLASS, role="note")

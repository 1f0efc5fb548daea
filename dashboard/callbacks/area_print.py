"""The area profile's figures for print (``/area/<gss>/profile.pdf``, ``dashboard.web.profile_pdf``):
the same spine and trend the page draws, built by the same steps (``area_views``) for choices the
server has already checked.

``profile_figures`` is the one place the PDF's figures are read: from the release the gate chose
for the request (``dashboard.web.release_choice``: the address's ``release``, checked against the
releases table), else the live figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.callbacks import area_views
from dashboard.charts.content import ChartContent
from dashboard.present import area as present
from dashboard.present import area_spine
from dashboard.services import Services, chosen_release
from dashboard.services.database import READ_ERRORS


class NoSuchRelease(LookupError):
    """The release named is not one the server can read."""


@dataclass(frozen=True)
class ProfileFigures:
    """What the PDF shows: the area's name and view (period resolved, benchmark, level), the
    spine (chart, table, notes), the trend chart, and when the data were last loaded."""

    view: present.View
    spine: area_spine.Spine
    trend: ChartContent
    data_as_at: object


def profile_figures(
    services: Services,
    code: str,
    period: str | None,
    ci: str,
    benchmark: str,
    indicator: str,
    trend: str,
    release: str | None = None,
) -> ProfileFigures:
    """The profile's figures for area ``code`` (a programme area), ``period`` (a period with
    data, or None for the page's opening period) and the checked choices; ``release`` None: the
    live figures; another must be the release the gate chose (else ``NoSuchRelease``)."""
    chosen = chosen_release()
    asked = None if release is None else release.strip()
    if asked is not None and (chosen is None or asked not in (chosen.release_id, "latest")):
        raise NoSuchRelease(asked)
    area = area_views.shown_area(services, {"code": code})
    view = area_views.chosen_view(services, area, None, period, ci, benchmark)
    spine = area_views.spine_chart(services, area, None, period, ci, benchmark)
    trend_content = area_views.trend_chart(
        services, area, None, period, indicator, ci, trend, benchmark
    )
    try:
        as_at = services.data_as_at()
    except READ_ERRORS:
        as_at = None
    return ProfileFigures(view, spine, trend_content, as_at)

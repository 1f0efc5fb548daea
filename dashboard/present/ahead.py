"""The results made ahead beyond every indicator's standard ones: the one list.

A served process (or the results maker, ``dashboard.services.results_maker``) makes every
indicator's standard result at each confidence level ahead; a page whose first draw asks for
more whole results names them here, so that the web processes and the maker make the same ones
(the app factory hands this list to ``Services.create``; the maker builds its services the same
way). Each query carries its own level: a chart with no confidence choice is made at 95% only.
"""

from __future__ import annotations

from dashboard.present.area import spine_ahead
from dashboard.present.area_charts import funnel_ahead
from dashboard.services.indicator_data import WARM_LEVELS
from lfo.indicators.request import Query


def made_ahead(threshold: int) -> list[Query]:
    """The area profile's spine against each group benchmark, at every level a reader can
    choose (``WARM_LEVELS``: each is made ahead); the area funnel's results for each
    intervention (no level to choose: 95%)."""
    return [*spine_ahead(threshold, WARM_LEVELS), *funnel_ahead(threshold)]

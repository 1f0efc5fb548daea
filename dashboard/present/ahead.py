"""The results made ahead beyond every indicator's standard ones: the one list.

A served process (or the results maker, ``dashboard.services.results_maker``) makes every
indicator's standard result at each confidence level ahead; a page whose first draw asks for
more whole results names them here, so that the web processes and the maker make the same ones
(the app factory hands this list to ``Services.create``; the maker builds its services the same
way: ``dashboard.ahead_list.made_ahead_for``). Each query carries its own level: a chart with no
confidence choice is made at 95% only.
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.present.area import spine_ahead
from dashboard.present.area_charts import funnel_ahead
from dashboard.present.benchmark import DEFAULT_BENCHMARK
from dashboard.present.confidence import DEFAULT_CI
from dashboard.present.topic import Extras
from dashboard.present.topic_filters import Filters, Topic, checked_filters, group_choices
from dashboard.services.indicator_data import WARM_LEVELS
from lfo.indicators.definitions import indicators
from lfo.indicators.request import Query


def made_ahead(threshold: int, topics: Sequence[tuple[Topic, Extras]] = ()) -> list[Query]:
    """The area profile's spine against each group benchmark, at every level a reader can
    choose (``WARM_LEVELS``: each is made ahead); the area funnel's results for each
    intervention (no level to choose: 95%); each topic page's results for each intervention
    group (``group_ahead``)."""
    made = [
        *spine_ahead(threshold, WARM_LEVELS),
        *funnel_ahead(threshold),
        *group_ahead(threshold, topics),
    ]
    return list(dict.fromkeys(made))  # (the Uptake page's funnel by intervention is the area's)


def group_ahead(threshold: int, topics: Sequence[tuple[Topic, Extras]]) -> list[Query]:
    """What a topic page with an intervention-group choice draws once a group is chosen: its
    default indicator and its own charts' indicators (``Extras``), for each group (each level
    and each intervention), at the level the page opens at, against the programme. At national
    scale the Outcomes page's first choice of a group made them on use: 1.75 s to draw. (Every
    level and benchmark for every group would be 168 and more whole results, about 1.3 M rows a
    data version: other choices are made when first asked for.)"""
    catalogue = indicators()
    out: list[Query] = []
    for topic, extras in topics:
        if not topic.by_group:
            continue
        f = checked_filters(topic, Filters(indicator=topic.default_indicator), (), ())
        shown = [topic.indicator_id(f.indicator, f.measure), *extras.indicator_ids(f)]
        for group, _label in group_choices()[1:]:  # (every intervention: a standard result)
            chosen = Filters(indicator=f.indicator, group=group)
            out += [
                Query(
                    indicators=(catalogue[i],),
                    intervention=chosen.intervention,
                    level=chosen.level,
                    ci=float(DEFAULT_CI),
                    threshold=threshold,
                    benchmark=DEFAULT_BENCHMARK,
                )
                for i in dict.fromkeys(shown)
            ]
    return out

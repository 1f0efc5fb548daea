"""Every chart of every page, built as its page builds it (the charts' own rebuild functions, as
their downloads do) on the overview's page database (tests/support/page_dbs.py: five quarters,
Blackpool getting worse): its summary keeps the house rules (``support.sentences``: at most two
sentences, every comparison with its confidence level) and names the period the chart shows.
"""

from __future__ import annotations

import pytest
from support.page_dbs import BLACKPOOL, ESSEX, NEWCASTLE, build_overview_db
from support.sentences import assert_house_rules

from dashboard import ids
from dashboard.callbacks import area_views, overview, quality
from dashboard.charts.content import ChartContent
from dashboard.layouts import outcomes, reach, uptake
from dashboard.present import outcomes as present_outcomes
from dashboard.present import reach as present_reach
from dashboard.present import topic as shared
from dashboard.present import uptake as present_uptake
from dashboard.present.topic_filters import Filters
from dashboard.services import Services
from dashboard.settings import DashboardSettings
from lfo.periods import period as parse_period

PERIODS = ("2018-19_Q4", "2018-19")
AREA_CHARTS = (
    ids.AREA_SPINE_CHART,
    ids.AREA_TREND_CHART,
    ids.AREA_FUNNEL_CHART,
    ids.AREA_REACH_CHART,
)


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> Services:
    url = build_overview_db(tmp_path_factory.mktemp("page-summaries") / "lfo.db")
    return Services.create(DashboardSettings(database_url=url))


def check(content: ChartContent, when: str | None = None) -> None:
    assert_house_rules(content.summary)
    if when is not None and not content.empty_message:
        assert when in content.summary, (when, content.summary)


@pytest.mark.parametrize("period", PERIODS)
def test_area_profile_summaries(services, period):
    when = parse_period(period).in_words
    for chart_id in AREA_CHARTS:
        view = {
            "code": BLACKPOOL,
            "compare": [NEWCASTLE, ESSEX],
            "period": period,
            "indicator": "uptake.completion",
            "breakdown": "sex",
        }
        content = area_views.area_chart(services, chart_id, view)
        # the trend draws quarters up to the period: it names them, not the period
        check(content, None if chart_id == ids.AREA_TREND_CHART else when)


@pytest.mark.parametrize("period", PERIODS)
def test_home_ranking_summary(services, period):
    content = overview.overview_chart(services, {"period": period, "sort": None, "order": None})
    check(content, parse_period(period).in_words)


def test_data_quality_summaries(services):
    for chart_id in (ids.QUALITY_COMPLETENESS_CHART, ids.QUALITY_PAIRED_CHART):
        view = {"area": None, "measure": "csi4", "period": "2018-19"}
        check(quality.quality_chart(services, chart_id, view))


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("ci", ["95", "99.8"])
@pytest.mark.parametrize(
    ("topic", "extras"),
    [
        (reach.TOPIC, present_reach.EXTRAS),
        (uptake.TOPIC, present_uptake.EXTRAS),
        (outcomes.TOPIC, present_outcomes.EXTRAS),
    ],
    ids=["reach", "uptake", "outcomes"],
)
def test_topic_page_summaries(services, topic, extras, period, ci):
    measure = {"measure": "csi4"} if topic is outcomes.TOPIC else {}
    for areas in ((), (BLACKPOOL, NEWCASTLE)):
        f = Filters(indicator=topic.default_indicator, period=period, areas=areas, ci=ci, **measure)
        contents = shared.topic_view(services.data, topic, f, extras).contents
        assert contents
        for content in contents:
            assert_house_rules(content.summary, float(ci))

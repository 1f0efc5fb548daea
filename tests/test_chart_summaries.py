"""The house rules of chart summaries (``dashboard.charts.text``), on the engine's own rows from
two page databases (tests/support/page_dbs.py) for every indicator and a quarter and a financial
year: at most two sentences; the period (or periods) named is the one the rows are for; every
sentence that says better, worse, similar, higher or lower names its confidence level.

Sentences are counted by ``support.sentences``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from support.page_dbs import BLACKPOOL, ESSEX, NEWCASTLE, build_overview_db, build_topic_db
from support.sentences import assert_house_rules, sentences

from dashboard.charts import text
from dashboard.present.words import period_label
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import indicators
from lfo.periods import period as parse_period
from lfo.terms import PROGRAMME

#: (a quarter, a financial year) of each page database
PERIODS = {"overview": ("2018-19_Q4", "2018-19"), "topic": ("2018-19_Q1", "2018-19")}
#: the confidence level each database's figures are compared at (both levels, once each)
LEVELS = {"overview": 99.8, "topic": 95.0}


def test_the_sentence_rule_counts_sentences_not_decimal_points():
    assert len(sentences("A was 41.5% (95% CI 35.2 to 47.9). B: [c] suppressed.")) == 2
    assert len(sentences("Of 3 areas, 1 was worse. 2 were similar. The programme: 5.")) == 3


@pytest.fixture(scope="module", params=sorted(PERIODS))
def database(request, tmp_path_factory) -> tuple[str, IndicatorData]:
    build = build_overview_db if request.param == "overview" else build_topic_db
    url = build(tmp_path_factory.mktemp(f"summaries-{request.param}") / "lfo.db")
    return request.param, IndicatorData(Database(url), threshold=10)


def _rows(data: IndicatorData, ind_id: str, period: str, ci: float) -> pd.DataFrame:
    ind = indicators()[ind_id]
    breakdowns = ("sex",) if ind.kind == "breakdown" else None
    return data.rows([ind_id], periods=[period], breakdowns=breakdowns, ci=ci).rows


def test_every_indicators_ranking_sentences_keep_the_rules(database):
    name, data = database
    ci = LEVELS[name]
    checked = 0
    for ind_id, ind in indicators().items():
        for period in PERIODS[name]:
            if not ind.quarters and "_Q" in period:
                continue
            rows = _rows(data, ind_id, period, ci)
            if rows.empty:
                continue
            if ind.kind in ("breakdown", "funnel"):
                summary = text.describe_categories(rows, ind, ci=ci)
                head = f"{ind.name} in {parse_period(period).in_words}."
            else:
                summary = text.describe_ranking(rows, ind, ci=ci)
                head = f"{ind.name} in {parse_period(period).in_words}:"
            assert summary.startswith(head), (summary, head)
            assert_house_rules(summary, ci)
            checked += 1
    assert checked > 60  # every indicator, in a quarter and a year


def test_the_rankings_comparisons_are_the_rows_and_name_the_level(database):
    name, data = database
    rows = _rows(data, "uptake.completion", PERIODS[name][0], 99.8)
    areas = rows[(rows["area_code"] != PROGRAMME) & rows["comparison"].notna()]
    summary = text.describe_ranking(rows, indicators()["uptake.completion"], ci=99.8)
    for word, group in areas.groupby("comparison"):
        assert f"{len(group)} " in summary and str(word) in summary
    if len(areas):
        assert "at 99.8% confidence" in sentences(summary)[0]


@pytest.mark.parametrize("ind_id", ["uptake.completion", "uptake.attendance", "reach.parents"])
def test_trend_summaries_name_the_quarters_drawn_in_two_sentences(database, ind_id):
    _, data = database
    ind = indicators()[ind_id]
    rows = data.rows([ind_id], period_from="2017-18_Q4", period_to="2018-19_Q4").rows
    rows = rows[rows["period"].str.contains("_Q")]
    areas = [BLACKPOOL, NEWCASTLE, ESSEX]
    rows = rows[rows["area_code"].isin([*areas, PROGRAMME])]
    summary = text.describe_trend_lines(rows, ind, areas)
    assert_house_rules(summary, 95)
    drawn = sorted(rows["period"].unique())
    first, last = period_label(drawn[0]), period_label(drawn[-1])
    assert sentences(summary)[0] == f"{ind.name} by quarter, {first} to {last}"

"""The choices every page shares (dashboard.present.choices): the confidence level in the
address and the period a page opens at (issue 11 § 3, § 4). Expected values are written out by
hand from the rule in the module's docstring."""

from __future__ import annotations

import pytest

from dashboard.present import choices, confidence


def test_the_level_in_an_address_defaults_to_95_and_ignores_other_settings():
    assert choices.ci_from_search("") == "95"
    assert choices.ci_from_search(None) == "95"
    assert choices.ci_from_search("?ci=99.8") == "99.8"
    assert choices.ci_from_search("?indicator=uptake.start&ci=99.8&area=E09000008") == "99.8"
    assert choices.ci_from_search("?ci=90") == "95"  # not a level offered
    assert choices.ci_from_search("?ci=<script>") == "95"


def test_links_carry_only_a_level_other_than_the_default():
    assert choices.ci_query("95") == ""
    assert choices.ci_query(None) == ""
    assert choices.ci_query("99.8") == "?ci=99.8"
    assert choices.ci_query("50") == ""  # never a level the pages do not offer
    assert choices.with_ci("/uptake", "95") == "/uptake"
    assert choices.with_ci("/uptake", "99.8") == "/uptake?ci=99.8"
    assert choices.with_ci("/area/E09000008?period=2018-19", "99.8") == (
        "/area/E09000008?period=2018-19&ci=99.8"
    )
    assert choices.with_ci("/reach?ci=95", "99.8") == "/reach?ci=99.8"


def test_the_param_parses_both_levels_and_refuses_others():
    assert confidence.CI.parse("99.8") == "99.8"
    assert confidence.CI.parse("95") == "95"
    with pytest.raises(ValueError):
        confidence.CI.parse("99")


def test_level_words_name_the_level():
    assert confidence.level_words("95") == "95% intervals"
    assert confidence.level_words(99.8) == "99.8% intervals"


PERIODS = [
    *(f"2017-18_Q{q}" for q in range(1, 5)),
    *(f"2018-19_Q{q}" for q in range(1, 5)),
    "2019-20_Q1",
    "2017-18",
    "2018-19",
]


def test_the_default_is_the_latest_year_every_return_covers():
    assert choices.default_period(PERIODS, ["2019-20_Q1"] * 3) == "2018-19"


def test_a_year_only_a_few_early_returns_reach_is_not_the_default():
    # 2018-19 is reached by one return of four: the year before is covered by all four
    returns = ["2018-19_Q4", "2018-19_Q2", "2018-19_Q3", "2018-19_Q1"]
    assert choices.latest_covered_year(PERIODS, returns) == "2017-18"
    # by two of four (half): covered
    returns = ["2018-19_Q4", "2019-20_Q1", "2018-19_Q3", None]
    assert choices.latest_covered_year(PERIODS, returns) == "2018-19"


def test_without_a_year_the_default_is_the_latest_quarter():
    quarters = ["2018-19_Q1", "2018-19_Q2"]
    assert choices.default_period(quarters, ["2018-19_Q2"]) == "2018-19_Q2"
    assert choices.default_period([], []) is None
    # no returns known: the latest year with figures
    assert choices.default_period(PERIODS) == "2018-19"

"""Trend tests over five quarters: hand-worked X², statsmodels cross-checks, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import Table

from lfo.indicators.trend import (
    TrendResult,
    cochran_armitage,
    cochran_armitage_many,
    mean_trend,
    mean_trend_many,
)

T = np.arange(1, 6)


def _linear_by_linear(events, totals) -> tuple[float, float]:
    """statsmodels' M² (and its p) with row scores 1..5 and column scores 0 (no event) / 1 (event)."""
    events, totals = np.asarray(events), np.asarray(totals)
    table = np.column_stack([totals - events, events])
    res = Table(table, shift_zeros=False).test_ordinal_association(
        row_scores=T, col_scores=np.array([0, 1])
    )
    return float(res.zscore) ** 2, float(res.pvalue)


def test_cochran_armitage_hand_worked_increase() -> None:
    # r = 10 15 20 25 40 of 100 each: R = 110, N = 500, p̄ = 0.22, t̄ = 3;
    # Σrt − R·t̄ = 400 − 330 = 70; Σnt² − N·t̄² = 5500 − 4500 = 1000; X² = 4900 / (0.22·0.78·1000)
    result = cochran_armitage([10, 15, 20, 25, 40], [100] * 5)
    assert result.statistic == pytest.approx(4900 / 171.6, rel=1e-12)
    assert result.p_value < 0.002 and result.direction == "increasing"


def test_cochran_armitage_decrease_and_no_significant_change() -> None:
    assert cochran_armitage([40, 25, 20, 15, 10], [100] * 5).direction == "decreasing"
    flat = cochran_armitage([20, 22, 19, 21, 20], [100] * 5)
    assert flat.direction == "no significant change" and flat.p_value > 0.5


def test_a_trend_just_short_of_p_0002_is_not_significant() -> None:
    # p between 0.002 and 0.05: significant at 5% but not at the programme's 0.2%
    result = cochran_armitage([16, 20, 23, 26, 30], [100] * 5)
    assert 0.002 < result.p_value < 0.05
    assert result.direction == "no significant change"


@pytest.mark.parametrize(
    "events,totals",
    [
        ([10, 15, 20, 25, 40], [100, 100, 100, 100, 100]),
        ([3, 9, 4, 12, 30], [50, 80, 40, 90, 120]),
        ([0, 1, 0, 2, 5], [20, 25, 22, 30, 28]),
    ],
)
def test_x2_times_n_minus_1_over_n_equals_statsmodels_linear_by_linear(events, totals) -> None:
    result = cochran_armitage(events, totals)
    n = sum(totals)
    m2, _ = _linear_by_linear(events, totals)
    assert result.statistic * (n - 1) / n == pytest.approx(m2, rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(10, 60)), min_size=5, max_size=5))
def test_statsmodels_identity_holds_for_random_quarters(rows) -> None:
    totals = [n for _, n in rows]
    events = [min(r, n) for r, n in rows]
    result = cochran_armitage(events, totals)
    n = sum(totals)
    if 0 < sum(events) < n:
        m2, _ = _linear_by_linear(events, totals)
        assert result.statistic * (n - 1) / n == pytest.approx(m2, rel=1e-8, abs=1e-9)
    else:
        assert result.statistic == 0 and result.direction == "no significant change"


def test_no_variation_is_no_significant_change() -> None:
    for events in ([0] * 5, [100] * 5):
        result = cochran_armitage(events, [100] * 5)
        assert result == TrendResult(0.0, 1.0, "no significant change")


def test_a_missing_quarter_gives_no_trend() -> None:
    assert cochran_armitage([10, None, 20, 25, 40], [100] * 5) is None
    assert cochran_armitage([10, 15, 20, 25, 40], [100, 100, None, 100, 100]) is None
    assert cochran_armitage(None, [100] * 5) is None


def test_a_quarter_below_the_threshold_gives_no_trend() -> None:
    assert cochran_armitage([1, 2, 3, 4, 5], [9, 20, 20, 20, 20], min_denominator=10) is None
    assert cochran_armitage([1, 2, 3, 4, 5], [10, 20, 20, 20, 20], min_denominator=10) is not None


def test_many_rows_at_once_match_one_at_a_time() -> None:
    events = np.array([[10, 15, 20, 25, 40], [40, 25, 20, 15, 10], [1, 2, np.nan, 4, 5]])
    totals = np.full((3, 5), 100.0)
    frame = cochran_armitage_many(events, totals)
    assert frame["direction"].tolist() == ["increasing", "decreasing", None]
    assert frame["statistic"][0] == cochran_armitage(events[0], totals[0]).statistic
    assert math.isnan(frame["statistic"][2])


def _wls(n, mean, sd):
    fit = sm.WLS(
        np.asarray(mean, float),
        sm.add_constant(T.astype(float)),
        weights=np.asarray(n, float) / np.asarray(sd, float) ** 2,
    ).fit(cov_type="fixed scale")
    return fit


def test_mean_trend_equals_statsmodels_wls_slope_test() -> None:
    n, mean, sd = [30, 40, 35, 50, 45], [1.0, 1.5, 2.0, 2.2, 3.0], [2.0, 2.5, 2.0, 3.0, 2.0]
    result = mean_trend(n, mean, sd)
    fit = _wls(n, mean, sd)
    assert result.statistic == pytest.approx(fit.tvalues[1] ** 2, rel=1e-10)
    assert result.p_value == pytest.approx(fit.pvalues[1], rel=1e-8)
    assert result.direction == "increasing"


def test_mean_trend_hand_worked_equal_weights() -> None:
    # equal n and sd: weights 100/4 = 25 each; slope of 0,1,2,3,4 on t is 1; Σw(t−3)² = 250;
    # X² = 1² · 250
    result = mean_trend([100] * 5, [0, 1, 2, 3, 4], [2.0] * 5)
    assert result.statistic == pytest.approx(250.0)
    down = mean_trend([100] * 5, [4, 3, 2, 1, 0], [2.0] * 5)
    assert down.direction == "decreasing"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(2, 80), st.floats(-10, 10), st.floats(0.5, 5)), min_size=5, max_size=5
    )
)
def test_mean_trend_matches_statsmodels_for_random_quarters(rows) -> None:
    n, mean, sd = zip(*rows, strict=True)
    result = mean_trend(n, mean, sd)
    fit = _wls(n, mean, sd)
    assert result.statistic == pytest.approx(fit.tvalues[1] ** 2, rel=1e-7, abs=1e-9)


def test_mean_trend_is_none_without_five_usable_quarters() -> None:
    assert mean_trend([30, 1, 30, 30, 30], [1, 2, 3, 4, 5], [1] * 5) is None
    assert mean_trend([30] * 5, [1, None, 3, 4, 5], [1] * 5) is None
    assert mean_trend([30] * 5, [1, 2, 3, 4, 5], [1, 0, 1, 1, 1]) is None
    assert mean_trend([9, 30, 30, 30, 30], [1, 2, 3, 4, 5], [1] * 5, min_n=10) is None
    many = mean_trend_many(np.full((2, 5), 30), [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], np.ones((2, 5)))
    assert many["direction"].tolist() == ["increasing", "decreasing"]

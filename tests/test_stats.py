"""Intervals and summary statistics: PHE's own expected results, hand-worked cases, cross-checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from lfo.indicators.stats import (
    byars,
    byars_rate,
    frequency_quantiles,
    grouped_frequency_quantiles,
    mean_ci,
    moments_from_sums,
    wilson,
    z_value,
)

PHE = Path(__file__).parent / "data" / "phe"
CONFIDENCE = {"95%": 0.95, "99.8%": 0.998}


def _sheet(name: str, sheet: str) -> pd.DataFrame:
    ws = load_workbook(PHE / name, data_only=True)[sheet]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _close(got: float, expected: float | None) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return math.isnan(got)
    return abs(got - expected) <= 1e-6


def test_z_values_are_the_two_sided_normal_quantiles() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(95)


def test_byars_and_wilson_reproduce_phe_workbook() -> None:
    data = _sheet("testdata_Byars_Wilson.xlsx", "testdata_B_W")
    assert len(data) == 13
    for row in data.itertuples():
        conf = CONFIDENCE[row.confidence]
        if row.method == "Byars":
            lower, upper = byars(row.x, conf)
        else:
            _, lower, upper = wilson(row.x, row.n, conf, multiplier=1)
        assert _close(lower, row.lowercl), row
        assert _close(upper, row.uppercl), row


def test_byars_lower_limit_is_empty_where_the_formula_goes_negative() -> None:
    # workbook: a count of 1 at 99.8% has no lower limit
    lower, upper = byars(1, 0.998)
    assert math.isnan(lower) and upper == pytest.approx(9.362180217908362, abs=1e-9)


@pytest.mark.parametrize("sheet_multiplier", [1, 100])
def test_wilson_reproduces_phe_proportion_sheet(sheet_multiplier: int) -> None:
    data = _sheet("testdata_Proportion.xlsx", "testdata_Prop")
    data = data[data["multiplier"] == sheet_multiplier]
    value, lo95, up95 = wilson(data["Numerator"], data["Denominator"], 0.95, sheet_multiplier)
    _, lo998, up998 = wilson(data["Numerator"], data["Denominator"], 0.998, sheet_multiplier)
    for got, col in (
        (value, "value"),
        (lo95, "lower95_0cl"),
        (up95, "upper95_0cl"),
        (lo998, "lower99_8cl"),
        (up998, "upper99_8cl"),
    ):
        expected = pd.to_numeric(data[col]).astype(float)
        assert got.isna().equals(expected.isna()), col
        assert np.allclose(got.dropna(), expected.dropna(), rtol=0, atol=1e-6), col


def test_wilson_reproduces_phe_grouped_proportion_sheet_including_missing_inputs() -> None:
    data = _sheet("testdata_Proportion.xlsx", "testdata_Prop_g")
    value, lower, upper = wilson(data["Numerator"], data["Denominator"], 0.95, 1)
    assert value.isna().sum() == 3  # missing numerator, denominator, or both
    for got, col in ((value, "value"), (lower, "lowercl"), (upper, "uppercl")):
        expected = pd.to_numeric(data[col]).astype(float)
        assert got.isna().equals(expected.isna())
        assert np.allclose(got.dropna(), expected.dropna(), rtol=0, atol=1e-6)


def test_wilson_hand_worked_case() -> None:
    # 65/100, z = 1.959964: (130 + z² ∓ z√(z² + 4·65·0.35)) / (2(100 + z²))
    z = 1.959963984540054
    root = z * math.sqrt(z * z + 4 * 65 * 0.35)
    value, lower, upper = wilson(65, 100)
    assert value == 65.0
    assert lower == pytest.approx((130 + z * z - root) / (2 * (100 + z * z)) * 100, rel=1e-12)
    assert upper == pytest.approx((130 + z * z + root) / (2 * (100 + z * z)) * 100, rel=1e-12)


def test_wilson_is_nan_for_a_zero_denominator_and_handles_zero_and_full_numerators() -> None:
    assert all(math.isnan(v) for v in wilson(0, 0))
    value, lower, upper = wilson(0, 20)
    assert value == 0 and lower == pytest.approx(0, abs=1e-12) and 0 < upper < 100
    value, lower, upper = wilson(20, 20)
    assert value == 100 and 0 < lower < 100 and upper == pytest.approx(100, abs=1e-12)


def test_wilson_agrees_with_statsmodels() -> None:
    x = np.array([0, 1, 7, 50, 99, 100, 333])
    n = np.array([10, 10, 40, 100, 100, 100, 1000])
    for conf in (0.95, 0.998):
        _, lower, upper = wilson(x, n, conf, multiplier=1)
        lo_sm, up_sm = proportion_confint(x, n, alpha=1 - conf, method="wilson")
        assert np.allclose(lower, lo_sm, atol=1e-12) and np.allclose(upper, up_sm, atol=1e-12)


def test_wilson_series_in_series_out_and_scalars_in_floats_out() -> None:
    s = pd.Series([5, 6], index=["E1", "E2"])
    value, _, _ = wilson(s, pd.Series([10, 12], index=["E1", "E2"]))
    assert list(value.index) == ["E1", "E2"] and value.tolist() == [50.0, 50.0]
    assert isinstance(wilson(1, 2)[0], float)


def test_byars_hand_worked_case() -> None:
    z = 1.959963984540054
    lower, upper = byars(65)
    assert lower == pytest.approx(65 * (1 - 1 / 585 - z / (3 * math.sqrt(65))) ** 3, rel=1e-12)
    assert upper == pytest.approx(66 * (1 - 1 / 594 + z / (3 * math.sqrt(66))) ** 3, rel=1e-12)


def test_byars_is_close_to_the_exact_poisson_interval() -> None:
    counts = np.array([5, 10, 30, 100, 1000])
    lower, upper = byars(counts)
    exact_lower = sps.chi2.ppf(0.025, 2 * counts) / 2
    exact_upper = sps.chi2.ppf(0.975, 2 * (counts + 1)) / 2
    assert np.allclose(lower, exact_lower, rtol=0.02)
    assert np.allclose(upper, exact_upper, rtol=0.01)


def test_byars_for_zero_and_missing_counts() -> None:
    lower, upper = byars(0)
    assert math.isnan(lower) and upper == pytest.approx(3.668, abs=1e-3)
    assert all(math.isnan(v) for v in byars(None))


def test_byars_rate_divides_the_count_limits_by_the_denominator() -> None:
    value, lower, upper = byars_rate(65, 20_000, multiplier=10_000)
    lo, hi = byars(65)
    assert value == pytest.approx(32.5)
    assert lower == pytest.approx(lo / 2) and upper == pytest.approx(hi / 2)
    assert all(math.isnan(v) for v in byars_rate(5, 0))


def _mean_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        _sheet("testdata_Mean.xlsx", "testdata_Mean"),
        _sheet("testdata_Mean.xlsx", "testdata_Mean_results"),
    )


def test_mean_ci_reproduces_phe_means_per_area_and_overall() -> None:
    values, results = _mean_data()
    groups = {area: g["values"].astype(float) for area, g in values.groupby("area")}
    groups["No grouping"] = values["values"].astype(float)
    for row in results.itertuples():
        v = groups[row.area]
        n, total, total_sq = len(v), v.sum(), (v * v).sum()
        mean, sd = moments_from_sums(n, total, total_sq)
        assert n == row.value_count and mean == pytest.approx(row.value, abs=1e-6)
        assert sd == pytest.approx(row.stdev, abs=1e-6)
        lo95, up95 = mean_ci(n, mean, sd, 0.95)
        lo998, up998 = mean_ci(n, mean, sd, 0.998)
        for got, expected in (
            (lo95, row.lower95_0cl),
            (up95, row.upper95_0cl),
            (lo998, row.lower99_8cl),
            (up998, row.upper99_8cl),
        ):
            assert abs(got - expected) <= 1e-6


def test_mean_ci_agrees_with_scipy_and_is_nan_below_two() -> None:
    lower, upper = mean_ci(np.array([5, 30]), np.array([1.5, -2.0]), np.array([2.0, 4.0]), 0.998)
    for i, (n, m, s) in enumerate(((5, 1.5, 2.0), (30, -2.0, 4.0))):
        lo, hi = sps.t.interval(0.998, n - 1, loc=m, scale=s / math.sqrt(n))
        assert lower[i] == pytest.approx(lo) and upper[i] == pytest.approx(hi)
    assert all(math.isnan(v) for v in mean_ci(1, 3.0, 0.0))


def test_moments_from_sums_are_exact_for_large_integer_data() -> None:
    # values 1e6 + {0, 1, 2}: the naive float formula loses the variance of 1
    v = np.array([10**6, 10**6 + 1, 10**6 + 2] * 1000, dtype=np.int64)
    mean, sd = moments_from_sums(len(v), int(v.sum()), int((v * v).sum()))
    assert mean == pytest.approx(10**6 + 1)
    assert sd == pytest.approx(np.std(v, ddof=1), rel=1e-12)


def test_moments_from_sums_for_small_and_fractional_inputs() -> None:
    mean, sd = moments_from_sums(
        np.array([0, 1, 3]), np.array([0.0, 0.5, 1.5]), np.array([0.0, 0.25, 0.77])
    )  # 0.4, 0.5, 0.6
    assert math.isnan(mean[0]) and math.isnan(sd[0]) and math.isnan(sd[1])
    assert mean[2] == pytest.approx(0.5)
    assert sd[2] == pytest.approx(0.1, rel=1e-9)


def test_frequency_quantiles_hand_worked() -> None:
    # expanded: 1 1 2 3 3 3 7 -> Q1 at h=1.5: 1.5; median at h=3: 3; Q3 at h=4.5: 3
    assert frequency_quantiles([3, 1, 2, 7], [3, 2, 1, 1]).tolist() == [1.5, 3.0, 3.0]
    # an even count: the median is the mean of the middle two
    assert frequency_quantiles([10, 20], [1, 1], 0.5).tolist() == [15.0]
    assert np.isnan(frequency_quantiles([], [], 0.5)).all()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 6)), min_size=1, max_size=25),
    st.floats(0, 1),
)
def test_frequency_quantiles_equal_numpy_on_the_expanded_data(rows, q) -> None:
    values = [v for v, _ in rows]
    counts = [c for _, c in rows]
    expanded = np.repeat(values, counts)
    got = frequency_quantiles(values, counts, q)[0]
    if len(expanded) == 0:
        assert math.isnan(got)
    else:
        assert got == pytest.approx(float(np.quantile(expanded, q)), abs=1e-9)


def test_grouped_frequency_quantiles_work_group_by_group() -> None:
    frame = pd.DataFrame(
        {
            "area": ["A", "A", "A", "B", "B", "C"],
            "days": [5, 1, 9, 4, 2, 7],
            "participants": [2, 1, 1, 3, 0, 1],
        }
    )
    out = grouped_frequency_quantiles(frame, ["area"], "days", "participants").set_index("area")
    assert out.loc["A", "n"] == 4
    assert out.loc["A", ["q25", "q50", "q75"]].tolist() == list(
        np.quantile([1, 5, 5, 9], [0.25, 0.5, 0.75])
    )
    assert out.loc["B", ["q25", "q50", "q75"]].tolist() == [4.0, 4.0, 4.0]
    assert out.loc["C", "q50"] == 7.0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(1, 200), st.sampled_from([0.95, 0.998]))
def test_wilson_limits_stay_within_0_and_100_and_contain_the_value(x, n, conf) -> None:
    x = min(x, n)
    value, lower, upper = wilson(x, n, conf)
    assert -1e-9 <= lower <= value + 1e-9 and value - 1e-9 <= upper <= 100 + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.sampled_from([0.95, 0.998]))
def test_byars_limits_are_not_negative_and_contain_the_count(count, conf) -> None:
    lower, upper = byars(count, conf)
    assert math.isnan(lower) or 0 <= lower <= count
    assert upper >= count


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 500), st.floats(-100, 100), st.floats(0, 50))
def test_t_limits_contain_the_mean_and_are_not_clipped(n, mean, sd) -> None:
    lower, upper = mean_ci(n, mean, sd)
    assert lower <= mean <= upper
    assert upper - mean == pytest.approx(mean - lower, abs=1e-9)

"""Comparison with the benchmark, trend judgements, plain words and display rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lfo.indicators.compare import (
    compare,
    describe_comparison,
    describe_trend,
    format_value,
    trend_judgement,
)


@pytest.mark.parametrize(
    "lower,upper,benchmark,polarity,expected",
    [
        (52, 60, 50, "higher_better", "better"),
        (52, 60, 50, "lower_better", "worse"),
        (52, 60, 50, "none", "higher"),
        (40, 48, 50, "higher_better", "worse"),
        (40, 48, 50, "lower_better", "better"),
        (40, 48, 50, "none", "lower"),
        (45, 55, 50, "higher_better", "similar"),
        (50, 55, 50, "higher_better", "similar"),  # touching the benchmark is not wholly above it
        (45, 50, 50, "lower_better", "similar"),
        (None, 55, 50, "higher_better", None),
        (45, 55, None, "higher_better", None),
        (45, float("nan"), 50, "none", None),
        (52, 60, 50, None, None),
    ],
)
def test_compare_scalar_cases(lower, upper, benchmark, polarity, expected) -> None:
    assert compare(lower, upper, benchmark, polarity) == expected


def test_compare_is_vectorised_and_keeps_a_series_index() -> None:
    lower = pd.Series([52.0, 40.0, 45.0, np.nan], index=["E1", "E2", "E3", "E4"])
    upper = lower + 8
    got = compare(lower, upper, 50.0, "higher_better")
    assert got.index.tolist() == ["E1", "E2", "E3", "E4"]
    assert got.tolist() == ["better", "worse", "similar", None]
    per_row = compare(
        np.array([52, 52]),
        np.array([60, 60]),
        np.array([50, 70]),
        np.array(["lower_better", "none"], dtype=object),
    )
    assert per_row.tolist() == ["worse", "lower"]


def test_compare_refuses_an_unknown_polarity() -> None:
    with pytest.raises(ValueError, match="polarity"):
        compare(1, 2, 0, "up")


@pytest.mark.parametrize(
    "direction,polarity,expected",
    [
        ("increasing", "higher_better", "getting better"),
        ("increasing", "lower_better", "getting worse"),
        ("decreasing", "higher_better", "getting worse"),
        ("decreasing", "lower_better", "getting better"),
        ("increasing", "none", None),
        ("no significant change", "higher_better", None),
        (None, "higher_better", None),
    ],
)
def test_trend_judgement(direction, polarity, expected) -> None:
    assert trend_judgement(direction, polarity) == expected


def test_trend_judgement_vectorised() -> None:
    got = trend_judgement(pd.Series(["increasing", "decreasing", None]), "lower_better")
    assert got.tolist() == ["getting worse", "getting better", None]


def test_plain_words() -> None:
    assert describe_comparison("worse", "programme") == "worse than the programme"
    assert describe_comparison("similar") == "similar to the programme"
    assert describe_comparison("higher", "England") == "higher than the England"
    assert describe_comparison(None) is None
    assert describe_trend("increasing", "higher_better") == "increasing (getting better)"
    assert describe_trend("no significant change", "higher_better") == "no significant change"
    assert describe_trend(None) is None
    with pytest.raises(ValueError):
        describe_comparison("bad")


@pytest.mark.parametrize(
    "value,unit,expected",
    [
        (45.5, "%", "46%"),  # half away from zero, not to even
        (44.5, "%", "45%"),
        (12.345, "%", "12%"),
        (0.3, "%", "0.3%"),  # a non-zero figure never shows as 0%
        (0.0, "%", "0%"),
        (99.7, "%", "99.7%"),  # nor a figure short of 100 as 100%
        (100.0, "%", "100%"),
        (1234567, "count", "1,234,567"),
        (2.25, "rate", "2.3"),
        (-1.25, "points", "-1.3"),
        (-0.04, "points", "0.0"),
        (14.5, "days", "15"),
        (None, "%", ""),
        (float("nan"), "rate", ""),
    ],
)
def test_format_value_rounds_for_display(value, unit, expected) -> None:
    assert format_value(value, unit) == expected


def test_format_value_dp_override_and_unknown_unit() -> None:
    assert format_value(12.345, "%", dp=1) == "12.3%"
    with pytest.raises(ValueError):
        format_value(1, "furlongs")

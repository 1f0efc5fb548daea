"""Funnel limits and significance: PHE's expected results reproduced, and hand-worked cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lfo.indicators.funnel import (
    LIMIT_COLUMNS,
    axis_range,
    baseline,
    funnel_limits,
    limits_at,
    populations,
    significance,
)

PHE = Path(__file__).parent / "data" / "phe"


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(PHE / name, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def inputs() -> pd.DataFrame:
    return _csv("testdata_funnel_prop_inputs.csv")


def _assert_reproduces(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == LIMIT_COLUMNS and len(got) == len(expected) == 100
    diff = np.abs(got.to_numpy(dtype=float) - expected.to_numpy(dtype=float))
    assert diff.max() <= 1e-6


def test_funnel_limits_reproduce_phe_outputs(inputs: pd.DataFrame) -> None:
    expected = _csv("testdata_funnel_prop_outputs.csv")
    _assert_reproduces(funnel_limits(inputs["numerator"], inputs["denominator"]), expected)
    # spread denominators: PHE's axis rule gives the same curve
    _assert_reproduces(
        funnel_limits(inputs["numerator"], inputs["denominator"], axis_variation=True), expected
    )


def test_funnel_limits_reproduce_phe_outputs_with_axis_variation(inputs: pd.DataFrame) -> None:
    subset = inputs[inputs["denominator"] < 31000]
    expected = _csv("testdata_funnel_prop_outputs_with_axis_variation.csv")
    got = funnel_limits(subset["numerator"], subset["denominator"], axis_variation=True)
    _assert_reproduces(got, expected)


def test_every_phe_significance_label_is_reproduced(inputs: pd.DataFrame) -> None:
    labels = significance(inputs["numerator"], inputs["denominator"])
    assert labels.tolist() == inputs["significance"].tolist()
    assert set(labels) == {
        "High (0.001)",
        "High (0.025)",
        "Low (0.025)",
        "Low (0.001)",
        "Not significant",
    }


def test_axis_rule_hand_worked() -> None:
    # smallest 16386, largest 30929 (< twice): min 0.95·16386 = 15566.7 -> 10000;
    # max 1.05·30929 = 32475.45 -> 33000
    assert axis_range([16386, 30929]) == (10000.0, 33000.0)
    assert axis_range([16386, 30929], axis_variation=False) == (0.0, 33000.0)
    # largest more than twice the smallest: the axis starts at 0
    assert axis_range([100, 201]) == (0.0, 220.0)


def test_populations_climb_geometrically_to_the_axis_maximum_without_repeats() -> None:
    pops = populations(0, 110000)
    assert pops[0] == 1 and pops[-1] == 110000 and len(pops) == 100
    assert np.all(np.diff(pops) >= 1)
    small = populations(0, 50)  # fewer distinct integers than points: each step is +1
    assert small[:5].tolist() == [1, 2, 3, 4, 5]


def test_limits_at_hand_worked_and_clipped() -> None:
    p, n = 0.2, 100
    z95, z998 = 1.959963984540054, 3.090232306167813
    row = limits_at(p, n).iloc[0]
    assert row["lower_95"] == pytest.approx((0.2 - z95 * 0.04) * 100)
    assert row["upper_998"] == pytest.approx((0.2 + z998 * 0.04) * 100)
    assert row["baseline"] == pytest.approx(20)
    tiny = limits_at(0.2, 1).iloc[0]
    # 0.2 ∓ z·0.4 runs past both ends: clipped to 0 and 100
    assert tiny["lower_95"] == 0 and tiny["upper_998"] == 100
    assert math.isnan(limits_at(0.2, 0).iloc[0]["lower_95"])


def test_significance_labels_in_order_of_checks() -> None:
    # baseline 0.5 at n = 100: 95% limits 40.2-59.8, 99.8% limits 34.5-65.5
    p = 0.5
    assert significance(30, 100, p) == "Low (0.001)"
    assert significance(38, 100, p) == "Low (0.025)"
    assert significance(50, 100, p) == "Not significant"
    assert significance(62, 100, p) == "High (0.025)"
    assert significance(70, 100, p) == "High (0.001)"
    assert significance(5, 0, p) is None


def test_baseline_pools_numerators_and_denominators() -> None:
    assert baseline([1, 9], [10, 90]) == pytest.approx(0.1)
    assert baseline([np.nan, 9], [10, 90]) == pytest.approx(0.1)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="exceed"):
        funnel_limits([20], [10])
    with pytest.raises(ValueError, match="zero"):
        funnel_limits([-1], [10])
    with pytest.raises(ValueError, match="positive"):
        funnel_limits([0], [0])

"""Recent trend over five consecutive quarters: is an indicator rising or falling?

- Proportions: Cochran–Armitage test for linear trend (Cochran 1954; Armitage 1955), as
  indicators.md defines it: X² = [Σ rᵢtᵢ − R·t̄]² / [p̄(1−p̄)(Σ nᵢtᵢ² − N·t̄²)] with tᵢ = 1…5,
  rᵢ events and nᵢ denominators per quarter, R = Σrᵢ, N = Σnᵢ, p̄ = R/N, t̄ = Σnᵢtᵢ/N; one degree of
  freedom, two-sided. (The linear-by-linear association statistic M² = X²·(N−1)/N.)
- Means: a test of slope with 1 df. The five quarterly means are regressed on t = 1…5 by weighted
  least squares with weights nᵢ/sdᵢ² (1 / squared standard error), treating those variances as
  known (as the Cochran–Armitage test treats p̄(1−p̄) as known): slope b, se(b) = 1/√Σwᵢ(tᵢ − t̄_w)²,
  X² = (b/se(b))², two-sided normal p. This is statsmodels' WLS with ``cov_type="fixed scale"``.

Significant when p < 0.002 (``ALPHA``); reported as "increasing" / "decreasing" / "no significant
change". A quarter missing (None / NaN) gives no result (None, shown as ``x``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

ALPHA = 0.002
QUARTERS = 5
INCREASING, DECREASING, NO_CHANGE = "increasing", "decreasing", "no significant change"


@dataclass(frozen=True)
class TrendResult:
    statistic: float  # X², 1 df
    p_value: float  # two-sided
    direction: str  # "increasing" | "decreasing" | "no significant change"


def cochran_armitage(
    events: Sequence[Any], totals: Sequence[Any], min_denominator: float | None = None
) -> TrendResult | None:
    """Cochran–Armitage trend over consecutive quarters (oldest first); None if any is missing.

    ``min_denominator``: also None unless every quarter's total is at least this (pass the
    suppression threshold). No variation (p̄ = 0 or 1, or all of N in one quarter) gives X² = 0,
    p = 1, "no significant change".
    """
    frame = cochran_armitage_many(
        np.asarray([_floats(events)]), np.asarray([_floats(totals)]), min_denominator
    )
    return _result(frame.iloc[0])


def cochran_armitage_many(
    events: Any, totals: Any, min_denominator: float | None = None
) -> pd.DataFrame:
    """Vectorised ``cochran_armitage``: 2-D arrays (rows × quarters) in, one row per input row out.

    Columns statistic, p_value, direction (None where a quarter is missing or below
    ``min_denominator``; then statistic and p_value are NaN).
    """
    r = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    if r.shape != n.shape or r.ndim != 2:
        raise ValueError("events and totals must be 2-D arrays of the same shape")
    t = np.arange(1, r.shape[1] + 1, dtype=float)
    valid = np.all(np.isfinite(r) & np.isfinite(n) & (n >= 0) & (r >= 0) & (r <= n), axis=1)
    if min_denominator is not None:
        valid &= np.all(np.where(np.isfinite(n), n, -1) >= min_denominator, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r, big_n = r.sum(axis=1), n.sum(axis=1)
        p_bar = big_r / big_n
        t_bar = (n * t).sum(axis=1) / big_n
        score = (r * t).sum(axis=1) - big_r * t_bar
        spread = (n * t * t).sum(axis=1) - big_n * t_bar * t_bar
        var = p_bar * (1 - p_bar) * spread
        # relative tolerance: spread is a difference of large sums and can be a rounding residue
        flat = ~(var > 1e-12 * np.maximum(big_n, 1)) | ~(big_n > 0)
        x2 = np.where(flat, 0.0, score * score / np.where(flat, 1.0, var))
    return _finish(x2, score, valid)


def mean_trend(
    n: Sequence[Any], mean: Sequence[Any], sd: Sequence[Any], min_n: float | None = None
) -> TrendResult | None:
    """Trend in a mean over consecutive quarters (oldest first): weighted slope test, 1 df.

    None if any quarter is missing, has n < 2 (or < ``min_n``), or has no spread (sd 0 or missing).
    """
    frame = mean_trend_many(
        np.asarray([_floats(n)]), np.asarray([_floats(mean)]), np.asarray([_floats(sd)]), min_n
    )
    return _result(frame.iloc[0])


def mean_trend_many(n: Any, mean: Any, sd: Any, min_n: float | None = None) -> pd.DataFrame:
    """Vectorised ``mean_trend``: 2-D arrays (rows × quarters); columns as ``cochran_armitage_many``."""
    n_ = np.asarray(n, dtype=float)
    y = np.asarray(mean, dtype=float)
    s = np.asarray(sd, dtype=float)
    if not (n_.shape == y.shape == s.shape) or n_.ndim != 2:
        raise ValueError("n, mean and sd must be 2-D arrays of the same shape")
    t = np.arange(1, n_.shape[1] + 1, dtype=float)
    floor = max(2.0, float(min_n)) if min_n is not None else 2.0
    valid = np.all(
        np.isfinite(n_) & np.isfinite(y) & np.isfinite(s) & (n_ >= floor) & (s > 0), axis=1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(valid[:, None], n_ / (s * s), 1.0)
        y = np.where(valid[:, None], y, 0.0)
        t_w = (w * t).sum(axis=1) / w.sum(axis=1)
        y_w = (w * y).sum(axis=1) / w.sum(axis=1)
        sxx = (w * (t - t_w[:, None]) ** 2).sum(axis=1)
        slope = (w * (t - t_w[:, None]) * (y - y_w[:, None])).sum(axis=1) / sxx
        x2 = slope * slope * sxx
    return _finish(x2, slope, valid)


def _finish(x2: np.ndarray, sign: np.ndarray, valid: np.ndarray) -> pd.DataFrame:
    # the chi-squared (1 df) survival function, as sps.chi2.sf computes it without its checks
    # (only where the result is shown: elsewhere p is NaN in the output anyway)
    x2 = np.asarray(x2, dtype=float)
    p = np.full(x2.shape, np.nan)
    positive = valid & (x2 > 0)
    p[valid & ~positive & ~np.isnan(x2)] = 1.0
    p[positive] = special.chdtrc(1.0, x2[positive])
    direction = np.where(p < ALPHA, np.where(sign > 0, INCREASING, DECREASING), NO_CHANGE).astype(
        object
    )
    direction[~valid] = None
    return pd.DataFrame(
        {
            "statistic": np.where(valid, x2, np.nan),
            "p_value": np.where(valid, p, np.nan),
            "direction": pd.Series(direction, dtype=object),
        }
    )


def _result(row: pd.Series) -> TrendResult | None:
    if row["direction"] is None:
        return None
    return TrendResult(float(row["statistic"]), float(row["p_value"]), str(row["direction"]))


def _floats(values: Sequence[Any]) -> list[float]:
    if values is None:
        return [math.nan] * QUARTERS
    return [math.nan if v is None else float(v) for v in values]

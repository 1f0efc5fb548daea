"""Funnel plot control limits for proportions, exactly as PHE Fingertips (PHEindicatormethods).

Method (Spiegelhalter 2005, "Funnel plots for comparing institutional performance"), as the package's
``phe_funnels`` / ``phe_funnel_significance`` compute it and its test data encode it:

- Baseline p = Σ numerators ÷ Σ denominators of the plotted areas (pooled, unrounded).
- Limits at population n: p ± z·√(p(1 − p)/n), z = Φ⁻¹(0.975) for 95% and Φ⁻¹(0.999) for 99.8%,
  clipped to [0, 1], then × multiplier. (Not the Wilson interval of the baseline.)
- The curve is drawn at 100 populations running from the axis minimum to the axis maximum:
  P₁ = max(1, axis minimum); Pⱼ = max(round((axis max ÷ Pⱼ₋₁)^(1/(101−j))·Pⱼ₋₁), Pⱼ₋₁ + 1),
  j = 2…100, rounding half to even. The axis maximum is 1.05 × the largest denominator rounded up to
  two significant figures.
- "Axis variation" (PHE's name for its axis-minimum rule): when the largest denominator is at most
  twice the smallest, the axis starts at 0.95 × the smallest rounded down to one significant figure,
  so the funnel is drawn only where the areas are; otherwise it starts at 0.
- Significance of an area: value < lower 99.8% → ``Low (0.001)``; < lower 95% → ``Low (0.025)``;
  > upper 99.8% → ``High (0.001)``; > upper 95% → ``High (0.025)``; else ``Not significant``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

LIMIT_COLUMNS = ["population", "lower_95", "upper_95", "lower_998", "upper_998", "baseline"]
LABELS = ("Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)", "Not significant")
Z_95 = float(sps.norm.ppf(0.975))
Z_998 = float(sps.norm.ppf(0.999))
N_POINTS = 100


def baseline(numerators: Any, denominators: Any) -> float:
    """Pooled proportion Σ numerators ÷ Σ denominators (0–1) over rows with a usable denominator."""
    num, den = _clean(numerators, denominators)
    if den.sum() <= 0:
        return math.nan
    return float(num.sum() / den.sum())


def limits_at(p: float, n: Any, multiplier: float = 100) -> pd.DataFrame:
    """Control limits around proportion ``p`` (0–1) at each denominator in ``n``.

    Columns: population, lower_95, upper_95, lower_998, upper_998, baseline (p × multiplier).
    NaN limits where n is missing or not positive.
    """
    pop = np.atleast_1d(np.asarray(n, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(pop > 0, np.sqrt(p * (1 - p) / pop), np.nan)
    out = {"population": pop}
    for name, z in (("95", Z_95), ("998", Z_998)):
        out[f"lower_{name}"] = np.clip(p - z * se, 0, 1) * multiplier
        out[f"upper_{name}"] = np.clip(p + z * se, 0, 1) * multiplier
    out["baseline"] = np.full(len(pop), p * multiplier)
    return pd.DataFrame(out, columns=LIMIT_COLUMNS)


def axis_range(denominators: Any, axis_variation: bool = True) -> tuple[float, float]:
    """The funnel's x range (axis minimum, axis maximum) as PHE sets it (see module docstring).

    With ``axis_variation`` False the minimum is always 0.
    """
    den = np.asarray(denominators, dtype=float)
    den = den[np.isfinite(den) & (den > 0)]
    if len(den) == 0:
        raise ValueError("no positive denominators to draw a funnel for")
    smallest, largest = float(den.min()), float(den.max())
    axis_max = _ceil_signif(1.05 * largest, 2)
    if axis_variation and largest <= 2 * smallest:
        axis_min = _floor_signif(0.95 * smallest, 1)
    else:
        axis_min = 0.0
    return axis_min, axis_max


def populations(axis_min: float, axis_max: float, points: int = N_POINTS) -> np.ndarray:
    """The ``points`` populations the funnel curve is drawn at, geometric from axis_min to axis_max."""
    pops = [max(1.0, axis_min)]
    for j in range(2, points + 1):
        prev = pops[-1]
        step = (axis_max / prev) ** (1 / (points + 1 - j)) * prev
        pops.append(max(float(np.round(step)), prev + 1))  # np.round: half to even, as R
    return np.asarray(pops)


def funnel_limits(
    numerators: Any, denominators: Any, multiplier: float = 100, axis_variation: bool = False
) -> pd.DataFrame:
    """The funnel curve: 100 rows of population, lower_95, upper_95, lower_998, upper_998, baseline.

    Baseline from the pooled inputs. ``axis_variation=True`` applies PHE's axis-minimum rule (what
    ``phe_funnels`` always does); False starts the curve at population 1, which gives the same rows
    whenever the largest denominator is more than twice the smallest. Rows with a missing or zero
    denominator are ignored (they are suppressed before they reach a funnel).
    """
    num, den = _clean(numerators, denominators)
    p = baseline(num, den)
    axis_min, axis_max = axis_range(den, axis_variation=axis_variation)
    return limits_at(p, populations(axis_min, axis_max), multiplier)


def significance(numerator: Any, denominator: Any, p: float | None = None) -> Any:
    """PHE funnel significance label for each area (see ``LABELS``); None where not computable.

    ``p`` is the baseline proportion (0–1); by default pooled from these same inputs. A scalar
    numerator and denominator give one label; arrays or Series give an array (Series keeps its index).
    """
    scalar = np.isscalar(numerator) and np.isscalar(denominator)
    num = np.atleast_1d(np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(numerator))), float))
    den = np.atleast_1d(np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(denominator))), float))
    if p is None:
        p = baseline(num, den)
    lim = limits_at(p, den, multiplier=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = num / den
    ok = np.isfinite(value) & (den > 0)
    labels = np.select(
        [
            value < lim["lower_998"].to_numpy(),
            value < lim["lower_95"].to_numpy(),
            value > lim["upper_998"].to_numpy(),
            value > lim["upper_95"].to_numpy(),
        ],
        list(LABELS[:4]),
        default=LABELS[4],
    ).astype(object)
    labels[~ok] = None
    if scalar:
        return labels[0]
    if isinstance(numerator, pd.Series):
        return pd.Series(labels, index=numerator.index, dtype=object)
    return labels


def _clean(numerators: Any, denominators: Any) -> tuple[np.ndarray, np.ndarray]:
    num = np.atleast_1d(np.asarray(numerators, dtype=float))
    den = np.atleast_1d(np.asarray(denominators, dtype=float))
    if num.shape != den.shape:
        raise ValueError("numerators and denominators must have the same length")
    keep = np.isfinite(num) & np.isfinite(den) & (den > 0)
    num, den = num[keep], den[keep]
    if np.any(num < 0):
        raise ValueError("numerators must be greater than or equal to zero")
    if np.any(num > den):
        raise ValueError("numerators must not exceed denominators for a proportion")
    return num, den


def _floor_signif(x: float, digits: int) -> float:
    scale = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return math.floor(x / scale) * scale


def _ceil_signif(x: float, digits: int) -> float:
    scale = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return math.ceil(x / scale) * scale

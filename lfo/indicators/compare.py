"""Comparison with a benchmark, trend judgements, and the plain words and numbers that show them.

An area is "better" / "worse" than the benchmark (the programme value) where its interval lies wholly
on one side of the benchmark value, "similar" otherwise (the significance-by-interval rule PHE
Fingertips uses). The caller passes the 95% limits normally and the 99.8% limits for the overview and
"needs attention" list. Polarity turns higher / lower into better / worse; without polarity the words
are "higher" / "lower". Anything missing gives None (no comparison, shown as ``z`` or ``x``).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

POLARITIES = ("higher_better", "lower_better", "none")
COMPARISONS = ("better", "similar", "worse", "higher", "lower")


def compare(lower: Any, upper: Any, benchmark: Any, polarity: Any) -> Any:
    """``"better" | "similar" | "worse" | "higher" | "lower" | None`` per row.

    Interval wholly above the benchmark (lower > benchmark) is "higher", wholly below (upper <
    benchmark) "lower", touching or containing it "similar"; polarity ``higher_better`` /
    ``lower_better`` turns higher/lower into better/worse, ``none`` leaves them. None where any limit,
    the benchmark or the polarity is missing. Scalars give a scalar; a Series keeps its index.
    """
    lo, hi, bench, pol, like = _inputs(lower, upper, benchmark, polarity)
    bad_pol = [p for p in pd.unique(pol) if p is not None and p not in POLARITIES]
    if bad_pol:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {bad_pol[0]!r}")
    with np.errstate(invalid="ignore"):
        above, below = lo > bench, hi < bench
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(bench) & ~pd.isna(pol)
    higher_better = pol == "higher_better"
    lower_better = pol == "lower_better"
    out = np.full(len(lo), "similar", dtype=object)
    out[above] = "higher"
    out[below] = "lower"
    out[above & higher_better] = "better"
    out[below & higher_better] = "worse"
    out[above & lower_better] = "worse"
    out[below & lower_better] = "better"
    out[~ok] = None
    return _wrap(out, like)


def trend_judgement(direction: Any, polarity: Any) -> Any:
    """ "getting better" / "getting worse" for an increasing or decreasing trend with a polarity.

    None for "no significant change", a missing trend or polarity ``none``. Vectorised like compare.
    """
    d, pol, like = _objects(direction, polarity)
    up, down = d == "increasing", d == "decreasing"
    hb, lb = pol == "higher_better", pol == "lower_better"
    out = np.full(len(d), None, dtype=object)
    out[(up & hb) | (down & lb)] = "getting better"
    out[(down & hb) | (up & lb)] = "getting worse"
    return _wrap(out, like)


def describe_comparison(comparison: str | None, benchmark: str = "programme") -> str | None:
    """Plain words: ("worse", "programme") → "worse than the programme"; "similar to the ..."."""
    if comparison is None:
        return None
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, not {comparison!r}")
    link = "to" if comparison == "similar" else "than"
    return f"{comparison} {link} the {benchmark}"


def describe_trend(direction: str | None, polarity: str | None = None) -> str | None:
    """Plain words for a trend: "increasing (getting better)", "no significant change", or None."""
    if direction is None:
        return None
    judgement = trend_judgement(direction, polarity)
    return f"{direction} ({judgement})" if judgement else direction


def format_value(value: Any, unit: str, dp: int | None = None) -> str:
    """A figure as text for display only (stored values are never rounded). Rounds half away from 0.

    ``unit``: "%" (0 dp, or 1 dp where whole numbers would show a non-zero figure as 0% or a figure
    short of 100% as 100%), "count" (whole number with thousands separators), "rate" and "points"
    (1 dp), "days" (0 dp). ``dp`` overrides. Missing values give "" (the caller shows the status).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    x = float(value)
    if unit == "%":
        places = dp if dp is not None else _percent_places(x)
        return f"{_round(x, places):,.{places}f}%"
    defaults = {"count": 0, "rate": 1, "points": 1, "days": 0}
    if unit not in defaults:
        raise ValueError(f"unknown unit {unit!r}")
    places = dp if dp is not None else defaults[unit]
    return f"{_round(x, places):,.{places}f}"


def _percent_places(x: float) -> int:
    whole = _round(x, 0)
    if (whole == 0 and x != 0) or (whole == 100 and x != 100):
        return 1
    return 0


def _round(x: float, places: int) -> float:
    rounded = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def _inputs(lower: Any, upper: Any, benchmark: Any, polarity: Any) -> tuple[Any, ...]:
    """The limits and benchmark as float arrays and the polarity as objects (missing: None),
    broadcast together, then the 'like' of ``_wrap``."""
    like = _like(lower, upper, benchmark, polarity)
    nums = [_numbers(a) for a in (lower, upper, benchmark)]
    pol = np.atleast_1d(np.asarray(polarity, dtype=object))
    # numpy's stubs take no None as a value to fill with; it fills an object array with None
    pol = np.where(pd.isna(pol), None, pol)  # type: ignore[call-overload]
    arrays = np.broadcast_arrays(*nums, pol)
    return (*arrays, like)


def _numbers(a: Any) -> np.ndarray:
    """Numbers as a float array; anything that is not a number becomes NaN."""
    out: np.ndarray
    if isinstance(a, pd.Series) and a.dtype.kind == "f":
        out = a.to_numpy(dtype=float)
        return out
    out = (
        pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(a, dtype=object))), errors="coerce")
        .astype(float)
        .to_numpy()
    )
    return out


def _objects(*args: Any) -> tuple[Any, ...]:
    """The arguments as object arrays (missing: None) broadcast together, then the 'like'."""
    like = _like(*args)
    arrays = [np.atleast_1d(np.asarray(a, dtype=object)) for a in args]
    # as in _inputs: numpy's stubs take no None as a fill value, which object arrays accept
    arrays = [np.where(pd.isna(a), None, a) for a in arrays]  # type: ignore[call-overload]
    return (*np.broadcast_arrays(*arrays), like)


def _like(*args: Any) -> Any:
    for a in args:
        if isinstance(a, pd.Series):
            return a.index
    if all(np.ndim(a) == 0 for a in args):
        return "scalar"
    return None


def _wrap(out: np.ndarray, like: Any) -> Any:
    if isinstance(like, str):
        return out[0]
    if isinstance(like, pd.Index):
        return pd.Series(out, index=like, dtype=object)
    return out

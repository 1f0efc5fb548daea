"""Confidence intervals and summary statistics for indicators, as PHE Fingertips computes them.

- Proportions: Wilson score interval (Wilson 1927), as PHEindicatormethods ``phe_proportion``.
- Counts and rates: Byar's approximation to the exact Poisson interval (Breslow & Day 1987), as
  PHEindicatormethods ``byars_lower`` / ``byars_upper``; where the lower limit would be negative it is
  undefined (NaN, shown empty).
- Means: Student's t interval with n − 1 degrees of freedom, as PHEindicatormethods ``phe_mean``.
- Helpers: mean and SD from sufficient statistics; quantiles from a frequency table.

Every function takes scalars, numpy arrays or pandas Series. Scalars in give floats out; a Series in
gives Series out (on the first Series' index); otherwise numpy arrays. Missing inputs give NaN.
Nothing here rounds: rounding is for display only (see ``compare.format_value``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

ArrayLike = Any  # scalar, numpy array, pandas Series or list


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: Φ⁻¹(1 − (1 − confidence) / 2); 1.959964 for 0.95."""
    _check_confidence(confidence)
    return float(sps.norm.ppf(1 - (1 - confidence) / 2))


def wilson(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95, multiplier: float = 100
) -> tuple[Any, Any, Any]:
    """Proportion with its Wilson score interval: ``(value, lower, upper)``, each × ``multiplier``.

    lower, upper = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)), z = Φ⁻¹(1 − (1−confidence)/2).
    NaN where the numerator or denominator is missing or the denominator is 0.
    """
    x, n, like = _floats(numerator, denominator)
    z = z_value(confidence)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        lower = (2 * x + z * z - root) / (2 * (n + z * z))
        upper = (2 * x + z * z + root) / (2 * (n + z * z))
        value = x / n
    out = [np.where(ok, a * multiplier, np.nan) for a in (value, lower, upper)]
    return _wrap(like, *out)


def byars(count: ArrayLike, confidence: float = 0.95) -> tuple[Any, Any]:
    """Byar's limits for a count O: ``(lower, upper)``.

    lower = O·(1 − 1/(9O) − z/(3√O))³, NaN where negative (undefined; PHE leaves it empty), and NaN
    for O = 0 (the formula's limit there is −∞); upper = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³.
    """
    o, like = _floats(count)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        upper = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    bad = ~np.isfinite(o) | (o < 0)
    lower = np.where(bad | ~(lower >= 0) | (o == 0), np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    return _wrap(like, lower, upper)


def byars_rate(
    count: ArrayLike, denominator: ArrayLike, confidence: float = 0.95, multiplier: float = 10_000
) -> tuple[Any, Any, Any]:
    """Rate per ``multiplier`` with Byar's limits: ``(value, lower, upper)``.

    The count's Byar limits divided by the denominator; NaN where the denominator is 0 or missing.
    The default multiplier is the programme's (families per 10,000), not PHE's 100,000.
    """
    o, d, like = _floats(count, denominator)
    lower, upper = byars(o, confidence)
    ok = np.isfinite(d) & (d > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = [np.where(ok, a / d * multiplier, np.nan) for a in (o, lower, upper)]
    return _wrap(like, *out)


def mean_ci(
    n: ArrayLike, mean: ArrayLike, sd: ArrayLike, confidence: float = 0.95
) -> tuple[Any, Any]:
    """Student's t interval for a mean: mean ∓ t(n−1, 1−α/2)·sd/√n; NaN for n < 2. Not clipped."""
    n_, m, s, like = _floats(n, mean, sd)
    _check_confidence(confidence)
    ok = np.isfinite(n_) & (n_ >= 2) & np.isfinite(m) & np.isfinite(s)
    dof = np.where(ok, n_ - 1, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sps.t.ppf(1 - (1 - confidence) / 2, dof) * s / np.sqrt(n_)
    return _wrap(like, np.where(ok, m - half, np.nan), np.where(ok, m + half, np.nan))


def moments_from_sums(n: ArrayLike, total: ArrayLike, total_sq: ArrayLike) -> tuple[Any, Any]:
    """Mean and sample SD (n − 1) from sufficient statistics: count, sum and sum of squares.

    For integer data whose products fit in 64 bits the sum of squared deviations is computed
    exactly in integers ((n·Σx² − (Σx)²) / n); otherwise in floating point as Σx² − (Σx)²/n,
    clamped at 0 (it can only go negative through rounding). Mean NaN for n < 1, SD NaN for n < 2.
    """
    n_, s, ss, like = _floats(n, total, total_sq)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_ >= 1, s / n_, np.nan)
        dev = ss - s * s / n_
        exact = (
            np.isfinite(n_)
            & np.isfinite(s)
            & np.isfinite(ss)
            & (n_ == np.round(n_))
            & (s == np.round(s))
            & (ss == np.round(ss))
            & (np.abs(n_ * ss) < 2.0**62)
            & (s * s < 2.0**62)
        )
        if np.any(exact):
            ni = np.where(exact, n_, 1).astype(np.int64)
            si = np.where(exact, s, 0).astype(np.int64)
            ssi = np.where(exact, ss, 0).astype(np.int64)
            dev = np.where(exact, (ni * ssi - si * si) / np.where(exact, n_, 1), dev)
        var = np.maximum(dev, 0) / (n_ - 1)
        sd = np.where(n_ >= 2, np.sqrt(var), np.nan)
    return _wrap(like, mean, sd)


def frequency_quantiles(
    values: ArrayLike, counts: ArrayLike, q: float | Sequence[float] = (0.25, 0.5, 0.75)
) -> np.ndarray:
    """Quantiles of data given as a frequency table (value, count), without expanding it.

    Method: numpy's default ("linear", Hyndman & Fan type 7) on the expanded data: with N values
    sorted, h = (N − 1)·q and the quantile is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). So the median
    of an even number of values is the mean of the middle two. Rows with a missing value or a
    count ≤ 0 are ignored; NaN for an empty table. Returns an array with one entry per q.
    """
    frame = pd.DataFrame({"g": 0, "value": _floats(values)[0], "count": _floats(counts)[0]})
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    out = grouped_frequency_quantiles(frame, ["g"], "value", "count", qs)
    if out.empty:
        return np.full(len(qs), np.nan)
    first: np.ndarray = out[[_qname(x) for x in qs]].to_numpy(dtype=float)[0]
    return first


def grouped_frequency_quantiles(
    frame: pd.DataFrame,
    by: Sequence[str],
    value: str = "value",
    count: str = "count",
    q: float | Sequence[float] | np.ndarray = (0.25, 0.5, 0.75),
) -> pd.DataFrame:
    """``frequency_quantiles`` for every group of ``by`` at once (vectorised, no per-group Python).

    Returns one row per group: the ``by`` columns, ``n`` (total count) and one column per q named
    ``q25``, ``q50``, ``q75`` (q × 100, to at most 3 decimals: 0.025 → ``q2.5``).
    """
    by = list(by)
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("quantiles must be between 0 and 1")
    data = frame[[*by, value, count]].copy()
    data[value] = pd.to_numeric(data[value]).astype(float)
    data[count] = pd.to_numeric(data[count]).astype(float)
    data = data[np.isfinite(data[value]) & (data[count] > 0)]
    codes = [pd.factorize(data[b], sort=True) for b in by]
    if all((c >= 0).all() for c, _ in codes):
        # the same stable order as sort_values(by + [value], kind="mergesort"), on integer codes
        order = np.lexsort([data[value].to_numpy(), *[c for c, _ in codes][::-1]])
        data = data.iloc[order]
        ordered = [c[order] for c, _ in codes]
        new = np.ones(len(data), dtype=bool)
        if len(data):
            new[1:] = np.any([c[1:] != c[:-1] for c in ordered], axis=0)
        keys = np.cumsum(new) - 1
    else:  # a missing key: let pandas sort and group it
        data = data.sort_values([*by, value], kind="mergesort")
        keys = data.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
    counts = data[count].to_numpy()
    vals = data[value].to_numpy()
    cum = np.cumsum(counts)
    n_groups = int(keys.max()) + 1 if len(keys) else 0
    totals = np.bincount(keys, weights=counts, minlength=n_groups)
    offsets = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    result = data.drop_duplicates(subset=by).loc[:, by].reset_index(drop=True)
    result["n"] = totals
    for x in qs:
        h = (totals - 1) * x
        lo, frac = np.floor(h), h - np.floor(h)
        hi = np.minimum(lo + 1, totals - 1)
        # position k (0-based) in a group's expanded data sits in the first row whose
        # cumulative count exceeds offset + k
        v_lo = vals[np.searchsorted(cum, offsets + lo, side="right")] if n_groups else vals
        v_hi = vals[np.searchsorted(cum, offsets + hi, side="right")] if n_groups else vals
        result[_qname(x)] = v_lo + frac * (v_hi - v_lo)
    return result


def _qname(x: float) -> str:
    return "q" + f"{x * 100:.3f}".rstrip("0").rstrip(".")


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (0.95, 0.998), not {confidence!r}")


def _floats(*args: ArrayLike) -> tuple[Any, ...]:
    """Inputs as float arrays broadcast together, plus the 'like' describing the output shape
    (an index, "scalar" or None: see ``_wrap``)."""
    like: Any = None
    scalar = True
    for a in args:
        if isinstance(a, pd.Series) and like is None:
            like = a.index
        if not np.isscalar(a) and a is not None:
            scalar = False
    arrays = [_to_float(a) for a in args]
    arrays = list(np.broadcast_arrays(*[np.atleast_1d(a) for a in arrays]))
    if like is None and scalar:
        like = "scalar"
    return (*arrays, like)


def _to_float(a: ArrayLike) -> np.ndarray:
    """Numbers as floats; None, pd.NA and text that is not a number become NaN."""
    out: np.ndarray
    if isinstance(a, pd.Series):
        out = pd.to_numeric(a, errors="coerce").astype(float).to_numpy()
        return out
    arr = np.asarray(a if a is not None else np.nan)
    if arr.dtype.kind not in "biuf":
        flat = pd.to_numeric(pd.Series(arr.reshape(-1)), errors="coerce").astype(float)
        out = flat.to_numpy().reshape(arr.shape)
        return out
    return arr.astype(float)


def _wrap(like: Any, *arrays: np.ndarray) -> tuple[Any, ...]:
    if isinstance(like, str) and like == "scalar":
        return tuple(float(np.asarray(a).reshape(-1)[0]) for a in arrays)
    if isinstance(like, pd.Index):
        return tuple(pd.Series(np.asarray(a, dtype=float), index=like) for a in arrays)
    return tuple(np.asarray(a, dtype=float) for a in arrays)

"""Statistical disclosure control: one rule (indicators.md § Disclosure control), applied in one place.

Primary suppression: a figure is hidden when its numerator (for a count, the count) is between 1 and
T − 1, or its denominator is below T (default T = 10). A count of 0 is shown.

Secondary suppression, once per complete table, so that no hidden figure can be worked back from a
published margin. A *margin* is a set of rows whose numerators add up to a published total, and
whose denominators do too: (a) one indicator, period and filter across all areas plus the programme
row; (b) one area and period across all categories of a breakdown plus their total. The rule, applied
to every margin and repeated until nothing changes (the mask only grows, so it stops):

- A margin holding exactly one hidden row (the total row counts as a row) gets a second hidden row:
  the smallest other non-total row, so the margin equation always has 0 or ≥ 2 unknowns. A whole row
  is hidden, so the numerator and the denominator margins are both protected by one choice.
- "Smallest" is measured on what put the lone hidden row at risk: its denominator if that is below T,
  otherwise its numerator (the denominator where a figure has no numerator, e.g. a mean). Rows whose
  measure is 0 come last: hiding a zero beside a small number would let anyone who guesses the zero
  read the small number straight off the margin. Ties go to the lower order key (area code, or
  reference order of categories). Rows with nothing to hide (no numerator and no denominator, e.g.
  an area whose returns do not cover the period) are never chosen.
- If there is no such row, the total row is hidden instead (e.g. one area: programme = area).
- The programme (total) row is primary-suppressed by the same rule as any area. It is then simply
  one of the margin's hidden rows: with it hidden, one more hidden area cell is still needed only if
  the cells alone would reveal it (all cells shown means the total is their sum).

- Where margins overlap (areas × categories, with both kinds of table in one frame) every margin
  can have 0 or ≥ 2 hidden rows and a hidden cell still follow from adding margins up (a "bridge"
  between two protected blocks). So, once the rule above is stable, the hidden rows are checked
  together by linear algebra (``derivable``); a derivable row gets one more complement from its
  first margin and the rule runs again, until no hidden row can be derived.

Not protected, as the specification accepts: bounds (a hidden value known to lie in a narrow
range, e.g. from non-negativity), differencing across periods, and complements (a numerator near its
denominator, so that denominator − numerator is small, is shown).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lfo.indicators.derivation import derivable_blocks
from lfo.reference import BREAKDOWNS  # the code lists, in reference order
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

THRESHOLD = 10
SUPPRESSED = "c"
# text columns that describe a figure and go with it (numeric columns are found by dtype)
_TEXT_PREFIXES = ("comparison", "trend", "significance")
# figure columns nulled whatever their dtype (an all-missing column can arrive as object)
_FIGURES = frozenset({"value", "lower", "upper", "numerator", "denominator", "benchmark"})


@dataclass(frozen=True)
class Margin:
    """One kind of complete table: rows sharing ``keys`` add up to the row where ``total`` is True.

    ``total``: a boolean column marking the total row (None: the total is published elsewhere, as
    with reach.breakdown, whose denominator is the total of its categories' numerators).
    ``order``: column whose ascending order breaks ties. ``split``: optional column dividing the
    non-total rows into separate tables that all share the one total row (e.g. the breakdown of a
    category, when all breakdowns of an area are in one frame).
    """

    keys: tuple[str, ...]
    total: str | None
    order: str
    split: str | None = None


def primary(numerator: Any, denominator: Any = None, threshold: int = THRESHOLD) -> np.ndarray:
    """Boolean mask of primary suppression: numerator in 1…T−1, or denominator below T.

    Pass ``denominator=None`` for counts. Missing values never trigger suppression on their own.
    """
    num = _floats(numerator)
    if denominator is None:
        return (num > 0) & (num < threshold)
    num, den = np.broadcast_arrays(num, _floats(denominator))
    return ((num > 0) & (num < threshold)) | (den < threshold)


def secondary(
    table: pd.DataFrame,
    suppressed: Any,
    margins: Sequence[Margin],
    numerator: str = "numerator",
    denominator: str | None = "denominator",
    threshold: int = THRESHOLD,
    exact: bool = True,
) -> np.ndarray:
    """The primary mask grown by secondary suppression over every margin until stable.

    With ``exact`` (the default), once no margin has a single hidden row, the hidden rows are also
    checked together (see ``derivable``): where margins overlap (areas × categories) a hidden cell
    can be a "bridge" between two protected blocks and follow from adding margins up. Such a cell
    gets one more complement, the smallest other row of its first margin, and the rule runs again.
    """
    hidden = np.asarray(suppressed, dtype=bool).copy()
    if len(hidden) != len(table):
        raise ValueError("the mask must have one entry per row")
    frame = table.reset_index(drop=True)
    num = _floats(frame[numerator]) if numerator in frame else np.full(len(frame), np.nan)
    den = (
        _floats(frame[denominator])
        if denominator and denominator in frame
        else np.full(len(frame), np.nan)
    )
    den_small = den < threshold
    informative = np.isfinite(num) | np.isfinite(den)
    # what to measure "smallest" by: the numerator where there is one, else the denominator
    by_num = np.where(np.isfinite(num), num, den)
    members = [membership(frame, m) for m in margins]
    orders = [frame[m.order].to_numpy() for m in margins]
    for _ in range(len(frame) + 1):
        changed = False
        for mem, order in zip(members, orders, strict=True):
            chosen = _complements(mem, hidden, informative, den_small, by_num, den, order)
            if len(chosen):
                hidden[chosen] = True
                changed = True
        if changed:
            continue
        blocks = derivable_blocks(members, hidden, informative) if exact else []
        candidates = [
            _bridge_complement(rows, members, orders, hidden, informative, den_small, by_num, den)
            for rows in blocks
        ]
        extra = [e for e in candidates if e is not None]
        if not extra:
            return hidden
        hidden[extra] = True  # one per block of equations: one fix may free the whole block
    raise RuntimeError("secondary suppression did not settle")  # unreachable: the mask only grows


def _bridge_complement(
    bridges: Sequence[int],
    members: Sequence[pd.DataFrame],
    orders: Sequence[np.ndarray],
    hidden: np.ndarray,
    informative: np.ndarray,
    den_small: np.ndarray,
    by_num: np.ndarray,
    den: np.ndarray,
) -> int | None:
    """One more row to hide for the first derivable hidden row (None when there is none)."""
    for row in bridges:
        for mem, order in zip(members, orders, strict=True):
            groups = mem.loc[mem["pos"] == row, "gid"]
            if groups.empty:
                continue
            in_group = mem[mem["gid"].isin(groups) & (mem["pos"] != row)]
            pos = in_group["pos"].to_numpy()
            ok = ~hidden[pos] & informative[pos]
            if not ok.any():
                continue
            c = in_group[ok]
            p = c["pos"].to_numpy()
            size = den[p] if den_small[row] else by_num[p]
            c = c.assign(
                total_last=c["is_total"].astype(int),
                zero_last=(size == 0).astype(int),
                size=size,
                order=order[p],
            )
            c = c.sort_values(
                ["total_last", "zero_last", "size", "order"], na_position="last", kind="mergesort"
            )
            return int(c["pos"].iloc[0])
    if len(bridges):
        log.warning("a hidden row can be derived and no row is left to hide beside it")
    return None


def apply(
    table: pd.DataFrame,
    threshold: int = THRESHOLD,
    margins: Sequence[Margin] = (),
    numerator: str = "numerator",
    denominator: str | None = "denominator",
    keep: Sequence[str] = (),
    status: str = "status",
) -> pd.DataFrame:
    """Primary and secondary suppression applied to a copy of ``table``.

    In a suppressed row: status becomes "c"; every numeric column (value, limits, numerator,
    denominator, moments, quartiles, …) becomes null, except boolean columns and the columns named
    in ``margins`` or ``keep``; so do text columns whose names start with comparison, trend or
    significance. Other rows are returned unchanged (status untouched).
    """
    den = table[denominator] if denominator and denominator in table else None
    mask = primary(table[numerator], den, threshold)
    mask = secondary(table, mask, margins, numerator, denominator, threshold)
    return hide(table, mask, keep=_protected(margins, keep), status=status)


def hide(
    table: pd.DataFrame, mask: Any, keep: Collection[str] = (), status: str = "status"
) -> pd.DataFrame:
    """Null the figures of the rows in ``mask`` and set their status to "c" (see ``apply``)."""
    out = table.copy()
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return out
    for column in out.columns:
        if column in keep or column == status:
            continue
        dtype = out[column].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        if numeric:
            values = out[column].astype(float).to_numpy()
            out[column] = pd.Series(np.where(mask, np.nan, values), index=out.index, dtype=float)
        elif column in _FIGURES or str(column).startswith(_TEXT_PREFIXES):
            values = out[column].astype(object).to_numpy().copy()
            values[mask] = None
            out[column] = pd.Series(values, index=out.index, dtype=object)
    values = (
        out[status].astype(object).to_numpy().copy()
        if status in out
        else np.full(len(out), None, dtype=object)
    )
    values[mask] = SUPPRESSED
    out[status] = pd.Series(values, index=out.index, dtype=object)
    log.debug("suppressed %d of %d rows", int(mask.sum()), len(out))
    return out


def _protected(margins: Sequence[Margin], keep: Sequence[str]) -> set[str]:
    names = set(keep)
    for m in margins:
        names.update(m.keys)
        names.add(m.order)
        names.update(c for c in (m.total, m.split) if c)
    return names


def membership(frame: pd.DataFrame, margin: Margin) -> pd.DataFrame:
    """Rows of each margin group: ``pos`` (row position), ``gid`` (group id), ``is_total``."""
    keys = list(margin.keys)
    is_total = (
        frame[margin.total].fillna(False).astype(bool).to_numpy()
        if margin.total
        else np.zeros(len(frame), dtype=bool)
    )
    pos = np.arange(len(frame))
    if margin.split is None:
        gid = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        return pd.DataFrame({"pos": pos, "gid": gid, "is_total": is_total})
    cells = frame.loc[~is_total, [*keys, margin.split]].assign(pos=pos[~is_total])
    cells["gid"] = cells.groupby([*keys, margin.split], dropna=False, sort=False).ngroup()
    totals = frame.loc[is_total, keys].assign(pos=pos[is_total])
    groups = cells.drop_duplicates("gid")[[*keys, "gid"]]
    linked = groups.merge(totals, on=keys, how="inner")
    return pd.concat(
        [
            pd.DataFrame(
                {"pos": cells["pos"].to_numpy(), "gid": cells["gid"].to_numpy(), "is_total": False}
            ),
            pd.DataFrame(
                {"pos": linked["pos"].to_numpy(), "gid": linked["gid"].to_numpy(), "is_total": True}
            ),
        ],
        ignore_index=True,
    )


def _complements(
    mem: pd.DataFrame,
    hidden: np.ndarray,
    informative: np.ndarray,
    den_small: np.ndarray,
    by_num: np.ndarray,
    den: np.ndarray,
    order: np.ndarray,
) -> np.ndarray:
    """Positions to hide so that no group of this margin has exactly one hidden row."""
    if mem.empty:
        return np.array([], dtype=int)
    pos = mem["pos"].to_numpy()
    gid = mem["gid"].to_numpy()
    h = hidden[pos]
    counts = np.bincount(gid, weights=h.astype(float))
    lone = counts[gid] == 1
    if not lone.any():
        return np.array([], dtype=int)
    # the reason of each lone group's hidden row: its denominator is below T, or not
    lone_hidden = lone & h
    reason_den = pd.Series(den_small[pos[lone_hidden]], index=gid[lone_hidden])
    reason_den = reason_den[~reason_den.index.duplicated()]
    cand = lone & ~h & informative[pos]
    c = pd.DataFrame(
        {"pos": pos[cand], "gid": gid[cand], "is_total": mem["is_total"].to_numpy()[cand]}
    )
    use_den = reason_den.reindex(c["gid"]).fillna(False).to_numpy(dtype=bool)
    size = np.where(use_den, den[c["pos"]], by_num[c["pos"]])
    c = c.assign(
        total_last=c["is_total"].astype(int),
        zero_last=(size == 0).astype(int),
        size=size,
        order=order[c["pos"]],
    )
    c = c.sort_values(
        ["gid", "total_last", "zero_last", "size", "order"], na_position="last", kind="mergesort"
    )
    first = c.drop_duplicates("gid")
    chosen: np.ndarray = first["pos"].to_numpy(dtype=int)
    return chosen


def _floats(values: Any) -> np.ndarray:
    out: np.ndarray = (
        pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(values, dtype=object))), errors="coerce")
        .astype(float)
        .to_numpy()
    )
    return out


# --- the engine's frames ------------------------------------------------------------------------
# kinds whose denominator is not a number of people (a target) or which have none (a count)
_NUMERATOR_ONLY = frozenset({"count", "target"})


def suppress_indicator(
    df: pd.DataFrame, kind: str, threshold: int = THRESHOLD, programme: str = PROGRAMME
) -> pd.DataFrame:
    """Disclosure control for one indicator's rows (all areas, the programme, periods, categories).

    Expects columns area_code, period, category, numerator, denominator, status (and any figures).
    Margins: (a) each period × category across areas, with the programme row (area_code ==
    ``programme``) as total; (b) for kind "breakdown", each area × period × breakdown across its
    categories ("sex:male", …), whose total is the published denominator. Counts and targets are
    tested on the numerator only (a target is not a number of people). Where the programme row is
    suppressed, the benchmark and comparison of every row of that period and category are nulled
    too (they would show the programme value). ``areas_pooled`` is kept.
    """
    frame = df.reset_index(drop=True).copy()
    frame["_is_programme"] = frame["area_code"] == programme
    margins = [Margin(keys=("period", "category"), total="_is_programme", order="area_code")]
    if kind == "breakdown":
        # split each distinct category once ("sex:male" -> "sex", "male"), then spread
        codes, distinct = pd.factorize(frame["category"].astype(object), use_na_sentinel=False)
        parts = pd.Series(distinct, dtype=object).str.split(":", n=1, expand=True)
        frame["_breakdown"] = parts[0].to_numpy()[codes]
        frame["_category_order"] = _category_order(parts[0], parts[1])[codes]
        margins.append(
            Margin(keys=("area_code", "period", "_breakdown"), total=None, order="_category_order")
        )
    denominator = None if kind in _NUMERATOR_ONLY else "denominator"
    out = apply(
        frame,
        threshold,
        margins,
        "numerator",
        denominator,
        keep=("areas_pooled", "area_code", "period", "category"),
    )
    prog_hidden = out.loc[
        out["_is_programme"] & (out["status"] == SUPPRESSED), ["period", "category"]
    ]
    if not prog_hidden.empty and "benchmark" in out:
        keys = pd.MultiIndex.from_frame(out[["period", "category"]].astype(object))
        hit = keys.isin(pd.MultiIndex.from_frame(prog_hidden.astype(object)))
        out.loc[hit, "benchmark"] = np.nan
        if "comparison" in out:
            out["comparison"] = out["comparison"].astype(object)
            out.loc[hit, "comparison"] = None
    helpers = [c for c in ("_is_programme", "_breakdown", "_category_order") if c in out]
    out = out.drop(columns=helpers)
    out.index = df.index
    return out


def _category_order(breakdown: pd.Series, category: pd.Series) -> np.ndarray:
    """Reference order of each breakdown category (unknown categories after, alphabetically)."""
    rank = {(b, c): i for b, cats in BREAKDOWNS.items() for i, c in enumerate(cats)}
    known = [rank.get((b, c)) for b, c in zip(breakdown, category, strict=True)]
    fallback = pd.Series(category.astype(str)).rank(method="dense").to_numpy() + 1000
    return np.array(
        [k if k is not None else f for k, f in zip(known, fallback, strict=True)], dtype=float
    )

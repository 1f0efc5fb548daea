"""What a release owes the release before it: the programme cells it must hide, and its revisions.

indicators.md v2 (disclosure across releases): a programme value is ``c`` in a release when its
change from the previous release comes from an area whose cell is ``c`` in either. The rule
here: for each programme cell published in both releases whose figure changed, if every area is
published in both, the change is the areas' own and nothing is hidden; otherwise, for counted
figures (a numerator and denominator) the change is kept only when the published areas' changes
add up to it exactly (the hidden areas' total did not move, so subtracting reveals nothing new);
for other figures (means, medians) any hidden area hides the changed programme value.

The revisions (service.md § 7): every figure of a period published in both releases whose
published form changed (a value, or a status: a ``c`` on either side shows as ``c``, and a cell
``c`` in both is never listed), with the LA returns that changed between the two releases.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lfo.indicators.cells import NO_CATEGORY
from lfo.terms import PROGRAMME

FIGURES = ["value", "numerator", "denominator", "status"]
HIDDEN = "c"


def _shown(value: object, status: object) -> str:
    """A figure as published: its status code, or the value in full (repr: exact)."""
    if isinstance(status, str) and status:
        return status
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, (int, float, np.number)) else str(value)


def _prepared(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[["indicator", "grp", "area_code", "period", "category", *FIGURES]].copy()
    out["category"] = out["category"].astype(object).where(out["category"].notna(), NO_CATEGORY)
    out["status"] = out["status"].astype(object).where(out["status"].notna(), "")
    out["shown"] = [_shown(v, s) for v, s in zip(out["value"], out["status"], strict=True)]
    return out


#: Kinds whose programme figure is the sum of its areas' numerators and denominators.
ADDITIVE = frozenset({"count", "proportion", "rate", "target", "breakdown", "funnel"})


def programme_cells_to_hide(
    new: pd.DataFrame, old: pd.DataFrame
) -> dict[tuple[str, str], set[tuple[str, str, str]]]:
    """The programme cells (plan keys: (indicator, grp) → {(area, period, category)}) the new
    release must hide because of the old one (module docstring). ``new``/``old``: cell rows
    (``lfo.indicators.cells``: indicator, grp, area_code, period, category, numerator,
    denominator, kind) with ``hidden``, each release's own plan."""
    if new.empty or old.empty:
        return {}
    keys = ["indicator", "grp", "area_code", "period", "category"]
    both = new[[*keys, "numerator", "denominator", "kind", "hidden"]].merge(
        old[[*keys, "numerator", "denominator", "hidden"]], on=keys, suffixes=("", "_old")
    )
    for col in ("numerator", "denominator", "numerator_old", "denominator_old"):
        both[col] = pd.to_numeric(both[col], errors="coerce").fillna(0.0)
    both["either"] = both["hidden"].astype(bool) | both["hidden_old"].astype(bool)
    prog = both[both["area_code"] == PROGRAMME]
    moved = prog[
        ~prog["either"]
        & (
            (prog["numerator"] != prog["numerator_old"])
            | (prog["denominator"] != prog["denominator_old"])
        )
    ]
    if moved.empty:
        return {}
    areas = both[both["area_code"] != PROGRAMME]
    group = ["indicator", "grp", "period", "category"]
    hidden_any = areas.groupby(group, sort=False)["either"].any()
    shown = areas[~areas["either"]]
    change = (
        (shown["numerator"] - shown["numerator_old"])
        .groupby([shown[g] for g in group], sort=False)
        .sum()
    )
    change_d = (
        (shown["denominator"] - shown["denominator_old"])
        .groupby([shown[g] for g in group], sort=False)
        .sum()
    )
    out: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
    for row in moved.itertuples(index=False):
        key = (row.indicator, row.grp, row.period, row.category)
        if not bool(hidden_any.get(key, False)):
            continue  # every area published in both: the change is theirs, in the open
        if (
            row.kind in ADDITIVE
            and math.isclose(
                row.numerator - row.numerator_old, float(change.get(key, 0.0)), abs_tol=1e-9
            )
            and math.isclose(
                row.denominator - row.denominator_old, float(change_d.get(key, 0.0)), abs_tol=1e-9
            )
        ):
            continue  # the hidden areas' total did not move
        out.setdefault((str(row.indicator), str(row.grp)), set()).add(
            (PROGRAMME, str(row.period), str(row.category))
        )
    return out


def revisions(
    new: pd.DataFrame,
    old: pd.DataFrame,
    changed_returns: Mapping[str, str],
) -> pd.DataFrame:
    """The figures of periods published in both releases whose published form changed, with
    the LA returns that changed them (``changed_returns``: area code → "Name: period (file)",
    the areas whose current return differs between the two releases)."""
    columns = ["indicator", "grp", "area_code", "period", "category"]
    if new.empty or old.empty:
        return pd.DataFrame(columns=[*columns, "old_value", "new_value", "returns"])
    both = _prepared(new).merge(_prepared(old), on=columns, suffixes=("", "_old"))
    moved = both[(both["shown"] != both["shown_old"])]
    moved = moved[~((moved["status"] == HIDDEN) & (moved["status_old"] == HIDDEN))]
    every = "; ".join(changed_returns[a] for a in sorted(changed_returns))
    why = [
        (every if area == PROGRAMME else changed_returns.get(area, "")) or "no new return"
        for area in moved["area_code"]
    ]
    out = moved[columns].copy()
    out["category"] = out["category"].where(out["category"] != NO_CATEGORY, None)
    out["old_value"] = moved["shown_old"].to_numpy()
    out["new_value"] = moved["shown"].to_numpy()
    out["returns"] = why
    return out.reset_index(drop=True)

"""Suppression across releases (indicators.md v2) and revisions, on crafted cells: a changed
programme figure is hidden when a hidden area's change would show through, and only then."""

from __future__ import annotations

import pandas as pd

from lfo.release_compare import programme_cells_to_hide, revisions
from lfo.terms import PROGRAMME

KEY = ("reach.parents", "all", "2017-18_Q3", "")


def cells(values: dict[str, tuple[int, int, bool]], kind: str = "count") -> pd.DataFrame:
    """Cells of one indicator, filter, period: area → (numerator, denominator, hidden)."""
    ind, grp, per, cat = KEY
    return pd.DataFrame(
        [
            {
                "indicator": ind,
                "grp": grp,
                "area_code": area,
                "period": per,
                "category": cat,
                "numerator": n,
                "denominator": d,
                "kind": kind,
                "hidden": hidden,
            }
            for area, (n, d, hidden) in values.items()
        ]
    )


def test_a_programme_change_that_comes_from_a_hidden_area_is_hidden():
    old = cells({"A": (20, 0, False), "B": (4, 0, True), PROGRAMME: (24, 0, False)})
    new = cells({"A": (20, 0, False), "B": (7, 0, True), PROGRAMME: (27, 0, False)})
    # 27 - 24 = 3, and A did not move: B's hidden count moved by 3 (4 → 7 would show through)
    assert programme_cells_to_hide(new, old) == {
        ("reach.parents", "all"): {(PROGRAMME, "2017-18_Q3", "")}
    }


def test_a_change_the_published_areas_explain_is_kept():
    old = cells({"A": (20, 0, False), "B": (4, 0, True), PROGRAMME: (24, 0, False)})
    new = cells({"A": (25, 0, False), "B": (4, 0, True), PROGRAMME: (29, 0, False)})
    assert programme_cells_to_hide(new, old) == {}


def test_an_area_hidden_in_the_old_release_only_counts_too():
    old = cells({"A": (20, 0, False), "B": (4, 0, True), PROGRAMME: (24, 0, False)})
    new = cells({"A": (20, 0, False), "B": (12, 0, False), PROGRAMME: (32, 0, False)})
    # B is hidden in the old release only: the change 32 - 24 = 8 minus B's new 12 would give
    # B's hidden old value; the areas published in both (A) do not explain it, so it is hidden
    assert programme_cells_to_hide(new, old) == {
        ("reach.parents", "all"): {(PROGRAMME, "2017-18_Q3", "")}
    }


def test_without_hidden_areas_nothing_is_hidden_and_means_are_strict():
    old = cells({"A": (20, 0, False), "B": (14, 0, False), PROGRAMME: (34, 0, False)})
    new = cells({"A": (21, 0, False), "B": (14, 0, False), PROGRAMME: (36, 0, False)})
    assert programme_cells_to_hide(new, old) == {}  # every area published: all in the open
    old_m = cells({"A": (20, 30, False), "B": (4, 5, True), PROGRAMME: (24, 35, False)}, "mean")
    new_m = cells({"A": (25, 36, False), "B": (4, 5, True), PROGRAMME: (29, 41, False)}, "mean")
    assert programme_cells_to_hide(new_m, old_m) != {}  # a mean does not add up: hidden


def test_an_unchanged_or_already_hidden_programme_is_left_alone():
    old = cells({"A": (20, 0, False), "B": (4, 0, True), PROGRAMME: (24, 0, False)})
    assert programme_cells_to_hide(old, old) == {}
    hidden = cells({"A": (20, 0, False), "B": (7, 0, True), PROGRAMME: (27, 0, True)})
    assert programme_cells_to_hide(hidden, old) == {}
    assert programme_cells_to_hide(old, pd.DataFrame()) == {}  # the first release


def rows(values: dict[str, tuple[float | None, str | None]]) -> pd.DataFrame:
    ind, grp, per, _ = KEY
    return pd.DataFrame(
        [
            {
                "indicator": ind,
                "grp": grp,
                "area_code": area,
                "period": per,
                "category": None,
                "value": value,
                "numerator": value,
                "denominator": None,
                "status": status,
            }
            for area, (value, status) in values.items()
        ]
    )


def test_revisions_list_changed_figures_show_c_and_never_c_to_c():
    old = rows({"A": (20.0, None), "B": (None, "c"), "C": (None, "c"), "D": (5.0, None)})
    new = rows({"A": (21.0, None), "B": (None, "c"), "C": (11.0, None), "D": (5.0, None)})
    found = revisions(new, old, {"A": "Area A: return for 2017-18_Q4 (file)"})
    listed = {r.area_code: (r.old_value, r.new_value, r.returns) for r in found.itertuples()}
    assert listed == {
        "A": ("20.0", "21.0", "Area A: return for 2017-18_Q4 (file)"),
        "C": ("c", "11.0", "no new return"),
    }

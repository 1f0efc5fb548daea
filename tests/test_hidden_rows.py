"""The rows a disclosure plan hides, held as integers (``lfo.indicators.hidden_rows``): the same
answers as the (area, period, category) triples they stand for."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from lfo.indicators.hidden_rows import HiddenRows

AREAS = ["E06000009", "E08000021", "E08000037", "E10000015"]
PERIODS = ["2016-17", "2016-17_Q4", "2017-18_Q1", "2017-18_Q2"]
CATEGORIES = ["", "female", "male", "not_known"]


def random_triples(rng: np.random.Generator, n: int) -> set[tuple[str, str, str]]:
    return {
        (str(rng.choice(AREAS)), str(rng.choice(PERIODS)), str(rng.choice(CATEGORIES)))
        for _ in range(n)
    }


def test_a_rows_mask_is_membership_of_its_triples():
    rng = np.random.default_rng(3)
    hidden = {("reach.parents", "all"): random_triples(rng, 20), ("uptake", "mybt"): set()}
    hidden[("outcome.csi4.recovery", "level:targeted")] = random_triples(rng, 9)
    rows = HiddenRows.of_triples(hidden)
    asked = pd.DataFrame(
        [(*t,) for t in random_triples(rng, 60)] + [("E99999999", "2016-17", "")],
        columns=["area_code", "period", "category"],
    )
    asked.loc[asked["category"] == "", "category"] = None  # none asked as missing
    for key, triples in hidden.items():
        expected = [
            (a, p, "" if pd.isna(c) else c) in triples for a, p, c in asked.itertuples(index=False)
        ]
        assert rows.mask(key, asked).tolist() == expected
        assert rows.triples(key) == triples
    assert not rows.mask(("not.an.indicator", "all"), asked).any()
    assert len(rows) == sum(map(len, hidden.values()))


def test_rows_survive_pickling_and_merging():
    rng = np.random.default_rng(5)
    first = {("reach.parents", "all"): random_triples(rng, 12)}
    more = {
        ("reach.parents", "all"): {("E99999999", "2099-00", "new")},
        ("b", "all"): {("E06000009", "2016-17", "")},
    }
    rows = HiddenRows.of_triples(first)
    assert pickle.loads(pickle.dumps(rows)) == rows
    merged = rows.merged(more)
    assert (
        merged.triples(("reach.parents", "all"))
        == first[("reach.parents", "all")] | more[("reach.parents", "all")]
    )
    assert merged.triples(("b", "all")) == {("E06000009", "2016-17", "")}
    assert merged != rows and rows == HiddenRows.of_triples(first)


def test_a_missing_category_is_none_when_made_from_a_frame():
    frame = pd.DataFrame(
        {
            "indicator": ["reach.parents", "reach.parents"],
            "grp": ["all", "all"],
            "area_code": ["E06000009", "E08000021"],
            "period": ["2016-17", "2016-17"],
            "category": [None, "female"],
        }
    )
    rows = HiddenRows.of_frame(frame)
    assert rows.triples(("reach.parents", "all")) == {
        ("E06000009", "2016-17", ""),
        ("E08000021", "2016-17", "female"),
    }

"""The rows a disclosure plan hides, held as whole numbers (``lfo.indicators.protection.Plan``).

A national plan hides about 4 million rows of the published set. Held as Python tuples of
strings (area code, period, category) per indicator and group, a plan took 50 MB and 1.9 s to
read back from the results folder: the first result a web process computed for itself waited
for it. Here each row is one integer, its area's, period's and category's places in three
lists, and each indicator and group keeps its integers sorted in one array: read back in
milliseconds, and a result's rows are looked up at once (``mask``) instead of one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lfo.indicators.cells import NO_CATEGORY

Key = tuple[str, str]  # (indicator, grp)
Triple = tuple[str, str, str]  # (area_code, period, category)


@dataclass(frozen=True, eq=False)
class HiddenRows:
    """Per (indicator, grp), the sorted codes of its hidden rows: code = (area × len(periods) +
    period) × len(categories) + category, each the value's place in its list."""

    areas: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    codes: Mapping[Key, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of_frame(cls, rows: pd.DataFrame) -> HiddenRows:
        """From a frame of hidden rows (columns indicator, grp, area_code, period, category)."""
        vocab: list[tuple[str, ...]] = []
        places = []
        category = rows["category"].astype(object).fillna(NO_CATEGORY)
        for column in (rows["area_code"].astype(object), rows["period"].astype(object), category):
            place, values = pd.factorize(column, sort=True)
            vocab.append(tuple(str(v) for v in values))
            places.append(place.astype(np.int64))
        code = _combine(places, vocab)
        out: dict[Key, np.ndarray] = {}
        keys = rows[["indicator", "grp"]].astype(object)
        for (ind, grp), at in keys.groupby(["indicator", "grp"], sort=False).indices.items():
            out[(str(ind), str(grp))] = np.unique(code[at])
        return cls(vocab[0], vocab[1], vocab[2], out)

    @classmethod
    def of_triples(cls, hidden: Mapping[Key, Iterable[Triple]]) -> HiddenRows:
        """From (area_code, period, category) triples per (indicator, grp)."""
        records = [(ind, grp, *t) for (ind, grp), triples in hidden.items() for t in triples]
        columns = ["indicator", "grp", "area_code", "period", "category"]
        return cls.of_frame(pd.DataFrame.from_records(records, columns=columns))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HiddenRows):
            return NotImplemented
        return (
            self._vocab == other._vocab
            and self.codes.keys() == other.codes.keys()
            and all(np.array_equal(c, other.codes[k]) for k, c in self.codes.items())
        )

    __hash__ = None  # type: ignore[assignment]  # (mutable arrays inside)

    def __len__(self) -> int:
        """How many rows are hidden in all."""
        return sum(len(c) for c in self.codes.values())

    def mask(self, key: Key, rows: pd.DataFrame) -> np.ndarray:
        """Which of ``rows`` (area_code, period, category; a missing category is none) are
        hidden for ``key``."""
        hidden = self.codes.get(key)
        if hidden is None or len(hidden) == 0 or rows.empty:
            return np.zeros(len(rows), dtype=bool)
        category = rows["category"].astype(object).where(rows["category"].notna(), NO_CATEGORY)
        places = [
            pd.Index(vocab, dtype=object).get_indexer(pd.Index(values, dtype=object))
            for vocab, values in zip(
                self._vocab, (rows["area_code"], rows["period"], category), strict=True
            )
        ]
        known = np.all([p >= 0 for p in places], axis=0)
        code = _combine([p.astype(np.int64) for p in places], self._vocab)
        at = np.searchsorted(hidden, code).clip(max=len(hidden) - 1)
        found: np.ndarray = known & (hidden[at] == code)
        return found

    def triples(self, key: Key) -> frozenset[Triple]:
        """The hidden rows of ``key`` as (area_code, period, category)."""
        code = self.codes.get(key)
        if code is None:
            return frozenset()
        rest, category = np.divmod(code, max(len(self.categories), 1))
        area, period = np.divmod(rest, max(len(self.periods), 1))
        a, p, c = (np.asarray(v, dtype=object) for v in self._vocab)
        return frozenset(zip(a[area], p[period], c[category], strict=True))

    def items(self) -> Iterator[tuple[Key, frozenset[Triple]]]:
        """Every (indicator, grp) with its hidden rows as triples."""
        for key in self.codes:
            yield key, self.triples(key)

    def merged(self, more: Mapping[Key, Iterable[Triple]]) -> HiddenRows:
        """These rows and ``more``."""
        every: dict[Key, set[Triple]] = {k: set(v) for k, v in self.items()}
        for key, triples in more.items():
            every.setdefault(key, set()).update(triples)
        return HiddenRows.of_triples(every)

    @property
    def _vocab(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        return self.areas, self.periods, self.categories


def _combine(places: list[np.ndarray], vocab: Iterable[tuple[str, ...]]) -> np.ndarray:
    area, period, category = places
    _, n_periods, n_categories = (max(len(v), 1) for v in vocab)
    code: np.ndarray = (area * n_periods + period) * n_categories + category
    return code

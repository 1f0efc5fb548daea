"""Results and disclosure plans as Redis holds them (``dashboard.services.result_codec``): every
indicator's whole result comes back exactly (dtypes, floats, None apart from NaN), and anything
that is not such a value is refused, never unpickled or evaluated."""

from __future__ import annotations

import base64
import json
import pickle
import zlib

import numpy as np
import pandas as pd
import pytest
from support.engine_db import build_db, episode

from dashboard.services import result_codec
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.benchmarks import KINDS
from lfo.indicators.definitions import indicators
from lfo.indicators.protection import make_plan
from lfo.indicators.request import Query, Result, ResultMeta


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> IndicatorData:
    """Three areas, one so small that the disclosure plan hides some of its cells."""
    q2 = "2017-08-15"
    areas = {
        "E08000021": [episode("completed", q2)] * 30 + [episode("dropped_out", q2)] * 5,
        "E08000037": [episode("completed", q2)] * 12,
        "E06000009": [episode("completed", q2)] * 3,
    }
    url = build_db(tmp_path_factory.mktemp("codec") / "lfo.db", areas)
    return IndicatorData(Database(url), 10)


def same_values(a: pd.Series, b: pd.Series) -> bool:
    """Equal, and of the same Python types (None is not NaN)."""
    return [type(v) for v in a] == [type(v) for v in b] and a.equals(b)


@pytest.mark.parametrize("benchmark", KINDS)
def test_every_indicators_whole_result_comes_back_exactly(data, benchmark):
    for ind in indicators().values():
        made = data.result(Query(indicators=(ind,), threshold=10, benchmark=benchmark))
        back = result_codec.decode(result_codec.encode(made))
        assert isinstance(back, Result) and back.meta == made.meta
        pd.testing.assert_frame_equal(back.rows, made.rows, check_exact=True)
        for column in made.rows.columns:
            assert same_values(back.rows[column], made.rows[column]), (ind.id, column)


def test_a_disclosure_plan_comes_back_exactly(data):
    with data.db.engine.connect() as conn:
        plan = make_plan(conn, 10)
    assert plan.hidden  # some cells hidden: the test has something to carry
    assert result_codec.decode(result_codec.encode(plan)) == plan


def test_an_empty_result_comes_back():
    empty = Result(pd.DataFrame({"value": pd.Series([], dtype="float64")}), ResultMeta(None, 10))
    back = result_codec.decode(result_codec.encode(empty))
    pd.testing.assert_frame_equal(back.rows, empty.rows)


def _plan_with(lists: object, codes: object) -> bytes:
    doc = {"format": 2, "type": "plan", "threshold": 10, "counts": {}, "seconds": 1.0}
    doc["hidden"] = {"lists": lists, "codes": codes}
    return zlib.compress(json.dumps(doc).encode())


def _b64(*codes: int) -> str:
    return base64.b64encode(np.array(codes, dtype="<i8").tobytes()).decode()


GOOD_LISTS = [["E1", "E2"], ["2017-18_Q1"], [""]]
#: hidden rows a plan may not hold: each is refused (a plan with GOOD_LISTS and codes 0, 1 is not)
BAD_HIDDEN = [
    (GOOD_LISTS, [["i", "all", _b64(0, 2)]]),  # a code past the last area
    (GOOD_LISTS, [["i", "all", _b64(1, 0)]]),  # out of order
    (GOOD_LISTS, [["i", "all", _b64(0, 0)]]),  # repeated
    (GOOD_LISTS, [["i", "all", _b64(-1)]]),  # negative
    (GOOD_LISTS, [["i", "all", "not base64!"]]),
    (GOOD_LISTS, [["i", "all", base64.b64encode(b"abc").decode()]]),  # not whole int64s
    ([["E1", "E1"], ["2017-18_Q1"], [""]], [["i", "all", _b64(0)]]),  # a list with repeats
    ([["E1"], ["2017-18_Q1"], [7]], []),  # a value not a string
    (GOOD_LISTS, [["i", "all", _b64(0)], ["i", "all", _b64(1)]]),  # a key twice
    ([["E1"], ["2017-18_Q1"], []], [["i", "all", _b64(0)]]),  # a code with no category
]


def test_a_plan_of_good_hidden_rows_is_read():
    plan = result_codec.decode(_plan_with(GOOD_LISTS, [["i", "all", _b64(0, 1)]]))
    assert plan.hidden.triples(("i", "all")) == {("E1", "2017-18_Q1", ""), ("E2", "2017-18_Q1", "")}


@pytest.mark.parametrize(
    "data",
    [
        pickle.dumps(ValueError("runs on unpickling")),
        zlib.compress(pickle.dumps({"format": 1})),
        zlib.compress(b'{"format": 1, "type": "eval", "code": "1+1"}'),
        zlib.compress(b'{"format": 2, "type": "plan"}'),
        zlib.compress(
            b'{"format":2,"type":"result","meta":[null,10,"2"],"rows":[["a","category",["x"]]]}'
        ),
        zlib.compress(
            b'{"format":2,"type":"result","meta":[null,10,"2"],'
            b'"rows":[["a","object",[{"__class__":"x"}]]]}'
        ),
        *(_plan_with(lists, codes) for lists, codes in BAD_HIDDEN),
        b"",
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(ValueError, match=r"not an encoded value|neither"):
        result_codec.decode(data)


def test_a_frame_it_cannot_hold_exactly_is_not_shared():
    odd = Result(pd.DataFrame({"a": [1]}, index=[5]), ResultMeta(None, 10))
    with pytest.raises(result_codec.Unsupported):
        result_codec.encode(odd)
    tuples = Result(pd.DataFrame({"a": pd.Series([(1, 2)], dtype=object)}), ResultMeta(None, 10))
    with pytest.raises(result_codec.Unsupported):
        result_codec.encode(tuples)

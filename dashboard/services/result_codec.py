"""Indicator results and disclosure plans as bytes that decoding cannot turn into code: what the
Redis cache (``dashboard.services.redis_cache``) stores.

The folder cache pickles, because its folder is private to the service account (0700). A Redis
server is reached over the network by every web host, so anything that can write to it could
write a value; unpickling such a value would run its code in every host. Here a value is JSON
(compressed with zlib): decoding builds only a ``Result`` (a frame of known column types and its
``ResultMeta``) or a ``Plan`` (strings, and whole numbers as base64 bytes checked for order and
range), and refuses anything else with ``ValueError`` (the caller then computes the value
itself).

A frame keeps each column's dtype by name, and its values as Python's own: floats round-trip
exactly (``json`` writes ``repr``, and ``NaN``/``Infinity`` as such), and an object column keeps
``None`` apart from ``NaN``. Only the kinds of column the engine makes are accepted (numbers,
booleans, strings, objects holding scalars) with a plain 0..n-1 index: anything else raises
``Unsupported`` and the value is not shared (still correct, computed by each host).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np
import pandas as pd

from lfo.indicators.hidden_rows import HiddenRows
from lfo.indicators.protection import Plan
from lfo.indicators.request import Result, ResultMeta

FORMAT = 2  # changed when the layout changes: an older value is then a miss, never misread
_DTYPES = frozenset({"float64", "int64", "bool", "str", "object"})
_SCALARS = (str, int, float, bool, type(None))


class Unsupported(TypeError):
    """A value this format cannot hold exactly (it is then not shared)."""


def encode(value: Result | Plan) -> bytes:
    """``value`` as compressed JSON (``Unsupported`` if it cannot be held exactly)."""
    if isinstance(value, Result):
        doc: dict[str, Any] = {
            "format": FORMAT,
            "type": "result",
            "meta": [value.meta.data_as_at, value.meta.threshold, value.meta.definitions_version],
            "rows": _frame(value.rows),
        }
    elif isinstance(value, Plan):
        doc = {
            "format": FORMAT,
            "type": "plan",
            "threshold": value.threshold,
            "hidden": _hidden(value.hidden),
            "counts": value.counts,
            "seconds": value.seconds,
        }
    else:
        raise Unsupported(f"cannot share a {type(value).__name__}")
    return zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 1)


def decode(data: bytes) -> Result | Plan:
    """The value ``encode`` made; ``ValueError`` for anything else."""
    try:
        doc = json.loads(zlib.decompress(data))
    except (zlib.error, UnicodeDecodeError) as exc:
        raise ValueError(f"not an encoded value: {exc}") from None
    _expect(isinstance(doc, dict) and doc.get("format") == FORMAT, "an unknown format")
    if doc.get("type") == "result":
        meta = doc.get("meta")
        _expect(isinstance(meta, list) and len(meta) == 3, "a result without its meta")
        as_at, threshold, definitions = meta
        _expect(isinstance(as_at, str | None), "a bad data_as_at")
        _expect(type(threshold) is int and isinstance(definitions, str), "a bad meta")
        return Result(_unframe(doc.get("rows")), ResultMeta(as_at, threshold, definitions))
    if doc.get("type") == "plan":
        return _plan(doc)
    raise ValueError("neither a result nor a plan")


def _expect(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"not an encoded value: {what}")


def _frame(rows: pd.DataFrame) -> list[list[Any]]:
    index = rows.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        raise Unsupported("a frame whose index is not 0..n-1")
    if not rows.columns.is_unique or not all(isinstance(c, str) for c in rows.columns):
        raise Unsupported("a frame whose columns are not unique strings")
    out = []
    for name in rows.columns:
        column = rows[name]
        dtype = str(column.dtype)
        if dtype not in _DTYPES:
            raise Unsupported(f"a column of {dtype} ({name})")
        values = column.tolist()
        if dtype == "object" and not all(type(v) in _SCALARS for v in values):
            raise Unsupported(f"a column holding more than plain values ({name})")
        out.append([name, dtype, values])
    return out


def _unframe(columns: object) -> pd.DataFrame:
    _expect(isinstance(columns, list), "rows that are not a list of columns")
    assert isinstance(columns, list)
    data: dict[str, pd.Series] = {}
    length = None
    for column in columns:
        _expect(isinstance(column, list) and len(column) == 3, "a bad column")
        name, dtype, values = column
        _expect(isinstance(name, str) and name not in data, "a bad column name")
        _expect(dtype in _DTYPES and isinstance(values, list), f"a bad column ({name})")
        _expect(length is None or len(values) == length, f"a column of another length ({name})")
        _expect(all(type(v) in _SCALARS for v in values), f"a column of odd values ({name})")
        length = len(values)
        data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, index=pd.RangeIndex(length or 0))


def _plan(doc: dict[str, Any]) -> Plan:
    threshold, hidden, counts, seconds = (
        doc.get(k) for k in ("threshold", "hidden", "counts", "seconds")
    )
    if not (
        type(threshold) is int
        and isinstance(threshold, int)
        and isinstance(counts, dict)
        and isinstance(seconds, float)
        and math.isfinite(seconds)
    ):
        raise ValueError("not an encoded value: a bad plan")
    _expect(all(isinstance(k, str) and type(v) is int for k, v in counts.items()), "bad counts")
    return Plan(threshold, _unhidden(hidden), counts, seconds)


def _hidden(rows: HiddenRows) -> dict[str, Any]:
    """The three lists, and each (indicator, grp)'s sorted codes as little-endian int64 bytes in
    base64 (a national plan: about 4 million codes)."""
    return {
        "lists": [list(rows.areas), list(rows.periods), list(rows.categories)],
        "codes": [
            [ind, grp, base64.b64encode(codes.astype("<i8").tobytes()).decode("ascii")]
            for (ind, grp), codes in rows.codes.items()
        ],
    }


def _unhidden(doc: object) -> HiddenRows:
    _expect(isinstance(doc, dict) and set(doc) == {"lists", "codes"}, "bad hidden rows")
    assert isinstance(doc, dict)
    lists, entries = doc["lists"], doc["codes"]
    _expect(isinstance(lists, list) and len(lists) == 3, "bad lists of hidden rows")
    _expect(all(isinstance(v, list) for v in lists), "a list of hidden rows that is not a list")
    _expect(all(isinstance(x, str) for v in lists for x in v), "a hidden row's value not a string")
    _expect(all(len(set(v)) == len(v) for v in lists), "a list of hidden rows with repeats")
    limit = math.prod(len(v) for v in lists)  # (an empty list: no code is in range)
    codes: dict[tuple[str, str], np.ndarray] = {}
    _expect(isinstance(entries, list), "hidden rows that are not a list")
    for entry in entries:
        _expect(isinstance(entry, list) and len(entry) == 3, "a bad hidden entry")
        ind, grp, text = entry
        _expect(all(isinstance(x, str) for x in entry) and (ind, grp) not in codes, "a bad key")
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise ValueError("not an encoded value: hidden rows not in base64") from None
        _expect(len(raw) % 8 == 0, "hidden rows that are not whole numbers")
        found = np.frombuffer(raw, dtype="<i8").astype(np.int64)
        in_range = len(found) == 0 or (found[0] >= 0 and found[-1] < limit)
        _expect(bool(np.all(np.diff(found) > 0)) and in_range, "hidden rows out of order or range")
        codes[(ind, grp)] = found
    areas, periods, categories = (tuple(v) for v in lists)
    return HiddenRows(areas, periods, categories, codes)

"""Every value a callback receives from the browser, checked against the server's own lists and
within size, before any work is done with it: the one home for "is this a known area code,
indicator, period or choice, and small enough".

The browser can send anything (a crafted POST to ``/_dash-update-component`` needs no page), so a
callback never lets a value it received decide what the server computes: it looks codes up in the
lists the server holds (``IndicatorData`` areas and periods, the indicator catalogue, the
reference data) and drops anything it does not know. Every check costs at most a few times the
size of the server's own list, never the size of what was sent: a list longer than its bound, or
a text longer than any code, is not looked at beyond its length (``NotRecognised``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

#: The longest text any code or choice of the dashboard has (area codes have 9 characters,
#: periods 10, indicator ids under 50): anything longer is not one of them.
MAX_TEXT = 64
#: The most checklists (one per region) an area picker can have.
MAX_GROUPS = 64
#: The most areas a list of ticked areas can hold (more than there are local authorities).
MAX_AREAS = 1000
#: The most keys a chart's view key can have.
MAX_VIEW_KEYS = 16


class NotRecognised(ValueError):
    """An input that is not one the server knows, or too large to be one."""


def text(value: object, limit: int = MAX_TEXT) -> str | None:
    """``value`` if it is a string of at most ``limit`` characters; None if it is None; else
    ``NotRecognised``."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise NotRecognised("not a short text")
    return value


def codes(value: object, allowed: Collection[str], limit: int = MAX_AREAS) -> list[str]:
    """The known codes of a list of codes, once each in the order given. A list longer than
    ``limit`` (or not a list of short texts) is ``NotRecognised``; unknown codes are dropped."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > limit:
        raise NotRecognised("not a list of codes")
    out: dict[str, None] = {}
    for item in value:
        if not isinstance(item, str) or len(item) > MAX_TEXT:
            raise NotRecognised("not a list of codes")
        if item in allowed:
            out[item] = None
    return list(out)


def code_groups(value: object, allowed: Collection[str], limit: int = MAX_AREAS) -> list[list[str]]:
    """The values of a pattern of checklists (a list of lists of codes, one per region): each
    list's known codes. More than ``MAX_GROUPS`` lists or ``limit`` codes in all is
    ``NotRecognised``."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > MAX_GROUPS:
        raise NotRecognised("not a list of checklists")
    total = sum(len(g) if isinstance(g, (list, tuple)) else 1 for g in value)
    if total > limit:
        raise NotRecognised("too many codes")
    return [codes(g, allowed, limit) for g in value]


def view_key(value: object) -> Mapping[str, Any]:
    """A chart's view key (what a page's callback wrote beside the chart): a small dict whose
    values are short texts, lists of short texts or None; anything else ``NotRecognised``."""
    if not isinstance(value, dict) or len(value) > MAX_VIEW_KEYS:
        raise NotRecognised("not a view key")
    for k, v in value.items():
        if not isinstance(k, str) or len(k) > MAX_TEXT:
            raise NotRecognised("not a view key")
        if isinstance(v, list):
            if len(v) > MAX_AREAS or not all(isinstance(i, str) and len(i) <= MAX_TEXT for i in v):
                raise NotRecognised("not a view key")
        elif v is not None and not (isinstance(v, str) and len(v) <= MAX_TEXT):
            raise NotRecognised("not a view key")
    return value

"""Page state in the URL query string: parse it, validate it, write it back.

A page declares its parameters once; ``parse_query`` turns ``?area=E08000021&period=2017-18_Q3``
into typed values, using each parameter's default (and a message saying so) for anything bad, so a
mistyped or stale link shows the page with a note instead of an error. ``to_query`` writes values
back, leaving out defaults, so links stay short and stable.

    AREA = Param("area", parse=gss_code)
    PERIOD = Param("period", parse=period, default=None)
    state = parse_query(search, [AREA, PERIOD])
    state.values["area"], state.messages
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import parse_qs, urlencode

from lfo.periods import FinancialYear, Quarter, requested_period

MAX_QUERY_LENGTH = 2000
_GSS_RE = re.compile(r"^[ENSW]\d{8}$")


@dataclass(frozen=True)
class Param:
    """One query parameter: ``parse`` turns its text into a value or raises ValueError (message
    for the user); ``format`` turns a value back into text; ``many`` allows repeats."""

    name: str
    parse: Callable[[str], object] = str
    default: object = None
    many: bool = False
    format: Callable[[object], str] = str


#: Address settings of every page, read and checked by the gate (``release``: which release the
#: page shows, ``dashboard.web.release_choice``), so never a page's "unknown setting".
SITE_WIDE = frozenset({"release"})


@dataclass(frozen=True)
class QueryState:
    values: dict[str, object]
    messages: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.messages


def parse_query(search: str | None, params: Sequence[Param]) -> QueryState:
    """Validate the query string ``search`` (with or without the leading ``?``) against ``params``."""
    by_name = {p.name: p for p in params}
    values: dict[str, object] = {p.name: _default(p) for p in params}
    messages: list[str] = []
    if search is not None and not isinstance(search, str):
        return QueryState(values, ("The address could not be read, so its settings were ignored.",))
    text = (search or "").lstrip("?")
    if len(text) > MAX_QUERY_LENGTH:
        return QueryState(values, ("The address is too long, so its settings were ignored.",))
    raw = parse_qs(text, keep_blank_values=True)
    for name, texts in raw.items():
        param = by_name.get(name)
        if param is None and name in SITE_WIDE:
            continue  # read and checked for every page by the gate, not by the page
        if param is None:
            messages.append(f"Ignored the unknown setting '{_shorten(name)}' in the address.")
            continue
        if not param.many and len(texts) > 1:
            messages.append(f"'{name}' was given {len(texts)} times; used the first.")
            texts = texts[:1]
        parsed: list[object] = []
        for t in texts:
            try:
                parsed.append(param.parse(t.strip()))
            except ValueError as exc:
                messages.append(f"Ignored {name}='{_shorten(t)}': {exc}")
        if parsed:
            values[name] = _dedupe(parsed) if param.many else parsed[0]
    return QueryState(values, tuple(messages))


def to_query(values: Mapping[str, object], params: Sequence[Param]) -> str:
    """``?a=1&b=2`` for the values that differ from their defaults (empty string if none)."""
    pairs: list[tuple[str, str]] = []
    for p in params:
        if p.name not in values:
            continue
        value = values[p.name]
        if value is None or value == _default(p):
            continue
        items: Iterable[object] = value if p.many else [value]  # type: ignore[assignment]
        pairs.extend((p.name, p.format(v)) for v in items)
    return f"?{urlencode(pairs)}" if pairs else ""


def _default(p: Param) -> object:
    if p.many:
        return tuple(cast(Iterable[object], p.default or ()))
    return p.default


def _dedupe(values: list[object]) -> tuple[object, ...]:
    return tuple(dict.fromkeys(values))


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- parsers for common parameters ---------------------------------------------------------------


def gss_code(text: str) -> str:
    """A GSS area code such as E08000021 (letter, eight digits)."""
    code = text.upper()
    if not _GSS_RE.match(code):
        raise ValueError("an area code is a letter and eight digits, like E08000021")
    return code


def period(text: str) -> Quarter | FinancialYear:
    """A quarter (2017-18_Q3) or a financial year (2017-18) a page's address may name
    (``lfo.periods.requested_period``: ``0001-02_Q4`` is refused like any other bad value and
    never reaches the date arithmetic)."""
    return requested_period(text)


def quarter(text: str) -> Quarter:
    """A quarter only (2017-18_Q3)."""
    value = period(text)
    if not isinstance(value, Quarter):
        raise ValueError("expected a quarter, like 2017-18_Q3")
    return value


def choice(allowed: Iterable[str]) -> Callable[[str], str]:
    """A parser accepting one of ``allowed`` (case-insensitive)."""
    options = {a.lower(): a for a in allowed}

    def parse(text: str) -> str:
        try:
            return options[text.lower()]
        except KeyError:
            raise ValueError(f"choose one of {', '.join(options.values())}") from None

    return parse


def whole_number(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """A parser for a whole number within optional bounds."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("expected a whole number") from None
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}")
        return value

    return parse

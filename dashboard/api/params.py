"""The query parameters of ``/api/v1/data``: parsed and validated into an engine ``Query``, or an
``ApiError`` naming the first bad parameter (checked in the order of ``DATA_PARAMETERS``).

Each parameter is given at most once (several values are comma-separated: a repeated parameter
was silently half-ignored); periods are codes of quarters or financial years from the programme's
first quarter on (earlier ones can have no data: they were answered with zeros, and ``0001-02_Q4``
with a 500)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from werkzeug.datastructures import MultiDict

from dashboard.api.errors import ApiError
from lfo.indicators.benchmarks import KINDS
from lfo.indicators.definitions import indicators
from lfo.indicators.request import Query
from lfo.periods import parse_period, requested_period
from lfo.reference import BREAKDOWNS, LEVELS, load_reference
from lfo.terms import PROGRAMME

#: The request's arguments (Flask's ``request.args``: each name with every value it was given).
Args = MultiDict[str, str]
#: The parameters that take several values, comma-separated.
LIST_PARAMETERS = ("indicator", "area", "period", "breakdown")

DATA_PARAMETERS = (
    "indicator",
    "area",
    "period",
    "from",
    "to",
    "intervention",
    "level",
    "breakdown",
    "benchmark",
    "ci",
    "format",
    "release",  # checked by the gate (dashboard.web.release_choice) before this
)


def parse_data_query(args: Args, known_areas: set[str], threshold: int) -> tuple[Query, str]:
    """Validate the parameters of ``/api/v1/data``; raise ApiError naming the bad one. Returns
    the engine query and the response format ("json" or "csv")."""
    unknown = sorted(set(args) - set(DATA_PARAMETERS))
    if unknown:
        raise ApiError(
            400,
            unknown[0],
            f"unknown parameter '{unknown[0]}': use one of " + ", ".join(DATA_PARAMETERS),
        )
    _given_once(args)
    ids = _indicator_ids(args)
    areas = _areas(args, known_areas)
    periods = [_period_code(p, "period") for p in _list(args, "period") or []] or None
    start, end = _period(args, "from"), _period(args, "to")
    if start and end and parse_period(start).start > parse_period(end).end:
        raise ApiError(400, "from", f"'from' ({start}) is after 'to' ({end})")
    intervention, level = args.get("intervention"), args.get("level")
    if intervention is not None and level is not None:
        raise ApiError(400, "level", "give 'intervention' or 'level', not both")
    if intervention is not None:
        intervention = _one_of(
            "intervention", intervention.strip().lower(), load_reference().interventions
        )
    if level is not None:
        level = _one_of("level", level.strip().lower(), LEVELS)
    breakdowns = _list(args, "breakdown")
    for b in breakdowns or []:
        _one_of("breakdown", b, BREAKDOWNS)
    if breakdowns and ids != ["reach.breakdown"]:
        raise ApiError(400, "breakdown", "'breakdown' applies only to indicator=reach.breakdown")
    benchmark = _one_of("benchmark", args.get("benchmark", KINDS[0]).strip().lower(), KINDS)
    ci = _choice(args, "ci", ("95", "99.8"))
    fmt = _choice(args, "format", ("json", "csv"))
    catalogue = indicators()
    query = Query(
        indicators=tuple(catalogue[i] for i in ids),
        areas=tuple(areas) if areas else None,
        periods=tuple(periods) if periods else None,
        period_from=start,
        period_to=end,
        intervention=intervention,
        level=level,
        breakdowns=tuple(breakdowns) if breakdowns else None,
        ci=float(ci),
        threshold=threshold,
        benchmark=benchmark,
    )
    return query, fmt


def _given_once(args: Args) -> None:
    """400 naming the first parameter given more than once."""
    for name in DATA_PARAMETERS:
        count = len(args.getlist(name))
        if count > 1:
            how = (
                f"give several values once, separated by commas ({name}=A,B)"
                if name in LIST_PARAMETERS
                else "give it once"
            )
            raise ApiError(400, name, f"'{name}' is given {count} times: {how}")


def _list(args: Args, name: str) -> list[str] | None:
    """A comma-separated parameter's values; None when it is not given, 400 when it is empty."""
    raw = args.get(name)
    if raw is None:
        return None
    items = [x.strip() for x in raw.split(",") if x.strip()]
    if not items:
        raise ApiError(400, name, f"'{name}' is empty: give one or more values separated by commas")
    return items


def _period(args: Args, name: str) -> str | None:
    """A period parameter as its code; None when it is not given, 400 when it is not a period."""
    raw = args.get(name)
    return None if raw is None else _period_code(raw, name)


def _period_code(raw: str, name: str) -> str:
    """``raw`` (a period, perhaps with spaces around it) as its code; 400 when it is not one a
    request may name (``lfo.periods.requested_period``)."""
    try:
        return requested_period(raw).label
    except ValueError as exc:
        raise ApiError(400, name, str(exc)) from None


def _indicator_ids(args: Args) -> list[str]:
    """The indicator ids asked for: required, each one known (404 otherwise)."""
    ids = _list(args, "indicator")
    if not ids:
        raise ApiError(
            400,
            "indicator",
            "'indicator' is required, for example "
            "indicator=uptake.completion (see /api/v1/indicators)",
        )
    catalogue = indicators()
    for i in ids:
        if i not in catalogue:
            raise ApiError(404, "indicator", f"unknown indicator '{i}': see /api/v1/indicators")
    return ids


def _areas(args: Args, known_areas: set[str]) -> list[str] | None:
    """The areas asked for (None: all): GSS codes the dashboard knows, or the programme."""
    areas = _list(args, "area")
    for a in areas or []:
        if a != PROGRAMME and a not in known_areas:
            raise ApiError(
                404,
                "area",
                f"unknown area '{a}': give a GSS code from /api/v1/areas or 'programme'",
            )
    return areas


def _one_of(name: str, value: str, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``, else 400 listing them."""
    if value not in allowed:
        raise ApiError(400, name, f"unknown {name} '{value}': use one of " + ", ".join(allowed))
    return value


def _choice(args: Args, name: str, allowed: Sequence[str]) -> str:
    """A parameter with a few allowed values, the first the default."""
    value = args.get(name, allowed[0])
    if value not in allowed:
        raise ApiError(400, name, f"'{name}' must be {' or '.join(allowed)}, not '{value}'")
    return value

"""The area profile's address: every choice lives in it, so a link reproduces the view —
``/area/E06000009?compare=E08000037,E06000009&period=2018-19_Q4&indicator=…&breakdown=…``
(and ``trend=annual``: the trend card's step, ``dashboard.present.trend_by``)
(pure: parsed and written with ``dashboard.urlstate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast
from urllib.parse import urlencode

from dashboard import urlstate
from dashboard.present import benchmark as bench
from dashboard.present import trend_by as steps
from dashboard.present.area import (
    BREAKDOWN_LABELS,
    DEFAULT_BREAKDOWN,
    DEFAULT_TREND,
    LATEST,
    TREND_INDICATORS,
)
from dashboard.present.confidence import CI, DEFAULT_CI, checked

PATH = "/area"


def _compare_codes(text: str) -> tuple[str, ...]:
    """``E08000037,E06000009`` → a tuple of GSS codes (each checked)."""
    codes = [urlstate.gss_code(t.strip()) for t in text.split(",") if t.strip()]
    return tuple(dict.fromkeys(codes))


def _join(codes: object) -> str:
    """The comparison codes as the address writes them (the value is ``_compare_codes``')."""
    return ",".join(cast("Iterable[str]", codes))


COMPARE = urlstate.Param("compare", parse=_compare_codes, default=(), format=_join)
PERIOD = urlstate.Param("period", parse=lambda t: urlstate.period(t).label, default=None)
INDICATOR = urlstate.Param(
    "indicator", parse=urlstate.choice(TREND_INDICATORS), default=DEFAULT_TREND
)
BREAKDOWN = urlstate.Param(
    "breakdown", parse=urlstate.choice(tuple(BREAKDOWN_LABELS)), default=DEFAULT_BREAKDOWN
)
PARAMS = (COMPARE, PERIOD, INDICATOR, BREAKDOWN, CI, bench.BENCHMARK, steps.PARAM)


def query_for(
    compare: list[str] | tuple[str, ...],
    period: str | None,
    indicator: str | None,
    breakdown: str | None,
    ci: str | None = None,
    benchmark: str | None = None,
    trend: str | None = None,
) -> str:
    """The query string for the controls' values (defaults left out; commas kept readable);
    ``ci`` the confidence level and ``benchmark`` the benchmark (``present.choices``: kept
    from page to page; a value the server does not offer: the default); ``trend`` the trend
    card's step (``trend_by``: quarterly, left out, or annual)."""
    values = {
        "compare": tuple(compare),
        "period": period if period and period != LATEST else None,
        "indicator": indicator or DEFAULT_TREND,
        "breakdown": breakdown or DEFAULT_BREAKDOWN,
        "ci": checked(ci),
        "benchmark": bench.checked(benchmark),
        "trend": steps.checked(trend),
    }
    pairs = []
    for p in PARAMS:
        value = values[p.name]
        if value in (None, (), p.default):
            continue
        pairs.append((p.name, p.format(value)))
    return f"?{urlencode(pairs, safe=',')}" if pairs else ""


def path_for(code: str) -> str:
    return f"{PATH}/{code}"


PDF_NAME = "profile.pdf"


def pdf_for(
    code: str,
    period: str | None,
    ci: str | None = None,
    benchmark: str | None = None,
    indicator: str | None = None,
    trend: str | None = None,
) -> str:
    """The address of the profile's PDF for print (``dashboard.web.profile_pdf``) with the
    page's period, confidence level, benchmark and trend card (defaults left out)."""
    values = {
        "period": period if period and period != LATEST else None,
        "benchmark": bench.checked(benchmark),
        "ci": checked(ci),
        "indicator": indicator if indicator in TREND_INDICATORS else DEFAULT_TREND,
        "trend": steps.checked(trend),
    }
    defaults = {p.name: p.default for p in PARAMS}
    pairs = [(k, str(v)) for k, v in values.items() if v is not None and v != defaults[k]]
    query = f"?{urlencode(pairs)}" if pairs else ""
    return f"{path_for(code)}/{PDF_NAME}{query}"


def ci_value(state: urlstate.QueryState) -> str:
    """The confidence level a parsed address names (the default if none)."""
    return str(state.values.get("ci") or DEFAULT_CI)


def benchmark_value(state: urlstate.QueryState) -> str:
    """The benchmark a parsed address names (the programme if none)."""
    return bench.checked(state.values.get("benchmark"))


def trend_value(state: urlstate.QueryState) -> str:
    """The trend card's step a parsed address names (quarterly if none)."""
    return steps.checked(state.values.get("trend"))


def control_values(state: urlstate.QueryState) -> tuple[tuple[str, ...], str, str, str]:
    """Comparison codes, period select value, indicator and breakdown for a parsed address."""
    v = state.values
    return (
        tuple(cast("Iterable[str]", v["compare"])),
        str(v["period"] or LATEST),
        str(v["indicator"]),
        str(v["breakdown"]),
    )

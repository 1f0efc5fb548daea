"""The choices every page shares and carries from page to page: the confidence level of the
comparisons (``ci`` in the address), the benchmark (``benchmark``) and the period a page opens at (``default_period``).

One home (issue 11 § 3 and § 4): the topic pages, the area profile and Home import them from
here, so one address means one level everywhere, and every page opens at the same period.

- **Confidence level and benchmark.** Their values, address parameters and words have one home
  each, ``present.confidence`` and ``present.benchmark``; here: carrying them from page to page
  (``with_ci``, ``ci_from_search``, ``benchmark_from_search``).
- **Default period.** The latest financial year the returns cover (``latest_covered_year``), a
  quarter by choice. "Covered" follows docs/spec/indicators.md, "Coverage and revisions": an
  area's figures exist only up to the end of its current return, so a year is covered by the
  returns that reach its last day; the page opens at the latest year covered by at least half
  the areas with a return (a year only one early return reaches would compare one area).

Pure: no Dash, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import parse_qs, parse_qsl, urlencode

from dashboard import urlstate
from dashboard.present import benchmark as bench
from dashboard.present.confidence import CI, checked
from lfo.periods import FinancialYear, period, quarters_of, years_of
from lfo.releases import LATEST, parse_id


def ci_from_search(search: str | None) -> str:
    """The level an address names (``?ci=99.8``), else the default (never an exception)."""
    state = urlstate.parse_query(_only(search, "ci"), (CI,))
    return str(state.values["ci"])


def ci_query(ci: str | None) -> str:
    """The query that carries a level to another page: ``?ci=99.8``, or "" for the default
    (so navigation links stay the plain paths at 95%)."""
    return urlstate.to_query({"ci": checked(ci)}, (CI,))


def benchmark_from_search(search: str | None) -> str:
    """The benchmark an address names (``?benchmark=neighbours``), checked against the
    server's own list (``lfo.indicators.benchmarks.KINDS``); else the programme."""
    state = urlstate.parse_query(_only(search, "benchmark"), (bench.BENCHMARK,))
    return bench.checked(state.values["benchmark"])


def with_ci(href: str, ci: str | None, benchmark: str | None = None) -> str:
    """``href`` carrying the level ``ci`` and the ``benchmark`` (added to any query it has;
    defaults add nothing)."""
    carried = {}
    if ci_query(ci):
        carried["ci"] = checked(ci)
    kind = bench.checked(benchmark)
    if kind != bench.DEFAULT_BENCHMARK:
        carried["benchmark"] = kind
    if not carried:
        return href
    path, _, query = href.partition("?")
    pairs = [(k, v) for k, vs in parse_qs(query).items() if k not in carried for v in vs]
    pairs += list(carried.items())
    return f"{path}?{urlencode(pairs, safe=',')}"


def _only(search: str | None, name: str) -> str:
    """The part of a query string that sets ``name`` (other pages' settings are not this
    module's to judge)."""
    if not isinstance(search, str) or len(search) > urlstate.MAX_QUERY_LENGTH:
        return ""
    values = parse_qs(search.lstrip("?")).get(name)
    return urlencode([(name, values[0])]) if values else ""


# --- the period a page opens at ------------------------------------------------------------------


def latest_covered_year(periods: Sequence[str], return_periods: Iterable[object]) -> str | None:
    """The latest financial year among ``periods`` (those with figures) that the areas' current
    returns cover: reached in full by at least half the returns (``return_periods``, each area's
    return period code; None or empty for an area without one). None if no year qualifies."""
    ends = []
    for code in return_periods:
        if isinstance(code, str) and code:
            try:
                ends.append(period(code).end)
            except ValueError:
                continue
    years = years_of(periods)
    if not ends:
        return years[-1] if years else None
    needed = (len(ends) + 1) // 2
    for year in reversed(years):
        p = period(year)
        if isinstance(p, FinancialYear) and sum(e >= p.end for e in ends) >= needed:
            return year
    return None


def default_period(periods: Sequence[str], return_periods: Iterable[object] = ()) -> str | None:
    """The period a page opens at: the latest financial year the returns cover
    (``latest_covered_year``); with none, the latest year with figures; with no year at all,
    the latest quarter; None when there are no periods."""
    year = latest_covered_year(periods, return_periods)
    if year is not None:
        return year
    years, quarters = years_of(periods), quarters_of(periods)
    if years:
        return years[-1]
    return quarters[-1] if quarters else None


def with_release(href: str, release: str | None) -> str:
    """``href``, a link to one of the service's own pages (a path, or a page's own query), carrying
    ``release``: the one rule by which a page showing a release keeps it in every link it draws,
    so that a permalink, and whatever it leads to, shows the same figures (docs/releases.md).

    ``release`` is the id of the release the page shows, as the server chose it from its own list
    (``dashboard.services.chosen_release_id``; ``release=latest`` is kept as such); None (the
    live figures) leaves ``href`` as it is. Anything else is never echoed into a link: ``href``
    comes back unchanged. A ``release`` the link already names is replaced; a fragment
    (``#...``) stays last. Links off the site are never touched."""
    if release is None or not _is_release(release) or not _internal(href):
        return href
    rest, hash_, fragment = href.partition("#")
    path, _, query = rest.partition("?")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "release"]
    pairs.append(("release", release))
    return f"{path}?{urlencode(pairs, safe=',')}{hash_}{fragment}"


def _is_release(text: str) -> bool:
    if text == LATEST:
        return True
    try:
        parse_id(text)
    except ValueError:
        return False
    return text == text.strip()


def _internal(href: str) -> bool:
    """A path on this site (``/reach``, not ``//host/...``) or a query of the page itself."""
    return (
        href == "" or href.startswith("?") or (href.startswith("/") and not href.startswith("//"))
    )

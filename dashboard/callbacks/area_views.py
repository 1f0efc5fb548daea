"""The area profile's charts for the page's values, and for a download's view key; the area shown
looked up on the server from its code; the checks of what the browser sends for them.

``shown_area`` makes what every part of the profile is drawn from (``present.area_store``) from
the code the page keeps; ``checked_compare`` and ``checked_text`` check the controls' values
(``dashboard.callbacks.inputs``); ``spine_chart``, ``trend_chart``, ``funnel_chart`` and
``reach_chart`` build each card's content (``dashboard.callbacks.area`` renders them);
``view_key`` is a card's view key (``unless_drawn``: nothing to do when the card shows it
already) and ``area_chart`` builds a chart again for one (its
downloads, ``dashboard.charts.downloads``, and its table twin; the spine's own twin:
``spine_for_view``; ``area_twin`` builds the twin a card's reader opens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import inputs
from dashboard.charts import twin
from dashboard.charts.card import View
from dashboard.charts.content import ChartContent
from dashboard.charts.table import plain_json
from dashboard.layouts import area as page
from dashboard.present import area as present
from dashboard.present import area_charts, area_spine
from dashboard.present import benchmark as bench
from dashboard.present import trend_by as steps
from dashboard.present.confidence import checked
from dashboard.services import Services
from lfo.terms import PROGRAMME

Compare = list[list[str]] | None  # the chosen areas as one group (checked: ``checked_compare``)
#: The profile's charts (chart-kit chart_ids), each with its downloads (``area_chart``).
CHARTS = (ids.AREA_SPINE_CHART, ids.AREA_TREND_CHART, ids.AREA_FUNNEL_CHART, ids.AREA_REACH_CHART)


def shown_area(services: Services, shown: object) -> dict[str, Any]:
    """What the parts of the profile are drawn from (``present.area_store``), made on the
    server for the area code the page keeps (``ids.AREA_SHOWN``); nothing to draw before the
    frame has found a known area, or for a code the server does not know."""
    code = shown.get("code") if isinstance(shown, dict) else None
    if not isinstance(code, str) or len(code) > inputs.MAX_TEXT:
        raise PreventUpdate
    data = services.data
    areas = data.area_list()  # a release's own areas under a release, never the live ones
    if code not in set(areas["area_code"]):
        raise PreventUpdate
    return present.area_store(code, areas, data.areas(), data.periods(), data.latest_quarter())


def checked_compare(area: dict[str, Any], compare: object) -> Compare:
    """The picker's chosen codes (the browser's) with only programme areas kept, as one group
    (``PreventUpdate`` for more codes than the page can have or anything but a list of
    codes)."""
    known = {a["area_code"] for a in area["areas"]}
    try:
        return [inputs.codes(compare, known)]
    except inputs.NotRecognised:
        raise PreventUpdate from None


def checked_text(value: object) -> str | None:
    """A select's or radio's value (the browser's) within size, else ``PreventUpdate``;
    what it names is checked where it is used (``present.view``, ``trend_choice`` ...)."""
    try:
        return inputs.text(value)
    except inputs.NotRecognised:
        raise PreventUpdate from None


def chosen_view(
    services: Services,
    area: dict[str, Any],
    compare: Compare,
    period: str | None,
    ci: object = None,
    benchmark: object = None,
) -> present.View:
    """The view for the page's values, with the confidence level and the benchmark (each the
    default for anything but a value the server offers: ``confidence.checked``,
    ``benchmark.checked``), the area's region and its group benchmarks' members by name."""
    data = services.data
    v = present.view(area, compare, period, data.periods())
    areas = data.areas()
    region = areas.loc[areas["area_code"] == v.code, "region"]
    return replace(
        v,
        ci=checked(ci),
        benchmark=bench.checked(benchmark),
        groups={
            k: tuple(bench.member_names(v.code, k, areas, data.benchmark_groups(k)))
            for k in area_spine.GROUP_KINDS
        },
        region=str(region.iloc[0]) if len(region) and isinstance(region.iloc[0], str) else None,
    )


def spine_chart(
    services: Services,
    area: dict[str, Any],
    compare: Compare,
    period: str | None,
    ci: object = None,
    benchmark: object = None,
) -> area_spine.Spine:
    """The spine for the area, the comparison areas, the period select's value, the
    confidence level and the benchmark; the tables give every group benchmark's figure."""
    data = services.data
    v = chosen_view(services, area, compare, period, ci, benchmark)
    shown = v.period
    if shown is None:
        return area_spine.spine(v, None)

    def rows(kind: str) -> Any:
        return data.rows(present.SPINE_INDICATORS, periods=[shown], ci=float(v.ci), benchmark=kind)

    groups = {k: rows(k) for k in area_spine.GROUP_KINDS}
    return area_spine.spine(v, rows(bench.DEFAULT_BENCHMARK), groups)


def trend_chart(
    services: Services,
    area: dict[str, Any],
    compare: Compare,
    period: str | None,
    indicator_id: str | None,
    ci: object = None,
    trend: object = None,
    benchmark: object = None,
) -> ChartContent:
    """The trend card's content: the chosen indicator by quarter up to the period, or
    (``trend``: ``annual``) by financial year."""
    data = services.data
    periods = data.periods()
    v = chosen_view(services, area, compare, period, ci, benchmark)
    chosen = present.trend_choice(indicator_id)
    quarters = present.quarters_up_to(v.period, periods)
    years = None
    if steps.checked(trend) == steps.ANNUAL and quarters:
        returns = list(data.areas()["return_period"])
        years = steps.annual_years(quarters[0], quarters[-1], periods, returns)
        quarters = years.shown
    areas = [*area_charts.trend_areas(v), PROGRAMME]
    result = (
        data.rows([chosen], areas=areas, periods=quarters, ci=float(v.ci), benchmark=v.benchmark)
        if quarters
        else None
    )
    return area_charts.trend_content(v, chosen, quarters, result, years=years)


def funnel_chart(services: Services, area: dict[str, Any], period: str | None) -> ChartContent:
    """The funnel card's content: referral to completion, all interventions and the most
    offered."""
    data = services.data
    v = present.view(area, None, period, data.periods())
    by_group = {}
    if v.period is not None:  # every intervention together, then each one
        for group in area_charts.intervention_groups():
            by_group[group] = data.rows(
                [area_charts.FUNNEL],
                areas=[v.code, PROGRAMME],
                periods=[v.period],
                intervention=area_charts.intervention_of(group),
            )
    return area_charts.funnel_content(v, by_group)


def reach_chart(
    services: Services,
    area: dict[str, Any],
    period: str | None,
    breakdown: str | None,
    ci: object = None,
    benchmark: object = None,
) -> ChartContent:
    """The reach card's content: who is referred, by the chosen characteristic."""
    data = services.data
    v = chosen_view(services, area, None, period, ci, benchmark)
    chosen = present.breakdown_choice(breakdown)
    result = (
        data.rows(
            [area_charts.REACH],
            areas=[v.code, PROGRAMME],
            periods=[v.period],
            breakdowns=[chosen],
            ci=float(v.ci),
            benchmark=v.benchmark,
        )
        if v.period is not None
        else None
    )
    return area_charts.reach_content(v, chosen, result)


def view_key(area: dict[str, Any], *, compare: Compare = None, **chosen: str | None) -> View:
    """A chart's view key (``card.render``): the area, the comparison areas ticked and the
    page's other choices for it."""
    return {"code": area["code"], "compare": present.ticked(compare), **chosen}


def unless_drawn(key: View, drawn: object) -> View:
    """``key``, or ``PreventUpdate`` when the card already shows that view: ``drawn`` is the view
    key the page holds for the card (its view store), which is ``key`` when the card was drawn
    with the page's first layout (``dashboard.callbacks.area_first``) and the callback now fires
    for the same values. The browser's key is only compared: a card the server has not drawn
    has none, so anything else the browser sends draws the card as usual."""
    if drawn is not None and drawn == plain_json(key):
        raise PreventUpdate
    return key


def _checked_key(
    services: Services, view: object
) -> tuple[Mapping[str, Any], dict[str, Any], Compare, str | None, str | None, str | None]:
    """(key, area, compare, period, ci, benchmark) of a view key, each checked as the page's
    values are (``ValueError`` if not recognised)."""
    key = inputs.view_key(view)
    try:
        area = shown_area(services, {"code": key.get("code")})
    except PreventUpdate:
        raise inputs.NotRecognised("not a programme area") from None
    known = {a["area_code"] for a in area["areas"]}
    compare = inputs.code_groups([key.get("compare") or []], known)
    period = inputs.text(key.get("period"))
    ci = inputs.text(key.get("ci"))
    kind = inputs.text(key.get("benchmark"))
    return key, area, compare, period, ci, kind


def spine_for_view(services: Services, view: object) -> area_spine.Spine:
    """The spine built again for its view key (its table twin: ``spine.twin``), checked as
    ``area_chart`` checks it."""
    _key, area, compare, period, ci, kind = _checked_key(services, view)
    return spine_chart(services, area, compare, period, ci, kind)


def area_chart(services: Services, chart_id: str, view: object) -> ChartContent:
    """The chart ``chart_id`` of the profile built again for its view key (``view_key``),
    checked as the page's values are (``ValueError`` if not recognised)."""
    if chart_id == ids.AREA_SPINE_CHART:
        return spine_for_view(services, view).content
    key, area, compare, period, ci, kind = _checked_key(services, view)
    if chart_id == ids.AREA_TREND_CHART:
        indicator_id = inputs.text(key.get("indicator"))
        trend = inputs.text(key.get("trend_by"))
        return trend_chart(services, area, compare, period, indicator_id, ci, trend, kind)
    if chart_id == ids.AREA_FUNNEL_CHART:
        return funnel_chart(services, area, period)
    return reach_chart(services, area, period, inputs.text(key.get("breakdown")), ci, kind)


def area_twin(services: Services, chart_id: str, view: object) -> Component | None:
    """The table twin of the chart ``chart_id`` for its view key, built when the reader opens
    it (``dashboard.charts.twin``): the spine's own table (``page.data_table``), the kit's for
    the others; ``ValueError`` for a key not recognised."""
    if chart_id != ids.AREA_SPINE_CHART:
        return twin.table_of(area_chart(services, chart_id, view))
    spine = spine_for_view(services, view)
    if spine.content.empty_message:
        return None
    if spine.twin is None:
        return twin.table_of(spine.content)
    return page.data_table(spine.twin, boxed=False)  # (the card's box scrolls: one tab stop)

"""The area profile's trend, funnel and reach charts (pure; see ``dashboard.present.area``): chart
content from the engine's results the callbacks read for the ``View``.

- trend: one indicator by quarter up to the period, for the area, the areas compared and the
  programme;
- funnel: referral to completion for all interventions and those offered to most parents;
- reach: who is referred, by one characteristic, against the programme.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.figures import bars_vs_programme, stage_funnel, trend_lines
from dashboard.charts.frame import plotted_table
from dashboard.charts.text import describe_categories, describe_trend_lines, suppression_note
from dashboard.charts.text_profile import describe_stages
from dashboard.present import benchmark as bench
from dashboard.present import trend_by as steps
from dashboard.present.area import NO_DATA, View, breakdown_label, spine_label
from dashboard.present.export_context import chart_export
from dashboard.present.words import join_names
from lfo.indicators.definitions import indicators
from lfo.indicators.request import Query, Result
from lfo.periods import period as parse_code
from lfo.reference import load_reference
from lfo.terms import PROGRAMME

FUNNEL = "uptake.funnel"
REACH = "reach.breakdown"
#: The funnel's group of every intervention together (the others are intervention codes).
ALL_INTERVENTIONS = "all"


def _no_figures(rows: pd.DataFrame, column: str = "value") -> bool:
    """No figure and nothing suppressed: nothing to draw."""
    return bool(rows.empty or (rows[column].isna().all() and (rows["status"] != "c").all()))


def _suppression_notes(rows: pd.DataFrame, threshold: int, instead: str) -> list[str]:
    """The kit's suppression note, saying how the chart shows a suppressed figure."""
    note = suppression_note(rows, threshold, left_out=False)
    return [note.replace("Suppressed areas are left out of the chart.", instead)] if note else []


# --- trend -----------------------------------------------------------------------------------


def trend_areas(v: View) -> list[str]:
    """The areas the trend chart draws: the area, then the areas compared."""
    return [v.code, *v.compare_names]


def trend_content(
    v: View,
    indicator_id: str,
    quarters: list[str],
    result: Result | None,
    *,
    years: steps.Years | None = None,
) -> ChartContent:
    """The trend of ``indicator_id`` over ``quarters`` (``quarters_up_to`` the view's period),
    from the engine's result for the trend's areas and the programme in those quarters; with
    ``years`` (``trend_by.annual_years``), over its financial years (``quarters`` are then
    those years), a year covered in part marked and the year in progress left out, each with a
    note. The intervals are at the view's level (``v.ci``)."""
    if v.period is None:
        return empty_content(NO_DATA)
    ind = indicators()[indicator_id]
    name, period = v.name, v.period
    label = spine_label(indicator_id)
    title = f"{label} in {name} {steps.step_words(steps.ANNUAL if years else steps.QUARTERLY)}"
    if quarters:
        first, last = (q if years else parse_code(q).in_words for q in (quarters[0], quarters[-1]))
        title += f", {first} to {last}"
    when = parse_code(period).in_words
    if not quarters or result is None:
        what = "whole financial years" if years else "quarters"
        return empty_content(f"There are no {what} with figures up to {when}.", title)
    areas = trend_areas(v)
    rows = result.rows
    shown = rows[rows["area_code"] != PROGRAMME]
    others = f", {join_names(list(v.compare_names.values()))}" if v.compare_names else ""
    level = v.ci
    interval = "interquartile range" if ind.kind == "median" else f"{level}% confidence intervals"
    subtitle = (
        f"{name}{others} and the programme (dashed); all interventions; "
        f"{interval} as bars; a gap is a suppressed or missing figure"
    )
    if _no_figures(shown):
        return empty_content(
            f"There are no figures for {label.lower()} in {name} up to {when}.", title
        )
    threshold = result.meta.threshold
    # the quarters the chart draws, not one quarter's headline beside the spine's period
    summary = describe_trend_lines(rows, ind, areas)
    columns = ("area_name", "period", "value", "lower", "upper", "numerator", "denominator")
    notes = _suppression_notes(rows, threshold, "Suppressed figures are gaps in the lines.")
    return ChartContent(
        figure=trend_lines(
            rows,
            areas=areas,
            unit=ind.unit,
            marks=years.marks if years else None,
            interval=interval if ind.has_interval else None,
        ),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=plotted_table(rows, ind, ci=float(v.ci), columns=(*columns, "comparison", "trend")),
        indicator_ids=[indicator_id],
        notes=notes + (years.notes if years else []),
        data_as_at=result.meta.data_as_at,
        threshold=threshold,
        **chart_export(
            [indicator_id],
            period_from=quarters[0],
            period_to=quarters[-1],
            filters={
                "intervention_group": ALL_INTERVENTIONS,
                "trend_by": steps.ANNUAL if years else steps.QUARTERLY,
            },
            areas=areas,
            benchmark=v.benchmark,
            ci=level,
        ),
    )


# --- funnel by intervention ------------------------------------------------------------------


def intervention_groups() -> tuple[str, ...]:
    """The funnel's groups: every intervention together, then each intervention's code."""
    return (ALL_INTERVENTIONS, *load_reference().interventions)


def funnel_ahead(threshold: int) -> list[Query]:
    """The funnel's whole results for each intervention (every intervention together is a
    standard result), at 95% (the funnel has no level to choose), made ahead
    (``dashboard.present.ahead``): at national scale the first funnel a process drew made them,
    2.7 s."""
    funnel = indicators()[FUNNEL]
    return [
        Query(indicators=(funnel,), intervention=code, threshold=threshold)
        for code in intervention_groups()[1:]
    ]


def intervention_of(group: str) -> str | None:
    """The engine's intervention filter for a funnel group (None: every intervention)."""
    return None if group == ALL_INTERVENTIONS else group


def intervention_name(code: str) -> str:
    ref = load_reference().interventions.get(code)
    return ref.name.split(" (")[0] if ref else code


def funnel_groups(
    by_intervention: dict[str, pd.DataFrame], code: str, most: int = 2
) -> tuple[pd.DataFrame, list[str]]:
    """The area's funnel rows, one group per intervention (``all`` first), relabelled so that a
    stage-funnel chart draws one bar group per intervention: the ``most`` interventions with the
    most parents offered (a figure, not suppressed). Also the names of interventions offered in
    the area but left out (suppressed, or beyond the first ``most``)."""
    parts, ranked, left_out = [], [], []
    for grp, rows in by_intervention.items():
        own = rows[rows["area_code"] == code].copy()
        if own.empty:
            continue
        own["area_name"] = "All interventions" if grp == "all" else intervention_name(grp)
        own["area_code"] = grp
        if grp == "all":
            parts.append(own)
            continue
        offered = own[own["category"] == "offered"]
        count = pd.to_numeric(offered["numerator"], errors="coerce").max()
        suppressed = (offered["status"] == "c").any()
        if suppressed:
            left_out.append(own["area_name"].iloc[0])
        elif pd.notna(count) and count > 0:
            ranked.append((float(count), grp, own))
    ranked.sort(key=lambda t: -t[0])
    parts += [own for _, _, own in ranked[:most]]
    left_out += [own["area_name"].iloc[0] for _, _, own in ranked[most:]]
    if not parts:
        columns = ["area_code", "area_name", "category", "value", "numerator", "denominator"]
        return pd.DataFrame(columns=[*columns, "status"]), left_out
    return pd.concat(parts, ignore_index=True), left_out


_FUNNEL_COLUMNS = {
    "Area": "Intervention",
    "Category": "Stage",
    "Numerator": "Parents at the stage",
    "Value (%)": "Per cent of the previous stage",
}


#: The funnel's completed stage named apart from the completion rate (docs/words.md).
COMPLETED_STAGE_NOTE = (
    "The completed stage is not the completion rate of the key indicators: it follows the "
    "parents referred in the period to the date of the latest return (recent referrals have "
    "had little time to complete), while the completion rate counts the interventions that "
    "ended in the period."
)


def funnel_content(v: View, by_group: dict[str, Result]) -> ChartContent:
    """The funnel from the engine's ``uptake.funnel`` result for each of ``intervention_groups``
    (the area and the programme in the view's period)."""
    if v.period is None or not by_group:
        return empty_content(NO_DATA)
    ind = indicators()[FUNNEL]
    code, name, period = v.code, v.name, v.period
    when = parse_code(period).in_words
    title = f"Referral-to-completion funnel in {name} by intervention, {when}"
    meta = by_group[ALL_INTERVENTIONS].meta
    rows, left_out = funnel_groups({g: r.rows for g, r in by_group.items()}, code)
    if _no_figures(rows, "numerator"):
        return empty_content(f"There are no referrals in {name} in {when}.", title)
    table = plotted_table(rows, ind, columns=("area_name", "category", "numerator", "value"))
    table = table.rename(columns=_FUNNEL_COLUMNS)
    table.attrs["units"] = {"Parents at the stage": "count", "Per cent of the previous stage": "%"}
    notes = _suppression_notes(rows, meta.threshold, "Suppressed stages show [c] at zero height.")
    notes.append(
        "Parents referred in the period, followed to the date of the area's return; "
        "by intervention a parent counts once per intervention, so the first stage is "
        "the same for every intervention.",
    )
    notes.append(COMPLETED_STAGE_NOTE)
    if left_out:
        notes.append(
            f"Also offered in {name}, not drawn (fewer parents, or suppressed): "
            f"{join_names(left_out)}."
        )
    return ChartContent(
        figure=stage_funnel(rows),
        title=title,
        subtitle="Parents at each stage; the percentage is of the previous stage",
        summary=describe_stages(
            rows, list(dict.fromkeys(rows["area_code"])), title=f"Referral to completion in {name}"
        ),
        table=table,
        indicator_ids=[FUNNEL],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **chart_export([FUNNEL], period=period, area=(code, name), ci=None),
    )


# --- reach by characteristic -----------------------------------------------------------------


def reach_content(v: View, breakdown: str, result: Result | None) -> ChartContent:
    """Who is referred, by ``breakdown``, from the engine's ``reach.breakdown`` result for the
    area and the programme in the view's period."""
    if v.period is None or result is None:
        return empty_content(NO_DATA)
    ind = indicators()[REACH]
    code, name, period = v.code, v.name, v.period
    label = breakdown_label(breakdown)
    when = parse_code(period).in_words
    title = f"Who is referred in {name}: {label.lower()}, {when}"
    rows = result.rows
    if _no_figures(rows[rows["area_code"] == code]):
        return empty_content(f"No parents were referred in {name} in {when}.", title)
    instead = "Suppressed categories show [c] at zero length."
    columns = ("area_name", "category", "value", "lower", "upper", "numerator", "denominator")
    return ChartContent(
        figure=bars_vs_programme(rows, categories_label=label),
        title=title,
        subtitle=(
            f"Percentage of parents referred in each {label.lower()} category, "
            f"{name} beside the programme; {v.ci}% confidence intervals"
            + (f"; compared with {bench.its(v.benchmark, v.region)}" if v.members else "")
        ),
        summary=describe_categories(
            rows,
            ind,
            title=f"Who is referred in {name} by {label.lower()}",
            ci=float(v.ci),
            benchmark_name=bench.its(v.benchmark, v.region),
        ),
        table=plotted_table(rows, ind, ci=float(v.ci), columns=(*columns, "comparison")),
        indicator_ids=[REACH],
        notes=_suppression_notes(rows, result.meta.threshold, instead),
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
        **chart_export(
            [REACH],
            period=period,
            filters={"intervention_group": ALL_INTERVENTIONS, "characteristic": breakdown},
            areas=[code],
            benchmark=v.benchmark,
            ci=v.ci,
        ),
    )

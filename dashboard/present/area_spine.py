"""The area profile's spine: every key indicator for the area against the programme and the
range of the areas' figures, as chart content, a table twin and a sentence (pure; see
``dashboard.present.area``).

Nothing here computes a published figure: values, intervals, comparisons and trends come from
the engine. The spine's range across areas (minimum, quartiles, maximum) is a description of the
areas' published values, taken from the same engine rows. The chart is ``charts.spine``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.spine import numbers, spine_figure
from dashboard.charts.text_profile import describe_profile
from dashboard.present import benchmark as bench
from dashboard.present.area import NO_DATA, SPINE_INDICATORS, Link, Table, View, spine_label
from dashboard.present.area_spine_table import SpineTable, programme_text, spine_table
from dashboard.present.export_context import chart_export
from dashboard.present.words import fmt
from lfo.indicators.benchmarks import NEIGHBOURS, REGION
from lfo.indicators.definitions import indicators
from lfo.indicators.request import ROW_COLUMNS, Result
from lfo.periods import is_quarter
from lfo.periods import period as parse_code
from lfo.terms import PROGRAMME

#: The group benchmarks whose figures the spine's tables give beside the programme's.
GROUP_KINDS = (NEIGHBOURS, REGION)

#: The columns of the area's own engine row that the spine keeps: its figure, from value to status.
_OWN_COLUMNS = tuple(ROW_COLUMNS[ROW_COLUMNS.index("value") :])


def spine_frame(rows: pd.DataFrame, code: str, compare: Sequence[str] = ()) -> pd.DataFrame:
    """One row per spine indicator with rows (in ``SPINE_INDICATORS`` order): the area's engine
    row (value, interval, comparison, trend, status), the programme's value, the range of the
    areas' values (min, q25, q75, max, n_areas) and each comparison area's value and status."""
    # column arrays and each indicator's row positions, read once (not a mask per lookup)
    columns = {c: rows[c].to_numpy() for c in rows.columns}
    by_indicator = rows.groupby("indicator", sort=False).indices if len(rows) else {}
    records = []
    for ind_id in SPINE_INDICATORS:
        pos = by_indicator.get(ind_id)
        if pos is None or not len(pos):
            continue
        ind = indicators()[ind_id]
        own_codes = columns["area_code"][pos]

        def first(area: str, _pos: np.ndarray = pos, _codes: np.ndarray = own_codes) -> int | None:
            """The position (in ``rows``) of the indicator's first row for ``area``."""
            hit = np.flatnonzero(_codes == area)
            return int(_pos[hit[0]]) if len(hit) else None

        def get(i: int | None, column: str) -> object:
            return columns[column][i] if i is not None and column in columns else None

        is_area = own_codes != PROGRAMME
        stated = (
            pd.isna(columns["status"][pos]) if "status" in columns else np.zeros(len(pos), bool)
        )
        shown = (
            pd.to_numeric(pd.Series(columns["value"][pos][is_area & stated]), errors="coerce")
            .dropna()
            .astype(float)
            .to_numpy()
        )
        rec: dict[str, object] = {
            "indicator": ind_id,
            "name": spine_label(ind_id),
            "unit": ind.unit,
            "polarity": ind.polarity,
            "kind": ind.kind,
            "period": columns["period"][pos[0]],
        }
        a = first(code)
        for column in _OWN_COLUMNS:
            rec[column] = _scalar(get(a, column))
        if rec["status"] is None and rec["value"] is None:
            rec["status"] = "x"
        p = first(PROGRAMME)
        rec["programme"] = _scalar(get(p, "value")) if p is not None else None
        rec["programme_status"] = _scalar(get(p, "status")) if p is not None else "x"
        rec["n_areas"] = int(shown.size)
        if shown.size:
            # as pandas' Series.quantile (linear interpolation)
            q25, q75 = np.percentile(shown, [25.0, 75.0])
            rec["min"], rec["q25"], rec["q75"], rec["max"] = (
                float(shown.min()),
                float(q25),
                float(q75),
                float(shown.max()),
            )
        else:
            rec["min"] = rec["q25"] = rec["q75"] = rec["max"] = None
        for other in compare:
            r = first(other)
            rec[f"value:{other}"] = _scalar(get(r, "value"))
            status = _scalar(get(r, "status"))
            rec[f"status:{other}"] = status if status or rec[f"value:{other}"] is not None else "x"
            rec[f"comparison:{other}"] = _scalar(get(r, "comparison"))
        records.append(rec)
    return pd.DataFrame(records)


def _scalar(value: object) -> object:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def spine_export_table(
    frame: pd.DataFrame,
    area_name: str,
    compare_names: dict[str, str],
    groups: dict[str, str] | None = None,
    against: str = "the programme",
) -> pd.DataFrame:
    """The spine's downloads (CSV and Excel): exactly the plotted numbers, unrounded (the page's
    table twin is ``spine_twin``'s, with each figure in its own unit)."""
    out = pd.DataFrame(
        {
            "Indicator": frame["name"].to_numpy(),
            "Indicator id": frame["indicator"].to_numpy(),
            "Unit": frame["unit"].to_numpy(),
            f"{area_name}": numbers(frame, "value"),
            "Lower limit": numbers(frame, "lower"),
            "Upper limit": numbers(frame, "upper"),
            "Programme": np.where(
                frame["kind"].to_numpy() == "count", np.nan, numbers(frame, "programme")
            ),
            "Lowest area": numbers(frame, "min"),
            "25th percentile of areas": numbers(frame, "q25"),
            "75th percentile of areas": numbers(frame, "q75"),
            "Highest area": numbers(frame, "max"),
            "Areas with a figure": numbers(frame, "n_areas"),
            f"Compared with {against}": frame["comparison"].to_numpy(),
            "Recent trend": frame["trend"].to_numpy(),
        }
    )
    for kind, heading in (groups or {}).items():  # published group figures only (else NaN)
        shown = [_published(r, kind) for _, r in frame.iterrows()]
        out.insert(list(out.columns).index("Lowest area"), heading, shown)
    for code, name in compare_names.items():
        out[name] = numbers(frame, f"value:{code}")
    out["status"] = frame["status"].to_numpy()
    return out


def _published(row: pd.Series, kind: str) -> float:
    """A group benchmark's figure where ``group_cell`` shows it, else NaN."""
    if group_cell(row, kind).startswith("["):
        return float("nan")
    value = pd.to_numeric(pd.Series([row.get(f"benchmark:{kind}")]), errors="coerce").iloc[0]
    return float(value)


def _cell(value: object, unit: str, status: object) -> str:
    """A figure in its unit, or its status symbol (``[c]``, ``[x]``, ``[z]``)."""
    if isinstance(status, str) and status:
        return f"[{status}]"
    text = fmt(value, unit)
    return text if text else "[x]"


def group_heading(kind: str, members: int, region: str | None = None) -> str:
    """A group benchmark's column: "Statistical neighbours (5 areas)", "Region (London)"."""
    if kind == REGION:
        return f"Region ({region})" if region else "Region"
    return f"Statistical neighbours ({members} area{'s' if members != 1 else ''})"


def group_cell(row: pd.Series, kind: str) -> str:
    """The area's group benchmark in its unit, or ``[c]`` / ``[x]`` / ``[z]``: the engine's
    ``benchmark_status``, else ``[c]`` where the area's own figure is (the engine publishes no
    benchmark beside a suppressed figure), never a figure the spec suppresses."""
    status = row.get(f"benchmark_status:{kind}")
    if not (isinstance(status, str) and status) and row.get("status") == "c":
        status = "c"
    if row.get("kind") == "count":
        status = "z"
    return _cell(row.get(f"benchmark:{kind}"), str(row["unit"]), status)


def spine_twin(
    frame: pd.DataFrame,
    area_name: str,
    compare_names: dict[str, str],
    caption: str,
    *,
    ci: str = "95",
    benchmark: str = bench.DEFAULT_BENCHMARK,
    groups: dict[str, str] | None = None,
    region: str | None = None,
) -> Table:
    """The spine's table twin: each indicator's figures in its own unit, names linking to their
    definitions, ``[c]`` / ``[x]`` / ``[z]`` where the status says so; the interval and the
    comparison at the level ``ci``, the comparison with the ``benchmark`` chosen; after the
    programme's figure, each group benchmark's (``groups``: kind → column heading)."""
    groups = groups or {}
    columns = [
        "Indicator",
        area_name,
        f"{ci}% confidence interval",
        "Programme",
        *groups.values(),
        "Range of areas (lowest to highest)",
        "Middle half of areas",
        f"Compared with {bench.its(benchmark, region)} ({ci}%)",
        "Recent trend",
        *compare_names.values(),
    ]
    against = bench.its(benchmark, region)
    rows: list[list[str | Link]] = []
    for _, r in frame.iterrows():
        unit, status = str(r["unit"]), r["status"]
        interval = ""
        if (
            not (isinstance(status, str) and status)
            and pd.notna(r["lower"])
            and pd.notna(r["upper"])
        ):
            interval = f"{fmt(r['lower'], unit)} to {fmt(r['upper'], unit)}"
            if r["kind"] == "median":
                interval += " (interquartile range)"
        # (a frame's missing figure is NaN, not None: no "to" between nothing and nothing)
        span = f"{fmt(r['min'], unit)} to {fmt(r['max'], unit)}" if pd.notna(r["min"]) else ""
        middle = f"{fmt(r['q25'], unit)} to {fmt(r['q75'], unit)}" if pd.notna(r["q25"]) else ""
        programme = programme_text(r)
        rows.append(
            [
                Link(str(r["name"]), f"/definitions#{r['indicator']}"),
                _cell(r["value"], unit, status),
                interval,
                programme,
                *(group_cell(r, kind) for kind in groups),
                span,
                middle,
                comparison_word(r, against),
                trend_word(r),
                *(_cell(r[f"value:{c}"], unit, r[f"status:{c}"]) for c in compare_names),
            ]
        )
    n = len(groups)
    return Table(
        columns,
        rows,
        caption,
        numeric=(1, 3, *range(4, 4 + n), *range(8 + n, 8 + n + len(compare_names))),
        statuses=tuple(sorted(set(frame["status"].dropna()))),
    )


def comparison_word(row: pd.Series, against: str = "the programme") -> str:
    """The comparison with the benchmark (``against``: "the programme", "its statistical
    neighbours") in words, for the spine's table."""
    status = row.get("status")
    if status == "c":
        return "suppressed"
    if status in ("x", "z") or row.get("value") is None:
        return "not available" if status != "z" else "not applicable"
    comparison = row.get("comparison")
    # (a missing comparison is NaN in a pandas 3 text column: truthy, not a word)
    if isinstance(comparison, str) and comparison:
        return f"{comparison} {'to' if comparison == 'similar' else 'than'} {against}"
    if row.get("kind") == "count":
        return "a count: not compared"
    return "not compared (no interval)"


def trend_word(row: pd.Series) -> str:
    trend = row.get("trend")
    if not trend:
        return "not tested" if row.get("status") is None else ""
    judgement = row.get("trend_judgement")
    return f"{trend} ({judgement})" if judgement else str(trend)


def mostly_suppressed(frame: pd.DataFrame) -> bool:
    """True when at least half of the area's spine figures are suppressed."""
    return bool(len(frame)) and (frame["status"] == "c").sum() * 2 >= len(frame)


def _notes(frame: pd.DataFrame, period: str, threshold: int) -> list[str]:
    notes: list[str] = []
    if (frame["status"] == "c").any():
        notes.append(
            f"Figures marked [c] are suppressed to protect confidentiality: they rest on fewer "
            f"than {threshold} people or episodes, or would let such a "
            "figure be worked out."
        )
    if mostly_suppressed(frame) and is_quarter(period):
        notes.append(
            "Many figures for a single quarter are suppressed because they rest on few "
            "people: choose a financial year in the period list for fuller figures."
        )
    return [
        *notes,
        "Where lower is better (days from referral to start), the row is flipped so that right "
        "is always better. Where an indicator has no better or worse, right is higher.",
        "Counts (parents and families referred) are centred on the middle of the areas' range: "
        "the programme's figure for a count is a total.",
        "The programme's figure includes the area itself.",
    ]


@dataclass(frozen=True)
class Spine:
    """The spine part: its card's content, its table twin (None: the kit's own), the
    messages about the period shown above it, and the table shown in place of the chart on
    phones (None: no figures)."""

    content: ChartContent
    twin: Table | None = None
    messages: tuple[str, ...] = ()
    phone: SpineTable | None = None


def with_groups(
    frame: pd.DataFrame, code: str, groups: dict[str, pd.DataFrame], chosen: str
) -> pd.DataFrame:
    """``frame`` with, for each group benchmark in ``groups`` (kind → the engine's rows with
    that benchmark), the area's ``benchmark:<kind>`` and ``benchmark_status:<kind>``; the
    ``comparison`` is the chosen benchmark's (the programme's where ``chosen`` is not in
    ``groups``)."""
    out = frame.copy()
    if out.empty:
        return out
    for kind, rows in groups.items():
        own = rows[rows["area_code"] == code].drop_duplicates("indicator").set_index("indicator")
        for column in ("benchmark", "benchmark_status", "comparison"):
            values = own[column] if column in own else pd.Series(dtype=object)
            mapped = [_scalar(values.get(i)) for i in out["indicator"]]
            if column != "comparison":
                out[f"{column}:{kind}"] = pd.Series(mapped, index=out.index, dtype=object)
            elif kind == chosen:
                out["comparison"] = pd.Series(mapped, index=out.index, dtype=object)
    return out


def _centred_on(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The frame the spine chart draws: centred on the chosen group benchmark (its figure in the
    ``programme`` column, its status in ``programme_status``) or on the programme."""
    if kind not in GROUP_KINDS or f"benchmark:{kind}" not in frame:
        return frame
    status = [s if isinstance(s, str) and s else None for s in frame[f"benchmark_status:{kind}"]]
    return frame.assign(programme=frame[f"benchmark:{kind}"], programme_status=status)


def spine(v: View, result: Result | None, groups: dict[str, Result] | None = None) -> Spine:
    """The spine for the view from the engine's ``result`` for ``SPINE_INDICATORS`` in the view's
    period (every area: the range is theirs; None where there is no period). ``groups``: the same
    compared with each group benchmark (kind → result), whose figures the tables give; the
    comparisons and the centre of the chart and of the phone bars are ``v.benchmark``'s."""
    if v.period is None or result is None:
        return Spine(empty_content(NO_DATA))
    code, name, compare_names, period = v.code, v.name, v.compare_names, v.period
    kind = bench.checked(v.benchmark)
    group_rows = {k: r.rows for k, r in (groups or {}).items() if k in GROUP_KINDS}
    frame = spine_frame(result.rows, code, list(compare_names))
    frame = with_groups(frame, code, group_rows, kind)
    against = bench.its(kind, v.region)
    when = parse_code(period).in_words
    title = f"Key indicators for {name} against {against}, {when}"
    centre = bench.LABELS[kind] if kind in group_rows else "Programme"
    subtitle = (
        f"All interventions; {v.ci}% confidence intervals; grey bars: the range of the areas' "
        f"figures, hatched: the middle half; centre: {centre.lower()}; right is better (or "
        "higher)"
    )
    if frame.empty or (frame["value"].isna().all() and (frame["status"] != "c").all()):
        message = f"There are no figures for {name} in {when}."
        return Spine(empty_content(message, title), messages=v.messages)
    headings = {k: group_heading(k, len(v.groups.get(k, ())), v.region) for k in group_rows}
    notes = _notes(frame, period, result.meta.threshold)
    if line := bench.members_line(name, kind, v.members, v.region):
        notes.insert(0, line)
    if kind in group_rows and (frame[f"benchmark_status:{kind}"] == "c").any():
        notes.insert(1, f"{bench.LABELS[kind]}: [c] {bench.MISSING['c']}.")
    content = ChartContent(
        figure=spine_figure(_centred_on(frame, kind), name, compare_names, benchmark_label=centre),
        title=title,
        subtitle=subtitle,
        summary=describe_profile(
            frame,
            name,
            period,
            list(compare_names.values()),
            ci=float(v.ci),
            benchmark_name=against,
        ),
        table=spine_export_table(frame, name, compare_names, headings, against),
        indicator_ids=list(frame["indicator"]),
        notes=notes,
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
        **chart_export(
            ["key-indicators"],
            period=period,
            area=(code, name),
            filters={"intervention_group": "all"},
            benchmark=kind,
            ci=v.ci,
        ),
    )
    twin = spine_twin(
        frame,
        name,
        compare_names,
        f"{title}. {subtitle}",
        ci=v.ci,
        benchmark=kind,
        groups=headings,
        region=v.region,
    )
    phone = spine_table(
        frame,
        name,
        title,
        [comparison_word(r, against) for _, r in frame.iterrows()],  # (apply makes None NaN)
        benchmark=(headings[kind], [group_cell(r, kind) for _, r in frame.iterrows()])
        if kind in headings
        else None,
        compared_heading=f"Compared with {against} ({v.ci}%)",
        centred=_centred_on(frame, kind),
        mark=(centre, against if kind in group_rows else "the programme"),
        compare=compare_names,
    )
    return Spine(content, twin, v.messages, phone)

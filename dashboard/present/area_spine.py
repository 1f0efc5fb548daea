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
from dashboard.present.area import NO_DATA, SPINE_INDICATORS, Link, Table, View, spine_label
from dashboard.present.area_spine_table import SpineTable, spine_table
from dashboard.present.export_context import chart_export
from dashboard.present.words import count_words, fmt, join_names
from lfo.indicators.definitions import indicators
from lfo.indicators.request import ROW_COLUMNS, Result
from lfo.periods import is_quarter
from lfo.periods import period as parse_code
from lfo.terms import PROGRAMME

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
    frame: pd.DataFrame, area_name: str, compare_names: dict[str, str]
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
            "Compared with the programme": frame["comparison"].to_numpy(),
            "Recent trend": frame["trend"].to_numpy(),
        }
    )
    for code, name in compare_names.items():
        out[name] = numbers(frame, f"value:{code}")
    out["status"] = frame["status"].to_numpy()
    return out


def _cell(value: object, unit: str, status: object) -> str:
    """A figure in its unit, or its status symbol (``[c]``, ``[x]``, ``[z]``)."""
    if isinstance(status, str) and status:
        return f"[{status}]"
    text = fmt(value, unit)
    return text if text else "[x]"


def spine_twin(
    frame: pd.DataFrame, area_name: str, compare_names: dict[str, str], caption: str
) -> Table:
    """The spine's table twin: each indicator's figures in its own unit, names linking to their
    definitions, ``[c]`` / ``[x]`` / ``[z]`` where the status says so."""
    columns = [
        "Indicator",
        area_name,
        "95% confidence interval",
        "Programme",
        "Range of areas (lowest to highest)",
        "Middle half of areas",
        "Compared with the programme",
        "Recent trend",
        *compare_names.values(),
    ]
    rows: list[list[str | Link]] = []
    for _, r in frame.iterrows():
        unit, status = str(r["unit"]), r["status"]
        interval = ""
        if status is None and r["lower"] is not None and r["upper"] is not None:
            interval = f"{fmt(r['lower'], unit)} to {fmt(r['upper'], unit)}"
            if r["kind"] == "median":
                interval += " (interquartile range)"
        span = f"{fmt(r['min'], unit)} to {fmt(r['max'], unit)}" if r["min"] is not None else ""
        middle = f"{fmt(r['q25'], unit)} to {fmt(r['q75'], unit)}" if r["q25"] is not None else ""
        programme = (
            "total " + fmt(r["programme"], unit)
            if r["kind"] == "count"
            else _cell(r["programme"], unit, r["programme_status"])
        )
        rows.append(
            [
                Link(str(r["name"]), f"/definitions#{r['indicator']}"),
                _cell(r["value"], unit, status),
                interval,
                programme,
                span,
                middle,
                comparison_word(r),
                trend_word(r),
                *(_cell(r[f"value:{c}"], unit, r[f"status:{c}"]) for c in compare_names),
            ]
        )
    return Table(
        columns,
        rows,
        caption,
        numeric=(1, 3, *range(8, 8 + len(compare_names))),
        statuses=tuple(sorted(set(frame["status"].dropna()))),
    )


def comparison_word(row: pd.Series) -> str:
    """The comparison with the programme in words, for the spine's table."""
    status = row.get("status")
    if status == "c":
        return "suppressed"
    if status in ("x", "z") or row.get("value") is None:
        return "not available" if status != "z" else "not applicable"
    comparison = row.get("comparison")
    # (a missing comparison is NaN in a pandas 3 text column: truthy, not a word)
    if isinstance(comparison, str) and comparison:
        return (
            f"{comparison} than the programme"
            if comparison != "similar"
            else "similar to the programme"
        )
    if row.get("kind") == "count":
        return "a count: not compared"
    return "not compared (no interval)"


def trend_word(row: pd.Series) -> str:
    trend = row.get("trend")
    if not trend:
        return "not tested" if row.get("status") is None else ""
    judgement = row.get("trend_judgement")
    return f"{trend} ({judgement})" if judgement else str(trend)


def describe_spine(
    frame: pd.DataFrame, area_name: str, period: str, compare_names: Sequence[str] = ()
) -> str:
    """The spine chart's text alternative, from the engine's comparisons."""
    when = parse_code(period).in_words
    if frame.empty:
        return f"There are no figures for {area_name} in {when}."
    words = frame.apply(comparison_word, axis=1)
    parts: list[str] = []
    for word in ("worse", "better", "similar", "higher", "lower"):
        full = f"{word} {'to' if word == 'similar' else 'than'} the programme"
        names = frame.loc[words == full, "name"].tolist()
        if not names:
            continue
        listed = f" ({join_names(names)})" if word != "similar" or len(names) <= 3 else ""
        if not parts:
            verb = "was" if len(names) == 1 else "were"
            parts.append(f"{len(names)} {verb} {full}{listed}")
        else:
            parts.append(f"{len(names)} {word}{listed}")
    text = f"Of {count_words(len(frame), 'indicator')} for {area_name} in {when}, "
    text += (", ".join(parts) if parts else "none could be compared with the programme") + "."
    suppressed = frame.loc[frame["status"] == "c", "name"].tolist()
    if suppressed:
        text += (
            f" {count_words(len(suppressed), 'figure')} "
            f"{'is' if len(suppressed) == 1 else 'are'} suppressed ([c]): "
            f"{join_names(suppressed)}."
        )
    missing = frame.loc[frame["status"].isin(["x", "z"]), "name"].tolist()
    if missing:
        text += f" No figure for {join_names(missing)}."
    worsening = frame.loc[frame["trend_judgement"] == "getting worse", "name"].tolist()
    improving = frame.loc[frame["trend_judgement"] == "getting better", "name"].tolist()
    if worsening:
        text += f" Getting worse over the last five quarters: {join_names(worsening)}."
    if improving:
        text += f" Getting better over the last five quarters: {join_names(improving)}."
    if compare_names:
        text += (
            f" Compared areas ({join_names(list(compare_names))}) are marked on each row; "
            "their figures are in the table."
        )
    return text


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


def spine(v: View, result: Result | None) -> Spine:
    """The spine for the view from the engine's result for ``SPINE_INDICATORS`` in the view's
    period (every area: the range is theirs); ``result`` is None where there is no period."""
    if v.period is None or result is None:
        return Spine(empty_content(NO_DATA))
    code, name, compare_names, period = v.code, v.name, v.compare_names, v.period
    frame = spine_frame(result.rows, code, list(compare_names))
    when = parse_code(period).in_words
    title = f"Key indicators for {name} against the programme, {when}"
    subtitle = (
        "All interventions; 95% confidence intervals; grey bars: the range of the areas' "
        "figures, hatched: the middle half; right is better (or higher)"
    )
    if frame.empty or (frame["value"].isna().all() and (frame["status"] != "c").all()):
        message = f"There are no figures for {name} in {when}."
        return Spine(empty_content(message, title), messages=v.messages)
    content = ChartContent(
        figure=spine_figure(frame, name, compare_names),
        title=title,
        subtitle=subtitle,
        summary=describe_profile(frame, name, period, list(compare_names.values())),
        table=spine_export_table(frame, name, compare_names),
        indicator_ids=list(frame["indicator"]),
        notes=_notes(frame, period, result.meta.threshold),
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
        **chart_export(
            ["key-indicators"],
            period=period,
            area=(code, name),
            filters={"intervention_group": "all"},
            ci=getattr(v, "ci", None) or "95",
        ),
    )
    twin = spine_twin(frame, name, compare_names, f"{title}. {subtitle}")
    words = [comparison_word(r) for _, r in frame.iterrows()]  # (apply makes None NaN)
    phone = spine_table(frame, name, title, words)
    return Spine(content, twin, v.messages, phone)

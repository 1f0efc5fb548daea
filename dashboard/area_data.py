"""The area profile's data: pure shaping of
the indicator engine's rows for the profile (spine table, funnel by intervention, sentences).

Nothing here computes a published figure: values, intervals, comparisons and trends come from
the engine (``dashboard.services.indicator_data``). The spine's range across areas (minimum, quartiles, maximum) is a
description of the areas' published values, taken from the same engine rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures import COMPARISON_STYLE, Figure, make_figure
from dashboard.present.words import category_label, count_words, fmt, join_names, period_label
from lfo.indicators.definitions import HIGHER, LOWER, indicators
from lfo.periods import FinancialYear, Quarter, parse_period
from lfo.reference import BREAKDOWNS, load_reference
from lfo.terms import PROGRAMME

MEASURES = ("csi4", "ops", "swemwbs", "sdq_total")
#: The spine's indicators: all reach and uptake (but the breakdown and the funnel, which have
#: their own charts), and reliable improvement and recovery for the four measures.
SPINE_INDICATORS: tuple[str, ...] = (
    "reach.parents",
    "reach.families",
    "reach.family_rate",
    "reach.target",
    "reach.fathers",
    "reach.workless",
    "uptake.start",
    "uptake.completion",
    "uptake.days_to_start",
    "uptake.attendance",
    "uptake.both_parents",
    *(f"outcome.{m}.{s}" for m in MEASURES for s in ("reliable_improvement", "recovery")),
)
#: Indicators the trend chart offers (those defined for quarters).
TREND_INDICATORS: tuple[str, ...] = tuple(i for i in SPINE_INDICATORS if indicators()[i].quarters)
DEFAULT_TREND = "uptake.completion"
DEFAULT_BREAKDOWN = "sex"
BREAKDOWN_LABELS = {
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "relationship_status": "Relationship status",
    "workless_household": "Workless household",
    "youngest_child_age_band": "Youngest child's age",
    "referral_source": "Referral source",
}
#: Similar deprivation: IMD 2019 upper-tier ranks within this distance.
IMD_WIDTH = 20
#: Short names of the indicators in the spine and the trend choice (full names in definitions).
SHORT_NAMES = {
    "reach.parents": "Parents referred",
    "reach.families": "Families referred",
    "reach.family_rate": "Families reached per 10,000",
    "reach.target": "Progress to target",
    "reach.fathers": "Fathers reached",
    "reach.workless": "Workless households reached",
    "uptake.start": "Offers taken up",
    "uptake.completion": "Completion",
    "uptake.days_to_start": "Days from referral to start",
    "uptake.attendance": "Sessions attended",
    "uptake.both_parents": "Both parents engaged",
}
_MEASURE_SHORT = {
    "csi4": "relationship quality (CSI-4)",
    "ops": "conflict (OPS)",
    "swemwbs": "wellbeing (SWEMWBS)",
    "sdq_total": "child difficulties (SDQ)",
}
for _m, _words in _MEASURE_SHORT.items():
    SHORT_NAMES[f"outcome.{_m}.reliable_improvement"] = f"Reliable improvement: {_words}"
    SHORT_NAMES[f"outcome.{_m}.recovery"] = f"Recovery: {_words}"


# --- comparison areas ------------------------------------------------------------------------


def same_region(areas: pd.DataFrame, code: str) -> list[str]:
    """The other areas of ``code``'s region."""
    own = areas.loc[areas["area_code"] == code, "region"]
    if own.empty:
        return []
    mask = (areas["region"] == own.iloc[0]) & (areas["area_code"] != code)
    return areas.loc[mask, "area_code"].tolist()


def similar_deprivation(areas: pd.DataFrame, code: str, width: int = IMD_WIDTH) -> list[str]:
    """The other areas whose IMD rank is within ``width`` of ``code``'s (none if unknown)."""
    ranks = pd.to_numeric(areas["imd_rank"], errors="coerce")
    own = ranks[areas["area_code"] == code]
    if own.empty or pd.isna(own.iloc[0]):
        return []
    mask = ((ranks - own.iloc[0]).abs() <= width) & (areas["area_code"] != code)
    return areas.loc[mask.fillna(False), "area_code"].tolist()


def regions(areas: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(areas["region"].astype(str)))


# --- periods ---------------------------------------------------------------------------------


def quarters_up_to(period: str, available: Sequence[str]) -> list[str]:
    """The available quarters ending no later than ``period`` (a quarter or a year)."""
    end = parse_period(period).end
    return [p for p in available if "_Q" in p and parse_period(p).end <= end]


def default_period(
    return_period: str | None, available: Sequence[str], latest: str | None
) -> str | None:
    """The area's own latest quarter (its return's period) if it has figures, else the latest."""
    if return_period and return_period in available:
        return return_period
    return latest


def is_year(period: str) -> bool:
    return isinstance(parse_period(period), FinancialYear)


def period_words(period: str) -> str:
    p = parse_period(period)
    if isinstance(p, Quarter):
        return period_label(period)
    return f"financial year {period}"


# --- the spine -------------------------------------------------------------------------------


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

        def first(area: str, _pos=pos, _codes=own_codes) -> int | None:
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
            "name": SHORT_NAMES.get(ind_id, ind.name),
            "unit": ind.unit,
            "polarity": ind.polarity,
            "kind": ind.kind,
            "period": columns["period"][pos[0]],
        }
        a = first(code)
        for column in (
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "comparison",
            "trend",
            "trend_judgement",
            "status",
        ):
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


def spine_positions(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Each value of ``columns`` placed on the spine: 0 is the centre (the programme's value, or
    the middle of the areas' range where there is no programme value to compare with, as for
    counts), ±1 the farther of the areas' range and the area's own interval (so an area similar
    to the programme is never drawn at an end only because few areas have a figure); flipped where lower is better, so right is always better
    (or higher, where the indicator has no polarity)."""
    out = pd.DataFrame(index=frame.index)
    centre = spine_centre(frame)
    ends = [_num(frame, c) for c in ("min", "max", "lower", "upper")]
    half = np.abs(ends[0] - centre)
    for e in ends[1:]:
        half = np.fmax(half, np.abs(e - centre))
    half = np.where(np.isfinite(half) & (half > 0), half, 1.0)
    sign = np.where(frame["polarity"].to_numpy() == LOWER, -1.0, 1.0)
    for column in columns:
        out[column] = sign * (_num(frame, column) - centre) / half
    return out


def spine_centre(frame: pd.DataFrame) -> np.ndarray:
    """The spine's centre per row: the programme's value, or for counts the areas' median."""
    prog = _num(frame, "programme")
    q = (_num(frame, "q25") + _num(frame, "q75")) / 2
    counts = frame["kind"].to_numpy() == "count"
    return np.where(counts | ~np.isfinite(prog), q, prog)


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()


def spine_table(frame: pd.DataFrame, area_name: str, compare_names: dict[str, str]) -> pd.DataFrame:
    """The spine's table twin and download: exactly the plotted numbers, unrounded."""
    out = pd.DataFrame(
        {
            "Indicator": frame["name"].to_numpy(),
            "Indicator id": frame["indicator"].to_numpy(),
            "Unit": frame["unit"].to_numpy(),
            f"{area_name}": _num(frame, "value"),
            "Lower limit": _num(frame, "lower"),
            "Upper limit": _num(frame, "upper"),
            "Programme": np.where(
                frame["kind"].to_numpy() == "count", np.nan, _num(frame, "programme")
            ),
            "Lowest area": _num(frame, "min"),
            "25th percentile of areas": _num(frame, "q25"),
            "75th percentile of areas": _num(frame, "q75"),
            "Highest area": _num(frame, "max"),
            "Areas with a figure": _num(frame, "n_areas"),
            "Compared with the programme": frame["comparison"].to_numpy(),
            "Recent trend": frame["trend"].to_numpy(),
        }
    )
    for code, name in compare_names.items():
        out[name] = _num(frame, f"value:{code}")
    out["status"] = frame["status"].to_numpy()
    return out


def comparison_word(row: pd.Series) -> str:
    """The comparison with the programme in words, for the spine's table."""
    status = row.get("status")
    if status == "c":
        return "suppressed"
    if status in ("x", "z") or row.get("value") is None:
        return "not available" if status != "z" else "not applicable"
    comparison = row.get("comparison")
    if comparison:
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
    if frame.empty:
        return f"There are no figures for {area_name} in {period_words(period)}."
    words = frame.apply(comparison_word, axis=1)
    parts = []
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
    text = f"Of {count_words(len(frame), 'indicator')} for {area_name} in {period_words(period)}, "
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


# --- funnel by intervention ------------------------------------------------------------------


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
        empty = pd.DataFrame(
            columns=[
                "area_code",
                "area_name",
                "category",
                "value",
                "numerator",
                "denominator",
                "status",
            ]
        )
        return empty, left_out
    return pd.concat(parts, ignore_index=True), left_out


def describe_funnel(
    all_rows: pd.DataFrame, code: str, area_name: str, period: str, shown: int
) -> str:
    """Referral to completion for all interventions in the area, against the programme."""
    own = all_rows[all_rows["area_code"] == code].set_index("category")
    if own.empty or "referred" not in own.index:
        return f"There are no funnel figures for {area_name} in {period_words(period)}."
    referred = own.loc["referred"]
    if referred["status"] == "c" or pd.isna(referred["numerator"]):
        return (
            f"The number of parents referred in {area_name} in {period_words(period)} is "
            "suppressed, so the funnel is not shown."
        )
    text = (
        f"Of {fmt(referred['numerator'], 'count')} parents referred in {area_name} in "
        f"{period_words(period)}"
    )
    steps = []
    for stage, verb in (
        ("offered", "were offered an intervention"),
        ("started", "of those offered started"),
        ("completed", "of those who started completed"),
    ):
        if stage not in own.index:
            continue
        row = own.loc[stage]
        if row["status"] == "c" or pd.isna(row["value"]):
            steps.append(
                f"the number who {verb.split(' ', 1)[-1] if stage == 'offered' else verb}"
                " is suppressed ([c])"
            )
            continue
        bench = row.get("benchmark")
        prog = f" (programme {fmt(bench, '%')})" if pd.notna(bench) else ""
        steps.append(f"{fmt(row['value'], '%')} {verb}{prog}")
    text += ", " + "; ".join(steps) + "." if steps else "."
    if shown > 1:
        text += (
            f" The chart also shows the {count_words(shown - 1, 'intervention')} offered "
            "to the most parents in the area; a parent counts once per intervention."
        )
    return text


# --- reach by characteristic -----------------------------------------------------------------


def breakdown_label(breakdown: str) -> str:
    return BREAKDOWN_LABELS.get(breakdown, breakdown.replace("_", " ").capitalize())


def breakdown_options() -> list[dict[str, str]]:
    return [{"label": breakdown_label(b), "value": b} for b in BREAKDOWNS]


def describe_breakdown(
    rows: pd.DataFrame, code: str, area_name: str, breakdown: str, period: str
) -> str:
    """Each category's share in the area against the programme's, with the comparison."""
    own = rows[rows["area_code"] == code]
    if own.empty:
        return f"There are no figures for {area_name} in {period_words(period)}."
    parts = []
    for _, row in own.iterrows():
        label = category_label(row["category"])
        if row["status"] == "c" or pd.isna(row["value"]):
            parts.append(f"{label} [c]" if row["status"] == "c" else f"{label} [x]")
            continue
        bench = row.get("benchmark")
        prog = f"programme {fmt(bench, '%')}" if pd.notna(bench) else ""
        comp = row.get("comparison")
        extra = ", ".join(w for w in (prog, str(comp) if isinstance(comp, str) else "") if w)
        parts.append(f"{label} {fmt(row['value'], '%')}" + (f" ({extra})" if extra else ""))
    return (
        f"Parents referred in {area_name} in {period_words(period)} by "
        f"{breakdown_label(breakdown).lower()}: " + "; ".join(parts) + "."
    )


# --- words -----------------------------------------------------------------------------------


def polarity_words(polarity: str) -> str:
    return {HIGHER: "higher is better", LOWER: "lower is better"}.get(polarity, "no polarity")


# --- the spine chart -------------------------------------------------------------------------

#: Marker symbols and theme colours of the comparison areas (never those of the area's own
#: comparison words, so a comparison area cannot be read as "worse" or "better").
COMPARE_SYMBOLS = (
    "x-thin-open",
    "cross-thin-open",
    "star-open",
    "hexagon-open",
    "pentagon-open",
    "hourglass-open",
    "bowtie-open",
    "asterisk-open",
    "y-up-open",
    "star-triangle-up-open",
    "hexagram-open",
)
_SPINE_ROW = 36


def _cell_text(value: object, unit: str, status: object) -> str:
    if isinstance(status, str) and status:
        return f"[{status}]"
    text = fmt(value, unit)
    return text or "[x]"


def spine_figure(frame: pd.DataFrame, area_name: str, compare_names: dict[str, str]) -> Figure:
    """One row per indicator: the areas' range (lowest to highest, and the middle half) as grey
    bars, the programme's value at the centre, the area as a marker whose symbol says its
    comparison, the comparison areas as open markers; the area's and the programme's figures
    are written at the right of each row. A figure dict (see ``dashboard.charts.figures``)."""
    if frame.empty:
        return make_figure([], {})
    names = frame["name"].tolist()
    name_array = np.array(names, dtype=object)
    pos = spine_positions(
        frame,
        ["min", "q25", "q75", "max", "value", "programme", *(f"value:{c}" for c in compare_names)],
    )
    have_range = (np.isfinite(pos["min"]) & np.isfinite(pos["max"])).to_numpy()
    lo, q25, q75, hi = (pos[c].to_numpy() for c in ("min", "q25", "q75", "max"))
    # (a bar's base goes as a list, as go.Figure's validator leaves a Series for it)
    data: list[dict] = [
        {
            "type": "bar",
            "y": name_array[have_range].tolist(),
            "base": lo[have_range].tolist(),
            "x": (hi - lo)[have_range],
            "orientation": "h",
            "width": 0.55,
            "name": "Range of areas",
            "marker": {"color": theme.CHART_FEATURES},
            "hoverinfo": "skip",
        },
        {
            "type": "bar",
            "y": name_array[have_range].tolist(),
            "base": q25[have_range].tolist(),
            "x": (q75 - q25)[have_range],
            "orientation": "h",
            "width": 0.55,
            "name": "Middle half of areas",
            "marker": {
                "color": theme.GREY,
                "pattern": {"shape": "/", "fgcolor": theme.DARK_GREY, "size": 6, "solidity": 0.15},
            },
            "hoverinfo": "skip",
        },
    ]
    units = frame["unit"].tolist()
    prog_ok = (np.isfinite(pos["programme"]) & (frame["kind"] != "count")).to_numpy()
    data.append(
        {
            "type": "scatter",
            "y": name_array[prog_ok].tolist(),
            "x": np.zeros(int(prog_ok.sum())),
            "mode": "markers",
            "name": "Programme (centre)",
            "marker": {
                "symbol": "line-ns-open",
                "size": 26,
                "color": theme.DARK_GREY,
                "line": {"width": 3, "color": theme.DARK_GREY},
            },
            "customdata": [
                fmt(v, u) for v, u, ok in zip(frame["programme"], units, prog_ok, strict=True) if ok
            ],
            "hovertemplate": "%{y}: programme %{customdata}<extra></extra>",
        }
    )
    for i, (code, other) in enumerate(compare_names.items()):
        x = pos[f"value:{code}"].to_numpy()
        ok = np.isfinite(x)
        values = frame[f"value:{code}"].tolist()
        data.append(
            {
                "type": "scatter",
                "y": name_array[ok].tolist(),
                "x": x[ok],
                "mode": "markers",
                "name": other,
                "marker": {
                    "symbol": COMPARE_SYMBOLS[i % len(COMPARE_SYMBOLS)],
                    "size": 11,
                    "color": (theme.TURQUOISE, theme.ORANGE, theme.LIGHT_PURPLE, theme.MID_BLUE)[
                        i % 4
                    ],
                    "line": {"width": 2},
                },
                "customdata": [fmt(v, u) for v, u, k in zip(values, units, ok, strict=True) if k],
                "hovertemplate": "%{y}: " + other + " %{customdata}<extra></extra>",
            }
        )
    comparison = frame["comparison"].where(frame["comparison"].notna(), None)
    own = pos["value"].to_numpy()
    for comp, (legend, symbol, colour) in COMPARISON_STYLE.items():
        mask = (
            np.isfinite(own)
            & (comparison.isna() if comp is None else comparison == comp).to_numpy()
        )
        if not mask.any():
            continue
        word = legend.split(" ")[0].lower() if comp else "not compared"
        data.append(
            {
                "type": "scatter",
                "y": name_array[mask].tolist(),
                "x": own[mask],
                "mode": "markers",
                "name": f"{area_name}: {word}",
                "marker": {
                    "symbol": symbol,
                    "size": 15,
                    "color": colour,
                    "line": {"width": 1.5, "color": "#0B0C0C"},
                },
                "customdata": [
                    fmt(v, u) for v, u, k in zip(frame["value"], units, mask, strict=True) if k
                ],
                "hovertemplate": "%{y}: " + area_name + " %{customdata}<extra></extra>",
            }
        )
    annotations = []
    for name, value, unit, status, prog, prog_status, kind in zip(
        names,
        frame["value"],
        units,
        frame["status"],
        frame["programme"],
        frame["programme_status"],
        frame["kind"],
        strict=True,
    ):
        annotations.append(
            {
                "x": 1.02,
                "y": name,
                "xref": "paper",
                "yref": "y",
                "text": _cell_text(value, unit, status),
                "showarrow": False,
                "xanchor": "left",
            }
        )
        prog_text = "(total)" if kind == "count" else _cell_text(prog, unit, prog_status)
        annotations.append(
            {
                "x": 1.24,
                "y": name,
                "xref": "paper",
                "yref": "y",
                "text": prog_text,
                "showarrow": False,
                "xanchor": "left",
            }
        )
    short = area_name if len(area_name) <= 12 else area_name[:11] + "…"
    for x, text in ((1.02, f"<b>{short}</b>"), (1.24, "<b>Programme</b>")):
        annotations.append(
            {
                "x": x,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "text": text,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
            }
        )
    # (an axis title of None is no title: the key is left out, as go.Figure leaves it out)
    return make_figure(
        data,
        {
            "barmode": "overlay",
            "height": _SPINE_ROW * len(names) + 190,
            "annotations": annotations,
            "margin": {"l": 8, "r": 250, "t": 40, "b": 8},
            "hovermode": "closest",
            "legend": {
                "orientation": "h",
                "yanchor": "top",
                "y": -0.1,
                "xanchor": "left",
                "x": 0,
                "entrywidth": 0.5,
                "entrywidthmode": "fraction",
                "font": {"size": 13},
            },
            "xaxis": {
                "range": [-1.18, 1.18],
                "tickvals": [-1, 0, 1],
                "ticktext": ["Worse (or lower)", "Programme", "Better (or higher)"],
                "zeroline": False,
                "showgrid": False,
                "fixedrange": True,
            },
            "yaxis": {
                "type": "category",
                "categoryorder": "array",
                "categoryarray": names,
                "autorange": "reversed",
                "fixedrange": True,
            },
        },
    )

"""The data-quality page: which returns each area has sent, what the checks found, how complete the
optional fields and the paired outcomes are — as tables, chart content and sentences.

Pure: the frames ``dashboard.services.queries`` reads (areas, current returns, the load log,
findings, rows held back, completeness) in, ``Table``s, ``ChartContent`` and words out. Two
reads are made once per data version through ``IndicatorData.per_version`` (completeness of
every area, and pooled), and paired-outcome completeness, an indicator suppressed as one, comes
from the engine (``IndicatorData.rows``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.charts import figures, text
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import plotted_table
from dashboard.present.export_context import chart_export
from dashboard.present.home import load_time
from dashboard.present.words import count_words, fmt, period_label
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.periods import Quarter, period, quarters_of, years_of
from lfo.reference import load_reference
from lfo.terms import PROGRAMME

DEFAULT_MEASURE = "csi4"

#: Load log outcomes in plain words for a reader.
OUTCOME_WORDS = {
    "loaded": "Loaded",
    "loaded with quarantine": "Loaded, some rows held back",
    "forced": "Loaded by force (checks overridden, or an earlier return restored)",
    "rejected": "Rejected",
    "failed": "Failed",
    "already loaded": "Already loaded (same file)",
    "areas updated": "Areas updated (names, regions or targets)",
    "summaries rebuilt": "Summary tables rebuilt from the data",
}
STATUS_MARKS = ("c", "x", "z")


def area_names(areas: pd.DataFrame) -> dict[str, str]:
    """Area code → name, from ``queries.areas``."""
    return dict(zip(areas["area_code"], areas["area_name"], strict=True))


# --- the filters -------------------------------------------------------------------------------


def default_period(periods: Sequence[str]) -> str | None:
    """The latest whole financial year with data, else the latest period, else None."""
    years = years_of(periods)
    if years:
        return years[-1]
    return periods[-1] if periods else None


def check_filters(
    values: Mapping[str, object], area_codes: Sequence[str], periods: Sequence[str]
) -> tuple[dict[str, object], list[str]]:
    """The filters parsed from the address, checked against the data: an unknown area or a
    period without data falls back (with a message); no period means the default."""
    values, messages = dict(values), []
    if values["area"] is not None and values["area"] not in area_codes:
        messages.append(f"There is no programme area {values['area']}; showing all areas.")
        values["area"] = None
    if values["period"] is not None and values["period"] not in periods:
        messages.append(
            f"There are no figures for {period_label(values['period'])} "
            "yet; showing the latest period."
        )
        values["period"] = None
    if values["period"] is None:
        values["period"] = default_period(periods)
    return values, messages


def period_choices(periods: Sequence[str], chosen: str | None) -> list[str]:
    """Every financial year with data and the quarters of the latest one (plus ``chosen``)."""
    shown = years_of(periods) + quarters_of(periods)[-4:]
    if chosen and chosen not in shown:
        shown.append(chosen)
    return shown


# --- the tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table to show: its frame (one column a header), caption, the numeric columns (aligned
    right) and the column that heads each row, if any."""

    frame: pd.DataFrame
    caption: str
    numeric: Sequence[str] = ()
    row_header: str | None = None


def quarters_through(last: dt.date | None) -> list[Quarter]:
    """Every quarter from 2016-17 Q1 to the one containing ``last`` (none if ``last`` is None)."""
    if last is None:
        return []
    end = Quarter.containing(last)
    return [Quarter.from_index(i) for i in range(end.index + 1)]


def coverage_grid(current: pd.DataFrame) -> tuple[list[Quarter], pd.DataFrame]:
    """Area × quarter: does the area's current return cover the quarter?

    Returns the quarters (2016-17 Q1 to the latest covered by any return) and a boolean frame
    indexed by area_code with one column per quarter label. Returns are cumulative snapshots, so
    an area's current return covers every quarter up to its period's end.
    """
    ends = pd.to_datetime(current["period_end"], errors="coerce")
    last = ends.max()
    quarters = quarters_through(None if pd.isna(last) else last.date())
    grid = pd.DataFrame(index=current["area_code"].to_numpy())
    end_values = ends.to_numpy()
    for q in quarters:
        grid[q.label] = end_values >= pd.Timestamp(q.end).to_datetime64()
    return quarters, grid


@dataclass(frozen=True)
class CoverageRow:
    area_name: str
    period: str | None  # the current return's period ("2018-19 Q4"), None if there is none
    loaded: str  # its outcome and load time ("Loaded 3 May 2019, 10:00")
    covered: list[bool]  # per quarter


@dataclass(frozen=True)
class Coverage:
    """Which quarters each area's current return covers (areas in ``current``'s order)."""

    quarters: list[str]  # "2016-17 Q1", ...
    rows: list[CoverageRow]
    caption: str


def coverage(current: pd.DataFrame) -> Coverage | str:
    """The returns-received grid for ``queries.current_returns``, or why there is none."""
    quarters, grid = coverage_grid(current)
    if not quarters:
        return "No area has a return loaded yet, so no quarter is covered."
    # area × quarter read once as an array, rows in ``current``'s order
    covered = grid.loc[current["area_code"].to_numpy(), [q.label for q in quarters]].to_numpy(
        dtype=bool
    )
    rows = []
    for r, row_covered in zip(current.itertuples(index=False), covered, strict=True):
        shown = period_label(r.period) if isinstance(r.period, str) else None
        outcome = OUTCOME_WORDS.get(r.outcome, r.outcome or "Loaded")
        rows.append(
            CoverageRow(
                str(r.area_name), shown, f"{outcome} {load_time(r.loaded_at)}", row_covered.tolist()
            )
        )
    n_cov = int(grid.any(axis=1).sum())
    caption = (
        f"Quarters covered by each area's current return, 2016-17 Q1 to "
        f"{quarters[-1].display} (areas with a current return: {n_cov} of {len(current)})"
    )
    return Coverage([q.display for q in quarters], rows, caption)


@dataclass(frozen=True)
class Loads:
    sentence: str  # "5 returns sent: 3 loaded, 2 rejected."
    table: Table


LOAD_NUMERIC = ("Errors", "Warnings", "Rows held back", "Participants loaded")


def loads(log: pd.DataFrame, names: Mapping[str, str]) -> Loads | str:
    """Every return sent (``queries.load_log``), newest first, or why there is none."""
    if log.empty:
        return "No return has been sent yet."
    df = pd.DataFrame(
        {
            "Received": [load_time(v) for v in log["started_at"]],
            "Area": [
                "file name not readable" if pd.isna(c) else names.get(c, c)
                for c in log["area_code"]
            ],
            "Return": log["period"].fillna("–").str.replace("_", " "),
            "File": log["file_name"],
            "Outcome": [OUTCOME_WORDS.get(o, o) for o in log["outcome"]],
            "Errors": log["errors"],
            "Warnings": log["warnings"],
            "Rows held back": log["rows_held_back"],
            "Participants loaded": log["participants_loaded"],
        }
    )
    counts = log["outcome"].map(lambda o: str(OUTCOME_WORDS.get(o, o)).lower()).value_counts()
    sentence = (
        f"{count_words(len(df), 'return')} sent: "
        + ", ".join(f"{n} {word}" for word, n in counts.items())
        + "."
    )
    caption = f"Every return sent, newest first ({len(df)})"
    return Loads(sentence, Table(df, caption, numeric=LOAD_NUMERIC))


def findings(counts: pd.DataFrame, names: Mapping[str, str]) -> Table | str:
    """Areas × finding codes (``queries.finding_counts``): how many findings of each code the
    current return has; or why there is no table."""
    if counts.empty:
        return "The checks found nothing to report in the current returns."
    wide = counts.pivot_table(
        index="area_code", columns="code", values="findings", aggfunc="sum", fill_value=0
    )
    codes = list(wide.columns)
    titles = counts.drop_duplicates("code").set_index("code")
    headers = {c: f"{c} {titles.at[c, 'title']} ({titles.at[c, 'severity']})" for c in codes}
    df = pd.DataFrame({"Area": [names.get(a, a) for a in wide.index]})
    for c in codes:
        df[headers[c]] = wide[c].to_numpy().astype(int)
    df["All findings"] = wide.sum(axis=1).to_numpy().astype(int)
    df = df.sort_values("Area", kind="stable")
    return Table(
        df,
        "Findings of the checks in each area's current return, by code",
        numeric=[*headers.values(), "All findings"],
        row_header="Area",
    )


def held_back(held: pd.DataFrame, names: Mapping[str, str]) -> Table | str:
    """Rows held back from each area's current return (``queries.held_back``)."""
    if held.empty:
        return "No rows are held back from the current returns."
    df = pd.DataFrame(
        {
            "Area": [names.get(c, c) for c in held["area_code"]],
            "Sheet": held["sheet"],
            "Rows held back": held["rows"],
            "Not yet resolved": held["unresolved"],
        }
    )
    return Table(
        df,
        "Rows held back (quarantined) from each area's current return",
        numeric=("Rows held back", "Not yet resolved"),
    )


# --- paired-outcome completeness (an indicator) ------------------------------------------------


def paired_indicator(measure: str) -> str:
    return f"outcome.{measure}.paired"


def paired_definition(measure: str) -> str:
    """The address of the definition of paired-outcome completeness on ``measure``."""
    return f"/definitions#{paired_indicator(measure)}"


NO_PERIOD = "No return is loaded yet, so there is no period to show."
#: In place of a release's data quality when its file carries none (published before releases
#: did): never the live data quality under a release's banner.
NOT_IN_RELEASE = (
    "Data quality is not part of this release: it was published before releases kept the data "
    "quality of their returns. The live data quality is on this page without a release."
)


def paired_chart(
    data: IndicatorData, area: str | None, measure: str, code: str | None
) -> ChartContent:
    """The caterpillar of paired-outcome completeness on ``measure`` in period ``code``, with
    ``area`` (None: all areas) highlighted."""
    if code is None:
        return empty_content(NO_PERIOD)
    measure_name = load_reference().measures[measure].name
    ind_id = paired_indicator(measure)
    ind = indicator(ind_id)
    result = data.rows([ind_id], periods=[code])
    rows = result.rows
    areas = rows[rows["area_code"] != PROGRAMME]
    shown = areas[areas["status"] != "c"]
    when = period(code).in_words
    if shown["value"].notna().sum() == 0:
        return empty_content(f"No area has paired {measure_name} scores for {when}.")
    note = text.suppression_note(rows, result.meta.threshold)
    table = plotted_table(
        rows,
        ind,
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    return ChartContent(
        figure=figures.caterpillar(rows, highlight=area, ci=95.0),
        title=f"Paired-outcome completeness, {measure_name}, {when}",
        subtitle="All interventions; areas ordered by value; 95% confidence intervals",
        summary=text.describe_ranking(rows, ind),
        table=table,
        indicator_ids=[ind_id],
        notes=[n for n in (note,) if n],
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
        **chart_export(
            [ind_id],
            period=code,
            filters={"intervention_group": "all", "measure": measure},
            areas=[area] if area else (),
        ),
    )


def paired_every_measure(data: IndicatorData, code: str | None) -> Table | str:
    """Areas (and the programme) × measures: paired completeness in period ``code`` (engine rows,
    [c] / [x] / [z] by status), or why there is no table."""
    if code is None:
        return NO_PERIOD
    measures = load_reference().measures
    rows = data.rows([paired_indicator(m) for m in measures], periods=[code]).rows
    if rows.empty:
        return "There are no paired-outcome figures for this period."
    measure = rows["indicator"].str.split(".").str[1]
    cells = [
        f"[{s}]" if isinstance(s, str) and s in STATUS_MARKS else fmt(v, "%")
        for v, s in zip(rows["value"], rows["status"], strict=True)
    ]
    cells = [t or "[x]" for t in cells]
    wide = pd.DataFrame(
        {"area": rows["area_name"], "code": rows["area_code"], "measure": measure, "text": cells}
    )
    order = list(dict.fromkeys(wide["code"]))
    table = wide.pivot(index="code", columns="measure", values="text").reindex(order)
    names = wide.drop_duplicates("code").set_index("code")["area"]
    df = pd.DataFrame({"Area": [names[c] for c in table.index]})
    for m_code, m in measures.items():
        if m_code in table:
            df[f"{m.name} (% paired)"] = table[m_code].to_numpy()
    return Table(
        df,
        f"Paired-outcome completeness by measure, {period(code).in_words}: of completed "
        "episodes with a baseline score, % with an exit score",
        numeric=[c for c in df.columns if c != "Area"],
        row_header="Area",
    )

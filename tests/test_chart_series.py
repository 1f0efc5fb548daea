"""Series that look the same everywhere, and trends people can read (issue 11 § 7): each area keeps
its colour, marker and dash whatever else is drawn and whatever the period; more than three areas
are drawn as small multiples, each panel with the programme."""

from __future__ import annotations

import itertools

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import theme
from dashboard.charts import figures
from dashboard.charts.figures.base import series_styles
from dashboard.charts.figures.lines import MAX_OVERLAID, PANEL_COLUMNS, PANEL_HEIGHT

PILOT = [
    "E08000021",
    "E08000037",
    "E09000008",
    "E09000022",
    "E09000033",
    "E10000012",
    "E10000015",
    "E06000032",
    "E08000003",
    "E06000009",
    "E06000008",
    "E10000009",
]


@pytest.fixture(autouse=True)
def template():
    theme.register_template()


def rows(codes: list[str], periods: list[str]) -> pd.DataFrame:
    out = []
    for n, code in enumerate([*codes, "programme"]):
        for k, period in enumerate(periods):
            v = 40.0 + n + k
            out.append(
                dict(
                    indicator="uptake.completion",
                    area_code=code,
                    area_name=f"Area {code}" if code != "programme" else "Programme (all areas)",
                    period=period,
                    category=None,
                    value=v,
                    lower=v - 4,
                    upper=v + 4,
                    numerator=80,
                    denominator=200,
                    status=None,
                )
            )
    return pd.DataFrame(out)


def line_style(fig: go.Figure, name: str) -> tuple[str, str, str]:
    trace = next(t for t in fig.data if t.name == name)
    return trace.line.color, trace.marker.symbol, trace.line.dash


def test_an_area_keeps_its_style_whatever_else_is_drawn_and_in_any_order():
    alone = {code: series_styles([code])[code] for code in PILOT}
    for trio in itertools.combinations(PILOT, 3):
        together = series_styles(list(trio))
        assert together == series_styles(list(reversed(trio)))
        # the same as alone, unless two of them would share a marker (then only the later moves)
        first = min(trio)
        assert together[first] == alone[first]


def test_series_of_one_chart_never_share_a_marker_so_they_differ_by_more_than_colour():
    styles = series_styles(PILOT[:10])
    assert len({s.symbol for s in styles.values()}) == 10
    many = series_styles([f"E9999{n:04d}" for n in range(40)])
    assert len(set(many.values())) == 30  # every style used before any repeats


def test_a_trend_line_keeps_its_colour_and_marker_when_the_period_or_the_other_areas_change():
    a = figures.as_figure(
        figures.trend_lines(
            rows(["E09000008", "E09000022"], ["2017-18_Q1", "2017-18_Q2"]),
            areas=["E09000008", "E09000022"],
        )
    )
    b = figures.as_figure(
        figures.trend_lines(
            rows(["E09000033", "E09000008"], ["2018-19_Q3", "2018-19_Q4", "2017-18"]),
            areas=["E09000033", "E09000008"],
        )
    )
    assert line_style(a, "Area E09000008") == line_style(b, "Area E09000008")
    assert line_style(a, "Area E09000008") != line_style(a, "Area E09000022")


def test_bars_of_an_area_keep_their_colour_and_pattern():
    def bar(codes: list[str]) -> dict:
        r = rows(codes, ["2018-19"]).assign(category="mybt")
        fig = figures.as_figure(figures.bars_vs_programme(r, categories_label="Intervention"))
        t = next(t for t in fig.data if t.name == "Area E06000009")
        return {"color": t.marker.color, "shape": t.marker.pattern.shape}

    assert bar(["E06000009"]) == bar(["E08000003", "E06000009"])


def test_up_to_three_areas_share_one_panel():
    codes = PILOT[:MAX_OVERLAID]
    fig = figures.as_figure(figures.trend_lines(rows(codes, ["2017-18_Q1"]), areas=codes))
    assert {t.xaxis or "x" for t in fig.data} == {"x"}
    assert len(fig.data) == MAX_OVERLAID + 1


def test_more_than_three_areas_are_small_multiples_each_with_the_programme():
    codes = PILOT[:5]
    fig = figures.as_figure(
        figures.trend_lines(rows(codes, ["2017-18_Q1", "2017-18_Q2"]), areas=codes)
    )
    panels = {}
    for t in fig.data:
        panels.setdefault(t.xaxis, []).append(t.name)
    assert len(panels) == 5
    for names in panels.values():
        assert len(names) == 2 and "Programme (all areas)" in names
    # the programme is named in the legend once; each panel is titled with its area and value
    assert sum(1 for t in fig.data if t.showlegend is not False) == 1
    titles = [a.text for a in fig.layout.annotations]
    assert all(any(f"Area {c}" in t for t in titles) for c in codes)
    rows_of_panels = -(-5 // PANEL_COLUMNS)
    assert fig.layout.height == rows_of_panels * PANEL_HEIGHT + 90
    # one value scale: every panel's y axis has the same range
    ranges = {tuple(fig.layout[f"yaxis{'' if k == 0 else k + 1}"].range) for k in range(5)}
    assert len(ranges) == 1 and next(iter(ranges))[0] == 0


# --- readable on a phone (issue 11 § 2) and annual trends (§ 7) ---------------------------------


def test_the_time_axis_labels_each_year_once_in_two_short_unturned_lines():
    quarters = [f"{y}-{(y + 1) % 100:02d}_Q{q}" for y in (2016, 2017, 2018) for q in (1, 2, 3, 4)]
    fig = figures.as_figure(figures.trend_lines(rows(PILOT[:2], quarters), areas=PILOT[:2]))
    axis = fig.layout.xaxis
    assert list(axis.ticktext) == ["Q1<br>2016-17", "Q1<br>2017-18", "Q1<br>2018-19"]
    assert list(axis.tickvals) == ["2016-17 Q1", "2017-18 Q1", "2018-19 Q1"]
    assert axis.tickangle == 0
    # four quarters or fewer: each one labelled
    few = figures.as_figure(figures.trend_lines(rows(PILOT[:1], quarters[5:7]), areas=PILOT[:1]))
    assert list(few.layout.xaxis.ticktext) == ["Q2<br>2017-18", "Q3<br>2017-18"]


def test_a_long_range_keeps_at_most_six_time_labels():
    quarters = [f"{y}-{(y + 1) % 100:02d}_Q{q}" for y in range(2016, 2028) for q in (1, 2, 3, 4)]
    fig = figures.as_figure(figures.trend_lines(rows(PILOT[:1], quarters), areas=PILOT[:1]))
    # 12 financial years: every second year's Q1, six labels
    assert list(fig.layout.xaxis.ticktext)[:2] == ["Q1<br>2016-17", "Q1<br>2018-19"]
    assert len(fig.layout.xaxis.ticktext) == 6


def test_an_annual_trend_labels_its_years_and_marks_one_covered_in_part():
    years = ["2016-17", "2017-18", "2018-19"]
    fig = figures.as_figure(
        figures.trend_lines(
            rows(PILOT[:1], years),
            areas=PILOT[:1],
            marks={"2018-19": " *"},
            interval="95% confidence intervals",
        )
    )
    assert list(fig.data[0].x) == ["2016-17", "2017-18", "2018-19 *"]
    assert list(fig.layout.xaxis.ticktext) == ["2016-17", "2017-18", "2018-19 *"]
    # the legend says what the bars are, at which level, and sits under the plot
    assert fig.layout.legend.title.text == "Bars: 95% confidence intervals"
    assert fig.layout.legend.y < 0


def test_small_multiples_are_one_panel_a_row():
    codes = PILOT[:4]
    fig = figures.as_figure(figures.trend_lines(rows(codes, ["2017-18_Q1"]), areas=codes))
    assert fig.layout.grid.columns == 1 and fig.layout.grid.rows == 4

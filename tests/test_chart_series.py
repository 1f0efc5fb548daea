"""Series that look the same everywhere, and trends people can read (issue 11 § 7): each area keeps
its colour, marker and dash whatever else is drawn and whatever the period; more than three areas
are drawn as small multiples, each panel with the programme."""

from __future__ import annotations

import itertools
import zlib
from collections import Counter

import numpy as np
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
        assert together == {code: alone[code] for code in trio}  # nobody moves


def test_the_reference_areas_take_the_styles_in_the_reference_order():
    # by hand from the rule: style k is colour k mod 6, marker k mod 7, dash k mod 5
    croydon = series_styles(["E09000033", "E09000008"])["E09000008"]  # third in areas.csv
    assert (croydon.color, croydon.symbol, croydon.dash) == (theme.DARK_PINK, "diamond", "dashdot")
    dorset = series_styles(["E10000009"])["E10000009"]  # twelfth: 11 → 5, 4, 1
    assert (dorset.color, dorset.symbol, dorset.dash) == (
        theme.LIGHT_PURPLE,
        "triangle-down",
        "dot",
    )


def drawn_apart(styles) -> None:
    """No two series share colour, marker and dash; two of one colour differ in marker or dash."""
    looks = [(s.color, s.symbol, s.dash) for s in styles.values()]
    assert len(set(looks)) == len(looks)
    assert "dash" not in {s.dash for s in styles.values()}  # the programme's


def test_the_pilot_areas_are_twelve_styles_two_of_a_colour_differing_in_marker_and_dash():
    styles = series_styles(PILOT)
    drawn_apart(styles)
    for a, b in itertools.combinations(styles.values(), 2):
        if a.color == b.color:
            assert a.symbol != b.symbol and a.dash != b.dash and a.pattern != b.pattern
    assert sorted(Counter(s.color for s in styles.values()).values()) == [2] * 6


def national_codes() -> list[str]:
    from etl.synthetic.generate import national_areas

    return [str(c) for c in national_areas(np.random.default_rng(1))["gss_code"]]


def real_upper_tier_codes() -> list[str]:
    """Every code an English upper-tier area has or could have soon (London boroughs and the
    City, metropolitan districts, counties, unitary authorities)."""
    ranges = {"E09": 33, "E08": 37, "E10": 34, "E06": 70}
    return [f"{kind}{n:06d}" for kind, top in ranges.items() for n in range(1, top + 1)]


@pytest.mark.parametrize("codes", [national_codes(), real_upper_tier_codes()])
def test_at_national_scale_every_area_has_its_own_style_whatever_else_is_drawn(codes):
    assert len(codes) >= 153
    alone = {code: series_styles([code])[code] for code in codes}
    drawn_apart(alone)  # all of them told apart, each with the style it has alone
    assert series_styles(codes) == alone
    rng = np.random.default_rng(11)
    for _ in range(300):
        some = list(rng.choice(codes, size=int(rng.integers(2, 12)), replace=False))
        assert series_styles(some) == {c: alone[c] for c in some}


def test_each_intervention_keeps_its_style_and_all_interventions_differ():
    from lfo.reference import load_reference

    codes = ["all", *load_reference().interventions]
    every = series_styles(codes)
    drawn_apart(every)
    assert series_styles(["fcu", "all"])["fcu"] == every["fcu"] == series_styles(["fcu"])["fcu"]


def test_keys_without_a_fixed_style_that_would_clash_are_moved_apart_in_one_chart():
    # two unknown codes whose CRC-32 gives the same style number, found independently
    seen: dict[int, str] = {}
    n = 0
    while True:
        key = f"X{n}"
        k = zlib.crc32(key.encode()) % 210
        if k in seen:
            break
        seen[k], n = key, n + 1
    pair = [seen[k], key]
    assert series_styles([pair[0]])[pair[0]] == series_styles([pair[1]])[pair[1]]
    drawn_apart(series_styles(pair))
    drawn_apart(series_styles([*pair, *PILOT]))


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


def test_at_national_scale_a_line_and_a_bar_keep_their_style_in_charts_with_other_areas():
    a = figures.as_figure(
        figures.trend_lines(
            rows(["E99990007", "E99990049"], ["2017-18_Q1"]), areas=["E99990007", "E99990049"]
        )
    )
    b = figures.as_figure(
        figures.trend_lines(
            rows(["E99990091", "E99990007", "E09000008"], ["2017-18_Q1"]),
            areas=["E99990091", "E99990007", "E09000008"],
        )
    )
    assert line_style(a, "Area E99990007") == line_style(b, "Area E99990007")
    # 7 and 49 are 42 apart: one colour and one marker, so they differ by the dash
    assert line_style(a, "Area E99990007")[:2] == line_style(a, "Area E99990049")[:2]
    assert line_style(a, "Area E99990007")[2] != line_style(a, "Area E99990049")[2]

    def bar(codes: list[str]) -> dict:
        r = rows(codes, ["2018-19"]).assign(category="mybt")
        fig = figures.as_figure(figures.bars_vs_programme(r, categories_label="Intervention"))
        t = next(t for t in fig.data if t.name == "Area E99990091")
        return {"color": t.marker.color, "shape": t.marker.pattern.shape}

    assert bar(["E99990091"]) == bar(["E99990001", "E99990091", "E08000003"])


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

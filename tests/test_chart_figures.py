"""Figure builders: traces, ordering, suppressed areas left out, PHE funnel limits, no colours
except the theme's, meaning carried by words and symbols as well as colour."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboard import theme
from dashboard.charts import figures as builders
from lfo.indicators import funnel

NAN = math.nan
THEME_COLOURS = {
    c.upper()
    for c in (
        *theme.CATEGORICAL,
        theme.DARK_GREY,
        theme.DARK_BLUE,
        theme.DARK_PINK,
        theme.GREY,
        theme.TEXT,  # the text written in bars (theme.text_on)
        "#FFFFFF",
    )
}


BUILDERS = (
    "caterpillar",
    "funnel_plot",
    "trend_lines",
    "stage_funnel",
    "bars_vs_programme",
    "empty_figure",
)


class _ReadBack:
    """``dashboard.charts.figures`` with each builder's figure dict read back as a ``go.Figure``
    (which validates every property, and gives the tests plotly's attribute access)."""

    def __getattr__(self, name: str) -> object:
        attr = getattr(builders, name)
        if name not in BUILDERS:
            return attr

        def build(*args: object, **kwargs: object) -> go.Figure:
            fig = attr(*args, **kwargs)
            assert isinstance(fig, dict) and set(fig) == {"data", "layout"}
            return go.Figure(fig)

        return build


figures = _ReadBack()


@pytest.fixture(autouse=True, scope="module")
def template():
    theme.register_template()


def row(**kw) -> dict:
    base = dict(
        indicator="uptake.completion",
        area_code="E1",
        area_name="Blackpool",
        period="2018-19_Q4",
        category=None,
        value=41.0,
        lower=35.0,
        upper=47.0,
        numerator=82,
        denominator=200,
        comparison="worse",
        trend=None,
        trend_judgement=None,
        status=None,
        benchmark=55.0,
    )
    base.update(kw)
    return base


def areas_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            row(
                area_code="E1",
                area_name="Blackpool",
                value=41.0,
                lower=35.0,
                upper=47.0,
                numerator=82,
                denominator=200,
                comparison="worse",
            ),
            row(
                area_code="E2",
                area_name="Luton",
                value=52.0,
                lower=45.0,
                upper=59.0,
                numerator=104,
                denominator=200,
                comparison="similar",
            ),
            row(
                area_code="E3",
                area_name="Essex",
                value=72.0,
                lower=67.0,
                upper=76.0,
                numerator=288,
                denominator=400,
                comparison="better",
            ),
            row(
                area_code="E4",
                area_name="Westminster",
                value=None,
                lower=None,
                upper=None,
                numerator=None,
                denominator=None,
                comparison=None,
                status="c",
            ),
            row(
                area_code="E5",
                area_name="Leeds",
                value=None,
                lower=None,
                upper=None,
                numerator=None,
                denominator=None,
                comparison=None,
                status="x",
            ),
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                value=55.0,
                lower=52.0,
                upper=58.0,
                numerator=474,
                denominator=800,
                comparison=None,
            ),
        ]
    )


def colours(fig: go.Figure) -> set[str]:
    """Every colour set anywhere in the figure's data and layout (template excluded)."""
    found: set[str] = set()

    def walk(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k == "template":
                    continue
                if "color" in k.lower() and isinstance(v, str):
                    found.add(v.upper())
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(fig.to_plotly_json())
    return found


def all_text(fig: go.Figure) -> str:
    parts = []
    for t in fig.data:
        for attr in ("name", "text", "y"):
            value = getattr(t, attr, None)
            if value is None:
                continue
            parts.extend(map(str, np.atleast_1d(value)))
    return " ".join(parts)


# --- caterpillar -------------------------------------------------------------------------------


def test_caterpillar_orders_areas_by_value_and_leaves_out_suppressed_and_missing():
    fig = figures.caterpillar(areas_rows())
    assert list(fig.layout.yaxis.categoryarray) == [
        "Blackpool (worse)",
        "Luton (similar)",
        "Essex (better)",
    ]
    assert "Westminster" not in all_text(fig)
    assert "Leeds" not in all_text(fig)


def _row_lines(fig) -> dict[str, str]:
    """The caterpillar's line of text above each row, by the row's category: the text trace on
    the overlaid axes, its y the row's number (plus a lift)."""
    (lines,) = [t for t in fig.data if t.mode == "text"]
    rows = list(fig.layout.yaxis.categoryarray)
    return {rows[round(y)]: text for y, text in zip(lines.y, lines.text, strict=True)}


def test_caterpillar_writes_the_comparison_and_value_beside_each_area():
    fig = figures.caterpillar(areas_rows())
    worse = next(t for t in fig.data if t.name == "Worse than the programme")
    assert list(worse.y) == ["Blackpool (worse)"]
    # written above each row from the plot's left edge, not on the points (issue 11 § 2)
    assert _row_lines(fig) == {
        "Blackpool (worse)": "Blackpool: 41% (worse)",
        "Luton (similar)": "Luton: 52% (similar)",
        "Essex (better)": "Essex: 72% (better)",
    }
    (lines,) = [t for t in fig.data if t.mode == "text"]
    assert set(lines.x) == {0} and lines.xaxis == "x2" and lines.yaxis == "y2"
    assert list(fig.layout.xaxis2.range) == [0, 1]  # 0: the plot's left edge
    assert all(y > i for i, y in enumerate(lines.y))  # above its row's point
    assert lines.hoverinfo == "skip" and lines.showlegend is False
    assert [t for t in fig.data if t.mode and "text" in t.mode] == [lines]
    assert fig.layout.yaxis.showticklabels is False
    assert (
        worse.marker.symbol
        != next(t for t in fig.data if t.name == "Better than the programme").marker.symbol
    )


def test_caterpillar_rows_fill_the_plot_with_room_for_the_top_line_of_text():
    # plotly would pad the range by 5% at each end: eight empty rows at each end of 153
    fig = figures.caterpillar(areas_rows())
    at_bottom, at_top = fig.layout.yaxis.range  # plotly: the range from the bottom up
    assert at_bottom == -0.5 and 2.5 < at_top < 3.0  # three rows, the top one's line above it
    assert list(fig.layout.yaxis2.range) == [at_bottom, at_top]  # the lines on the same rows
    turned = figures.caterpillar(areas_rows(), lowest_on_top=True)
    at_bottom, at_top = turned.layout.yaxis.range
    assert at_bottom == 2.5 and -1.0 < at_top < -0.5  # the first (lowest) row at the top
    (lines,) = [t for t in turned.data if t.mode == "text"]
    assert all(y < i for i, y in enumerate(lines.y))  # still above its point on the screen
    assert _row_lines(turned) == _row_lines(fig)


def test_caterpillar_whiskers_reach_the_interval_limits():
    fig = figures.caterpillar(areas_rows())
    essex = next(t for t in fig.data if t.name == "Better than the programme")
    assert essex.x[0] + essex.error_x.array[0] == pytest.approx(76.0)
    assert essex.x[0] - essex.error_x.arrayminus[0] == pytest.approx(67.0)


def test_caterpillar_draws_the_programme_value_as_a_vertical_line_named_in_the_legend():
    fig = figures.caterpillar(areas_rows())
    assert [s.x0 for s in fig.layout.shapes] == [55.0]
    assert "Programme 55%" in [t.name for t in fig.data]


def test_caterpillar_highlights_the_chosen_area_in_bold():
    fig = figures.caterpillar(areas_rows(), highlight="E2")
    assert "<b>Luton (similar)</b>" in list(fig.layout.yaxis.categoryarray)
    assert _row_lines(fig)["<b>Luton (similar)</b>"] == "<b>Luton: 52% (similar)</b>"


def test_caterpillar_of_only_suppressed_areas_is_an_empty_figure_that_says_so():
    rows = areas_rows()
    rows = rows[rows["status"].notna()]
    fig = figures.caterpillar(rows)
    assert fig.data == ()
    assert "No area" in fig.layout.annotations[0].text


# --- funnel ------------------------------------------------------------------------------------


def test_funnel_limits_are_the_phe_limits_around_the_programme_value():
    fig = figures.funnel_plot(areas_rows())
    upper_998 = next(t for t in fig.data if t.name == "99.8% limits")
    lower_95 = [t for t in fig.data if t.name == "95% limits"][1]
    expected = funnel.limits_at(0.55, np.asarray(upper_998.x))
    np.testing.assert_allclose(upper_998.y, expected["upper_998"], atol=1e-9)
    np.testing.assert_allclose(lower_95.y, expected["lower_95"], atol=1e-9)
    axis_min, axis_max = funnel.axis_range([200, 200, 400], axis_variation=True)
    np.testing.assert_array_equal(upper_998.x, funnel.populations(axis_min, axis_max))


def test_funnel_points_are_area_values_at_their_denominators_labelled_in_words():
    fig = figures.funnel_plot(areas_rows())
    points = [t for t in fig.data if t.mode == "markers+text"]
    plotted = {
        str(n): (float(x), float(y))
        for t in points
        for n, x, y in zip(t.text, t.x, t.y, strict=True)
    }
    # the areas outside the 95% limits are named on the plot; Luton, within them, is a point
    # named on hover only (the table twin lists every area)
    assert plotted == {
        "Blackpool (worse)": (200.0, 41.0),
        "": (200.0, 52.0),
        "Essex (better)": (400.0, 72.0),
    }
    hover = [str(c) for t in points for c in t.customdata]
    assert any(c.startswith("Luton: 52") for c in hover)
    names = " ".join(t.name for t in points)
    assert "Worse (beyond the 99.8% limit)" in names
    assert "Better (beyond the 99.8% limit)" in names
    assert "Similar (within the 95% limits)" in names


def test_funnel_names_the_highlighted_area_even_within_the_limits():
    rows = areas_rows()
    luton = rows.loc[rows["area_name"] == "Luton", "area_code"].iloc[0]
    fig = figures.funnel_plot(rows, highlight=luton)
    texts = [str(x) for t in fig.data if t.mode == "markers+text" for x in t.text]
    assert "<b>Luton</b>" in texts


def test_funnel_significance_matches_phe_labels():
    fig = figures.funnel_plot(areas_rows())
    labels = funnel.significance([82, 104, 288], [200, 200, 400], 0.55)
    assert list(labels) == ["Low (0.001)", "Not significant", "High (0.001)"]
    worse = next(t for t in fig.data if t.name.startswith("Worse"))
    assert list(worse.text) == ["Blackpool (worse)"]


def test_funnel_leaves_out_suppressed_areas():
    assert "Westminster" not in all_text(figures.funnel_plot(areas_rows()))


# --- trend lines -------------------------------------------------------------------------------


def trend_rows() -> pd.DataFrame:
    out = []
    for code, name, values in (
        ("E1", "Blackpool", [50.0, None, 47.0]),
        ("E2", "Luton", [60.0, 61.0, 62.0]),
        ("programme", "Programme (all areas)", [55.0, 56.0, 57.0]),
    ):
        for period, v in zip(("2018-19_Q1", "2018-19_Q2", "2018-19_Q3"), values, strict=True):
            out.append(
                row(
                    area_code=code,
                    area_name=name,
                    period=period,
                    value=v,
                    lower=None if v is None else v - 5,
                    upper=None if v is None else v + 5,
                    status="c" if v is None else None,
                )
            )
    return pd.DataFrame(out)


def test_trend_lines_draw_one_line_per_area_and_a_dashed_programme_line():
    fig = figures.trend_lines(trend_rows(), areas=["E1", "E2"])
    assert [t.name for t in fig.data] == ["Blackpool", "Luton", "Programme (all areas)"]
    assert fig.data[2].line.dash == "dash"
    assert fig.data[0].line.dash != fig.data[1].line.dash
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert list(fig.data[0].x) == ["2018-19 Q1", "2018-19 Q2", "2018-19 Q3"]


def test_trend_lines_leave_a_gap_where_a_figure_is_suppressed():
    fig = figures.trend_lines(trend_rows(), areas=["E1"])
    y = np.asarray(fig.data[0].y, dtype=float)
    assert y[0] == 50.0 and np.isnan(y[1]) and y[2] == 47.0
    assert fig.data[0].connectgaps is False


def test_trend_lines_label_each_line_at_its_last_point():
    fig = figures.trend_lines(trend_rows(), areas=["E1"], show_programme=False)
    assert [(a.x, a.y, a.text) for a in fig.layout.annotations] == [
        ("2018-19 Q3", 47.0, "Blackpool:<br>47%")
    ]
    assert len(fig.data) == 1


def test_end_labels_of_lines_ending_close_together_are_pushed_apart():
    ends = [("Q3", 50.0, "A: 50%"), ("Q3", 50.5, "B: 51%"), ("Q3", 90.0, "C: 90%")]
    spread = figures.spread_labels(ends, top=100.0, plot_px=300, gap_px=18)
    pixels = sorted(y * 3 + shift for _, y, _, shift in spread)
    assert pixels[1] - pixels[0] >= 18
    assert {label: shift for _, _, label, shift in spread}["C: 90%"] == 0


def test_funnel_labels_of_neighbouring_points_take_different_positions():
    positions = figures.place_labels(
        np.array([100.0, 101.0, 400.0]),
        np.array([50.0, 50.5, 70.0]),
        ["Gateshead", "Newcastle", "Essex"],
        (0.0, 500.0),
        (0.0, 100.0),
    )
    assert positions[0] != positions[1]
    assert positions[2] == "top center"


def test_trend_line_intervals_are_error_bars_to_the_limits():
    fig = figures.trend_lines(trend_rows(), areas=["E2"], show_programme=False)
    t = fig.data[0]
    np.testing.assert_allclose(np.asarray(t.y) + np.asarray(t.error_y.array), [65, 66, 67])


# --- stage funnel and bars ---------------------------------------------------------------------


def test_stage_funnel_writes_counts_and_percentage_of_previous_stage():
    stages = pd.DataFrame(
        [
            row(
                indicator="uptake.funnel",
                category="referred",
                numerator=200,
                value=None,
                denominator=None,
            ),
            row(
                indicator="uptake.funnel",
                category="offered",
                numerator=150,
                value=75.0,
                denominator=200,
            ),
            row(
                indicator="uptake.funnel",
                category="started",
                numerator=None,
                value=None,
                denominator=None,
                status="c",
            ),
            row(
                indicator="uptake.funnel",
                category="completed",
                numerator=60,
                value=40.0,
                denominator=150,
            ),
        ]
    )
    fig = figures.stage_funnel(stages)
    bars = fig.data[0]
    # horizontal bars, the stages top to bottom: short labels beside the bars, on a phone too
    assert bars.orientation == "h" and fig.layout.yaxis.autorange == "reversed"
    assert list(bars.y) == ["Referred", "Offered", "Started", "Completed"]
    assert list(bars.x) == [200, 150, 0, 60]
    assert list(bars.text) == ["200", "150 (75%)", "[c]", "60 (40%)"]
    assert list(bars.customdata) == [
        "200 parents",
        "150 parents, 75% of referred",
        "[c]",
        "60 parents, 40% of started",
    ]
    # the axis leaves room after the longest bar for its words
    assert fig.layout.xaxis.range == (0, 300)


def test_bars_vs_programme_put_area_and_patterned_programme_side_by_side():
    rows = pd.DataFrame(
        [
            row(
                indicator="reach.breakdown",
                category="sex:female",
                value=80.0,
                lower=75.0,
                upper=84.0,
            ),
            row(
                indicator="reach.breakdown",
                category="sex:male",
                value=None,
                lower=None,
                upper=None,
                status="c",
            ),
            row(
                indicator="reach.breakdown",
                area_code="programme",
                area_name="Programme (all areas)",
                category="sex:female",
                value=70.0,
                lower=68.0,
                upper=72.0,
            ),
            row(
                indicator="reach.breakdown",
                area_code="programme",
                area_name="Programme (all areas)",
                category="sex:male",
                value=30.0,
                lower=28.0,
                upper=32.0,
            ),
        ]
    )
    fig = figures.bars_vs_programme(rows, categories_label="Sex")
    area, prog = fig.data
    assert (area.name, prog.name) == ("Blackpool", "Programme (all areas)")
    assert list(area.y) == ["Female", "Male"]
    assert list(area.text) == ["80%", "[c]"]
    assert list(prog.x) == [70.0, 30.0]
    assert prog.marker.pattern.shape == "/"
    assert fig.layout.yaxis.title.text == "Sex"


def test_the_value_written_in_a_bar_reads_against_what_is_behind_it():
    """Seen on Outcomes with four areas: Essex's 30% in white on its turquoise-hatched bar, which
    is mostly white (plotly's "auto" text colour goes by the bar's colour, not its pattern)."""
    rows = areas_rows()
    fig = figures.bars_vs_programme(rows, categories_label="Area")
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) >= 3
    for bar in bars:
        colour = bar.insidetextfont.color
        shape = bar.marker.pattern.shape if bar.marker.pattern else None
        if shape:  # mostly the white ground between stripes
            assert colour == theme.TEXT
        else:  # solid: 4.5:1 against the fill
            assert theme.contrast(colour, bar.marker.color) >= 4.5


def test_text_on_picks_the_more_legible_of_dark_and_white():
    # hand-worked: navy #12436D has luminance ~0.056, so white (10.4:1) beats near-black (2.0:1)
    assert theme.text_on("#12436D") == "#FFFFFF"
    assert theme.text_on("#F46A25") == theme.TEXT  # orange: dark text 6.6:1, white 3.0:1
    assert theme.text_on("#12436D", patterned=True) == theme.TEXT
    assert round(theme.contrast("#FFFFFF", "#000000"), 1) == 21.0


def test_long_category_names_are_wrapped_and_each_category_gets_room_for_its_lines():
    rows = pd.DataFrame(
        [
            row(indicator="reach.breakdown", category="Practitioner-led relationship support"),
            row(indicator="reach.breakdown", category="Mybt"),
        ]
    )
    fig = figures.bars_vs_programme(rows, categories_label="Intervention")
    assert list(fig.data[0].y) == ["Practitioner-led<br>relationship<br>support", "Mybt"]
    # three lines of 20 px (+10) and one bar of 26 px, plus 150 for the axes and legend
    assert fig.layout.height == max(320, (3 * 20 + 10) + 26 + 150)


def test_wrap_label_breaks_between_words_only():
    assert builders.wrap_label("Workless households reached") == "Workless<br>households<br>reached"
    assert builders.wrap_label("Female") == "Female"
    assert (
        builders.wrap_label("Mentalization-Based Therapy", 10) == "Mentalization-Based<br>Therapy"
    )


# --- all builders ------------------------------------------------------------------------------


def every_figure() -> list[go.Figure]:
    return [
        figures.caterpillar(areas_rows()),
        figures.funnel_plot(areas_rows()),
        figures.trend_lines(trend_rows(), areas=["E1", "E2"]),
        figures.stage_funnel(areas_rows().assign(indicator="uptake.funnel", category="offered")),
        figures.bars_vs_programme(areas_rows(), categories_label="Area"),
        figures.empty_figure("Nothing"),
    ]


def test_builders_set_no_colour_outside_the_theme():
    for fig in every_figure():
        assert colours(fig) <= THEME_COLOURS, colours(fig) - THEME_COLOURS


def test_builders_return_valid_figures_on_the_default_template():
    for fig in every_figure():  # read back through go.Figure, which validates the dict
        assert isinstance(fig, go.Figure)
        assert fig.layout.template.layout.colorway == theme.CATEGORICAL


def test_a_figure_dict_is_sent_as_its_go_figure_would_be():
    """The JSON of ``to_wire(dict)`` is the JSON of ``go.Figure(dict)`` (numpy arrays as typed
    arrays, the template in the layout), so the browser draws the same chart."""
    dicts = [
        builders.caterpillar(areas_rows(), highlight="E2"),
        builders.funnel_plot(areas_rows(), highlight="E1"),
        builders.trend_lines(trend_rows(), areas=["E1", "E2"]),
        builders.stage_funnel(areas_rows().assign(indicator="uptake.funnel", category="offered")),
        builders.bars_vs_programme(areas_rows(), categories_label="Area"),
        builders.empty_figure("Nothing"),
    ]
    for fig in dicts:
        sent = json.loads(pio.to_json(builders.to_wire(fig), validate=False))
        assert sent == json.loads(go.Figure(fig).to_json())
        assert any("bdata" in json.dumps(t) for t in sent["data"]) or not sent["data"]


@pytest.mark.parametrize(
    "builder",
    [
        lambda r: figures.caterpillar(r),
        lambda r: figures.funnel_plot(r),
        lambda r: figures.trend_lines(r, areas=["E1"]),
        lambda r: figures.stage_funnel(r),
        lambda r: figures.bars_vs_programme(r, categories_label="Sex"),
    ],
)
def test_builders_give_an_empty_figure_for_no_rows(builder):
    fig = builder(areas_rows().iloc[0:0])
    assert fig.data == ()
    assert fig.layout.annotations[0].text


def test_a_line_ending_before_the_last_quarter_is_labelled_at_the_end_with_its_quarter():
    rows = trend_rows()
    rows = rows[~((rows["area_code"] == "E1") & (rows["period"] == "2018-19_Q3"))]
    fig = figures.trend_lines(rows, areas=["E1"], show_programme=False)
    assert [(a.x, a.y, a.text) for a in fig.layout.annotations] == [
        ("2018-19 Q3", 50.0, "Blackpool:<br>50% in<br>2018-19 Q1")  # in short lines, for phones
    ]


def test_funnel_labels_stay_inside_the_plot_on_the_left():
    positions = figures.place_labels(
        np.array([2.0]), np.array([50.0]), ["Blackburn with Darwen"], (0.0, 500.0), (0.0, 100.0)
    )
    assert positions == ["middle right"]


def _label_box(
    position: str, a: float, b: float, text: str, font: float
) -> tuple[float, float, float, float]:
    """A label's box (left, bottom, right, top) in pixels, for a point at (a, b): the geometry
    the placer documents, 8 px from the point and 0.62 em a character."""
    w, h = 0.62 * font * len(text), 1.25 * font
    vertical, horizontal = position.split()
    left = {"center": a - w / 2, "right": a + 8, "left": a - 8 - w}[horizontal]
    bottom = {"top": b + 8, "bottom": b - 8 - h, "middle": b - h / 2}[vertical]
    return (left, bottom, left + w, bottom + h)


def _shared(r: tuple[float, ...], o: tuple[float, ...]) -> float:
    """The area two boxes share."""
    return max(0.0, min(r[2], o[2]) - max(r[0], o[0])) * max(0.0, min(r[3], o[3]) - max(r[1], o[1]))


def test_where_no_label_position_is_clear_the_least_covered_one_is_taken():
    """A crowded cluster (the pilot's funnel: five areas within 60 px): a label with no clear
    position goes where it covers least, not blindly on top (where it hid a neighbour's label)."""
    x = np.array([100.0, 110.0, 120.0, 130.0, 140.0])
    y = np.array([60.0, 60.0, 60.0, 60.0, 60.0])
    texts = ["Blackburn with Darwen", "Newcastle upon Tyne", "Gateshead", "Lambeth", "Luton"]
    size, font = (900.0, 360.0), 13.0
    positions = figures.place_labels(x, y, texts, (0.0, 1000.0), (0.0, 100.0), size[0], font)
    sx, sy = size[0] / 1000.0, size[1] / 100.0
    boxes = [_label_box(p, x[i] * sx, y[i] * sy, texts[i], font) for i, p in enumerate(positions)]
    covered = sum(_shared(boxes[i], boxes[j]) for i in range(5) for j in range(i + 1, 5))
    # all five "top center" (the old fallback) would stack the labels on one another
    stacked_w = [0.62 * font * len(t) for t in texts]
    stacked = [
        (x[i] * sx - stacked_w[i] / 2, y[i] * sy + 8, x[i] * sx + stacked_w[i] / 2, 0.0)
        for i in range(5)
    ]
    stacked = [(a, b, c, b + 1.25 * font) for a, b, c, _ in stacked]
    worst = sum(_shared(stacked[i], stacked[j]) for i in range(5) for j in range(i + 1, 5))
    assert covered < worst / 2
    assert len(set(positions)) >= 3


def test_funnel_y_axis_shows_the_areas_not_the_limits_sweep_to_zero():
    fig = figures.funnel_plot(areas_rows())
    low, high = fig.layout.yaxis.range
    assert 0 < low < 41.0 and 72.0 < high <= 100


# --- the legend names the interval's level (issue 11 § 3) -----------------------------------------


def test_caterpillar_legend_names_the_confidence_level_of_comparisons_and_lines():
    fig = figures.caterpillar(areas_rows(), ci=99.8)
    names = [t.name for t in fig.data]
    assert "Worse than the programme (99.8%)" in names
    assert "Better than the programme (99.8%)" in names
    assert "Similar to the programme (99.8%)" in names
    (key,) = [t for t in fig.data if t.name == "Line: 99.8% confidence interval"]
    # a legend entry only: a horizontal line as the whiskers are, nothing plotted
    assert key.marker.symbol == "line-ew-open" and list(key.x) == [None]
    assert "Line: 95% confidence interval" in [
        t.name for t in figures.caterpillar(areas_rows(), ci=95.0).data
    ]


def test_a_median_line_is_an_interquartile_range_at_any_level():
    days = areas_rows().assign(indicator="uptake.days_to_start", comparison=None)
    names = [t.name for t in figures.caterpillar(days, ci=95.0).data]
    assert "Line: interquartile range" in names
    assert not any("confidence interval" in str(n) for n in names)


def test_no_interval_key_without_intervals_or_without_a_level():
    counts = areas_rows().assign(lower=None, upper=None)
    assert not any(
        str(t.name).startswith("Line:") for t in figures.caterpillar(counts, ci=95.0).data
    )
    assert not any(str(t.name).startswith("Line:") for t in figures.caterpillar(areas_rows()).data)


def test_bars_legend_names_the_level_of_their_intervals():
    fig = figures.bars_vs_programme(areas_rows(), categories_label="Area", ci=95.0)
    assert fig.data[-1].name == "Line: 95% confidence interval"
    assert fig.data[-1].showlegend is True


def test_funnel_legend_names_both_limits_levels():
    names = {t.name for t in figures.funnel_plot(areas_rows()).data}
    assert {"99.8% limits", "95% limits"} <= names


def test_funnel_point_labels_are_on_short_lines():
    """ "Newcastle upon Tyne (better)" on one line ran off a phone's plot (390 px)."""
    rows = areas_rows()
    rows.loc[rows["area_name"] == "Essex", "area_name"] = "Newcastle upon Tyne"
    fig = figures.funnel_plot(rows)
    texts = [str(x) for t in fig.data if t.mode == "markers+text" for x in t.text if x]
    assert "Newcastle upon Tyne<br>(better)" in texts
    assert "Blackpool (worse)" in texts  # short enough for one line
    assert all(len(line) <= 20 for t in texts for line in t.split("<br>"))


def test_a_point_label_is_placed_where_it_also_fits_a_phones_plot():
    """A long label a quarter of the way across: centred above its point it fits a desktop's
    plot, but on a phone's (186 px, a label may run 60 px past its left edge) it would start
    left of that; it goes where it fits both."""
    text, font = "Newcastle upon Tyne (better)", 13.0
    (position,) = figures.place_labels(
        np.array([250.0]), np.array([50.0]), [text], (0.0, 1000.0), (0.0, 100.0), 900, font
    )
    plot, spill_left, spill_right = 186.0, 60.0, 100.0
    a = 0.25 * plot  # the point on the phone's plot
    centred = _label_box("top center", a, 84.0, text, font)
    assert centred[0] < -spill_left  # centred, as before, it ran off the phone's plot
    left, _, right, _ = _label_box(position, a, 84.0, text, font)
    assert -spill_left <= left and right <= plot + spill_right, position


def test_point_labels_clear_on_a_desktop_are_kept_clear_on_a_phone():
    """Three areas 120 px apart on a desktop's plot are 22 px apart on a phone's (186 px), where
    three labels centred above them covered one another; they are placed apart there."""
    x, y = np.array([300.0, 420.0, 540.0]), np.array([50.0, 50.0, 50.0])
    texts, font = ["Manchester (better)", "Gateshead (better)", "Lambeth (better)"], 13.0
    positions = figures.place_labels(x, y, texts, (0.0, 1000.0), (0.0, 100.0), 900, font)
    plot, height = 186.0, 168.0
    boxes = [
        _label_box(p, x[i] / 1000 * plot, 0.5 * height, texts[i], font)
        for i, p in enumerate(positions)
    ]
    # at most a sliver (an eighth of a pixel where a label's line height meets the next), where
    # centred above their points (as before) each covered most of the next
    assert all(_shared(boxes[i], boxes[j]) < 40 for i in range(3) for j in range(i + 1, 3))
    assert all(b[0] >= -60 and b[2] <= plot + 100 for b in boxes)  # none runs off the phone

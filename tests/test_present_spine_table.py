"""The area profile's spine as a phone table (``dashboard.present.area_spine_table``): figures in
their units, the comparison in words after the chart's symbol, and each bar's marks placed on the
chart's own scale (hand-worked here from the spine's rule: the programme at the centre, the
farther of the range and the area's interval at ±1, the bar's ends at ±1.18)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.layouts.spine_table import spine_table as laid_out
from dashboard.present import area_spine
from dashboard.present.area_spine_table import (
    SYMBOLS,
    Bar,
    breakable,
    chosen_key,
    programme_text,
    short_word,
    spine_table,
)


def _rows(values: dict[str, float | None], comparison: str | None, programme: float = 30.0):
    rows = [
        {
            "indicator": "uptake.completion",
            "area_code": c,
            "area_name": c,
            "period": "2018-19_Q4",
            "value": v,
            "lower": None if v is None else v - 5,
            "upper": None if v is None else v + 5,
            "status": "c" if v is None else None,
            "comparison": comparison if c == "B" else None,
            "trend": None,
            "trend_judgement": None,
        }
        for c, v in values.items()
    ]
    rows.append(
        {
            "indicator": "uptake.completion",
            "area_code": "programme",
            "area_name": "Programme",
            "period": "2018-19_Q4",
            "value": programme,
            "status": None,
        }
    )
    return pd.DataFrame(rows)


def _table(rows: pd.DataFrame, code: str):
    frame = area_spine.spine_frame(rows, code)
    words = [area_spine.comparison_word(r) for _, r in frame.iterrows()]
    return spine_table(frame, code, "Key indicators", words)


def test_a_row_gives_both_figures_the_comparison_and_the_bar_on_the_charts_scale():
    # B is 40 (35 to 45) against the programme's 30; the areas range from 10 to 40. The farthest
    # end from 30 is 10 (20 away): positions are (x - 30) / 20, and a bar's percent is
    # (position + 1.18) / 2.36.
    table = _table(_rows({"A": 10.0, "B": 40.0, "C": 20.0}, "better"), "B")
    (row,) = table.rows
    assert (row.name, row.href) == ("Completion rate", "/definitions#uptake.completion")
    assert (row.area, row.programme) == ("40%", "30%")
    assert (row.comparison, row.symbol) == ("better", "◆")
    assert row.bar == Bar(
        low=pytest.approx(100 * 0.18 / 2.36, abs=0.05),  # 10: position -1
        high=pytest.approx(100 * 1.68 / 2.36, abs=0.05),  # 40: position 0.5
        benchmark=pytest.approx(50.0),
        area=pytest.approx(100 * 1.68 / 2.36, abs=0.05),
    )


def test_a_suppressed_figure_is_c_with_no_dot_and_says_suppressed():
    table = _table(_rows({"A": 10.0, "B": None, "C": 40.0}, None), "B")
    (row,) = table.rows
    assert row.area == "[c]" and row.bar.area is None
    assert row.comparison == "suppressed" and row.symbol == "○"
    assert row.bar.benchmark == pytest.approx(50.0) and row.bar.missing == ""


def test_no_comparison_reads_as_words_never_nan():
    # (pandas 3 keeps a missing comparison as NaN in a text column: it once read "nan")
    table = _table(_rows({"A": 10.0, "B": 20.0, "C": 40.0}, None), "B")
    assert table.rows[0].comparison == "not compared (no interval)"


def test_the_comparison_symbols_are_the_chart_markers_shapes_and_words_are_short():
    assert SYMBOLS == {"worse": "■", "lower": "▼", "similar": "●", "better": "◆", "higher": "▲"}
    assert short_word("worse than the programme") == "worse"
    assert short_word("similar to the programme") == "similar"
    assert short_word("suppressed") == "suppressed"


def test_the_laid_out_table_has_a_header_per_column_and_a_bar_per_row():
    table = _table(_rows({"A": 10.0, "B": 40.0, "C": 20.0}, "better"), "B")
    div = laid_out(table)
    assert div is not None
    box = div.children[0]  # the table's own scroll box: focusable and named
    assert box.tabIndex == "0" and box.role == "region"
    html_table = box.children
    head = html_table.children[1].children.children
    assert [th.children for th in head] == [
        "Indicator",
        "B",
        "Programme",
        "Compared with the programme",
    ]
    (tr,) = html_table.children[2].children
    indicator, area, programme, words = tr.children
    assert indicator.scope == "row" and area.children == "40%" and programme.children == "30%"
    assert words.children[1] == "better"
    assert laid_out(None) is None


def _group(value: float | None, status: str | None, comparison: str = "better") -> dict:
    """The engine's rows compared with a group benchmark: area B's group figure and status."""
    row = {
        "indicator": "uptake.completion",
        "area_code": "B",
        "benchmark": value,
        "benchmark_status": status,
        "comparison": comparison,
    }
    return {"neighbours": pd.DataFrame([row])}


def _group_table(rows: pd.DataFrame, groups: dict):
    frame = area_spine.with_groups(area_spine.spine_frame(rows, "B"), "B", groups, "neighbours")
    words = [area_spine.comparison_word(r) for _, r in frame.iterrows()]
    cells = [area_spine.group_cell(r, "neighbours") for _, r in frame.iterrows()]
    return spine_table(
        frame,
        "B",
        "Key indicators",
        words,
        benchmark=("Statistical neighbours (5 areas)", cells),
        centred=area_spine._centred_on(frame, "neighbours"),
        mark=("Statistical neighbours", "its statistical neighbours"),
    )


def test_the_bar_marks_the_chosen_group_and_the_key_says_which():
    # B is 40 (35 to 45), its neighbours 35, the programme 30; the areas range from 10 to 40.
    # Centred on 35, the farthest end is 10 (25 away): positions (x - 35) / 25.
    table = _group_table(_rows({"A": 10.0, "B": 40.0, "C": 20.0}, None), _group(35.0, None))
    (row,) = table.rows
    assert row.programme == "30%" and row.benchmark == "35%"
    assert row.bar == Bar(
        low=pytest.approx(100 * 0.18 / 2.36, abs=0.05),  # 10: position -1
        high=pytest.approx(100 * 1.38 / 2.36, abs=0.05),  # 40: position 0.2
        benchmark=pytest.approx(50.0),  # the neighbours' figure is the centre
        area=pytest.approx(100 * 1.38 / 2.36, abs=0.05),
        missing="",
    )
    div = laid_out(table)
    key = div.children[1].children
    assert "the upright line its statistical neighbours (the benchmark)" in key
    assert "the programme" not in key


def test_a_suppressed_group_figure_draws_no_line_and_says_so():
    table = _group_table(_rows({"A": 10.0, "B": 40.0, "C": 20.0}, None), _group(None, "c", None))
    (row,) = table.rows
    assert row.benchmark == "[c]"
    assert row.bar.benchmark is None
    assert row.bar.missing == "Statistical neighbours [c]: suppressed, no line"
    assert row.bar.area is not None  # the area's own dot is still drawn
    tr = laid_out(table).children[0].children.children[2].children[0]
    _link, bar, said = tr.children[0].children
    assert [c.className for c in bar.children] == ["lfo-spine-bar__range", "lfo-spine-bar__area"]
    assert said.children == "Statistical neighbours [c]: suppressed, no line"


def test_with_the_programme_chosen_the_key_names_the_programme():
    table = _table(_rows({"A": 10.0, "B": 40.0, "C": 20.0}, "better"), "B")
    key = laid_out(table).children[1].children
    assert key.startswith("In each bar, the dot is B, the upright line the programme and")
    assert "suppressed" not in key


def _chosen_table(rows: pd.DataFrame):
    frame = area_spine.spine_frame(rows, "B", ["A", "C"])
    words = [area_spine.comparison_word(r) for _, r in frame.iterrows()]
    return spine_table(frame, "B", "Key", words, compare={"A": "Area A", "C": "Area C"})


def test_each_row_lists_the_chosen_areas_figures_with_c_where_suppressed():
    table = _chosen_table(_rows({"A": 10.0, "B": 40.0, "C": None}, "better"))
    (row,) = table.rows
    assert row.chosen == (("Area A", "10%"), ("Area C", "[c]"))
    assert chosen_key(table) == (
        "Under each indicator, the figures of the areas chosen to compare with: Area A and Area C."
    )
    assert chosen_key(_table(_rows({"A": 10.0, "B": 40.0}, "better"), "B")) == ""


def test_the_chosen_line_is_a_row_of_its_own_headed_by_its_indicator():
    table = _chosen_table(_rows({"A": 10.0, "B": 40.0, "C": None}, "better"))
    div = laid_out(table)
    first, line = div.children[0].children.children[2].children
    assert first.className == "lfo-spine-table__with-chosen"
    (cell,) = [line.children]
    assert cell.colSpan == 4 and cell.headers == first.children[0].id
    items = cell.children[1].children
    texts = [[c if isinstance(c, str) else c.children for c in li.children] for li in items]
    assert texts == [["Area A", "\u00a0", "10%"], ["Area C", "\u00a0", "[c]"]]
    assert "Area A and Area C" in div.children[1].children
    # no areas chosen: no line under the row
    plain = laid_out(_table(_rows({"A": 10.0, "B": 40.0}, "better"), "B"))
    assert len(plain.children[0].children.children[2].children) == 1


def test_a_long_area_name_may_break_only_before_its_ending():
    assert breakable("Hertfordshire") == "Hertford\u00adshire"
    assert breakable("Middlesbrough") == "Middles\u00adbrough"
    assert breakable("Blackburn with Darwen") == "Blackburn with Darwen"
    assert breakable("Westminster") == "Westminster"  # (not longer than 11 letters)
    table = _table(_rows({"A": 10.0, "Hertfordshire": 40.0}, "better"), "Hertfordshire")
    assert laid_out(table).children[0].children.children[1].children.children[1].children == (
        "Hertford\u00adshire"
    )


def test_a_count_with_no_programme_total_shows_its_status_never_total_alone():
    row = pd.Series({"unit": "count", "kind": "count", "programme": float("nan")})
    assert programme_text(pd.concat([row, pd.Series({"programme_status": "c"})])) == "[c]"
    shown = pd.concat([row, pd.Series({"programme_status": float("nan")})])
    assert programme_text(shown) == "[x]"
    shown["programme"] = 1234.0
    assert programme_text(shown) == "total 1,234"

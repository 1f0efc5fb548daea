"""The area profile's spine as a phone table (``dashboard.present.area_spine_table``): figures in
their units, the comparison in words after the chart's symbol, and each bar's marks placed on the
chart's own scale (hand-worked here from the spine's rule: the programme at the centre, the
farther of the range and the area's interval at ±1, the bar's ends at ±1.18)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.layouts.spine_table import spine_table as laid_out
from dashboard.present import area_spine
from dashboard.present.area_spine_table import SYMBOLS, Bar, short_word, spine_table


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
        programme=pytest.approx(50.0),
        area=pytest.approx(100 * 1.68 / 2.36, abs=0.05),
    )


def test_a_suppressed_figure_is_c_with_no_dot_and_says_suppressed():
    table = _table(_rows({"A": 10.0, "B": None, "C": 40.0}, None), "B")
    (row,) = table.rows
    assert row.area == "[c]" and row.bar.area is None
    assert row.comparison == "suppressed" and row.symbol == "○"
    assert row.bar.programme == pytest.approx(50.0)


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
    html_table = div.children[0]
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

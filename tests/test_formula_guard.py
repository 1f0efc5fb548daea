"""The one formula guard (lfo.formula_guard): text that a spreadsheet would run is made inert."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from lfo.formula_guard import (
    FORMULA_STARTS,
    csv_frame,
    csv_row,
    csv_text,
    guard_workbook,
    is_formula_like,
)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_dangerous_start_is_guarded_in_csv(start):
    text = f'{start}HYPERLINK("http://x")'
    assert is_formula_like(text)
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("value", ["Hartlepool", "", "E06000001", "2017-18 Q3", "c", "'=already"])
def test_ordinary_text_is_untouched(value):
    assert csv_text(value) == value


@pytest.mark.parametrize("value", [-3, -0.5, 12, 1.5, None, True])
def test_numbers_stay_numbers(value):
    assert csv_text(value) is value


def test_csv_frame_guards_text_columns_and_headers_but_not_numbers():
    frame = pd.DataFrame(
        {
            "area_name": ['=HYPERLINK("http://evil")', "Leeds"],
            "value": [-3.0, 4.0],
            "@x": ["a", "b"],
        }
    )
    out = csv_frame(frame)
    text = out.to_csv(index=False)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["area_name", "value", "'@x"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "-3.0", "a"]
    assert out["value"].tolist() == [-3.0, 4.0]
    assert frame["area_name"][0].startswith("=")  # the input is not changed


def test_csv_row():
    assert csv_row(["+1", 1, "-", "ok"]) == ["'+1", 1, "'-", "ok"]


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(['=HYPERLINK("http://evil","x")', -3, "Leeds", "@SUM(A1)"])
    assert ws["A1"].data_type == "f"  # what openpyxl would otherwise write
    assert guard_workbook(wb) == 2
    path = tmp_path / "out.xlsx"
    wb.save(path)
    back = openpyxl.load_workbook(path)["Sheet"]
    assert back["A1"].data_type == "s"
    assert back["A1"].value == '=HYPERLINK("http://evil","x")'
    assert back["A1"].quotePrefix
    assert back["B1"].value == -3 and back["B1"].data_type == "n"
    assert back["D1"].data_type == "s"

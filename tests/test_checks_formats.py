"""The two formats: typed xlsx cells (formulas, dates, numbers) and xlsx/zip giving the same result."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from support.returns import valid_tables, write_return

from etl.checks.file import check_file
from etl.checks.values import BAND_DATE_MESSAGE, FORMULA_MESSAGE

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})


def check(folder, tables, fmt="xlsx"):
    return check_file(write_return(folder, tables, fmt=fmt), known_areas=AREAS, today=TODAY)


def found(result):
    return [(f.sheet, f.row, f.column, f.code) for f in result.findings]


def edit(sheet: str, index: int, **values):
    tables = valid_tables()
    tables[sheet][index].update(values)
    return tables


def typed(tables):
    """The same return as an LA's Excel would hold it: date cells and number cells."""
    out = {}
    for sheet, records in tables.items():
        out[sheet] = []
        for rec in records:
            new = {}
            for key, value in rec.items():
                if key.endswith("_date") and value:
                    if "/" in value:
                        day, month, year = (int(x) for x in value.split("/"))
                    else:
                        year, month, day = (int(x) for x in value.split("-"))
                    new[key] = dt.datetime(year, month, day)
                elif key in ("score", "sessions_planned", "sessions_attended") and value:
                    new[key] = int(value)
                else:
                    new[key] = value
            out[sheet].append(new)
    return out


@pytest.mark.parametrize(
    "sheet, index, column, code",
    [
        ("participants", 0, "referral_date", "E202"),
        ("participants", 0, "participant_id", "E202"),
        ("participants", 0, "sex", "E203"),
        ("interventions", 0, "intervention", "E203"),
        ("interventions", 0, "sessions_planned", "E202"),
        ("outcomes", 0, "score", "E202"),
    ],
)
def test_a_formula_cell_is_checked_as_its_formula_text(tmp_path, sheet, index, column, code):
    result = check(tmp_path, edit(sheet, index, **{column: "=VLOOKUP(A2,Lists!A:B,2,FALSE)"}))
    cell = [f for f in result.findings if (f.sheet, f.row, f.column) == (sheet, index + 2, column)]
    assert [(f.code, f.value, f.message) for f in cell] == [
        (code, "=VLOOKUP(A2,Lists!A:B,2,FALSE)", FORMULA_MESSAGE)
    ]


def test_a_formula_in_a_csv_is_just_text(tmp_path):
    result = check(tmp_path, edit("participants", 0, sex="=A1"), fmt="zip")
    assert found(result) == [("participants", 2, "sex", "E203")]
    assert result.findings[0].message != FORMULA_MESSAGE


def test_real_date_and_number_cells_are_read(tmp_path):
    result = check(tmp_path, typed(valid_tables()))
    assert result.findings == []
    assert result.tables["participants"]["referral_date"].iloc[2] == pd.Timestamp("2017-06-12")


def test_an_excel_serial_number_in_a_date_column_is_e202(tmp_path):
    result = check(tmp_path, edit("participants", 0, referral_date=42828))
    assert found(result) == [("participants", 2, "referral_date", "E202")]
    assert result.findings[0].value == "42828"


@pytest.mark.parametrize(
    "column, band",
    [("age_band", dt.datetime(2017, 4, 16)), ("youngest_child_age_band", dt.datetime(2017, 4, 2))],
)
def test_a_band_turned_into_a_date_is_e203_with_the_band_message(tmp_path, column, band):
    result = check(tmp_path, edit("participants", 1, **{column: band}))
    assert [(f.column, f.code, f.message) for f in result.findings] == [
        (column, "E203", BAND_DATE_MESSAGE)
    ]


@pytest.mark.parametrize("value", [1001, 1001.0])
def test_an_id_in_a_whole_number_cell_is_read_as_its_digits(tmp_path, value):
    tables = valid_tables()
    tables["participants"][0]["participant_id"] = value
    tables["interventions"][0]["participant_id"] = "1001"
    for rec in tables["outcomes"][:4]:
        rec["participant_id"] = value
    result = check(tmp_path, tables)
    assert result.findings == []
    assert result.tables["participants"]["participant_id"].iloc[0] == "1001"
    assert "1001" in result.participant_ids


def test_a_fractional_number_cell_is_not_an_id_nor_a_whole_number(tmp_path):
    tables = valid_tables()
    tables["participants"][1]["family_id"] = 12.5
    tables["outcomes"][0]["score"] = 9.5
    tables["outcomes"][1]["score"] = 15.0
    result = check(tmp_path, tables)
    assert found(result) == [
        ("participants", 3, "family_id", "E202"),
        ("outcomes", 2, "score", "E202"),
    ]


def test_a_date_cell_in_an_id_column_is_e202(tmp_path):
    result = check(tmp_path, edit("participants", 1, family_id=dt.datetime(2017, 1, 1)))
    assert found(result) == [("participants", 3, "family_id", "E202")]


def test_a_true_false_cell_in_a_code_column_is_e203(tmp_path):
    result = check(tmp_path, edit("participants", 1, workless_household=True))
    assert found(result) == [("participants", 3, "workless_household", "E203")]


def test_text_cells_are_trimmed_of_non_breaking_spaces(tmp_path):
    result = check(
        tmp_path, edit("participants", 1, sex="\u00a0Male ", participant_id=" P002\u00a0")
    )
    assert result.findings == []
    pt = result.tables["participants"]
    assert pt["sex"].iloc[1] == "male" and pt["participant_id"].iloc[1] == "P002"


def _with_errors():
    tables = valid_tables()
    tables["participants"][0]["sex"] = "M"
    tables["participants"][1]["referral_date"] = "2016-02-30"
    tables["participants"][2]["age_band"] = ""
    tables["interventions"][0]["sessions_attended"] = "9"
    tables["interventions"][2]["end_date"] = "2017-08-01"
    tables["interventions"][3]["participant_id"] = "P9"
    tables["outcomes"][0]["participant_id"] = "someone@example.org"
    tables["outcomes"].append(dict(tables["outcomes"][1]))
    for rec in tables["participants"]:
        rec["notes"] = "x"
    return tables


@pytest.mark.parametrize(
    "tables, count", [(valid_tables(), 0), (_with_errors(), 10)], ids=["valid", "errors"]
)
def test_xlsx_and_zip_of_the_same_content_give_the_same_tables_and_findings(
    tmp_path, tables, count
):
    by_zip = check(tmp_path / "z", tables, fmt="zip")
    by_xlsx = check(tmp_path / "x", tables, fmt="xlsx")
    assert len(by_zip.findings) == count
    strip = [dataclasses.replace(f, file="") for f in by_zip.findings]
    assert strip == [dataclasses.replace(f, file="") for f in by_xlsx.findings]
    assert by_zip.stopped == by_xlsx.stopped
    for sheet in by_zip.tables:
        pd.testing.assert_frame_equal(by_zip.tables[sheet], by_xlsx.tables[sheet])


def test_typed_xlsx_and_text_csv_give_the_same_tables(tmp_path):
    by_zip = check(tmp_path / "z", valid_tables(), fmt="zip")
    by_xlsx = check(tmp_path / "x", typed(valid_tables()))
    assert by_zip.findings == by_xlsx.findings == []
    for sheet in by_zip.tables:
        pd.testing.assert_frame_equal(by_zip.tables[sheet], by_xlsx.tables[sheet])

"""A CSV member read into a RawSheet (``etl.csv_sheet``): every cell trimmed, blank records skipped
with the record numbers kept, short and long records, extra fields, and the first problem in the
file reported, whichever batch of records it is in."""

from __future__ import annotations

import pytest
from support.returns import with_participants_csv

from etl import csv_sheet
from etl.raw_sheet import EMPTY, KIND_DTYPE, TEXT
from etl.reading import read_return

# records (not lines): 1 the header, its last field empty; 2 cells with spaces, tabs and no-break
# spaces; 3 and 4 blank; 5 a quoted cell over two lines; 6 fewer fields than the header; 7 more,
# with content; 8 more, all empty; 9 nothing but past the header; 10 ends with a lone \r
EDGE_CSV = (
    "id, name ,\tnote\t,\r\n"
    " P1 ,\tAnn\t, caf\xe9 ,\r\n"
    "\r\n"
    " , \t,,\r\n"
    'P2," two\r\nlines ",x,y\r\n'
    "P3\r\n"
    'P4,b,c,d,e, ,"f,g"\r\n'
    ",,,, ,\t\r\n"
    ",,,,z\r\n"
    "P5,\xa0nbsp\xa0,\x0bv,w\r"
).encode("cp1252")


@pytest.mark.parametrize("batch", [1, 2, 3, csv_sheet.BATCH])
def test_a_csv_of_edge_cases_reads_into_exactly_this_sheet(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(csv_sheet, "BATCH", batch)  # records handled a few at a time, or all
    result = read_return(with_participants_csv(tmp_path, EDGE_CSV))
    assert [(f.code, f.sheet) for f in result.findings] == [("W306", "participants")]
    sheet = result.sheets["participants"]
    assert sheet.header == ["id", "name", "note", ""]  # kept: it has data below
    assert sheet.rows.tolist() == [2, 5, 6, 7, 9, 10] and str(sheet.rows.dtype) == "int64"
    assert sheet.text.values.tolist() == [
        ["P1", "Ann", "caf\xe9", ""],
        ["P2", "two\r\nlines", "x", "y"],
        ["P3", "", "", ""],
        ["P4", "b", "c", "d"],
        ["", "", "", ""],
        ["P5", "nbsp", "v", "w"],
    ]
    assert sheet.kind.values.tolist() == [
        [TEXT if text else EMPTY for text in row] for row in sheet.text.values.tolist()
    ]
    assert sheet.extra_fields == {7: "e, ,f,g", 9: "z"}
    assert not sheet.empty_file
    assert list(sheet.text.columns) == list(sheet.kind.columns) == [0, 1, 2, 3]
    assert {str(d) for d in sheet.text.dtypes} == {"str"}
    assert all(d == KIND_DTYPE for d in sheet.kind.dtypes)


def test_empty_header_fields_with_nothing_below_are_dropped(tmp_path):
    sheet = read_return(with_participants_csv(tmp_path, b"a,,b,,\r\n1,,2\r\n3,, ,,\r\n")).sheets[
        "participants"
    ]
    assert sheet.header == ["a", "b"]
    assert sheet.text.values.tolist() == [["1", "2"], ["3", ""]]
    assert sheet.kind.values.tolist() == [[TEXT, TEXT], [TEXT, EMPTY]]


def test_a_header_and_no_rows_is_an_empty_sheet_with_its_columns(tmp_path):
    sheet = read_return(with_participants_csv(tmp_path, b"a, b\r\n\r\n , \r\n")).sheets[
        "participants"
    ]
    assert sheet.header == ["a", "b"] and sheet.rows.tolist() == []
    assert sheet.text.shape == sheet.kind.shape == (0, 2)
    assert {str(d) for d in sheet.text.dtypes} == {"str"}
    assert all(d == KIND_DTYPE for d in sheet.kind.dtypes)


WIDE = ",".join(["w"] * 101)  # past the 100-column limit
LONG = '"' + "L" * 131_073 + '"'  # longer than the csv module reads


@pytest.mark.parametrize(
    "records, code, words",
    [
        (["r", "", "r", WIDE, "r", "r"], "E110", "its record 5 has more fields"),
        (["r", "", "r", "r", "r", WIDE], "E110", "more than 1,000,000 rows"),
        (["r", LONG, WIDE], "E101", "field larger than field limit"),
        (["r", WIDE, LONG], "E110", "its record 3 has more fields"),
        (["r", "r", "r", "r", LONG], "E110", "more than 1,000,000 rows"),
    ],
)
@pytest.mark.parametrize("batch", [2, csv_sheet.BATCH])
def test_the_first_problem_in_the_file_is_the_one_reported(
    tmp_path, monkeypatch, records, code, words, batch
):
    monkeypatch.setattr(csv_sheet, "MAX_ROWS", 3)
    monkeypatch.setattr(csv_sheet, "BATCH", batch)
    data = "\r".join(["a,b", *records]).encode()  # no \n: no count of the records beforehand
    result = read_return(with_participants_csv(tmp_path, data))
    assert [f.code for f in result.findings] == [code] and result.stopped
    assert words in result.findings[0].message


@pytest.mark.parametrize(
    "records, code, words",
    [
        (["r", LONG, "r", "r", "r"], "E101", "field larger than field limit"),
        (["r", "r", "r", "r", LONG], "E110", "more than 1,000,000 rows"),
    ],
)
def test_a_long_csv_counted_first_reports_an_unreadable_field_as_a_finding(
    tmp_path, monkeypatch, records, code, words
):
    """More line ends than the row limit: the records are counted before they are read, and a
    field the csv module cannot read stops the count without a traceback (the read reports it)."""
    monkeypatch.setattr(csv_sheet, "MAX_ROWS", 3)
    data = "\n".join(["a,b", *records]).encode()
    result = read_return(with_participants_csv(tmp_path, data))
    assert [f.code for f in result.findings] == [code] and result.stopped
    assert words in result.findings[0].message

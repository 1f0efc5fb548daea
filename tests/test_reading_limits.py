"""E110's column limit (return-spec v2 § 3; issue 10): checked before or while streaming the data.

Attacks reproduced: a 440 KB zip whose CSV had 200,000 extra columns validated in 31 s using 2.5 GB,
loaded in 101 s and wrote 200,008 findings rows; a 36 MB xlsx of 16,384 columns took 512 s and
1.6 GB to reject. Now each is one E110 finding, exit 1, nothing loaded (how long it takes is
measured by ``python -m benchmarks.hostile_files``, not asserted here).
"""

from __future__ import annotations

import sqlite3
import zipfile

import pytest
from support.hostile import replace_sheet, sheet_rows_xml, sheet_xml, wide_csv_zip, wide_xlsx
from support.returns import SHEETS, valid_tables, with_participants_csv, write_return

from etl.cli import main
from etl.reading import read_return
from etl.xlsx_scan import column_letters, column_number


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def test_column_references_are_read_as_excel_numbers_them_and_back():
    assert [column_number(r, 0) for r in ("A1", "J9", "CV2", "CW2", "XFD1", "xfd7")] == [
        1,
        10,
        100,
        101,
        16_384,
        16_384,
    ]
    assert column_number(None, 7) == 8 and column_number("12", 3) == 4  # no letters: the next one
    assert column_number("ABCD1", 3) == 4  # not a reference Excel writes: counted as the next
    assert [column_letters(n) for n in (1, 26, 27, 100, 101, 16_384)] == [
        "A",
        "Z",
        "AA",
        "CV",
        "CW",
        "XFD",
    ]


def test_the_200000_column_csv_is_one_e110_before_its_rows_are_read(tmp_path):
    path = wide_csv_zip(tmp_path / "in", extra_columns=200_000)
    assert path.stat().st_size < 1_000_000  # a small zip, as in the attack
    result = read_return(path)
    assert codes(result) == ["E110"] and result.stopped and result.sheets == {}
    [finding] = result.findings
    assert finding.value == "participants.csv"
    assert "'participants.csv' has more than 100 columns (200,010)" in finding.message
    assert "delete the columns" in finding.message


def test_the_16384_column_workbook_is_one_e110_whatever_its_dimension_says(tmp_path):
    path = wide_xlsx(tmp_path / "in", columns=16_384)
    with zipfile.ZipFile(path) as zf:
        assert b'<dimension ref="A1:J4"/>' in zf.read("xl/worksheets/sheet1.xml")
    result = read_return(path)
    assert codes(result) == ["E110"] and result.stopped and result.sheets == {}
    [finding] = result.findings
    assert finding.value == "participants"
    assert "(cell CW1, column 101, holds a value or formatting)" in finding.message


@pytest.mark.parametrize(("columns", "stopped"), [(100, False), (101, True)])
def test_the_limit_is_100_columns_for_a_csv(tmp_path, columns, stopped):
    header = SHEETS["participants"] + [f"x{j}" for j in range(columns - 10)]
    rows = [",".join(header)] + [
        ",".join([*(str(r[c]) for c in SHEETS["participants"]), *["1"] * (columns - 10)])
        for r in valid_tables()["participants"]
    ]
    result = read_return(with_participants_csv(tmp_path, ("\r\n".join(rows) + "\r\n").encode()))
    assert ("E110" in codes(result)) is stopped
    if not stopped:  # the extra columns are read (and reported by the checks as unknown)
        assert len(result.sheets["participants"].header) == 100


def test_trailing_empty_fields_do_not_count_as_columns(tmp_path):
    header = ",".join(SHEETS["participants"]) + "," * 500
    rows = [
        ",".join(str(r[c]) for c in SHEETS["participants"]) + "," * 500
        for r in valid_tables()["participants"]
    ]
    result = read_return(
        with_participants_csv(tmp_path, ("\r\n".join([header, *rows]) + "\r\n").encode())
    )
    assert result.findings == [] and not result.stopped
    assert result.sheets["participants"].header == SHEETS["participants"]


def test_a_csv_row_wider_than_100_columns_is_e110_even_under_a_narrow_header(tmp_path):
    rows = [",".join(SHEETS["participants"])]
    for i, r in enumerate(valid_tables()["participants"]):
        cells = [str(r[c]) for c in SHEETS["participants"]]
        rows.append(",".join(cells + (["z"] * 5_000 if i == 1 else [])))
    result = read_return(with_participants_csv(tmp_path, ("\r\n".join(rows) + "\r\n").encode()))
    assert codes(result) == ["E110"]
    assert "(5,010)" in result.findings[0].message and "record 3" in result.findings[0].message


def test_a_huge_header_line_is_read_in_bounded_pieces(tmp_path):
    # one header line of about 40 MB: its first record is read from the first 13 MB only
    head = ",".join(SHEETS["participants"]) + ",y" * 20_000_000
    result = read_return(with_participants_csv(tmp_path, (head + "\r\n").encode()))
    assert codes(result) == ["E110"]


def test_a_quoted_header_field_with_commas_is_one_column(tmp_path):
    header = ",".join(SHEETS["participants"]) + ',"' + "a," * 500 + '"'
    rows = [
        ",".join(str(r[c]) for c in SHEETS["participants"]) for r in valid_tables()["participants"]
    ]
    result = read_return(
        with_participants_csv(tmp_path, ("\r\n".join([header, *rows]) + "\r\n").encode())
    )
    assert "E110" not in codes(result)
    assert len(result.sheets["participants"].header) == 11


def _workbook_with_participants(tmp_path, rows_xml, dimension="A1:J4"):
    path = write_return(tmp_path, fmt="xlsx")
    replace_sheet(path, "xl/worksheets/sheet1.xml", sheet_xml(rows_xml, dimension))
    return path


def _participant_grid() -> list[list[str]]:
    header = SHEETS["participants"]
    return [header] + [[str(r[c]) for c in header] for r in valid_tables()["participants"]]


def test_one_value_past_column_100_deep_in_a_sheet_is_e110_naming_its_cell(tmp_path):
    grid = _participant_grid()
    rows = list(sheet_rows_xml(grid))
    rows[2] = rows[2].replace("</row>", '<c r="CW3"><v>5</v></c></row>')
    result = read_return(_workbook_with_participants(tmp_path, rows))
    assert codes(result) == ["E110"]
    assert "cell CW3, column 101" in result.findings[0].message


def test_formatted_empty_cells_up_to_column_100_are_read_as_empty(tmp_path):
    rows = list(sheet_rows_xml(_participant_grid()))
    rows[1] = rows[1].replace("</row>", '<c r="CV2" s="0"/></row>')
    result = read_return(_workbook_with_participants(tmp_path, rows, dimension="A1:CV4"))
    assert result.findings == []
    sheet = result.sheets["participants"]
    assert sheet.header == SHEETS["participants"] and sheet.text.shape == (3, 10)


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        ('<c r="CW2" s="0"/>', "cell CW2, column 101"),  # only formatted, past column 100
        ('<c r="XFD2" s="0"/>' * 3, "cell XFD2, column 16,384"),
        ('<c s="0"/>' * 100, "a cell in column CW, column 101"),  # no references: counted
    ],
)
def test_formatted_cells_past_column_100_are_e110_too(tmp_path, cells, where):
    """Rows of formatted empty cells out to XFD would cost openpyxl minutes and hold nothing."""
    rows = list(sheet_rows_xml(_participant_grid()))
    rows[1] = rows[1].replace("</row>", cells + "</row>")
    result = read_return(_workbook_with_participants(tmp_path, rows))
    assert codes(result) == ["E110"]
    assert where in result.findings[0].message
    assert "holds a value or formatting" in result.findings[0].message


def test_a_workbook_sheet_with_a_doctype_bomb_is_e101(tmp_path):
    bomb = (
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "]>"
    )
    path = write_return(tmp_path, fmt="xlsx")
    parts = list(sheet_xml(sheet_rows_xml(_participant_grid())))
    parts[0] = parts[0].replace("\n", "\n" + bomb)
    parts.insert(2, '<row r="9"><c r="A9" t="inlineStr"><is><t>&h;</t></is></c></row>')
    replace_sheet(path, "xl/worksheets/sheet1.xml", parts)
    result = read_return(path)
    assert codes(result) == ["E101"] and result.stopped


@pytest.mark.parametrize("make", [wide_csv_zip, wide_xlsx])
def test_validate_and_load_give_one_e110_exit_1_and_load_nothing(tmp_path, lfo_settings, make):
    path = make(tmp_path / "in", 20_000) if make is wide_csv_zip else make(tmp_path / "in", 16_384)
    report = tmp_path / "report.csv"
    db = lfo_settings.database_url
    assert main(["validate", str(path), "--db", db, "--report", str(report)]) == 1
    assert len(report.read_text(encoding="utf-8-sig").splitlines()) == 2  # header + one finding
    assert main(["load", str(path), "--db", db, "--report", str(report)]) == 1
    assert "E110" in report.read_text(encoding="utf-8-sig")
    con = sqlite3.connect(db.removeprefix("sqlite:///"))
    try:
        assert con.execute("SELECT count(*) FROM participants").fetchone() == (0,)
        assert con.execute("SELECT code FROM etl_findings").fetchall() == [("E110",)]
        assert con.execute("SELECT outcome FROM etl_load_log").fetchall() == [("rejected",)]
    finally:
        con.close()

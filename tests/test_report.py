"""Finding reports: CSV and XLSX files for the LAs, and the summary by code."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

from etl.report import ReportError, check_report_path, summarise, write_report
from lfo.findings import FINDING_COLUMNS, Finding, findings_frame

FILE = "LFO_E08000021_2017-18_Q3.zip"


def sample_findings() -> pd.DataFrame:
    return findings_frame(
        [
            Finding(
                FILE,
                "participants",
                2,
                "referral_source",
                '=HYPERLINK("x")',
                "E203",
                "not an allowed value",
            ),
            Finding(FILE, "participants", 3, "referral_source", "gpp", "E203", "not allowed"),
            Finding(FILE, "interventions", 5, "sessions_planned", "-3", "E204", "out of range"),
            Finding(
                FILE,
                "participants",
                4,
                "participant_id",
                "jo.bloggs@example.org",
                "E210",
                "looks like an e-mail address",
            ),
            Finding(FILE, "outcomes", 7, "score", "@SUM(A1)", "E202", "not a whole number"),
            Finding(FILE, "outcomes", 8, "score", "\tx", "E202", "not a whole number"),
            Finding(FILE, "outcomes", 9, "score", "+1", "E202", "not a whole number"),
            Finding(FILE, "outcomes", 10, "score", "\r1", "E202", "not a whole number"),
            Finding(FILE, None, None, None, None, "W303", "sheet cover ignored"),
        ]
    )


def read_csv_report(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_report_starts_with_a_bom_and_has_the_spec_columns(tmp_path):
    path = write_report(sample_findings(), tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n")[0].decode()
    assert header == "file,sheet,row,column,value,code,severity,message"
    rows = read_csv_report(path)
    assert len(rows) == 9
    assert rows[0]["row"] == "2" and rows[0]["severity"] == "error"
    assert rows[-1]["sheet"] == "" and rows[-1]["row"] == ""


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("+1", "'+1"),
        ("\r1", "'\r1"),
        ("gpp", "gpp"),
    ],
)
def test_csv_report_guards_values_a_spreadsheet_would_run(tmp_path, raw, written):
    path = write_report(sample_findings(), tmp_path / "r.csv")
    values = [r["value"] for r in read_csv_report(path)]
    assert written in values


def test_report_masks_personal_data_values(tmp_path):
    path = write_report(sample_findings(), tmp_path / "r.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "bloggs" not in text
    e210 = [r for r in read_csv_report(path) if r["code"] == "E210"]
    assert e210[0]["value"] == "jo***"


def test_xlsx_report_has_findings_and_summary_sheets(tmp_path):
    path = write_report(sample_findings(), tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["findings", "summary"]
    ws = wb["findings"]
    assert [c.value for c in ws[1]] == FINDING_COLUMNS
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H10"
    assert ws["A1"].font.bold
    values = [ws.cell(row=i, column=5).value for i in range(2, 11)]
    assert '=HYPERLINK("x")' in values and "-3" in values and "jo***" in values
    # formula-like text is a quote-prefixed text cell (lfo.formula_guard), never a formula
    cells = [ws.cell(row=i, column=5) for i in range(2, 11)]
    assert all(c.data_type != "f" for c in cells)
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r"]
    assert len(risky) >= 5 and all(c.quotePrefix for c in risky)  # a CR may come back as LF
    assert ws.cell(row=2, column=3).value == 2
    summary = wb["summary"]
    header = [c.value for c in summary[1]]
    assert header[:4] == ["code", "severity", "title", "count"]
    counts = {
        summary.cell(row=i, column=1).value: summary.cell(row=i, column=4).value
        for i in range(2, summary.max_row + 1)
    }
    assert counts == {"E202": 4, "E203": 2, "E204": 1, "E210": 1, "W303": 1}
    first = {
        summary.cell(row=i, column=1).value: summary.cell(row=i, column=6).value
        for i in range(2, summary.max_row + 1)
    }
    assert "participants row 2 referral_source" in first["E203"]
    assert "participants row 3 referral_source" in first["E203"]


def test_xlsx_report_replaces_characters_excel_cannot_hold(tmp_path):
    findings = findings_frame([Finding(FILE, "outcomes", 2, "score", "a\x0bb", "E202", "bad")])
    path = write_report(findings, tmp_path / "r.xlsx")
    assert load_workbook(path)["findings"]["E2"].value == "a\ufffdb"


def test_empty_report_still_has_its_header(tmp_path):
    path = write_report(findings_frame(), tmp_path / "r.csv")
    assert read_csv_report(path) == []
    assert path.read_text(encoding="utf-8-sig").startswith("file,sheet,row")
    wb = load_workbook(write_report(findings_frame(), tmp_path / "r.xlsx"))
    assert wb["summary"].max_row == 1


@pytest.mark.parametrize("name", ["r.txt", "r", "r.json", "r.xls"])
def test_report_with_another_extension_is_refused(tmp_path, name):
    with pytest.raises(ReportError, match=r"csv or \.xlsx"):
        check_report_path(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_report_extension_is_matched_case_insensitively(tmp_path):
    path = write_report(sample_findings(), tmp_path / "R.CSV")
    assert len(read_csv_report(path)) == 9


def test_summary_counts_each_code_with_its_title_and_first_rows():
    summary = summarise(sample_findings(), first_rows=1)
    e203 = summary.set_index("code").loc["E203"]
    assert e203["count"] == 2
    assert e203["severity"] == "error"
    assert e203["title"] == "value not allowed"
    assert e203["first_rows"] == f"{FILE} participants row 2 referral_source"
    assert list(summary["code"]) == ["E202", "E203", "E204", "E210", "W303"]
    assert summary.set_index("code").loc["W303", "severity"] == "warning"


def test_report_under_a_file_is_refused_before_any_work(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ReportError, match="cannot write in"):
        check_report_path(tmp_path / "a-file" / "sub" / "r.csv")


def test_report_folder_is_created_when_missing(tmp_path):
    check_report_path(tmp_path / "new" / "r.csv")
    path = write_report(sample_findings(), tmp_path / "new" / "r.csv")
    assert path.exists()

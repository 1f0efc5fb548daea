"""Untrusted text reaches the console and the reports with its control characters escaped (issue 10).

Attack reproduced: escape sequences in file names went raw to the console (an ESC sequence can
recolour, clear or rewrite the terminal; a newline forges an output line; a bidi override reverses
what is read). Now every command prints through ``etl.console.shown``.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.returns import valid_tables, write_return

from etl.cli import main
from etl.console import shown

PROJECT = Path(__file__).resolve().parent.parent
ESC_NAME = "LFO_\x1b[31mE08000021\n_2017-18_Q3.zip"  # an ESC sequence and a newline


def test_shown_escapes_c0_del_c1_and_bidi_controls_and_keeps_the_rest():
    assert shown("a\x1b[31mb\nc\rd\te\x00f\x7fg\x9bh") == (
        "a\\x1b[31mb\\nc\\rd\\te\\x00f\\x7fg\\x9bh"
    )
    assert shown("abc\u202etxt.exe\u2066\u200f") == "abc\\u202etxt.exe\\u2066\\u200f"
    assert shown("Ynys Môn – Bro Morgannwg, 'quoted' \\ back") == (
        "Ynys Môn – Bro Morgannwg, 'quoted' \\ back"
    )
    assert shown(42) == "42"


def test_a_file_name_with_an_esc_sequence_and_a_newline_is_shown_escaped(tmp_path):
    path = write_return(tmp_path / "in", name=ESC_NAME)
    report = tmp_path / "report.csv"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "LFO_ARCHIVE_DIR": str(tmp_path / "archive"),
        "LFO_ID_KEY_FILE": str(tmp_path / "key"),
    }
    db = f"sqlite:///{tmp_path / 'x.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(path), "--db", db, "--report", str(report), "-v"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1  # E102: the name does not follow the pattern
    out, err = done.stdout.decode(), done.stderr.decode()
    for text in (out, err):
        assert "\x1b" not in text
    assert "LFO_\\x1b[31mE08000021\\n_2017-18_Q3.zip" in out
    assert "E102" in out
    # no output line was forged: every line that names the file holds all of its name
    assert not any(line.startswith("_2017-18_Q3.zip") for line in out.splitlines())
    with report.open(encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["file"] == "LFO_\\x1b[31mE08000021\\n_2017-18_Q3.zip"
    assert "\x1b" not in report.read_text(encoding="utf-8-sig")


def test_values_and_area_names_are_shown_escaped_in_tables_and_reports(tmp_path, capsys):
    tables = valid_tables()
    tables["participants"][0]["referral_source"] = "\x1b[2J=cmd|' /C calc'!A0"
    path = write_return(tmp_path / "in", tables)
    report = tmp_path / "report.csv"
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["validate", str(path), "--db", db, "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    with report.open(encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["code"] == "E203" and row["value"] == "\\x1b[2J=cmd|' /C calc'!A0"
    # an area name holding an ESC sequence (written straight to the table) is escaped by status
    assert main(["load", str(write_return(tmp_path / "ok")), "--db", db]) == 0
    con = sqlite3.connect(tmp_path / "x.db")
    with con:
        con.execute("UPDATE areas SET name = ? WHERE gss_code = 'E08000021'", ("New\x1b]0;x\x07",))
    con.close()
    capsys.readouterr()
    assert main(["status", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "New\\x1b]0;x\\x07" in out


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)"])
def test_a_raw_value_echoed_in_a_report_is_text_not_a_formula(tmp_path, value, capsys):
    from openpyxl import load_workbook

    tables = valid_tables()
    tables["participants"][0]["referral_source"] = value
    path = write_return(tmp_path / "in", tables)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    csv_report, xlsx_report = tmp_path / "r.csv", tmp_path / "r.xlsx"
    assert main(["validate", str(path), "--db", db, "--report", str(csv_report)]) == 1
    assert main(["validate", str(path), "--db", db, "--report", str(xlsx_report)]) == 1
    with csv_report.open(encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["value"] == "'" + value
    cell = load_workbook(xlsx_report)["findings"]["E2"]
    assert cell.value == value and cell.data_type == "s" and cell.quotePrefix

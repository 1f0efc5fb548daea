"""Return-level checks (E102-E107) and the sheet- and column-level findings (W303, W305)."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from openpyxl import Workbook
from support.returns import valid_tables, write_return

from etl.checks.file import check_file, parse_file_name
from lfo.periods import Quarter

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021", "E08000037"})
FORMATS = ["zip", "xlsx"]


def check(folder, tables=None, *, today=TODAY, fmt="zip", **kw):
    return check_file(write_return(folder, tables, fmt=fmt, **kw), known_areas=AREAS, today=today)


def found(result, code=None):
    return [
        (f.sheet, f.row, f.column, f.code)
        for f in result.findings
        if code is None or f.code == code
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_valid_return_has_no_findings_and_is_not_stopped(tmp_path, fmt):
    result = check(tmp_path, fmt=fmt)
    assert result.findings == []
    assert not result.stopped and not result.has_errors
    assert result.area_code == "E08000021"
    assert result.quarter == Quarter(2017, 3)
    assert set(result.tables) == {"participants", "interventions", "outcomes"}
    assert result.participant_ids == {"P001", "P002", "P003"}


@pytest.mark.parametrize(
    "name",
    [
        "LFO_E08000021_2017-18_Q3.XLSX",
        "LFO_E08000021_2017-18_Q3.Zip",
        "LFO_E08000021_2099-00_Q1.xlsx",
    ],
)
def test_file_names_following_the_pattern_are_parsed(name):
    assert parse_file_name(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "lfo_E08000021_2017-18_Q3.zip",
        "LFO_e08000021_2017-18_Q3.zip",
        "LFO_E0800002_2017-18_Q3.zip",
        "LFO_E08000021_2017-19_Q3.zip",
        "LFO_E08000021_2017-18_Q5.zip",
        "LFO_E08000021_2017-18_q3.zip",
        "LFO_E08000021_2017_Q3.zip",
        "LFO_E08000021_2017-18_Q3.csv",
        "LFO_E08000021_2017-18_Q3 (1).zip",
        "LFO_W06000001_2017-18_Q3.zip",
        "LFO_E08000021_2017-18_Q3.xlsx.zip",
        "return.zip",
    ],
)
def test_other_file_names_are_e102_and_stop(tmp_path, name):
    result = check(tmp_path, name=name)
    assert found(result, "E102") == [(None, None, None, "E102")]
    assert result.stopped and result.tables == {}
    assert result.area_code is None and result.quarter is None
    assert name in result.findings[0].message


def test_an_area_that_is_not_in_the_programme_is_e103(tmp_path):
    result = check(tmp_path, area="E08000099")
    assert found(result) == [(None, None, None, "E103")]
    assert result.findings[0].value == "E08000099"
    assert result.stopped


def test_a_period_before_the_programme_is_e104(tmp_path):
    result = check(tmp_path, period="2015-16_Q4")
    assert "E104" in [f.code for f in result.findings] and result.stopped


def test_a_quarter_that_has_not_ended_is_e104_until_the_day_after_its_last_day(tmp_path):
    assert found(check(tmp_path / "a", today=dt.date(2017, 12, 31)), "E104")
    assert not check(tmp_path / "b", today=dt.date(2018, 1, 1)).findings


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_sheet_is_e105(tmp_path, fmt):
    tables = valid_tables()
    del tables["outcomes"]
    result = check(tmp_path, tables, fmt=fmt)
    assert [(f.code, f.value) for f in result.findings] == [("E105", "outcomes")]
    assert result.stopped


def write_exact(folder, tables, fmt="zip", name="LFO_E08000021_2017-18_Q3"):
    """Write exactly the columns of each sheet's records (the first record's keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "zip":
        members = {}
        for sheet, records in tables.items():
            header = list(records[0]) if records else []
            lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in records]
            members[f"{sheet}.csv"] = ("\r\n".join(lines) + "\r\n").encode()
        return _zip(folder, members, f"{name}.zip")
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, records in tables.items():
        ws = wb.create_sheet(sheet)
        header = list(records[0]) if records else []
        ws.append(header)
        for rec in records:
            ws.append([None if rec[h] == "" else rec[h] for h in header])
    path = folder / f"{name}.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "sheet, column",
    [
        ("participants", "referral_date"),
        ("interventions", "start_date"),
        ("interventions", "sessions_attended"),
        ("outcomes", "score"),
    ],
)
def test_a_missing_required_or_conditional_column_is_e106(tmp_path, fmt, sheet, column):
    tables = valid_tables()
    for rec in tables[sheet]:
        del rec[column]
    result = check_file(write_exact(tmp_path, tables, fmt), known_areas=AREAS, today=TODAY)
    assert found(result) == [(sheet, None, column, "E106")]
    assert result.stopped and result.tables == {}


def test_every_missing_column_is_named(tmp_path):
    tables = valid_tables()
    for rec in tables["outcomes"]:
        del rec["score"], rec["measured_date"]
    result = check_file(write_exact(tmp_path, tables), known_areas=AREAS, today=TODAY)
    assert found(result) == [
        ("outcomes", None, "measured_date", "E106"),
        ("outcomes", None, "score", "E106"),
    ]


def _zip(folder, members: dict[str, bytes], name="LFO_E08000021_2017-18_Q3.zip"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def _csv_members(folder) -> dict[str, bytes]:
    path = write_return(folder / "src")
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_a_duplicated_header_is_e106(tmp_path):
    members = _csv_members(tmp_path)
    members["participants.csv"] = members["participants.csv"].replace(
        b"participant_id,family_id", b"participant_id,Participant_ID ", 1
    )
    result = check_file(_zip(tmp_path / "out", members), known_areas=AREAS, today=TODAY)
    assert ("participants", None, "participant_id", "E106") in found(result)
    assert result.stopped


def test_a_zero_byte_csv_is_e106_for_each_required_column(tmp_path):
    members = _csv_members(tmp_path)
    members["outcomes.csv"] = b""
    result = check_file(_zip(tmp_path / "out", members), known_areas=AREAS, today=TODAY)
    assert found(result) == [
        ("outcomes", None, c, "E106")
        for c in ["participant_id", "episode_id", "measure", "timepoint", "measured_date", "score"]
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_return_with_no_participants_is_e107(tmp_path, fmt):
    tables = valid_tables()
    tables["participants"] = []
    result = check(tmp_path, tables, fmt=fmt)
    assert found(result) == [(None, None, None, "E107")]
    assert result.stopped


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_column_is_ignored_with_w303(tmp_path, fmt):
    tables = valid_tables()
    for rec in tables["participants"]:
        rec["notes"] = "called twice"
    result = check(tmp_path, tables, fmt=fmt)
    assert found(result) == [("participants", None, "notes", "W303")]
    assert "notes" not in result.tables["participants"]


def test_an_unknown_sheet_is_ignored_with_w303(tmp_path):
    path = write_return(tmp_path, fmt="xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.create_sheet("Cover")["A1"] = "Return for Newcastle"
    wb.save(path)
    result = check_file(path, known_areas=AREAS, today=TODAY)
    assert [(f.code, f.value) for f in result.findings] == [("W303", "Cover")]
    assert not result.stopped


def test_sheet_names_and_headers_match_case_insensitively_after_trimming(tmp_path):
    tables = valid_tables()
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, records in tables.items():
        ws = wb.create_sheet(f" {sheet.upper()} ")
        header = list(records[0])
        ws.append([f"  {h.title()}\u00a0" for h in header])
        for rec in records:
            ws.append([rec[h] or None for h in header])
    path = tmp_path / "LFO_E08000021_2017-18_Q3.xlsx"
    wb.save(path)
    result = check_file(path, known_areas=AREAS, today=TODAY)
    assert result.findings == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_optional_values_give_one_w305_per_column_listing_rows(tmp_path, fmt):
    tables = valid_tables()
    extra = [dict(tables["participants"][0], participant_id=f"Q{i:03d}") for i in range(25)]
    for rec in extra:
        rec["sex"] = ""
    tables["participants"] += extra
    tables["interventions"] += [
        dict(tables["interventions"][0], episode_id=f"EQ{i}", participant_id=f"Q{i:03d}")
        for i in range(25)
    ]
    tables["participants"][1]["ethnicity"] = "\u00a0 "
    result = check(tmp_path, tables, fmt=fmt)
    w305 = [f for f in result.findings if f.code == "W305"]
    assert [(f.column, f.value) for f in w305] == [("sex", "25"), ("ethnicity", "1")]
    rows = ", ".join(str(r) for r in range(5, 25))
    assert f"(rows {rows}, ...)" in w305[0].message
    assert "(row 3)" in w305[1].message
    pt = result.tables["participants"]
    assert (pt.loc[pt["_row"] >= 5, "sex"] == "not_stated").all()
    assert pt.loc[pt["_row"] == 3, "ethnicity"].item() == "not_stated"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_absent_optional_column_gives_one_w305_and_not_stated(tmp_path, fmt):
    tables = valid_tables()
    for rec in tables["interventions"]:
        del rec["delivery_mode"]
    result = check_file(write_exact(tmp_path, tables, fmt), known_areas=AREAS, today=TODAY)
    assert [(f.sheet, f.column, f.code, f.value) for f in result.findings] == [
        ("interventions", "delivery_mode", "W305", "4")
    ]
    assert (result.tables["interventions"]["delivery_mode"] == "not_stated").all()


def test_return_level_findings_come_first_then_sheets_rows_and_columns(tmp_path):
    tables = valid_tables()
    tables["outcomes"][0]["score"] = "99"
    tables["participants"][2]["sex"] = "M"
    tables["participants"][0]["age_band"] = "99+"
    tables["participants"][0]["sex"] = "F"
    path = write_return(tmp_path, tables)
    other = path.with_name("LFO_E08000021_2017-18_Q3.zip")
    result = check_file(other, known_areas={"E08000021"}, today=TODAY)
    assert found(result) == [
        ("participants", 2, "sex", "E203"),
        ("participants", 2, "age_band", "E203"),
        ("participants", 4, "sex", "E203"),
        ("outcomes", 2, "score", "E204"),
    ]


def test_cp1252_csv_is_read_with_w306(tmp_path):
    tables = valid_tables()
    for rec in tables["participants"]:
        rec["notes"] = "café"
    result = check(tmp_path, tables, encoding="cp1252")
    assert sorted(found(result), key=str) == sorted(
        [("participants", None, "notes", "W303"), ("participants", None, None, "W306")], key=str
    )
    assert result.tables["participants"]["participant_id"].tolist() == ["P001", "P002", "P003"]
    assert not result.stopped


def test_participant_ids_include_rows_with_errors(tmp_path):
    tables = valid_tables()
    tables["participants"][2]["referral_date"] = "not a date"
    tables["participants"][1]["participant_id"] = "bad id!"
    result = check(tmp_path, tables)
    assert result.participant_ids == {"P001", "bad id!", "P003"}
    assert result.error_rows["participants"] == {3, 4}


def test_return_level_errors_are_reported_together(tmp_path):
    tables = valid_tables()
    tables["participants"] = []
    result = check(tmp_path, tables, area="E08000099", today=dt.date(2017, 12, 1))
    assert [f.code for f in result.findings] == ["E103", "E104", "E107"]

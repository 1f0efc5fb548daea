"""Reading return files safely: hostile files, encodings, zip layouts, cell kinds."""

from __future__ import annotations

import codecs
import datetime as dt
import re
import struct
import zipfile
import zlib

import pytest
from openpyxl import Workbook
from support.returns import lying_zip, valid_tables, write_return

from etl import csv_sheet, reading
from etl import read_limits as reading_limits
from etl.raw_sheet import DATE, EMPTY, FORMULA, NUMBER, TEXT
from etl.reading import read_return

NAME = "LFO_E08000021_2017-18_Q3"


def members_of(folder) -> dict[str, bytes]:
    with zipfile.ZipFile(write_return(folder / "src")) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def make_zip(folder, members: dict[str, bytes], name=f"{NAME}.zip"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def codes(result):
    return [f.code for f in result.findings]


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_the_valid_return_reads_into_three_sheets(tmp_path, fmt):
    result = read_return(write_return(tmp_path, fmt=fmt))
    assert result.findings == [] and not result.stopped
    pt = result.sheets["participants"]
    assert pt.header[:3] == ["participant_id", "family_id", "referral_date"]
    assert pt.rows.tolist() == [2, 3, 4]
    assert pt.text[0].tolist() == ["P001", "P002", "P003"]


@pytest.mark.parametrize("ext", ["zip", "xlsx"])
def test_a_file_over_50_mb_is_e110_without_being_opened(tmp_path, ext):
    path = tmp_path / f"{NAME}.{ext}"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse, and not a valid file at all
    result = read_return(path)
    assert codes(result) == ["E110"] and result.stopped


def test_a_file_of_exactly_50_mb_is_opened(tmp_path):
    path = tmp_path / f"{NAME}.zip"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert codes(read_return(path)) == ["E101"]


def _patch_sizes(path, size: int) -> None:
    """Make every header of the zip declare ``size`` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig)
        while i != -1:
            data[i + offset : i + offset + 4] = struct.pack("<I", size)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("ext", ["zip", "xlsx"])
def test_a_zip_declaring_more_than_500_mb_is_e110(tmp_path, ext):
    path = write_return(tmp_path, fmt=ext)
    _patch_sizes(path, 200 * 1024 * 1024)  # three or more members: over 500 MB in all
    result = read_return(path)
    assert codes(result) == ["E110"] and result.stopped


def test_a_zip_bomb_with_a_lying_header_is_refused(tmp_path):
    # how long it takes is measured by ``python -m benchmarks.checks_speed``
    path = tmp_path / f"{NAME}.zip"
    lying_zip(path, actual=600 * 1024 * 1024, declared=1000, crc=0)
    result = read_return(path)
    assert codes(result) == ["E101"] and result.stopped


def test_a_lying_header_never_yields_more_than_it_declares(tmp_path):
    path = tmp_path / f"{NAME}.zip"
    lying_zip(path, actual=600 * 1024 * 1024, declared=1000, crc=zlib.crc32(b"0" * 1000))
    result = read_return(path)
    assert len(result.sheets["participants"].header[0]) == 1000


def test_decompressed_bytes_are_counted_against_the_limit_while_reading(tmp_path, monkeypatch):
    path = make_zip(tmp_path, {"a.csv": b"x" * 5000, "b.csv": b"y" * 5000})
    monkeypatch.setattr(reading_limits, "MAX_UNPACKED_BYTES", 8000)
    budget = reading_limits.Budget(path.name)
    with zipfile.ZipFile(path) as zf:
        for _ in reading_limits.member_chunks(zf, zf.getinfo("a.csv"), budget):
            pass
        with pytest.raises(reading_limits.ReadStop) as stop:
            for _ in reading_limits.member_chunks(zf, zf.getinfo("b.csv"), budget):
                pass
    assert stop.value.finding.code == "E110"


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_a_sheet_over_the_row_limit_is_e110(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(reading, "MAX_ROWS", 6)  # a workbook
    monkeypatch.setattr(csv_sheet, "MAX_ROWS", 6)  # a zip of CSVs
    assert read_return(write_return(tmp_path / "ok", fmt=fmt)).findings == []  # 6 outcomes
    tables = valid_tables()
    tables["outcomes"].append(tables["outcomes"][0])
    result = read_return(write_return(tmp_path, tables, fmt=fmt))
    assert codes(result) == ["E110"] and result.stopped


@pytest.mark.slow
def test_a_csv_with_more_than_a_million_rows_is_e110(tmp_path):
    members = members_of(tmp_path)
    row = b"P001,F01,2017-04-03,self\r\n"
    members["participants.csv"] = (
        b"participant_id,family_id,referral_date,referral_source\r\n" + row * 1_000_001
    )
    result = read_return(make_zip(tmp_path, members))
    assert codes(result) == ["E110"]


@pytest.mark.parametrize(
    "ext, content",
    [
        ("zip", b"this is not a zip file at all"),
        ("xlsx", b"this is not a workbook either"),
        ("zip", b"PK\x03\x04" + b"\x00" * 60),
    ],
)
def test_a_corrupt_file_is_e101(tmp_path, ext, content):
    path = tmp_path / f"{NAME}.{ext}"
    path.write_bytes(content)
    result = read_return(path)
    assert codes(result) == ["E101"] and result.stopped


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_a_truncated_file_is_e101(tmp_path, fmt):
    path = write_return(tmp_path, fmt=fmt)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert codes(read_return(path)) == ["E101"]


def test_a_zip_of_csvs_renamed_xlsx_is_e101(tmp_path):
    path = write_return(tmp_path)
    renamed = path.with_suffix(".xlsx")
    path.rename(renamed)
    assert codes(read_return(renamed)) == ["E101"]


def test_a_password_protected_workbook_is_e101(tmp_path):
    path = tmp_path / f"{NAME}.xlsx"
    path.write_bytes(reading.OLE_MAGIC + b"\x00" * 4000)  # encrypted xlsx are OLE/CFB files
    result = read_return(path)
    assert codes(result) == ["E101"]
    assert "password" in result.findings[0].message


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + "participant_id,family_id\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "participant_id,family_id\r\n".encode("utf-16-be"),
        "participant_id,family_id\r\n".encode("utf-16-le"),  # NUL bytes, no BOM
        b"participant_id,family_id\r\nP1,F\x001\r\n",
        b"participant_id,family_id\r\nP1,F\x81\xc3\r\n",  # neither UTF-8 nor 1252
    ],
)
def test_unreadable_csv_text_is_e101(tmp_path, data):
    members = members_of(tmp_path)
    members["participants.csv"] = data
    result = read_return(make_zip(tmp_path, members))
    assert codes(result) == ["E101"] and result.stopped


def test_a_utf8_bom_is_accepted(tmp_path):
    members = members_of(tmp_path)
    members["participants.csv"] = codecs.BOM_UTF8 + members["participants.csv"]
    result = read_return(make_zip(tmp_path, members))
    assert result.findings == []
    assert result.sheets["participants"].header[0] == "participant_id"


def test_a_windows_1252_csv_is_read_with_w306(tmp_path):
    members = members_of(tmp_path)
    members["outcomes.csv"] = members["outcomes.csv"].replace(b"baseline", "basé".encode("cp1252"))
    result = read_return(make_zip(tmp_path, members))
    assert [(f.code, f.sheet) for f in result.findings] == [("W306", "outcomes")]
    assert "basé" in result.sheets["outcomes"].text[3].tolist()


def test_members_in_one_top_level_folder_are_read_and_macosx_is_ignored(tmp_path):
    members = {f"Return Q3/{n.upper()}": d for n, d in members_of(tmp_path).items()}
    members["__MACOSX/Return Q3/._participants.csv"] = b"\x00\x05junk"
    members["Return Q3/"] = b""
    result = read_return(make_zip(tmp_path, members))
    assert result.findings == []
    assert set(result.sheets) == {"participants", "interventions", "outcomes"}


def test_other_members_are_ignored_with_w303(tmp_path):
    members = members_of(tmp_path)
    members["notes.txt"] = b"read me"
    members["old/participants.csv"] = b"x"
    result = read_return(make_zip(tmp_path, members))
    assert [(f.code, f.value) for f in result.findings] == [
        ("W303", "notes.txt"),
        ("W303", "old/participants.csv"),
    ]
    assert not result.stopped


def test_members_deeper_than_one_folder_are_not_the_return(tmp_path):
    members = {f"a/b/{n}": d for n, d in members_of(tmp_path).items()}
    result = read_return(make_zip(tmp_path, members))
    assert codes(result).count("W303") == 3 and codes(result).count("E105") == 3
    assert result.stopped


def test_a_missing_member_is_e105(tmp_path):
    members = members_of(tmp_path)
    del members["interventions.csv"]
    result = read_return(make_zip(tmp_path, members))
    assert [(f.code, f.value) for f in result.findings] == [("E105", "interventions")]


def test_blank_rows_are_skipped_but_row_numbers_are_kept(tmp_path):
    members = members_of(tmp_path)
    lines = members["participants.csv"].split(b"\r\n")
    lines.insert(2, b",,, ,\xc2\xa0,,,,,")
    lines.insert(2, b"")
    members["participants.csv"] = b"\r\n".join(lines)
    result = read_return(make_zip(tmp_path, members))
    assert result.sheets["participants"].rows.tolist() == [2, 5, 6]


def test_a_csv_row_with_too_many_fields_is_recorded(tmp_path):
    members = members_of(tmp_path)
    members["outcomes.csv"] = members["outcomes.csv"].replace(b",9\r\n", b',9,x,"y"\r\n')
    sheet = read_return(make_zip(tmp_path, members)).sheets["outcomes"]
    assert sheet.extra_fields == {2: "x,y"}
    assert sheet.text.shape[1] == 6


def test_a_zero_byte_csv_is_an_empty_file(tmp_path):
    members = members_of(tmp_path)
    members["outcomes.csv"] = b""
    result = read_return(make_zip(tmp_path, members))
    assert result.sheets["outcomes"].empty_file and result.findings == []


def test_xlsx_cells_keep_their_kind_and_formulas_are_not_evaluated(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "participants"
    ws.append(["a", "b", "c", "d", "e", "f", "g"])
    ws.append(
        [
            "=VLOOKUP(A1,B:C,2,FALSE)",
            dt.datetime(2017, 4, 3),
            12345,
            3.0,
            " x\u00a0",
            None,
            dt.datetime(2017, 4, 3, 0, 0),
        ]
    )
    ws["F2"].value = "=1+1"
    for sheet in ("interventions", "outcomes"):
        wb.create_sheet(sheet).append(["a"])
    path = tmp_path / f"{NAME}.xlsx"
    wb.save(path)
    sheet = read_return(path).sheets["participants"]
    assert sheet.kind.iloc[0].tolist() == [FORMULA, DATE, NUMBER, NUMBER, TEXT, FORMULA, DATE]
    assert sheet.text.iloc[0].tolist() == [
        "=VLOOKUP(A1,B:C,2,FALSE)",
        "2017-04-03",
        "12345",
        "3",
        "x",
        "=1+1",
        "2017-04-03",
    ]


def test_xlsx_empty_cells_are_empty_and_trailing_blank_columns_are_dropped(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "participants"
    ws.append(["a", "b"])
    ws.append(["x", None])
    ws["E2"].number_format = "0.00"  # formatted but empty
    for sheet in ("interventions", "outcomes"):
        wb.create_sheet(sheet).append(["a"])
    path = tmp_path / f"{NAME}.xlsx"
    wb.save(path)
    sheet = read_return(path).sheets["participants"]
    assert sheet.header == ["a", "b"]
    assert sheet.kind.iloc[0].tolist() == [TEXT, EMPTY]


def test_a_stale_dimension_tag_does_not_hide_rows_or_columns(tmp_path):
    path = write_return(tmp_path, fmt="xlsx")
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    for name in items:
        if name.startswith("xl/worksheets/"):
            items[name] = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B2"', items[name])
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in items.items():
            zf.writestr(name, data)
    result = read_return(path)
    assert result.sheets["outcomes"].rows.tolist() == [2, 3, 4, 5, 6, 7]
    assert result.sheets["outcomes"].header[-1] == "score"


def test_a_password_protected_zip_is_e101(tmp_path):
    path = write_return(tmp_path)
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag
        i = data.find(sig)
        while i != -1:
            data[i + offset] |= 0x1
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))
    result = read_return(path)
    assert codes(result) == ["E101"] and "password" in result.findings[0].message


def test_trailing_empty_fields_past_the_header_are_not_extra_fields(tmp_path):
    members = members_of(tmp_path)
    members["outcomes.csv"] = members["outcomes.csv"].replace(b",9\r\n", b",9,, \r\n")
    sheet = read_return(make_zip(tmp_path, members)).sheets["outcomes"]
    assert sheet.extra_fields == {}
    assert sheet.text.shape[1] == 6


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_damaged_files_give_findings_never_exceptions(tmp_path, fmt):
    import random

    rng = random.Random(2016)
    original = write_return(tmp_path / "src", fmt=fmt).read_bytes()
    path = tmp_path / f"{NAME}.{fmt}"
    outcomes = set()
    for _ in range(25):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
        result = read_return(path)
        outcomes.add(result.stopped)
        assert all(f.code in ("E101", "E105", "E110", "W303", "W306") for f in result.findings)
    assert True in outcomes

"""The ``areas`` command's logic: checking an areas file and adding or updating areas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from etl.areas import AreasFileError, add_areas, read_areas_file
from lfo import schema
from lfo.db import init_db, writer_engine

HEADER = (
    "gss_code,name,region,families,annual_target,imd_rank,families_source,target_source,"
    "imd_source,source"
)
DORSET = "E06000059,Dorset Council,South West,36000,140,,,,,added"


def write(tmp_path, *lines: str, name: str = "areas.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


@pytest.fixture
def engine(tmp_path):
    return writer_engine(f"sqlite:///{tmp_path / 'lfo.db'}")


def area_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.gss_code: r._asdict() for r in conn.execute(select(schema.areas))}


def test_new_area_is_added_to_a_new_database_with_the_pilot_areas(tmp_path, engine):
    result = add_areas(write(tmp_path, HEADER, DORSET), engine)
    assert result.added == ["E06000059"] and result.updated == []
    rows = area_rows(engine)
    assert len(rows) == 13  # 12 pilot areas from the reference data, and Dorset Council
    dorset = rows["E06000059"]
    assert dorset["name"] == "Dorset Council"
    assert dorset["families"] == 36000 and dorset["annual_target"] == 140
    assert dorset["imd_rank"] is None and dorset["source"] == "added"


def test_known_area_is_updated_and_others_are_untouched(tmp_path, engine):
    init_db(engine)
    before = area_rows(engine)
    path = write(
        tmp_path,
        "gss_code,name,region,families,annual_target",
        "E08000021,Newcastle upon Tyne,North East,35000,150",
    )
    result = add_areas(path, engine)
    assert result.updated == ["E08000021"] and result.added == []
    after = area_rows(engine)
    assert after["E08000021"]["families"] == 35000
    assert after["E08000021"]["annual_target"] == 150
    # columns the file does not have keep their stored values
    assert after["E08000021"]["imd_rank"] == 32
    assert after["E08000021"]["source"] == "pilot"
    assert {k: v for k, v in after.items() if k != "E08000021"} == {
        k: v for k, v in before.items() if k != "E08000021"
    }


def test_loading_the_same_file_twice_changes_nothing_the_second_time(tmp_path, engine):
    path = write(tmp_path, HEADER, DORSET)
    add_areas(path, engine)
    again = add_areas(path, engine)
    assert again.added == [] and again.updated == [] and again.unchanged == ["E06000059"]


def test_header_is_matched_case_insensitively_and_a_bom_is_accepted(tmp_path, engine):
    path = write(
        tmp_path,
        " GSS_Code ,Name,REGION,families,annual_target",
        'E06000059, Dorset Council ,South West,"36,000",140',
        encoding="utf-8-sig",
    )
    add_areas(path, engine)
    row = area_rows(engine)["E06000059"]
    assert row["name"] == "Dorset Council" and row["families"] == 36000


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("E6000059,Dorset,South West,36000,140", "line 2: gss_code 'E6000059' is not an English"),
        ("W06000023,Powys,Wales,10000,40", "line 2: gss_code 'W06000023'"),
        ("e06000059,Dorset,South West,36000,140", "line 2: gss_code 'e06000059'"),
        ("E06000059,,South West,36000,140", "line 2: name is empty"),
        ("E06000059,Dorset,,36000,140", "line 2: region is empty"),
        (
            "E06000059,Dorset,South West,0,140",
            "line 2: families '0' must be a whole number above 0",
        ),
        ("E06000059,Dorset,South West,-5,140", "families '-5' must be a whole number above 0"),
        ("E06000059,Dorset,South West,lots,140", "families 'lots' must be a whole number"),
        ("E06000059,Dorset,South West,36000,1.5", "annual_target '1.5' must be a whole number"),
        ("E06000059,Dorset,South West,36000,", "line 2: annual_target is empty"),
    ],
)
def test_bad_area_rows_are_refused_with_a_message_naming_the_line(tmp_path, engine, line, message):
    path = write(tmp_path, "gss_code,name,region,families,annual_target", line)
    with pytest.raises(AreasFileError) as info:
        add_areas(path, engine)
    assert message in str(info.value)
    assert "nothing was changed" in str(info.value)


def test_every_problem_is_reported_and_nothing_is_written(tmp_path, engine):
    init_db(engine)
    before = area_rows(engine)
    path = write(
        tmp_path,
        "gss_code,name,region,families,annual_target",
        "E06000059,Dorset Council,South West,36000,140",
        "E06000060,Buckinghamshire,South East,x,200",
        "E06000059,Dorset again,South West,36000,140",
    )
    with pytest.raises(AreasFileError) as info:
        add_areas(path, engine)
    problems = info.value.problems
    assert "line 3: families 'x' must be a whole number above 0" in problems
    assert "line 2: gss_code E06000059 appears more than once in the file" in problems
    assert "line 4: gss_code E06000059 appears more than once in the file" in problems
    assert area_rows(engine) == before


def test_missing_and_unknown_columns_are_named(tmp_path):
    path = write(tmp_path, "gss_code,name,families,target", "E06000059,Dorset,36000,140")
    with pytest.raises(AreasFileError) as info:
        read_areas_file(path)
    text = str(info.value)
    assert "missing column(s): region, annual_target" in text
    assert "unknown column(s): target" in text


def test_blank_lines_are_skipped_but_line_numbers_stay_true(tmp_path):
    path = write(
        tmp_path,
        "gss_code,name,region,families,annual_target",
        "",
        "E06000059,Dorset,South West,36000,140",
        "E0600006,X,South East,1,1",
    )
    with pytest.raises(AreasFileError) as info:
        read_areas_file(path)
    assert info.value.problems == [
        "line 4: gss_code 'E0600006' is not an English GSS code (E followed by 8 digits, "
        "e.g. E06000059)"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "not a readable CSV"),
        ("gss_code,name,region,families,annual_target\n", "no areas"),
    ],
)
def test_missing_or_empty_file_is_refused(tmp_path, content, message):
    path = tmp_path / "areas.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AreasFileError, match=message):
        read_areas_file(path)


def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(
        "gss_code,name,region,families,annual_target\nE06000059,Dörset,South West,1,1\n".encode(
            "utf-16"
        )
    )
    with pytest.raises(AreasFileError, match="UTF-8"):
        read_areas_file(path)


def test_reference_areas_file_itself_is_accepted():
    from lfo.settings import REFERENCE_DIR

    areas = read_areas_file(REFERENCE_DIR / "areas.csv")
    assert len(areas) == 12
    assert set(areas["source"]) == {"pilot"}


def test_national_areas_file_from_the_generator_registers_153_areas(tmp_path, engine):
    import numpy as np

    from etl.synthetic.generate import national_areas

    path = tmp_path / "areas.csv"
    national_areas(np.random.default_rng(1)).to_csv(path, index=False, lineterminator="\n")
    result = add_areas(path, engine)
    assert len(result.added) == 141 and len(result.unchanged) == 12
    rows = area_rows(engine)
    assert len(rows) == 153
    assert rows["E99990141"]["source"] == "synthetic"

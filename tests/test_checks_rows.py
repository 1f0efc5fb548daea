"""Row-level checks on whole files: E201-E210 and the warnings W301, W302, W304."""

from __future__ import annotations

import datetime as dt

import pytest
from support.returns import valid_tables, write_return

from etl.checks.file import check_file

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})
FORMATS = ["zip", "xlsx"]


def check(folder, tables, fmt="zip"):
    return check_file(write_return(folder, tables, fmt=fmt), known_areas=AREAS, today=TODAY)


def found(result, *codes):
    return [
        (f.sheet, f.row, f.column, f.code) for f in result.findings if not codes or f.code in codes
    ]


def edit(sheet: str, index: int, **values):
    tables = valid_tables()
    tables[sheet][index].update(values)
    return tables


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "sheet, index, column",
    [
        ("participants", 0, "participant_id"),
        ("participants", 1, "family_id"),
        ("participants", 2, "referral_date"),
        ("participants", 0, "referral_source"),
        ("interventions", 0, "episode_id"),
        ("interventions", 1, "intervention"),
        ("interventions", 2, "offered_date"),
        ("interventions", 3, "status"),
        ("outcomes", 0, "measure"),
        ("outcomes", 1, "timepoint"),
        ("outcomes", 2, "measured_date"),
        ("outcomes", 3, "score"),
    ],
)
def test_a_missing_required_value_is_e201(tmp_path, fmt, sheet, index, column):
    result = check(tmp_path, edit(sheet, index, **{column: "  "}), fmt)
    assert (sheet, index + 2, column, "E201") in found(result)
    assert found(result, "E201", "E202", "E203", "E204") == [(sheet, index + 2, column, "E201")]
    assert not result.stopped


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "sheet, index, column, value",
    [
        ("participants", 0, "referral_date", "03/04/17"),
        ("participants", 0, "family_id", "F 01"),
        ("interventions", 0, "sessions_planned", "6.5"),
        ("outcomes", 0, "score", "nine"),
        ("interventions", 1, "start_date", "2017-02-30"),
    ],
)
def test_a_wrong_format_is_e202(tmp_path, fmt, sheet, index, column, value):
    result = check(tmp_path, edit(sheet, index, **{column: value}), fmt)
    assert found(result, "E201", "E202", "E203", "E204", "E207") == [
        (sheet, index + 2, column, "E202")
    ]
    assert result.findings[0].value == value


def test_a_csv_row_with_more_fields_than_the_header_is_e202(tmp_path):
    path = write_return(tmp_path, valid_tables())
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    lines = members["outcomes.csv"].decode().split("\r\n")
    lines[2] += ",extra,more"
    members["outcomes.csv"] = "\r\n".join(lines).encode()
    out = tmp_path / "out" / path.name
    out.parent.mkdir()
    with zipfile.ZipFile(out, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    result = check_file(out, known_areas=AREAS, today=TODAY)
    assert found(result) == [("outcomes", 3, None, "E202")]
    assert result.findings[0].value == "extra,more"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "column, value",
    [
        ("referral_source", "GP surgery"),
        ("sex", "M"),
        ("ethnicity", "NA"),
        ("age_band", "-"),
        ("workless_household", "N/A"),
    ],
)
def test_a_value_not_in_the_list_is_e203(tmp_path, fmt, column, value):
    result = check(tmp_path, edit("participants", 1, **{column: value}), fmt)
    assert found(result) == [("participants", 3, column, "E203")]
    assert f"'{value}'" in result.findings[0].message


def test_codes_from_the_reference_tables_are_checked(tmp_path):
    tables = valid_tables()
    tables["interventions"][0]["intervention"] = "triple_p"
    tables["outcomes"][0]["measure"] = "GAD7"
    tables["interventions"][1]["intervention"] = "TP_Enhanced"
    result = check(tmp_path, tables)
    assert found(result, "E203") == [
        ("interventions", 2, "intervention", "E203"),
        ("outcomes", 2, "measure", "E203"),
    ]
    assert result.tables["interventions"]["intervention"].iloc[1] == "tp_enhanced"


@pytest.mark.parametrize(
    "measure, score, ok",
    [
        ("swemwbs", "6", False),
        ("swemwbs", "7", True),
        ("swemwbs", "35", True),
        ("swemwbs", "36", False),
        ("csi4", "21", True),
        ("csi4", "22", False),
        ("csi4", "0", True),
        ("csi4", "-1", False),
        ("sdq_total", "40", True),
        ("sdq_total", "41", False),
    ],
)
def test_scores_outside_the_measure_range_are_e204(tmp_path, measure, score, ok):
    result = check(tmp_path, edit("outcomes", 0, measure=measure, score=score))
    codes = found(result, "E202", "E204")
    assert codes == ([] if ok else [("outcomes", 2, "score", "E204")])
    if ok:
        assert result.tables["outcomes"]["score"].iloc[0] == int(score)


@pytest.mark.parametrize(
    "planned, attended, bad",
    [
        ("0", "0", ["sessions_planned"]),
        ("53", "1", ["sessions_planned"]),
        ("52", "52", []),
        ("6", "7", ["sessions_attended"]),
        ("6", "53", ["sessions_attended"]),
        ("6", "-1", ["sessions_attended"]),
        ("1", "0", []),
    ],
)
def test_sessions_outside_1_to_52_or_attended_above_planned_are_e204(
    tmp_path, planned, attended, bad
):
    result = check(
        tmp_path, edit("interventions", 1, sessions_planned=planned, sessions_attended=attended)
    )
    assert found(result, "E204") == [("interventions", 3, c, "E204") for c in bad]


def test_one_code_per_cell_in_the_order_e201_e210_e202_e203_e204(tmp_path):
    tables = valid_tables()
    tables["participants"][0]["participant_id"] = "943 476 5919"  # E210, not E202
    tables["outcomes"][1]["score"] = "=B2*2"  # CSV: text, E202 only
    tables["outcomes"][2]["score"] = "99.5"  # E202, not E204
    tables["participants"][1]["age_band"] = "=A1"  # E203
    result = check(tmp_path, tables)
    per_cell = {}
    for f in result.findings:
        if f.code in ("E201", "E210", "E202", "E203", "E204"):
            per_cell.setdefault((f.sheet, f.row, f.column), []).append(f.code)
    assert per_cell == {
        ("participants", 2, "participant_id"): ["E210"],
        ("participants", 3, "age_band"): ["E203"],
        ("outcomes", 3, "score"): ["E202"],
        ("outcomes", 4, "score"): ["E202"],
    }


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "sheet, column, value, shown",
    [
        ("participants", "participant_id", "jane.doe@example.org", "ja***"),
        ("participants", "family_id", "9434765919", "94***"),
        ("interventions", "episode_id", "NE1 7RU", "NE***"),
        ("outcomes", "participant_id", "ne17ru", "ne***"),
    ],
)
def test_personal_data_in_an_id_is_e210_and_masked(tmp_path, fmt, sheet, column, value, shown):
    result = check(tmp_path, edit(sheet, 0, **{column: value}), fmt)
    e210 = [f for f in result.findings if f.code == "E210"]
    assert [(f.sheet, f.row, f.column) for f in e210] == [(sheet, 2, column)]
    assert e210[0].value == shown
    assert value not in e210[0].message
    assert all(value not in (f.value or "") + f.message for f in result.findings)


def test_duplicate_keys_are_e205_on_every_row_sharing_them(tmp_path):
    tables = valid_tables()
    tables["participants"].append(dict(tables["participants"][0]))
    tables["interventions"][3]["episode_id"] = "EP3"
    tables["outcomes"].append(dict(tables["outcomes"][0], measured_date="2017-05-02"))
    result = check(tmp_path, tables)
    assert found(result, "E205") == [
        ("participants", 2, "participant_id", "E205"),
        ("participants", 5, "participant_id", "E205"),
        ("interventions", 4, "episode_id", "E205"),
        ("interventions", 5, "episode_id", "E205"),
        ("outcomes", 2, "episode_id", "E205"),
        ("outcomes", 8, "episode_id", "E205"),
    ]
    assert "rows 2, 5" in result.findings[0].message


def test_references_to_missing_participants_or_episodes_are_e206(tmp_path):
    tables = valid_tables()
    tables["interventions"].append(
        dict(tables["interventions"][3], episode_id="EP5", participant_id="P999")
    )
    tables["outcomes"][4]["participant_id"] = "P999"
    tables["outcomes"][5]["episode_id"] = "EP9"
    result = check(tmp_path, tables)
    assert found(result, "E206") == [
        ("interventions", 6, "participant_id", "E206"),
        ("outcomes", 6, "participant_id", "E206"),
        ("outcomes", 6, "episode_id", "E206"),  # EP2 belongs to P002, not P999
        ("outcomes", 7, "episode_id", "E206"),
    ]


def test_an_outcome_of_another_participants_episode_is_e206(tmp_path):
    result = check(tmp_path, edit("outcomes", 4, participant_id="P001"))
    assert found(result) == [("outcomes", 6, "episode_id", "E206")]
    assert "row 3 of interventions" in result.findings[0].message


@pytest.mark.parametrize(
    "column, value, wrong",
    [
        ("offered_date", "2017-04-02", "offered_date"),  # before referral 2017-04-03
        ("start_date", "2017-04-19", "start_date"),  # before offer 2017-04-20
        ("end_date", "2017-04-30", "end_date"),  # before start 2017-05-01
    ],
)
def test_dates_in_the_wrong_order_are_e207(tmp_path, column, value, wrong):
    tables = edit("interventions", 0, **{column: value})
    result = check(tmp_path, tables)
    assert ("interventions", 2, wrong, "E207") in found(result)
    assert found(result, "E207") == [("interventions", 2, wrong, "E207")]


def test_equal_dates_are_in_order(tmp_path):
    tables = edit(
        "interventions",
        0,
        offered_date="2017-04-03",
        start_date="2017-04-03",
        end_date="2017-04-03",
    )
    for rec in tables["outcomes"][:4]:
        rec["measured_date"] = "2017-04-03"
    assert check(tmp_path, tables).findings == []


def test_a_row_can_carry_e207_and_e208(tmp_path):
    tables = valid_tables()
    tables["participants"][0]["referral_date"] = "2016-03-31"
    tables["interventions"][0]["offered_date"] = "2016-03-30"
    result = check(tmp_path, tables)
    assert found(result, "E207", "E208") == [
        ("participants", 2, "referral_date", "E208"),
        ("interventions", 2, "offered_date", "E207"),
        ("interventions", 2, "offered_date", "E208"),
    ]


@pytest.mark.parametrize(
    "sheet, index, column, value, bad",
    [
        ("participants", 0, "referral_date", "2016-03-31", True),
        ("participants", 0, "referral_date", "2016-04-01", False),
        ("participants", 2, "referral_date", "2018-01-01", True),
        ("participants", 2, "referral_date", "31/12/2017", False),
        ("interventions", 0, "end_date", "2018-01-01", True),
        ("outcomes", 5, "measured_date", "2018-01-01", True),
        ("outcomes", 5, "measured_date", "2017-12-31", False),
    ],
)
def test_dates_outside_the_coverage_are_e208(tmp_path, sheet, index, column, value, bad):
    result = check(tmp_path, edit(sheet, index, **{column: value}))
    assert found(result, "E208") == ([(sheet, index + 2, column, "E208")] if bad else [])


def test_a_questionnaire_before_the_programme_is_not_e208(tmp_path):
    result = check(tmp_path, edit("outcomes", 5, measured_date="2015-01-01"))
    assert found(result, "E208") == []


@pytest.mark.parametrize(
    "index, changes, columns",
    [
        (0, {"end_date": ""}, ["end_date"]),  # completed, no end
        (
            1,
            {"sessions_planned": "", "sessions_attended": ""},
            ["sessions_planned", "sessions_attended"],
        ),  # dropped_out
        (2, {"end_date": "2017-08-01"}, ["end_date"]),  # started with end
        (2, {"start_date": ""}, ["start_date"]),  # started, no start
        (3, {"start_date": "2017-07-01"}, ["start_date"]),  # declined with start
        (3, {"sessions_planned": "3"}, ["sessions_planned"]),
        (3, {"status": "offered", "sessions_attended": "0"}, ["sessions_attended"]),
    ],
)
def test_status_and_conditional_fields_disagreeing_is_e209_never_e201(
    tmp_path, index, changes, columns
):
    result = check(tmp_path, edit("interventions", index, **changes))
    assert found(result, "E201", "E209") == [
        ("interventions", index + 2, c, "E209") for c in columns
    ]


def test_late_questionnaires_are_w301(tmp_path):
    tables = valid_tables()
    tables["outcomes"][0]["measured_date"] = "2017-06-01"  # baseline 31 days after start
    tables["outcomes"][2]["measured_date"] = "2017-05-31"  # 30 days: fine
    tables["outcomes"][1]["measured_date"] = "2017-08-31"  # exit 61 days after end 2017-07-01
    tables["outcomes"][3]["measured_date"] = "2017-08-30"  # 60 days: fine
    result = check(tmp_path, tables)
    assert found(result) == [
        ("outcomes", 2, "measured_date", "W301"),
        ("outcomes", 3, "measured_date", "W301"),
    ]
    assert not result.has_errors


def test_a_completed_episode_with_no_sessions_attended_is_w302(tmp_path):
    result = check(tmp_path, edit("interventions", 0, sessions_attended="0"))
    assert found(result) == [("interventions", 2, "sessions_attended", "W302")]


def test_a_participant_referred_long_ago_with_no_episode_is_w304(tmp_path):
    tables = valid_tables()
    tables["participants"].append(
        dict(tables["participants"][0], participant_id="P004", referral_date="2017-10-01")
    )  # 91 days before 31 Dec
    tables["participants"].append(
        dict(tables["participants"][0], participant_id="P005", referral_date="2017-10-02")
    )  # 90 days: fine
    result = check(tmp_path, tables)
    assert found(result) == [("participants", 5, "participant_id", "W304")]
    assert not result.has_errors


def test_cross_field_checks_skip_values_that_failed_a_cell_check(tmp_path):
    tables = valid_tables()
    tables["interventions"][0]["offered_date"] = "yesterday"
    tables["interventions"][0]["participant_id"] = "P 999"
    result = check(tmp_path, tables)
    assert found(result) == [
        ("participants", 2, "participant_id", "W304"),  # no valid episode
        ("interventions", 2, "participant_id", "E202"),
        ("interventions", 2, "offered_date", "E202"),
    ]


def test_outcomes_with_an_empty_interventions_sheet_are_findings_not_a_crash(tmp_path):
    # the interventions sheet holds its header only; every outcome names an episode that is not
    # there (E206), and the questionnaires' timing (W301) has no episode to be measured from
    tables = valid_tables()
    tables["interventions"] = []
    result = check(tmp_path, tables)
    outcomes = len(valid_tables()["outcomes"])
    assert found(result, "E206") == [
        ("outcomes", row, "episode_id", "E206") for row in range(2, outcomes + 2)
    ]
    assert not found(result, "W301")

"""What ``--quarantine`` holds back: rows with errors and every row depending on them."""

from __future__ import annotations

import datetime as dt

from support.returns import valid_tables, write_return

from etl.checks.file import check_file
from etl.checks.quarantine import quarantine_plan

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})


def plan_for(folder, tables):
    checked = check_file(write_return(folder, tables), known_areas=AREAS, today=TODAY)
    return checked, quarantine_plan(checked)


def held(plan):
    return {sheet: frame["_row"].tolist() for sheet, frame in plan.items()}


def test_a_valid_return_holds_nothing_back(tmp_path):
    _checked, plan = plan_for(tmp_path, valid_tables())
    assert held(plan) == {"participants": [], "interventions": [], "outcomes": []}
    assert all(list(frame.columns) == ["_row", "reason"] for frame in plan.values())


def test_warnings_hold_nothing_back(tmp_path):
    tables = valid_tables()
    tables["interventions"][0]["sessions_attended"] = "0"  # W302
    tables["participants"][0]["sex"] = ""  # W305
    _, plan = plan_for(tmp_path, tables)
    assert held(plan) == {"participants": [], "interventions": [], "outcomes": []}


def test_a_held_participant_takes_its_episodes_and_outcomes_with_it(tmp_path):
    tables = valid_tables()
    tables["participants"][2]["referral_date"] = "2017-13-01"  # P003, row 4
    checked, plan = plan_for(tmp_path, tables)
    assert held(plan) == {"participants": [4], "interventions": [4, 5], "outcomes": [7]}
    reasons = {s: dict(zip(f["_row"], f["reason"], strict=True)) for s, f in plan.items()}
    assert reasons["participants"][4].startswith("E202 referral_date: referral_date '2017-13-01'")
    assert reasons["interventions"][4] == "depends on held-back row 4 of sheet participants"
    assert "depends on held-back row 4 of sheet participants" in reasons["outcomes"][7]
    assert checked.error_rows == {"participants": {4}, "interventions": set(), "outcomes": set()}


def test_a_held_episode_takes_its_outcomes_but_not_its_participant(tmp_path):
    tables = valid_tables()
    tables["interventions"][0]["intervention"] = "unknown"  # EP1, row 2
    _, plan = plan_for(tmp_path, tables)
    assert held(plan) == {"participants": [], "interventions": [2], "outcomes": [2, 3, 4, 5]}
    assert set(plan["outcomes"]["reason"]) == {"depends on held-back row 2 of sheet interventions"}


def test_every_row_of_a_duplicated_key_is_held_back_with_its_dependants(tmp_path):
    tables = valid_tables()
    tables["participants"].append(dict(tables["participants"][1]))  # P002 twice: rows 3, 5
    _, plan = plan_for(tmp_path, tables)
    assert held(plan) == {"participants": [3, 5], "interventions": [3], "outcomes": [6]}
    assert plan["participants"]["reason"].str.startswith("E205 participant_id").all()
    assert plan["interventions"]["reason"].tolist() == [
        "depends on held-back row 3 of sheet participants"
    ]


def test_a_row_with_several_errors_lists_them_all_once(tmp_path):
    tables = valid_tables()
    tables["interventions"][1].update(sessions_planned="99", delivery_mode="post")
    _, plan = plan_for(tmp_path, tables)
    assert held(plan)["interventions"] == [3]
    reason = plan["interventions"]["reason"].item()
    assert reason.count("E204 sessions_planned") == 1 and reason.count("E203 delivery_mode") == 1


def test_an_outcome_with_its_own_error_and_a_held_episode_gives_both_reasons(tmp_path):
    tables = valid_tables()
    tables["interventions"][1]["status"] = "finished"  # EP2, row 3
    tables["outcomes"][4]["score"] = "99"  # EP2's outcome, row 6
    _, plan = plan_for(tmp_path, tables)
    assert held(plan)["outcomes"] == [6]
    reason = plan["outcomes"]["reason"].item()
    assert "E204 score" in reason and "depends on held-back row 3 of sheet interventions" in reason


def test_reasons_never_hold_a_raw_personal_value(tmp_path):
    tables = valid_tables()
    tables["participants"][0]["family_id"] = "SW1A 1AA"
    _, plan = plan_for(tmp_path, tables)
    assert held(plan)["participants"] == [2]
    assert "SW1A" not in plan["participants"]["reason"].item()

"""Unit tests of the cell rules: IDs, personal data, dates, whole numbers, codes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.checks.values import (
    BAND_DATE_MESSAGE,
    FORMULA_MESSAGE,
    Issues,
    check_code,
    check_date,
    check_id,
    check_whole,
    is_valid_nhs_number,
    parse_dates,
    personal_data_kind,
)
from etl.raw_sheet import DATE, EMPTY, FORMULA, NUMBER, TEXT


def _run(rule, text: str, kind: str = TEXT, **kw):
    issues = Issues()
    values, _missing = rule(
        "col", pd.Series([text], dtype="str"), pd.Series([kind], dtype="str"), issues, **kw
    )
    codes = [c for c, pos in zip(issues.code, issues.pos, strict=True) for _ in pos]
    messages = [m for ms in issues.message for m in ms]
    return values.iloc[0], codes, messages


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017-04-03", dt.date(2017, 4, 3)),
        ("3/4/2017", dt.date(2017, 4, 3)),
        ("03/04/2017", dt.date(2017, 4, 3)),
        ("31/12/2017", dt.date(2017, 12, 31)),
        ("2017-04-03 00:00", dt.date(2017, 4, 3)),
        ("2017-04-03 00:00:00", dt.date(2017, 4, 3)),
        ("03/04/2017 00:00:00", dt.date(2017, 4, 3)),
        ("29/02/2016", dt.date(2016, 2, 29)),
        ("2000-02-29", dt.date(2000, 2, 29)),
    ],
)
def test_dates_in_the_spec_forms_are_read_in_uk_order(text, expected):
    value, codes, _ = _run(check_date, text, required=True)
    assert codes == []
    assert value.date() == expected


@pytest.mark.parametrize(
    "text",
    [
        "03/04/17",
        "2017-4-3",
        "2017/04/03",
        "04-03-2017",
        "29/02/2017",
        "31/04/2017",
        "1900-02-29",
        "2017-13-01",
        "00/04/2017",
        "2017-04-03 12:30",
        "2017-04-03T00:00:00",
        "3 April 2017",
        "NA",
        "N/A",
        "-",
        "42917",
        "2017-04-03 00:00:01",
    ],
)
def test_dates_in_other_forms_are_e202(text):
    value, codes, messages = _run(check_date, text, required=True)
    assert codes == ["E202"]
    assert pd.isna(value)
    assert "YYYY-MM-DD" in messages[0]


def test_an_excel_serial_number_in_a_number_cell_is_e202_not_a_date():
    value, codes, messages = _run(check_date, "42917", NUMBER, required=True)
    assert codes == ["E202"] and pd.isna(value)
    assert "is a number, not a date" in messages[0]


def test_a_real_date_cell_is_a_date():
    value, codes, _ = _run(check_date, "2017-04-03", DATE, required=True)
    assert codes == [] and value == pd.Timestamp("2017-04-03")


def test_a_date_cell_with_a_time_of_day_is_e202():
    _, codes, _ = _run(check_date, "2017-04-03 14:30:00", DATE, required=True)
    assert codes == ["E202"]


@pytest.mark.parametrize(
    "rule, kw, code",
    [
        (check_date, {"required": True}, "E202"),
        (check_whole, {"required": True}, "E202"),
        (check_id, {}, "E202"),
        (check_code, {"allowed": ("a", "b"), "required": True}, "E203"),
    ],
)
def test_a_formula_is_checked_as_its_text(rule, kw, code):
    _, codes, messages = _run(rule, "=VLOOKUP(A2,Codes!A:B,2,FALSE)", FORMULA, **kw)
    assert codes == [code]
    assert messages == [FORMULA_MESSAGE]


def test_a_required_missing_value_is_e201_and_a_conditional_one_is_not():
    assert _run(check_date, "", EMPTY, required=True)[1] == ["E201"]
    assert _run(check_date, "", EMPTY, required=False)[1] == []
    assert _run(check_whole, "", EMPTY, required=False)[1] == []
    assert _run(check_id, "", EMPTY)[1] == ["E201"]


@pytest.mark.parametrize("text", ["P001", "0001", "a", "A" * 40, "x-1_y", "9Z"])
def test_ids_following_the_pattern_pass(text):
    value, codes, _ = _run(check_id, text)
    assert codes == [] and value == text


@pytest.mark.parametrize(
    "text", ["A" * 41, "_P1", "-P1", "P 1", "P.1", "Pé1", "NA/1", "P1!", "N/A", "12.5"]
)
def test_ids_breaking_the_pattern_are_e202(text):
    value, codes, _ = _run(check_id, text)
    assert codes == ["E202"] and pd.isna(value)


def test_id_messages_do_not_repeat_the_raw_id():
    _, _, messages = _run(check_id, "John Smith")
    assert "John" not in messages[0]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("jo.bloggs@example.org", "an e-mail address"),
        ("JO@EXAMPLE.CO.UK", "an e-mail address"),
        ("9434765919", "an NHS number"),
        ("943 476 5919", "an NHS number"),
        ("4010232137", "an NHS number"),
        ("SW1A 1AA", "a postcode"),
        ("sw1a1aa", "a postcode"),
        ("M1 1AE", "a postcode"),
        ("B338TH", "a postcode"),
        ("CR2 6XH", "a postcode"),
        ("DN55 1PT", "a postcode"),
        ("GIR 0AA", "a postcode"),
        (
            "\uff14\uff10\uff11\uff10\uff12\uff13\uff12\uff11\uff13\uff17",
            "an NHS number",
        ),  # full width
        (
            "\u0664\u0660\u0661\u0660\u0662\u0663\u0662\u0661\u0663\u0667",
            "an NHS number",
        ),  # Arabic-Indic
        ("\u017fW1A 1AA", "a postcode"),  # long s: case-blind [A-Z] takes it
    ],
)
def test_personal_data_in_an_id_is_e210(text, kind):
    assert personal_data_kind(pd.Series([text], dtype="str")).iloc[0] == kind
    value, codes, messages = _run(check_id, text)
    assert codes == ["E210"] and pd.isna(value)
    assert text not in messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # wrong check digit
        "9434765910",
        "1234567890",  # check digit would be 10: never valid
        "943476591",  # 9 digits
        "94347659190",  # 11 digits
        "P001",
        "EP12",
        "F01",
        "AB12",
        "12345",
    ],
)
def test_ids_that_are_not_personal_data_are_not_e210(text):
    assert personal_data_kind(pd.Series([text], dtype="str")).iloc[0] == ""
    assert "E210" not in _run(check_id, text)[1]


@pytest.mark.parametrize(
    "text, ok",
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("4010232137", True),
        ("9434765918", False),
        ("1234567890", False),
        ("0000000000", True),
        ("\uff14\uff10\uff11\uff10\uff12\uff13\uff12\uff11\uff13\uff17", True),
        ("abc", False),
    ],
)
def test_nhs_number_modulus_11_check_digit(text, ok):
    assert is_valid_nhs_number(text) is ok


@pytest.mark.parametrize(
    "text, expected", [("3", 3), ("3.0", 3), ("03", 3), ("0", 0), ("12.00", 12), ("-1", -1)]
)
def test_whole_numbers_are_read(text, expected):
    value, codes, _ = _run(check_whole, text, required=True)
    assert codes == [] and value == expected


@pytest.mark.parametrize("text", ["3.5", "three", "3,0", "1e3", "NA", "-", "3 sessions", "0x10"])
def test_other_numbers_are_e202(text):
    value, codes, _ = _run(check_whole, text, required=True)
    assert codes == ["E202"] and pd.isna(value)


def test_a_date_cell_in_a_number_column_is_e202():
    assert _run(check_whole, "2017-04-03", DATE, required=True)[1] == ["E202"]


@pytest.mark.parametrize("text", ["female", "FEMALE", "Female", "not_stated"])
def test_codes_match_case_insensitively_and_are_stored_lower_case(text):
    value, codes, _ = _run(
        check_code, text, allowed=("female", "male", "not_stated"), required=False
    )
    assert codes == [] and value == text.lower()


@pytest.mark.parametrize("text", ["M", "NA", "N/A", "NULL", "None", "-", "fem ale"])
def test_codes_outside_the_list_are_e203_naming_value_and_list(text):
    value, codes, messages = _run(check_code, text, allowed=("female", "male"), required=True)
    assert codes == ["E203"] and pd.isna(value)
    assert f"'{text}'" in messages[0] and "female, male" in messages[0]


def test_a_band_turned_into_a_date_gets_the_band_message():
    issues = Issues()
    check_code(
        "age_band",
        pd.Series(["2017-04-02"], dtype="str"),
        pd.Series([DATE], dtype="str"),
        issues,
        allowed=("16-24",),
        required=False,
    )
    assert issues.code == ["E203"]
    assert issues.message[0][0] == BAND_DATE_MESSAGE


def test_a_date_cell_in_another_code_column_is_e203_without_the_band_message():
    issues = Issues()
    check_code(
        "sex",
        pd.Series(["2017-04-02"], dtype="str"),
        pd.Series([DATE], dtype="str"),
        issues,
        allowed=("male",),
        required=False,
    )
    assert issues.code == ["E203"]
    assert issues.message[0][0] != BAND_DATE_MESSAGE


def test_parse_dates_handles_a_mixed_column():
    out = parse_dates(pd.Series(["2017-04-03", "", "31/02/2017", "1/1/2016"], dtype="str"))
    assert out.iloc[0] == pd.Timestamp("2017-04-03")
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert out.iloc[3] == pd.Timestamp("2016-01-01")


@pytest.mark.parametrize(
    "text", ["02-Apr", "2-Apr", "Apr-17", "05-Nov-2017", "02/04/2017", "2017-04-02"]
)
def test_a_band_saved_as_date_text_gets_the_band_message(text):
    _value, codes, messages = _run_band(text)
    assert codes == ["E203"] and messages == [BAND_DATE_MESSAGE]


@pytest.mark.parametrize("text", ["2-4", "5-11", "12-17", "55+", "16-24"])
def test_bands_are_not_mistaken_for_dates(text):
    value, codes, _ = _run_band(text)
    assert codes == [] and value == text


def _run_band(text):
    issues = Issues()
    values, _ = check_code(
        "youngest_child_age_band",
        pd.Series([text], dtype="str"),
        pd.Series([TEXT], dtype="str"),
        issues,
        allowed=("0-1", "2-4", "5-11", "12-17", "16-24", "55+"),
        required=False,
    )
    codes = [c for c, pos in zip(issues.code, issues.pos, strict=True) for _ in pos]
    return values.iloc[0], codes, [m for ms in issues.message for m in ms]

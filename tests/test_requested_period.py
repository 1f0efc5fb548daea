"""The one rule for the periods a request may name (lfo.periods.requested_period), as the page
addresses and the API apply it."""

import pytest
from werkzeug.datastructures import MultiDict

from dashboard import urlstate
from dashboard.api.errors import ApiError
from dashboard.api.params import parse_data_query
from lfo.periods import requested_period


@pytest.mark.parametrize("text", ["2016-17_Q1", "2017-18", " 2018-19_Q4 ", "2100-01", "2030-31_Q1"])
def test_periods_from_the_programme_start_to_2100_are_accepted(text):
    assert requested_period(text).label == text.strip()
    assert urlstate.period(text).label == text.strip()


@pytest.mark.parametrize(
    "text, words",
    [
        ("2015-16_Q4", "before the programme began: its first period is 2016-17_Q1"),
        ("2015-16", "before the programme began"),
        ("0001-02_Q4", "not a financial year"),
        ("2101-02", "too far ahead: the last financial year a request may name is 2100-01"),
        ("9998-99_Q1", "too far ahead"),
        ("2017-19", "the second year must be the year after the first"),
        ("2017_Q3", "is not a period"),
    ],
)
def test_other_periods_are_refused_with_the_same_words_on_pages_and_in_the_api(text, words):
    for check in (requested_period, urlstate.period):
        with pytest.raises(ValueError, match=words):
            check(text)
    with pytest.raises(ApiError) as err:
        args = MultiDict({"indicator": "uptake.completion", "period": text})
        parse_data_query(args, known_areas=set(), threshold=10)
    assert err.value.status == 400 and err.value.parameter == "period"
    assert words.split(":")[0] in err.value.message

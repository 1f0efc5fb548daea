"""The returns page's report in words (``dashboard.web.submission_report``), as the journey's
screenshots read it: counts in the singular when there is one, periods as people write them, and
each table in a region a keyboard can scroll on a phone."""

from __future__ import annotations

import datetime as dt

from dashboard.web import submission_report
from dashboard.web.tracker_html import latest
from lfo import tracker
from lfo.periods import period


def test_one_error_is_said_in_the_singular():
    assert submission_report.plural(1, "error") == "1 error"
    assert submission_report.plural(0, "warning") == "0 warnings"
    assert submission_report.plural(3, "error") == "3 errors"


def test_the_current_return_is_named_by_its_quarter_in_words():
    summary = {
        "current_period": "2017-18_Q3",
        "changes": {"participants": {"added": 3, "changed": 0, "removed": 0, "unchanged": 12}},
    }
    shown = submission_report.summary_html(summary)
    assert "its return for 2017-18 Q3" in shown and "2017-18_Q3" not in shown


def test_a_table_scrolls_in_a_region_a_keyboard_can_reach():
    shown = submission_report.table("Findings", ["Sheet"], [["participants"]], first_is_head=False)
    assert shown.startswith(
        '<div class="table-responsive" tabindex="0" role="region" aria-label="Findings">'
    )


def test_a_command_line_load_is_not_said_twice_on_the_tracker():
    at = dt.datetime(2019, 5, 1, 9, 0)
    by_hand = tracker.Event(at, "loaded from the command line", tracker.COMMAND_LINE, "2017-18_Q3")
    on_the_web = tracker.Event(at, "uploaded", "ann@example.org", "2017-18_Q3")
    for event, said in (
        (by_hand, "loaded from the command line, "),
        (on_the_web, "uploaded by ann"),
    ):
        cell = tracker.Cell(period("2017-18_Q3"), "loaded", False, at, (event,))
        assert latest(cell).startswith(said)
    assert "by command line" not in latest(
        tracker.Cell(period("2017-18_Q3"), "loaded", False, at, (by_hand,))
    )


def test_once_loaded_the_counts_are_said_in_the_past():
    summary = {
        "current_period": "2017-18_Q3",
        "rows": {"participants": 15, "episodes": 15, "outcomes": 0},
        "changes": {"participants": {"added": 3, "changed": 0, "removed": 0, "unchanged": 12}},
    }
    before = submission_report.summary_html(summary)
    after = submission_report.summary_html(summary, loaded=True)
    assert "What the load would change" in before and "Rows the load would keep" in before
    assert "would" not in after
    assert "What the load changed" in after and "Rows the load kept" in after
    assert "the LA's earlier data (its return for 2017-18 Q3)" in after


def test_every_table_of_the_returns_pages_scrolls_in_its_own_box():
    """At 390 px (or 200% zoom) the returns list and the tracker's LA tables were wider than the
    page: each is now in a region a keyboard can focus and scroll."""
    from dashboard.web import tracker_html

    shown = tracker_html.submissions_table([]) + tracker_html.events_table([])
    assert "<table" not in shown  # nothing to list: no table
    box = submission_report.forms.scroll_box("Returns uploaded", "<table></table>")
    assert box == (
        '<div class="table-responsive" tabindex="0" role="region" aria-label="Returns uploaded">'
        "<table></table></div>"
    )

"""Summary tables on a hand-made area whose right answers were worked out by hand (see comments)."""

import pandas as pd
import pytest

from lfo.indicators.summary_rows import build_summaries, period_end, quarter_labels, year_labels

LEVELS = {"tp_enhanced": "targeted", "mybt": "universal", "pap": "specialist"}
D = pd.Timestamp
NA = pd.NaT


@pytest.fixture(scope="module")
def built():
    p = pd.DataFrame(
        {
            "participant_key": ["p1", "p2", "p3", "p4"],
            "family_key": ["f1", "f1", "f2", "f3"],
            "referral_date": [D("2017-04-03"), D("2017-05-10"), D("2017-07-15"), D("2018-01-20")],
            "referral_source": ["gp", "self", "gp", "school"],
            "sex": ["female", "male", "female", "not_stated"],
            "age_band": ["25-34"] * 4,
            "ethnicity": ["white", "white", "black", "not_stated"],
            "relationship_status": ["together", "together", "separated", "not_stated"],
            "workless_household": ["no", "no", "yes", "not_stated"],
            "youngest_child_age_band": ["2-4", "2-4", "0-1", "not_stated"],
        }
    )
    e = pd.DataFrame(
        {
            "episode_key": ["e1", "e2", "e3", "e4", "e5"],
            "participant_key": ["p1", "p2", "p3", "p3", "p4"],
            "intervention": ["tp_enhanced", "tp_enhanced", "mybt", "pap", "mybt"],
            "offered_date": [
                D("2017-04-20"),
                D("2017-05-20"),
                D("2017-07-20"),
                D("2017-08-01"),
                D("2018-01-25"),
            ],
            "status": ["completed", "dropped_out", "declined", "completed", "offered"],
            "start_date": [D("2017-05-01"), D("2017-06-01"), NA, D("2017-08-10"), NA],
            "end_date": [D("2017-07-01"), D("2017-06-20"), NA, D("2017-12-01"), NA],
            "sessions_planned": pd.array([6, 6, None, 16, None], dtype="Int64"),
            "sessions_attended": pd.array([3, 1, None, 16, None], dtype="Int64"),
        }
    )
    o = pd.DataFrame(
        [
            ("e1", "csi4", "baseline", 9),
            ("e1", "csi4", "exit", 15),
            ("e1", "swemwbs", "baseline", 17.43),
            ("e1", "swemwbs", "exit", 21.54),
            ("e1", "ops", "baseline", 22),
            ("e1", "ops", "exit", 20),
            ("e1", "ops", "followup_6m", 18),
            ("e2", "csi4", "baseline", 5),
            ("e2", "csi4", "exit", 20),  # dropped out: not counted
            ("e4", "sdq_total", "baseline", 20),
            ("e4", "sdq_total", "exit", 10),
            ("e4", "csi4", "baseline", 15),
        ],
        columns=["episode_key", "measure", "timepoint", "score"],
    )
    return build_summaries(p, e, o, LEVELS)


def row(df, **keys):
    sel = df
    for k, v in keys.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"expected one row for {keys}, got {len(sel)}"
    return sel.iloc[0]


def test_period_labels_follow_the_uk_financial_year():
    dates = pd.Series([D("2017-04-01"), D("2017-12-31"), D("2018-03-31"), NA])
    assert list(quarter_labels(dates)[:3]) == ["2017-18_Q1", "2017-18_Q3", "2017-18_Q4"]
    assert list(year_labels(dates)[:3]) == ["2017-18", "2017-18", "2017-18"]
    assert pd.isna(quarter_labels(dates)[3])
    ends = period_end(pd.Series(["2017-18_Q3", "2017-18_Q4", "2017-18"]))
    assert list(ends) == [D("2017-12-31"), D("2018-03-31"), D("2018-03-31")]


def test_reach_counts_parents_by_referral_period_and_category(built):
    r = built["sum_reach"]
    assert row(r, period="2017-18_Q1", breakdown="all")["parents"] == 2
    assert row(r, period="2017-18_Q1", breakdown="sex", category="male")["parents"] == 1
    assert row(r, period="2017-18", breakdown="all")["parents"] == 4
    assert row(r, period="2017-18", breakdown="workless_household", category="yes")["parents"] == 1


def test_families_count_once_at_their_earliest_referral(built):
    f = built["sum_families"]
    assert row(f, period="2017-18_Q1")["families"] == 1  # f1, though it has two parents
    assert row(f, period="2017-18")["families"] == 3


def test_offers_by_offer_period_with_levels_and_all(built):
    o = built["sum_offers"]
    q2 = row(o, period="2017-18_Q2", grp="all")
    assert (q2["offered"], q2["answered"], q2["started"]) == (2, 2, 1)
    uni = row(o, period="2017-18", grp="level:universal")  # e3 declined, e5 not yet answered
    assert (uni["offered"], uni["answered"], uni["started"]) == (2, 1, 0)


def test_endings_and_attendance_moments(built):
    en = built["sum_endings"]
    fy = row(en, period="2017-18", grp="all")
    assert (fy["ended"], fy["completed"], fy["attendance_n"]) == (3, 2, 3)
    assert fy["attendance_sum"] == pytest.approx(0.5 + 1 / 6 + 1.0)
    assert fy["attendance_sumsq"] == pytest.approx(0.25 + 1 / 36 + 1.0)
    assert row(en, period="2017-18_Q1", grp="tp_enhanced")["completed"] == 0  # e2 dropped out


def test_days_to_start_histogram_by_first_start(built):
    d = built["sum_days_to_start"]
    q1 = d[d["period"] == "2017-18_Q1"].set_index("days")["participants"].to_dict()
    assert q1 == {22: 1, 28: 1}
    assert row(d, period="2017-18_Q2", days=26)["participants"] == 1


def test_both_parents_engaged(built):
    b = built["sum_both_parents"]
    q1 = row(b, period="2017-18_Q1")
    assert (q1["families"], q1["two_started"]) == (1, 1)
    fy = row(b, period="2017-18")
    assert (fy["families"], fy["two_started"]) == (2, 1)


def test_funnel_is_a_cohort_by_referral_period(built):
    f = built["sum_funnel"]
    q1 = row(f, period="2017-18_Q1", grp="all")
    assert (q1["referred"], q1["offered"], q1["started"], q1["completed"]) == (2, 2, 2, 1)
    mybt = row(f, period="2017-18_Q2", grp="mybt")
    assert (mybt["referred"], mybt["offered"], mybt["started"]) == (1, 1, 0)
    spec = row(f, period="2017-18_Q2", grp="level:specialist")
    assert (spec["offered"], spec["started"], spec["completed"]) == (1, 1, 1)
    q4 = row(f, period="2017-18_Q4", grp="all")
    assert (q4["referred"], q4["offered"], q4["started"]) == (1, 1, 0)


def test_outcomes_count_completed_episodes_by_end_period(built):
    out = built["sum_outcomes"]
    csi = row(out, period="2017-18_Q2", grp="all", measure="csi4")
    assert (
        csi["with_baseline"],
        csi["paired"],
        csi["improved"],
        csi["case_baseline"],
        csi["recovered"],
        csi["reliable_recovered"],
    ) == (1, 1, 1, 1, 1, 1)
    assert (csi["change_n"], csi["change_sum"], csi["change_sumsq"]) == (1, 6, 36)
    ops = row(out, period="2017-18_Q2", grp="all", measure="ops")
    # change -2 on a "higher is worse" scale: an improvement of 2, below the RCI of 8
    assert (ops["improved"], ops["deteriorated"], ops["case_baseline"], ops["recovered"]) == (
        0,
        0,
        1,
        0,
    )
    assert (ops["fu6_n"], ops["fu6_sum"]) == (1, -4)
    swem = row(out, period="2017-18_Q2", grp="tp_enhanced", measure="swemwbs")
    assert swem["improved"] == 1 and swem["recovered"] == 1
    fy_csi = row(out, period="2017-18", grp="all", measure="csi4")
    assert (fy_csi["with_baseline"], fy_csi["paired"]) == (2, 1)  # e4 baseline only; e2 dropped
    sdq = row(out, period="2017-18_Q3", grp="level:specialist", measure="sdq_total")
    assert (sdq["improved"], sdq["reliable_recovered"]) == (1, 1)


def test_completeness_counts_not_stated_as_missing(built):
    c = built["sum_completeness"].set_index(["sheet", "column"])
    assert c.loc[("participants", "sex"), ["rows", "stated"]].tolist() == [4, 3]
    assert c.loc[("participants", "ethnicity"), ["rows", "stated"]].tolist() == [4, 3]
    # the hand-made episodes have no delivery_mode column: nothing stated
    assert c.loc[("interventions", "delivery_mode"), ["rows", "stated"]].tolist() == [5, 0]


def _sum_tables(con):
    from lfo import schema

    return {
        name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)  # noqa: S608
        for name in schema.SUMMARY_TABLES
    }


def test_load_builds_the_same_summaries_as_reading_the_area_back(tmp_path, lfo_settings):
    """The loader builds summaries from the rows it inserted; they equal a rebuild from the DB."""
    import sqlite3

    from sqlalchemy import create_engine
    from support.dumps import db_file
    from support.returns import valid_tables, write_return

    from etl.load.loader import load_files
    from lfo.indicators.summaries import refresh_area

    tables = valid_tables()
    tables["participants"][0]["ethnicity"] = ""
    tables["interventions"][0]["delivery_mode"] = ""
    [r] = load_files([write_return(tmp_path / "in", tables)], lfo_settings)
    assert r.outcome == "loaded"
    con = sqlite3.connect(db_file(lfo_settings))
    try:
        loaded = _sum_tables(con)
    finally:
        con.close()
    assert sum(len(rows) for rows in loaded.values()) > 0
    engine = create_engine(lfo_settings.database_url)
    try:
        with engine.begin() as conn:
            refresh_area(conn, "E08000021")  # no frames: reads the area back
        con = sqlite3.connect(db_file(lfo_settings))
        try:
            assert _sum_tables(con) == loaded
        finally:
            con.close()
    finally:
        engine.dispose()

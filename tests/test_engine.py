"""The indicator engine on a hand-made database: values worked out by hand, intervals checked
against statsmodels / scipy (not against our own statistics module)."""

import math

import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint
from support.engine_db import build_db, episode

from lfo.db import reader_engine
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import compute
from lfo.indicators.request import Query
from lfo.terms import PROGRAMME

NEWCASTLE, GATESHEAD, BLACKPOOL, MANCHESTER, LUTON = (
    "E08000021",
    "E08000037",
    "E06000009",
    "E08000003",
    "E06000032",
)


def _q2(status):
    return episode(status, "2017-08-15")


def _csi(change):
    return episode(
        "completed", "2017-11-15", scores={"csi4": {"baseline": 10, "exit": 10 + change}}
    )


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    newcastle = [_q2("completed")] * 36 + [_q2("dropped_out")] * 4
    newcastle += [_csi(c) for c in range(12)]
    newcastle += [episode("completed", "2017-11-20", scores={"csi4": {"baseline": 9}})] * 2
    gateshead = [_q2("completed")] * 6 + [_q2("dropped_out")] * 14
    blackpool = [_q2("completed")] * 3
    manchester = [_q2("completed")] * 30
    path = tmp_path_factory.mktemp("engine") / "lfo.db"
    import datetime as dt

    return build_db(
        path,
        {NEWCASTLE: newcastle, GATESHEAD: gateshead, BLACKPOOL: blackpool, MANCHESTER: manchester},
        return_period={MANCHESTER: ("2017-18_Q1", dt.date(2017, 6, 30))},
    )


def run(url, ids, **kw):
    kw.setdefault("threshold", 1)
    q = Query(indicators=tuple(indicators()[i] for i in ids), **kw)
    with reader_engine(url).connect() as conn:
        return compute(conn, q)


def one(rows, area, period, category=None):
    sel = rows[(rows["area_code"] == area) & (rows["period"] == period)]
    if category is not None:
        sel = sel[sel["category"] == category]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_completion_values_and_wilson_intervals(url):
    rows = run(url, ["uptake.completion"], periods=("2017-18_Q2",)).rows
    r = one(rows, NEWCASTLE, "2017-18_Q2")
    lo, hi = proportion_confint(36, 40, alpha=0.05, method="wilson")
    assert (r["numerator"], r["denominator"]) == (36, 40)
    assert r["value"] == pytest.approx(90.0)
    assert (r["lower"], r["upper"]) == (pytest.approx(lo * 100), pytest.approx(hi * 100))


def test_programme_pools_only_areas_whose_returns_cover_the_period(url):
    rows = run(url, ["uptake.completion"], periods=("2017-18_Q2",)).rows
    prog = one(rows, PROGRAMME, "2017-18_Q2")
    # Manchester's return ends in Q1: its 30 completions are not pooled into Q2
    assert (prog["numerator"], prog["denominator"]) == (45, 63)
    assert prog["value"] == pytest.approx(100 * 45 / 63)
    assert one(rows, MANCHESTER, "2017-18_Q2")["status"] == "x"


def test_comparison_with_the_programme_is_polarity_aware(url):
    rows = run(url, ["uptake.completion"], periods=("2017-18_Q2",)).rows
    assert one(rows, NEWCASTLE, "2017-18_Q2")["comparison"] == "better"  # 76.9-96.0 vs 71.4
    assert one(rows, GATESHEAD, "2017-18_Q2")["comparison"] == "worse"  # 14.5-51.9 vs 71.4
    assert one(rows, PROGRAMME, "2017-18_Q2")["comparison"] is None


def test_small_area_is_suppressed_with_its_smallest_neighbour(url):
    rows = run(url, ["uptake.completion"], periods=("2017-18_Q2",), threshold=10).rows
    black = one(rows, BLACKPOOL, "2017-18_Q2")
    assert black["status"] == "c"
    assert all(
        black[c] is None or math.isnan(black[c])
        for c in ("value", "lower", "upper", "numerator", "denominator")
    )
    # Gateshead (6 of 20) is small too; v2 (indicators.md v2): a margin that hides a cell hides
    # at least three (an LA knows its own figures), so Newcastle, the smallest other, goes too
    assert one(rows, GATESHEAD, "2017-18_Q2")["status"] == "c"
    assert one(rows, NEWCASTLE, "2017-18_Q2")["status"] == "c"
    # and the programme: Newcastle's 14 of 14 in Q3 are hidden with its Q2 (its year's margin),
    # and would be the programme's year (59 of 77) minus its Q2 (45 of 63)
    assert one(rows, PROGRAMME, "2017-18_Q2")["status"] == "c"


def test_mean_change_with_student_t_interval_and_effect_size(url):
    ids = ["outcome.csi4.change", "outcome.csi4.effect_size"]
    rows = run(url, ids, periods=("2017-18_Q3",), areas=(NEWCASTLE,)).rows
    change = rows[rows["indicator"] == "outcome.csi4.change"].iloc[0]
    sd = math.sqrt(13)  # sample SD of 0..11
    lo, hi = sps.t.interval(0.95, 11, loc=5.5, scale=sd / math.sqrt(12))
    assert change["value"] == pytest.approx(5.5)
    assert (change["lower"], change["upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert change["denominator"] == 12
    es = rows[rows["indicator"] == "outcome.csi4.effect_size"].iloc[0]
    assert es["value"] == pytest.approx(5.5 / sd)


def test_reliable_improvement_recovery_and_paired_completeness(url):
    ids = [
        "outcome.csi4.reliable_improvement",
        "outcome.csi4.recovery",
        "outcome.csi4.reliable_recovery",
        "outcome.csi4.reliable_deterioration",
        "outcome.csi4.paired",
    ]
    rows = run(url, ids, periods=("2017-18_Q3",), areas=(NEWCASTLE,)).rows.set_index("indicator")
    # changes 0..11 from a baseline of 10; RCI 4; caseness below 13.5
    assert rows.loc["outcome.csi4.reliable_improvement", ["numerator", "denominator"]].tolist() == [
        8,
        12,
    ]
    assert rows.loc["outcome.csi4.recovery", "numerator"] == 8  # exit >= 14 when change >= 4
    assert rows.loc["outcome.csi4.reliable_recovery", "numerator"] == 8
    assert rows.loc["outcome.csi4.reliable_deterioration", "numerator"] == 0
    assert rows.loc["outcome.csi4.paired", ["numerator", "denominator"]].tolist() == [12, 14]


def test_family_rate_is_for_financial_years_only_with_byar_limits(url):
    rows = run(url, ["reach.family_rate"], areas=(NEWCASTLE,)).rows
    assert one(rows, NEWCASTLE, "2017-18_Q1")["status"] == "z"
    fy = one(rows, NEWCASTLE, "2017-18")
    families = 36 + 4 + 12 + 2  # one family per participant, all referred in April 2017
    assert fy["value"] == pytest.approx(families / 34000 * 10000)
    z = sps.norm.ppf(0.975)
    o = families
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    assert fy["lower"] == pytest.approx(lower / 34000 * 10000)
    assert fy["upper"] == pytest.approx(upper / 34000 * 10000)


def test_progress_to_target_is_pro_rata_within_the_year(url):
    rows = run(url, ["reach.target"], areas=(GATESHEAD,)).rows
    q1 = one(rows, GATESHEAD, "2017-18_Q1")
    # 20 families referred in April 2017; annual target 90; one quarter elapsed
    assert q1["value"] == pytest.approx(20 / (90 / 4) * 100)
    q3 = one(rows, GATESHEAD, "2017-18_Q3")
    assert q3["value"] == pytest.approx(20 / (90 * 3 / 4) * 100)


def test_intervention_filter_not_applicable_to_reach(url):
    rows = run(url, ["reach.parents"], intervention="pap").rows
    assert set(rows["status"]) == {"z"}


def test_trend_detects_a_rising_completion_rate(tmp_path):
    quarters = ["2017-05-15", "2017-08-15", "2017-11-15", "2018-02-15", "2018-05-15"]
    completed = [8, 14, 20, 26, 32]
    rows = []
    for end, k in zip(quarters, completed, strict=True):
        rows += [episode("completed", end)] * k + [episode("dropped_out", end)] * (40 - k)
    url = build_db(tmp_path / "t.db", {LUTON: rows})
    out = run(
        url,
        ["uptake.completion"],
        periods=("2018-19_Q1", "2018-19_Q2"),
        areas=(LUTON,),
        threshold=10,
    ).rows
    r = one(out, LUTON, "2018-19_Q1")
    assert (r["trend"], r["trend_judgement"]) == ("increasing", "getting better")
    # Q2 2018-19 has no endings: a denominator below the threshold gives no trend
    assert one(out, LUTON, "2018-19_Q2")["trend"] is None


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Four parents referred on 2017-04-03 (worked by hand in each test below)."""
    a = episode(
        "completed",
        "2017-06-20",
        start="2017-05-01",
        planned=6,
        attended=3,
        family="F1",
        workless="yes",
        scores={"csi4": {"baseline": 10, "exit": 14, "followup_6m": 16}},
    )
    b = episode(
        "started",
        None,
        start="2017-05-11",
        planned=6,
        attended=2,
        sex="male",
        family="F1",
        workless="no",
    )
    c = episode("declined", None, sex="male", family="F2", workless="not_stated")
    d = episode("offered", None, sex="not_stated", family="F3", workless="yes")
    return build_db(tmp_path_factory.mktemp("mixed") / "m.db", {NEWCASTLE: [a, b, c, d]})


def values(url, ids, period="2017-18_Q1", **kw):
    rows = run(url, ids, periods=(period,), areas=(NEWCASTLE,), **kw).rows
    return rows.set_index(["indicator", rows["category"].fillna("")])


def test_reach_counts_and_proportions(mixed):
    v = values(mixed, ["reach.parents", "reach.families", "reach.fathers", "reach.workless"])
    assert v.loc[("reach.parents", ""), "value"] == 4
    assert v.loc[("reach.families", ""), "value"] == 3
    # sex stated for a, b, c; male b, c. workless stated for a, b, d; yes a, d
    assert v.loc[("reach.fathers", ""), ["numerator", "denominator"]].tolist() == [2, 3]
    assert v.loc[("reach.workless", ""), ["numerator", "denominator"]].tolist() == [2, 3]


def test_reach_breakdown_keeps_not_stated_as_a_category(mixed):
    v = values(mixed, ["reach.breakdown"], breakdowns=("sex",))
    assert v.loc[("reach.breakdown", "sex:male"), "value"] == pytest.approx(50.0)
    assert v.loc[("reach.breakdown", "sex:not_stated"), "value"] == pytest.approx(25.0)
    assert v.loc[("reach.breakdown", "sex:other"), "numerator"] == 0
    assert set(v.index.get_level_values(1)) == {
        "sex:female",
        "sex:male",
        "sex:other",
        "sex:not_stated",
    }


def test_uptake_start_counts_only_answered_offers(mixed):
    v = values(mixed, ["uptake.start"])
    assert v.loc[("uptake.start", ""), ["numerator", "denominator"]].tolist() == [2, 3]


def test_days_to_start_median_and_quartiles(mixed):
    r = values(mixed, ["uptake.days_to_start"]).loc[("uptake.days_to_start", "")]
    # first starts 28 and 38 days after referral; numpy's linear quantiles of [28, 38]
    assert (r["value"], r["lower"], r["upper"]) == (33.0, 30.5, 35.5)
    assert r["denominator"] == 2


def test_attendance_and_both_parents(mixed):
    v = values(mixed, ["uptake.attendance", "uptake.both_parents"])
    assert v.loc[("uptake.attendance", ""), "value"] == pytest.approx(50.0)  # 3 of 6 sessions
    assert v.loc[("uptake.both_parents", ""), ["numerator", "denominator"]].tolist() == [1, 1]


def test_funnel_stages_as_percentage_of_the_previous_stage(mixed):
    v = values(mixed, ["uptake.funnel"])
    assert v.loc[("uptake.funnel", "referred"), "numerator"] == 4
    assert v.loc[("uptake.funnel", "offered"), "value"] == pytest.approx(100.0)
    assert v.loc[("uptake.funnel", "started"), "value"] == pytest.approx(50.0)
    assert v.loc[("uptake.funnel", "completed"), ["numerator", "value"]].tolist() == [1, 50.0]


def test_follow_up_response_and_sustained_change(mixed):
    v = values(mixed, ["outcome.csi4.followup_6m_response", "outcome.csi4.sustained_6m"])
    assert v.loc[
        ("outcome.csi4.followup_6m_response", ""), ["numerator", "denominator"]
    ].tolist() == [1, 1]
    assert v.loc[("outcome.csi4.sustained_6m", ""), "value"] == pytest.approx(6.0)


def test_an_empty_period_shows_zeros_and_forces_no_secondary_suppression(tmp_path):
    url = build_db(
        tmp_path / "z.db",
        {
            NEWCASTLE: [episode("completed", "2017-06-20")] * 12,
            BLACKPOOL: [episode("completed", "2017-09-20")] * 12,  # nothing ends in Q1 here
        },
    )
    rows = run(url, ["uptake.completion"], periods=("2017-18_Q1",), threshold=10).rows
    black = one(rows, BLACKPOOL, "2017-18_Q1")
    assert (black["numerator"], black["denominator"], black["status"]) == (0, 0, "x")
    assert one(rows, NEWCASTLE, "2017-18_Q1")["value"] == pytest.approx(100.0)


def test_progress_to_target_in_a_year_with_no_referrals_is_zero(url):
    rows = run(url, ["reach.target"], periods=("2016-17_Q1",), areas=(NEWCASTLE,)).rows
    assert one(rows, NEWCASTLE, "2016-17_Q1")["value"] == 0


def test_funnel_for_an_intervention_nobody_was_offered_shows_zeros(url):
    rows = run(
        url, ["uptake.funnel"], periods=("2017-18_Q1",), areas=(NEWCASTLE,), intervention="girfc"
    ).rows.set_index("category")
    assert rows.loc["offered", "numerator"] == 0
    assert rows.loc["offered", "status"] == "x"  # nothing to measure, not an error

"""The synthetic returns generator: valid, realistic, cumulative, deterministic returns.

One pilot run (module fixture) feeds most tests; expected figures come from the issue's
calibration (RPC funnel, 1.6 parents per family, ...), never from the generator's own constants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from statsmodels.stats.proportion import proportion_confint

from etl.checks.file import check_file
from etl.load.loader import load_files
from etl.synthetic.generate import generate
from lfo.reference import load_reference
from lfo.settings import REFERENCE_DIR

AREAS = load_reference().pilot_areas
TODAY = dt.date(2019, 6, 1)
LAST = "2018-19_Q4"
QUARTERS = [f"{y}-{(y + 1) % 100:02d}_Q{q}" for y in (2016, 2017, 2018) for q in (1, 2, 3, 4)]
NAME = re.compile(r"^LFO_(E\d{8})_(\d{4})-(\d{2})_Q([1-4])\.(xlsx|zip)$")
FAULTY = (
    [f"E{n}" for n in range(101, 111)]
    + [f"E{n}" for n in range(201, 211)]
    + [f"W30{n}" for n in range(1, 7)]
)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("pilot")
    calls = []
    summary = generate(out, seed=2016, progress=lambda d, done, total: calls.append((done, total)))
    return out, summary, calls


def read_zip(path: Path) -> dict[str, pd.DataFrame]:
    """The three CSVs of a zip as text frames ('' for empty), wherever they sit in the zip."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            sheet = Path(info.filename).stem.lower()
            out[sheet] = pd.read_csv(
                io.BytesIO(zf.read(info)), dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
    return out


def parse_dates(s: pd.Series) -> pd.Series:
    text = s.str.replace(" 00:00:00", "", regex=False)
    iso = pd.to_datetime(text.where(text.str.contains("-")), format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(text.where(text.str.contains("/")), format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def final(out: Path, area: str, quarter: str = LAST) -> dict[str, pd.DataFrame]:
    return read_zip(out / "zip" / f"LFO_{area}_{quarter}.zip")


@pytest.fixture(scope="module")
def pooled(pilot) -> dict[str, pd.DataFrame]:
    """Every area's final return, one frame per sheet, with an ``area`` column and parsed dates."""
    out = pilot[0]
    frames: dict[str, list[pd.DataFrame]] = {
        "participants": [],
        "interventions": [],
        "outcomes": [],
    }
    for area in AREAS:
        for sheet, df in final(out, area).items():
            frames[sheet].append(df.assign(area=area))
    data = {k: pd.concat(v, ignore_index=True) for k, v in frames.items()}
    for sheet, cols in (
        ("participants", ["referral_date"]),
        ("interventions", ["offered_date", "start_date", "end_date"]),
        ("outcomes", ["measured_date"]),
    ):
        for c in cols:
            data[sheet][c] = parse_dates(data[sheet][c])
    return data


# --- files -------------------------------------------------------------------------------------


def test_pilot_writes_every_area_and_quarter_in_both_formats(pilot):
    out, summary, calls = pilot
    for fmt in ("xlsx", "zip"):
        names = sorted(p.name for p in (out / fmt).iterdir())
        expected = sorted(f"LFO_{a}_{q}.{fmt}" for a in AREAS for q in QUARTERS)
        assert names == expected
        assert all(NAME.match(n) for n in names)
    assert calls[-1] == (288, 288)
    assert summary.participants > 5000 and summary.files == 288
    assert sorted(summary.faulty) == FAULTY


def test_final_returns_pass_every_check_without_errors(pilot):
    out = pilot[0]
    files = [out / "zip" / f"LFO_{a}_{LAST}.zip" for a in AREAS]
    files += [
        out / "xlsx" / f"LFO_{a}_{q}.xlsx"
        for a, q in (("E08000021", "2016-17_Q2"), ("E08000037", LAST))
    ]
    for f in files:
        checked = check_file(f, known_areas=AREAS, today=TODAY)
        errors = [x for x in checked.findings if x.severity == "error"]
        assert errors == [], f.name
        codes = [x.code for x in checked.findings]
        assert codes.count("W301") + codes.count("W304") <= 0.01 * len(checked.tables["outcomes"])


@pytest.mark.slow
def test_every_pilot_zip_passes_every_check_without_errors(pilot):
    out = pilot[0]
    for f in sorted((out / "zip").glob("*.zip")):
        assert not check_file(f, known_areas=AREAS, today=TODAY).has_errors, f.name


@pytest.mark.parametrize("area", ["E08000021", "E08000037", "E09000008", "E10000015"])
def test_xlsx_and_zip_hold_the_same_content(pilot, area):
    out = pilot[0]
    name = f"LFO_{area}_2017-18_Q3"
    csv = read_zip(out / "zip" / f"{name}.zip")
    wb = load_workbook(out / "xlsx" / f"{name}.xlsx", read_only=True)
    assert sorted(wb.sheetnames) == sorted(csv)
    for sheet, frame in csv.items():
        rows = list(wb[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == list(frame.columns)
        width = len(frame.columns)
        body = pd.DataFrame(
            [list(r) + [None] * (width - len(r)) for r in rows[1:]],
            columns=frame.columns,
            dtype=object,
        )
        for col in frame.columns:
            mine, theirs = frame[col], body[col]
            if col.endswith("_date"):
                cells = theirs.map(
                    lambda v: v.date().isoformat() if isinstance(v, dt.datetime) else v
                )
                left = parse_dates(mine)
                right = parse_dates(cells.fillna("").astype(str))
                assert left.equals(right), (sheet, col)
            else:
                cells = theirs.map(lambda v: "" if v is None else str(v))
                assert mine.tolist() == cells.tolist(), (sheet, col)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(pilot, tmp_path):
    out = pilot[0]
    again = generate(tmp_path / "a", seed=2016, only_areas=["E06000009"])
    other = generate(tmp_path / "b", seed=7, only_areas=["E09000033"])
    for fmt in ("zip", "xlsx"):
        for q in ("2016-17_Q1", LAST):
            name = f"LFO_E06000009_{q}.{fmt}"
            assert (again.out / fmt / name).read_bytes() == (out / fmt / name).read_bytes()
            name = f"LFO_E09000033_{q}.{fmt}"
            assert (other.out / fmt / name).read_bytes() != (out / fmt / name).read_bytes()
    for code, files in again.faulty.items():
        for f in files:
            assert f.read_bytes() == (out / "faulty" / code / f.name).read_bytes()


def test_nothing_is_written_outside_out(tmp_path):
    generate(tmp_path / "out", only_areas=["E09000033"])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale="regional")


# --- cumulative snapshots ----------------------------------------------------------------------

ALLOWED_NEXT = {
    "offered": {"offered", "declined", "started", "completed", "dropped_out"},
    "started": {"started", "completed", "dropped_out"},
    "declined": {"declined"},
    "completed": {"completed"},
    "dropped_out": {"dropped_out"},
}


@pytest.mark.parametrize("area", ["E06000009", "E08000003"])
def test_each_quarter_contains_the_previous_one_with_statuses_moving_on(pilot, area):
    out = pilot[0]
    before = None
    for q in QUARTERS:
        now = final(out, area, q)
        end = pd.Timestamp(_quarter_end(q))
        for sheet, col in (
            ("participants", "referral_date"),
            ("interventions", "offered_date"),
            ("outcomes", "measured_date"),
        ):
            assert (parse_dates(now[sheet][col]) <= end).all()
        if before is not None:
            p0 = before["participants"].set_index("participant_id")
            p1 = now["participants"].set_index("participant_id")
            assert p0.index.isin(p1.index).all()
            assert p1.loc[p0.index].equals(p0)
            e0 = before["interventions"].set_index("episode_id")
            e1 = now["interventions"].set_index("episode_id").loc[e0.index]
            moves = zip(e0["status"], e1["status"], strict=True)
            assert all(b in ALLOWED_NEXT[a] for a, b in moves)
            assert (e0["offered_date"] == e1["offered_date"]).all()
            key = ["participant_id", "episode_id", "measure", "timepoint"]
            merged = before["outcomes"].merge(
                now["outcomes"], on=key, how="left", suffixes=("", "_now")
            )
            assert (merged["score"] == merged["score_now"]).all()
        before = now


def _quarter_end(label: str) -> dt.date:
    fy, q = int(label[:4]), int(label[-1])
    month = 3 * q + 3
    year = fy + (month > 12)
    month = month - 12 if month > 12 else month
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# --- realism -----------------------------------------------------------------------------------


def test_funnel_matches_the_rpc_programme(pooled):
    p, e = pooled["participants"], pooled["interventions"]
    mature = p[p["referral_date"] <= pd.Timestamp("2018-06-30")]
    key = mature["area"] + ":" + mature["participant_id"]
    ekey = e["area"] + ":" + e["participant_id"]
    started = ekey[e["status"].isin(["started", "completed", "dropped_out"])]
    start_rate = key.isin(started).mean()
    assert 0.75 <= start_rate <= 0.83  # RPC: 78.6% of referred parents started
    first = e.assign(key=ekey).sort_values("offered_date").drop_duplicates("key")
    ended = first[first["status"].isin(["completed", "dropped_out"])]
    assert 0.51 <= (ended["status"] == "completed").mean() <= 0.61  # RPC: 56.1% of starters
    per_family = len(p) / p.groupby(["area", "family_id"]).ngroups
    assert 1.5 <= per_family <= 1.7
    stated = p[p["sex"].isin(["female", "male", "other"])]
    assert 0.25 <= (stated["sex"] == "male").mean() <= 0.45  # fathers under-represented


def test_optional_values_are_sometimes_missing_and_ids_look_like_la_ids(pooled):
    p = pooled["participants"]
    for col in ("sex", "ethnicity", "workless_household"):
        blank = (p[col] == "").mean()
        assert 0 < blank < 0.15
        assert (p[col] == "not_stated").any()
    modes = pooled["interventions"]["delivery_mode"]
    assert 0 < (modes == "").mean() < 0.15
    ids = pd.concat([p["participant_id"], p["family_id"], pooled["interventions"]["episode_id"]])
    assert ids.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}").all()
    assert not ids.str.fullmatch(r"\d{10}").any()
    assert ids.str.match(r"0\d").any()  # some LAs' IDs keep leading zeros
    assert p.groupby("area")["participant_id"].apply(lambda s: s.str[:2].iloc[0]).nunique() > 6


def test_measures_follow_the_interventions_table_and_the_design_assumption(pooled):
    ref = load_reference()
    o = pooled["outcomes"].merge(
        pooled["interventions"][["area", "episode_id", "intervention"]], on=["area", "episode_id"]
    )
    allowed = o.apply(
        lambda r: r["measure"] in ref.interventions[r["intervention"]].measures, axis=1
    )
    assert allowed.all()
    o = o.merge(pooled["participants"], on=["area", "participant_id"])
    assert not o.loc[o["measure"] == "csi4", "relationship_status"].eq("separated").any()
    assert not o.loc[o["measure"] == "sdq_total", "youngest_child_age_band"].eq("0-1").any()
    for code, m in ref.measures.items():
        s = o.loc[o["measure"] == code, "score"].astype(int)
        assert s.between(*m.raw_range).all() and len(s) > 500


def _paired(pooled) -> pd.DataFrame:
    """Baseline and exit per completed episode and measure, with the intervention's level."""
    o, e = pooled["outcomes"], pooled["interventions"]
    done = e[e["status"] == "completed"][["area", "episode_id", "intervention", "end_date"]]
    wide = o.pivot_table(
        index=["area", "episode_id", "measure"],
        columns="timepoint",
        values="score",
        aggfunc="first",
    ).reset_index()
    wide = wide.merge(done, on=["area", "episode_id"])
    wide = wide[wide["baseline"].notna()]
    levels = {c: i.level for c, i in load_reference().interventions.items()}
    return wide.assign(level=wide["intervention"].map(levels))


def test_paired_completeness_is_between_60_and_85_percent(pooled):
    w = _paired(pooled)
    assert 0.60 <= w["exit"].notna().mean() <= 0.85
    by_area = w.groupby("area")["exit"].apply(lambda s: s.notna().mean())
    assert by_area.between(0.55, 0.90).all()
    assert by_area.max() - by_area.min() > 0.08  # areas differ


def test_change_is_plausible_and_larger_for_specialist_than_universal(pooled):
    w = _paired(pooled).dropna(subset=["exit"])
    better = {
        c: (1 if m.higher_is == "better" else -1) for c, m in load_reference().measures.items()
    }
    w = w.assign(
        gain=(w["exit"].astype(float) - w["baseline"].astype(float)) * w["measure"].map(better)
    )
    for measure, g in w.groupby("measure"):
        by_level = g.groupby("level")["gain"].mean()
        assert 0 < by_level["universal"] < by_level["specialist"] < 8, measure
        assert g["gain"].lt(0).any()  # some get worse


def test_follow_ups_reach_a_minority_of_completers(pooled):
    w = _paired(pooled)
    old = w[w["end_date"] <= pd.Timestamp("2017-12-31")]
    six = old.get("followup_6m").notna().mean()
    twelve = old.get("followup_12m").notna().mean()
    assert 0.25 <= six <= 0.42  # about a third
    assert 0.09 <= twelve <= 0.19  # about 14%


def test_some_areas_complete_significantly_below_and_above_the_programme(pooled):
    e = pooled["interventions"]
    ended = e[e["status"].isin(["completed", "dropped_out"])]
    done = ended["status"].eq("completed").groupby(ended["area"]).agg(["sum", "count"])
    programme = done["sum"].sum() / done["count"].sum()
    low, high = proportion_confint(done["sum"], done["count"], alpha=0.05, method="wilson")
    assert (high < programme).any()
    assert (low > programme).any()


def test_small_cells_exist_by_ethnicity_within_an_area_and_quarter(pooled):
    p = pooled["participants"]
    quarter = p["referral_date"].dt.to_period("Q-MAR")
    counts = p.groupby([p["area"], quarter, p["ethnicity"]]).size()
    assert counts.between(1, 9).sum() > 50


# --- faulty returns ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c for c in FAULTY if c not in ("E108", "E109")])
def test_each_faulty_folder_triggers_its_code(pilot, code):
    out = pilot[0]
    files = sorted((out / "faulty" / code).glob("LFO_*"))
    assert files
    for f in files:
        checked = check_file(f, known_areas=AREAS, today=TODAY)
        assert code in {x.code for x in checked.findings}, f.name
    if code == "E110":
        assert files[0].stat().st_size < 2**20
        with zipfile.ZipFile(files[0]) as zf:
            assert sum(i.file_size for i in zf.infolist()) > 500 * 10**6
        assert "500 MB" in (out / "faulty" / code / "README.md").read_text()


@pytest.mark.parametrize("code", ["E108", "E109"])
def test_sequence_folders_trigger_their_code_on_the_second_load(pilot, code, lfo_settings):
    out, summary = pilot[0], pilot[1]
    first, second = summary.faulty[code]
    assert first.parent == second.parent == out / "faulty" / code
    readme = (out / "faulty" / code / "README.md").read_text()
    assert readme.index(first.name) < readme.index(second.name)
    [r1] = load_files([first], lfo_settings)
    assert r1.outcome == "loaded", r1.findings
    [r2] = load_files([second], lfo_settings)
    assert r2.outcome == "rejected"
    assert code in set(r2.findings["code"])


def test_faulty_files_are_small_variants_of_a_valid_return(pilot):
    out = pilot[0]
    base = read_zip(out / "faulty" / "E108" / "LFO_E06000009_2017-18_Q1.zip")
    variant = read_zip(out / "faulty" / "E209" / "LFO_E06000009_2017-18_Q1.zip")
    diff = (base["interventions"] != variant["interventions"]).sum().sum()
    assert diff == 1
    assert base["participants"].equals(variant["participants"])


# --- national scale ----------------------------------------------------------------------------


def test_national_scale_writes_153_areas_and_one_return_each(tmp_path):
    summary = generate(tmp_path / "n", scale="national", national_participants=20_000)
    out = summary.out
    areas = pd.read_csv(out / "areas.csv", dtype=str)
    reference = pd.read_csv(REFERENCE_DIR / "areas.csv", dtype=str)
    assert list(areas.columns) == list(reference.columns)
    assert len(areas) == 153 and areas["gss_code"].is_unique
    synthetic = areas[areas["source"] == "synthetic"]
    assert len(synthetic) == 141
    assert synthetic["gss_code"].str.fullmatch(r"E9999\d{4}").all()
    assert synthetic["region"].nunique() == 9
    assert (synthetic["annual_target"].astype(int) % 10 == 0).all()
    files = sorted(out.glob("*.zip"))
    assert [f.name for f in files] == sorted(f"LFO_{c}_2025-26_Q4.zip" for c in areas["gss_code"])
    assert not (out / "faulty").exists() and not (out / "xlsx").exists()
    assert 19_000 <= summary.participants <= 21_000
    earliest = min(parse_dates(read_zip(f)["participants"]["referral_date"]).min() for f in files)
    assert earliest < pd.Timestamp("2016-05-01")
    for f in (files[0], files[-1]):
        checked = check_file(f, known_areas=set(areas["gss_code"]), today=dt.date(2026, 6, 1))
        assert not checked.has_errors, f.name


@pytest.mark.slow
def test_national_scale_is_deterministic_for_a_seed(tmp_path):
    one = generate(tmp_path / "n", scale="national", seed=3, national_participants=10_000)
    two = generate(tmp_path / "m", scale="national", seed=3, national_participants=10_000)
    digest = [hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(two.out.iterdir())]
    assert digest == [hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(one.out.iterdir())]

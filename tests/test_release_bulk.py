"""A release's bulk zip (``lfo.release_bulk``): built from the engine's own rows on a small
database, validated by the ``frictionless`` package, read back and compared with those rows."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import frictionless
import numpy as np
import pandas as pd
import pytest
from support.engine_db import build_db, episode

from lfo.db import reader_engine
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.engine import compute
from lfo.indicators.request import Query
from lfo.release_bulk import NUMBERS, BulkMeta, bulk_zip
from lfo.terms import PROGRAMME

LUTON, BLACKBURN = "E06000032", "E06000008"
QUARTER = "2017-18_Q2"
KEY = ["indicator", "area_code", "period", "filter", "category"]
FILTERS = ({}, {"intervention": "tp_enhanced"}, {"level": "targeted"})
META = BulkMeta(
    release_id=f"{QUARTER}-r2",
    quarter=QUARTER,
    published_at="2017-10-31T09:15:42+00:00",
    data_as_at="2017-10-15T09:30:00",
    definitions_version=DEFINITIONS_VERSION,
    threshold=10,
    note="Second release of the quarter: Luton's return was resubmitted.",
    returns=((LUTON, "Luton", QUARTER), (BLACKBURN, "Blackburn with Darwen", "2017-18_Q1")),
)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """The engine's rows of a release of 2017-18 Q2 for three filters: Luton with enough
    people to publish, Blackburn with Darwen with few (suppressed) and a return ending a quarter
    earlier (so its Q2 is ``x``)."""
    scores = {"csi4": {"baseline": 20, "exit": 12}}
    luton = [episode("completed", "2017-06-30", scores=scores) for _ in range(30)]
    luton += [episode("started") for _ in range(5)]
    luton += [episode("dropped_out", "2017-07-10", intervention="ppp_group") for _ in range(12)]
    blackburn = [episode("completed", "2017-06-30", sex="male", scores=scores) for _ in range(4)]
    blackburn += [episode("offered") for _ in range(15)]
    url = build_db(
        tmp_path_factory.mktemp("bulk") / "lfo.db",
        {LUTON: luton, BLACKBURN: blackburn},
        return_period={
            LUTON: (QUARTER, dt.date(2017, 9, 30)),
            BLACKBURN: ("2017-18_Q1", dt.date(2017, 6, 30)),
        },
    )
    every = tuple(indicators().values())
    parts = []
    with reader_engine(url).connect() as conn:
        for kw in FILTERS:
            chosen = every if not kw else tuple(i for i in every if i.by_intervention)
            query = Query(indicators=chosen, period_to=QUARTER, **kw)
            parts.append(compute(conn, query).rows.assign(filter=query.grp))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def built(rows):
    return bulk_zip(rows, META)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def table(data: bytes, name: str) -> pd.DataFrame:
    """A CSV of the zip as text, every cell as written."""
    return pd.read_csv(io.BytesIO(members(data)[name]), dtype=str, keep_default_na=False)


def data_tables(data: bytes) -> pd.DataFrame:
    names = [f"{t}.csv" for t in ("reach", "uptake", "outcomes")]
    return pd.concat([table(data, n) for n in names], ignore_index=True)


def test_the_bulk_zip_validates_as_a_frictionless_data_package(built, tmp_path):
    path = tmp_path / "release.zip"
    path.write_bytes(built)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["type", "note", "rowNumber", "fieldName"])[:10]
    package = json.loads(members(built)["datapackage.json"])
    assert [r["name"] for r in package["resources"]] == [
        "reach",
        "uptake",
        "outcomes",
        "indicators",
        "returns",
    ]
    value = next(f for f in package["resources"][0]["schema"]["fields"] if f["name"] == "value")
    assert {"c", "x", "z"} <= set(value["missingValues"])
    assert package["licenses"][0]["title"] == "Open Government Licence v3.0"
    assert package["id"] == META.release_id and package["created"] == META.published_at


def test_every_row_of_the_release_is_in_the_files_once(rows, built):
    written = data_tables(built)
    assert len(written) == len(rows)
    topic = rows["indicator"].map({i.id: i.topic for i in indicators().values()})
    for name, count in topic.value_counts().items():
        assert len(table(built, f"{name}.csv")) == count
    expected = set(map(tuple, rows[KEY].fillna("").astype(str).to_numpy()))
    assert set(map(tuple, written[KEY].to_numpy())) == expected


def test_numbers_read_back_as_the_same_floats_and_codes_as_the_status(rows, built):
    numbers = pd.concat(
        [
            pd.read_csv(
                io.BytesIO(members(built)[f"{t}.csv"]),
                na_values={c: ["c", "x", "z"] for c in NUMBERS},
            )
            for t in ("reach", "uptake", "outcomes")
        ],
        ignore_index=True,
    )
    numbers["category"] = numbers["category"].fillna("")
    given = rows.assign(category=rows["category"].fillna(""))
    both = given.merge(numbers, on=KEY, suffixes=("", "_file"), validate="one_to_one")
    assert len(both) == len(rows)
    for column in NUMBERS:
        expected = both[column].astype(float).to_numpy()
        np.testing.assert_array_equal(both[f"{column}_file"].to_numpy(dtype=float), expected)
    published = both["status"].isna()
    assert published.sum() > 0 and (~published).sum() > 0
    assert (both.loc[~published, "status_file"] == both.loc[~published, "status"]).all()
    assert both.loc[published, "status_file"].isna().all()


def test_frictionless_reads_figures_as_numbers_and_status_codes_as_text(rows, built, tmp_path):
    path = tmp_path / "release.zip"
    path.write_bytes(built)
    package = frictionless.Package(str(path))
    read = pd.DataFrame(
        [
            row
            for t in ("reach", "uptake", "outcomes")
            for row in package.get_table_resource(t).read_rows()
        ]
    )
    for column in NUMBERS:
        assert all(v is None or isinstance(v, int | float | Decimal) for v in read[column])
    assert set(read["status"].dropna()) == {"c", "x", "z"}
    assert read.loc[read["status"] == "c", list(NUMBERS)].isna().all().all()
    read["category"] = read["category"].fillna("")
    given = rows.assign(category=rows["category"].fillna(""))
    both = given.merge(read, on=KEY, suffixes=("", "_read"), validate="one_to_one")
    shown = both[both["status"].isna()]
    assert len(shown) > 0
    for column in NUMBERS:
        read_back = shown[f"{column}_read"].map(lambda v: np.nan if v is None else float(v))
        np.testing.assert_array_equal(
            read_back.to_numpy(dtype=float), shown[column].to_numpy(dtype=float)
        )


def test_a_suppressed_cell_is_c_with_no_figure_beside_it(built):
    written = data_tables(built)
    hidden = written[written["status"] == "c"]
    assert len(hidden) > 0
    for column in NUMBERS:
        assert (hidden[column] == "c").all(), column
    for column in ("comparison", "trend", "trend_judgement"):
        assert (hidden[column] == "").all(), column


def test_a_suppressed_row_never_carries_a_figure_even_if_the_rows_hold_one(rows):
    leaky = rows.copy()
    hidden = leaky["status"] == "c"
    leaky.loc[hidden, ["numerator", "denominator", "value"]] = 3.0
    leaky.loc[hidden, "comparison"] = "worse"
    written = data_tables(bulk_zip(leaky, META))
    assert (written.loc[written["status"] == "c", ["numerator", "value"]] == "c").all().all()
    assert (written.loc[written["status"] == "c", "comparison"] == "").all()


def test_not_available_and_not_applicable_rows_carry_their_code(rows, built):
    written = data_tables(built)
    absent = written[(written["area_code"] == BLACKBURN) & (written["period"] == QUARTER)]
    assert len(absent) > 0 and (absent["status"].isin(["x", "c"])).all()
    assert (absent.loc[absent["status"] == "x", "value"] == "x").all()
    kinds = written["indicator"].map({i.id: i.kind for i in indicators().values()})
    zeros = written[(written["status"] == "x") & (written["denominator"] == "0")]
    zeros = zeros[kinds[zeros.index] == "proportion"]
    assert len(zeros) > 0 and (zeros["numerator"] == "0").all() and (zeros["value"] == "x").all()
    rates = written[
        (written["indicator"] == "reach.family_rate") & written["period"].str.contains("_Q")
    ]
    assert "" not in set(rates["status"]) and "z" in set(rates["status"])
    assert (rates["value"] == rates["status"]).all()


def test_two_builds_give_identical_bytes_whatever_the_rows_order(rows, built):
    assert bulk_zip(rows, META) == built
    shuffled = rows.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert bulk_zip(shuffled, META) == built


def test_members_come_in_a_fixed_order_at_the_release_time(built):
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos[:4]] == [
        "datapackage.json",
        "data-guidance.md",
        "indicators.csv",
        "returns.csv",
    ]
    assert {i.date_time for i in infos} == {(2017, 10, 31, 9, 15, 42)}


def test_formula_like_area_names_are_guarded(rows):
    hostile = rows.copy()
    name = '=HYPERLINK("http://evil.example","Luton")'
    hostile.loc[hostile["area_code"] == LUTON, "area_name"] = name
    meta = BulkMeta(**{**META.__dict__, "returns": ((LUTON, "+cmd|' /C calc'!A0", QUARTER),)})
    data = bulk_zip(hostile, meta)
    written = data_tables(data)
    assert set(written.loc[written["area_code"] == LUTON, "area_name"]) == {"'" + name}
    assert table(data, "returns.csv")["area_name"].tolist() == ["'+cmd|' /C calc'!A0"]
    assert not written.map(lambda v: v.startswith(("=", "+", "@"))).any().any()


def test_the_guidance_names_the_release_threshold_and_definitions_version(built):
    text = members(built)["data-guidance.md"].decode()
    assert f"Suppression threshold: {META.threshold}" in text
    assert f"Indicator definitions version: {META.definitions_version}" in text
    assert META.release_id in text and META.note in text
    assert f"{LUTON} Luton: return covering {QUARTER}" in text
    assert "`c` confidential" in text and "`x` not available" in text


def test_the_indicators_file_holds_each_indicators_published_metadata(rows, built):
    written = table(built, "indicators.csv").set_index("id")
    assert set(written.index) == set(rows["indicator"])
    for ind in indicators().values():
        for field, value in ind.public().items():
            if field != "id":
                assert written.loc[ind.id, field] == value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.drop(columns=["filter"]), "lack the column(s) filter"),
        (lambda r: r.assign(indicator="reach.nothing"), "not in the definitions: reach.nothing"),
        (lambda r: pd.concat([r, r.iloc[:1]]), "repeat an earlier row's key"),
        (lambda r: r.assign(status="q"), "unknown status code(s) q"),
    ],
)
def test_rows_that_would_make_wrong_files_are_refused_saying_why(rows, change, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bulk_zip(change(rows), META)


def test_a_publication_time_that_is_not_iso_8601_is_refused(rows):
    meta = BulkMeta(**{**META.__dict__, "published_at": "31/10/2017"})
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        bulk_zip(rows.head(50), meta)


def test_programme_rows_say_how_many_areas_are_pooled(built):
    written = data_tables(built)
    programme = written[written["area_code"] == PROGRAMME]
    assert set(programme["areas_pooled"]) <= {"1", "2"} and "2" in set(programme["areas_pooled"])
    assert (written.loc[written["area_code"] != PROGRAMME, "areas_pooled"] == "").all()

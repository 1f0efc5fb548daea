"""The data-quality page: its read queries on a real SQLite file, its callbacks over HTTP, and
its answers to bad addresses. Expected figures are counted by hand from the rows written below."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import insert, update
from support.dash_client import dependencies, post_callback, route
from support.engine_db import build_db, episode
from support.text import count_type, texts

from dashboard import ids
from dashboard.app import create_app
from dashboard.present import quality as pq
from dashboard.present import quality_completeness as pc
from dashboard.services import queries
from dashboard.services.database import Database
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.db import init_db, writer_engine

NEWCASTLE, GATESHEAD, BLACKPOOL, MANCHESTER = "E08000021", "E08000037", "E06000009", "E08000003"
ESSEX, DORSET = "E10000012", "E10000009"
T0 = dt.datetime(2019, 4, 15, 9, 30)


def _completed(n: int, paired: int, end: str = "2018-06-10", **kw) -> list[dict]:
    rows = []
    for i in range(n):
        scores = {"baseline": 10, "exit": 15} if i < paired else {"baseline": 10}
        rows.append(episode("completed", end, scores={"csi4": scores}, **kw))
    return rows


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    """Newcastle: 20 completed episodes with a csi4 baseline, 16 paired, 2 of them with sex not
    stated; Gateshead's return ends 2017-18 Q2; Blackpool (4) and Manchester (12) are small."""
    newcastle = _completed(16, 16) + _completed(2, 0) + _completed(2, 0, sex="not_stated")
    url = build_db(
        tmp_path_factory.mktemp("quality") / "q.db",
        {
            NEWCASTLE: newcastle,
            GATESHEAD: _completed(3, 3, end="2017-06-10"),
            BLACKPOOL: _completed(4, 4),
            MANCHESTER: _completed(12, 12),
        },
        return_period={GATESHEAD: ("2017-18_Q2", dt.date(2017, 9, 30))},
    )
    engine = writer_engine(url)
    log = schema.etl_load_log
    with engine.begin() as conn:
        base = dict(
            sha256="0" * 64,
            size_bytes=100,
            participants_loaded=0,
            episodes_loaded=0,
            outcomes_loaded=0,
            rows_held_back=0,
            errors=0,
            warnings=0,
        )
        conn.execute(
            insert(log),
            [
                dict(
                    base,
                    load_id=1,
                    file_name="LFO_E08000021_2018-19_Q4.zip",
                    area_code=NEWCASTLE,
                    period="2018-19_Q4",
                    outcome="loaded",
                    warnings=3,
                    started_at=T0,
                ),
                dict(
                    base,
                    load_id=2,
                    file_name="LFO_E08000021_2018-19_Q3.zip",
                    area_code=NEWCASTLE,
                    period="2018-19_Q3",
                    outcome="rejected",
                    errors=1,
                    started_at=T0 + dt.timedelta(hours=1),
                ),
                dict(
                    base,
                    load_id=3,
                    file_name="LFO_E08000037_2017-18_Q2.zip",
                    area_code=GATESHEAD,
                    period="2017-18_Q2",
                    outcome="loaded with quarantine",
                    rows_held_back=3,
                    errors=3,
                    started_at=T0 - dt.timedelta(days=1),
                ),
                dict(
                    base,
                    load_id=4,
                    file_name="junk.zip",
                    area_code=None,
                    period=None,
                    outcome="rejected",
                    errors=1,
                    started_at=T0 + dt.timedelta(hours=2),
                ),
            ],
        )
        conn.execute(
            update(schema.returns)
            .where(schema.returns.c.area_code == GATESHEAD)
            .values(load_id=3, rows_held_back=3)
        )
        for load_id, area in ((5, BLACKPOOL), (6, MANCHESTER)):
            conn.execute(
                insert(log).values(
                    dict(
                        base,
                        load_id=load_id,
                        file_name=f"LFO_{area}_2018-19_Q4.zip",
                        area_code=area,
                        period="2018-19_Q4",
                        outcome="loaded",
                        started_at=T0 - dt.timedelta(days=2),
                    )
                )
            )
            conn.execute(
                update(schema.returns)
                .where(schema.returns.c.area_code == area)
                .values(load_id=load_id)
            )
        finding = dict(sheet="participants", row=2, column="sex", value=None)
        conn.execute(
            insert(schema.etl_findings),
            [
                dict(
                    finding,
                    load_id=1,
                    area_code=NEWCASTLE,
                    code="W305",
                    severity="warning",
                    message="m",
                ),
                dict(
                    finding,
                    load_id=1,
                    area_code=NEWCASTLE,
                    code="W305",
                    severity="warning",
                    message="m",
                ),
                dict(
                    finding,
                    load_id=1,
                    area_code=NEWCASTLE,
                    code="W304",
                    severity="warning",
                    message="m",
                ),
                dict(
                    finding,
                    load_id=2,
                    area_code=NEWCASTLE,
                    code="E109",
                    severity="error",
                    message="m",
                ),
                *[
                    dict(
                        finding,
                        load_id=3,
                        area_code=GATESHEAD,
                        code="E203",
                        severity="error",
                        message="m",
                    )
                    for _ in range(3)
                ],
            ],
        )
        conn.execute(
            insert(schema.etl_held_back),
            [
                dict(
                    load_id=3,
                    area_code=GATESHEAD,
                    sheet="participants",
                    row=r,
                    reason="E203",
                    data="{}",
                    resolved=r == 4,
                )
                for r in (2, 3, 4)
            ],
        )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def db(db_url) -> Database:
    return Database(db_url)


@pytest.fixture(scope="module")
def client(db_url):
    return create_app(DashboardSettings(database_url=db_url)).server.test_client()


@pytest.fixture(scope="module")
def paired_client(tmp_path_factory):
    """Paired-outcome completeness in 2018-19: Newcastle 16 of 20, Manchester 12 of 12,
    Blackpool 4 of 4 (suppressed: below 10), and Essex 10 of 10 and Dorset 10 of 11, the smallest
    published figures, so the three cells disclosure control v2 hides in a table with
    Blackpool's (indicators.md v2) are Blackpool's, Essex's and Dorset's."""
    url = build_db(
        tmp_path_factory.mktemp("quality-paired") / "q.db",
        {
            NEWCASTLE: _completed(16, 16) + _completed(4, 0),
            BLACKPOOL: _completed(4, 4),
            MANCHESTER: _completed(12, 12),
            ESSEX: _completed(10, 10),
            DORSET: _completed(11, 10),
        },
    )
    return create_app(DashboardSettings(database_url=url)).server.test_client()


# --- queries -------------------------------------------------------------------------------------


def test_current_returns_carry_their_load_outcome(db):
    current = queries.current_returns(db).set_index("area_code")
    assert current.at[NEWCASTLE, "outcome"] == "loaded"
    assert current.at[GATESHEAD, "outcome"] == "loaded with quarantine"
    assert current.at[GATESHEAD, "period"] == "2017-18_Q2"
    assert current["period"].isna().sum() == len(current) - 4  # other areas: no return


def test_coverage_grid_runs_from_programme_start_to_each_returns_end(db):
    quarters, grid = pq.coverage_grid(queries.current_returns(db))
    assert quarters[0].label == "2016-17_Q1" and quarters[-1].label == "2018-19_Q4"
    assert len(quarters) == 12
    assert int(grid.loc[NEWCASTLE].sum()) == 12
    assert int(grid.loc[GATESHEAD].sum()) == 6  # 2016-17 Q1 to 2017-18 Q2
    assert not grid.loc[GATESHEAD, "2017-18_Q3"]
    assert int(grid.loc["E10000012"].sum()) == 0  # Essex: no return


def test_findings_are_those_of_the_current_return_only(db):
    f = queries.finding_counts(db)
    got = {(r.area_code, r.code): r.findings for r in f.itertuples()}
    assert got == {(NEWCASTLE, "W304"): 1, (NEWCASTLE, "W305"): 2, (GATESHEAD, "E203"): 3}
    assert f.set_index("code").at["E203", "title"] == "value not allowed"
    assert f.set_index("code").at["E203", "severity"] == "error"


def test_held_back_rows_counted_with_unresolved(db):
    h = queries.held_back(db)
    assert h.to_dict("records") == [
        {"area_code": GATESHEAD, "sheet": "participants", "rows": 3, "unresolved": 2}
    ]


def test_completeness_counts_not_stated_as_not_stated(db):
    c = queries.completeness(db, NEWCASTLE).set_index("column")
    assert c.at["sex", "rows"] == 20 and c.at["sex", "stated"] == 18
    assert c.at["sex", "percent_stated"] == pytest.approx(90.0)
    assert c.at["ethnicity", "percent_stated"] == pytest.approx(100.0)


def test_pooled_completeness_adds_rows_before_dividing(db):
    pooled = pc.pooled_completeness(queries.completeness(db)).set_index("column")
    # 20 + 3 + 4 + 12 = 39 participants, 2 with sex not stated
    assert pooled.at["sex", "rows"] == 39
    assert pooled.at["sex", "percent_stated"] == pytest.approx(100 * 37 / 39)


def test_every_completeness_is_read_once_per_data_version_and_handed_out_as_copies(db):
    import pandas as pd

    from dashboard.services import version_reads
    from dashboard.services.indicator_data import IndicatorData

    data = IndicatorData(db, 10)
    first = version_reads.completeness(data)
    pd.testing.assert_frame_equal(first, queries.completeness(db))
    pd.testing.assert_frame_equal(
        pc.every_pooled_completeness(data), pc.pooled_completeness(queries.completeness(db))
    )
    first["field"] = "changed by a caller"
    first.loc[0, "rows"] = -1
    pd.testing.assert_frame_equal(version_reads.completeness(data), queries.completeness(db))
    assert ("quality_data", "completeness") in data._cache


@pytest.mark.parametrize("pooled_first", [False, True])
def test_completeness_is_read_once_per_data_version_for_each_area_and_pooled(
    db, monkeypatch, pooled_first
):
    """The pooled frame is made from every area's completeness kept for the version: one read
    of it per version, whichever of the two is asked for first."""
    import pandas as pd

    from dashboard.services import version_reads
    from dashboard.services.indicator_data import IndicatorData

    every = queries.completeness(db)
    read, original = [], queries.completeness_rows

    def counted(conn, area=None):
        read.append(area)
        return original(conn, area)

    monkeypatch.setattr(queries, "completeness_rows", counted)
    data = IndicatorData(db, 10)
    if pooled_first:
        pooled = pc.every_pooled_completeness(data)
    pd.testing.assert_frame_equal(version_reads.completeness(data), every)
    if not pooled_first:
        pooled = pc.every_pooled_completeness(data)
    assert read == [None]  # every area's, once
    pd.testing.assert_frame_equal(pooled, pc.pooled_completeness(every))
    pd.testing.assert_frame_equal(pc.every_pooled_completeness(data), pooled)
    assert read == [None]


def test_load_log_is_newest_first_and_filters_by_area(db):
    every = queries.load_log(db)
    assert list(every["load_id"]) == [4, 2, 1, 3, 6, 5]
    assert list(queries.load_log(db, NEWCASTLE)["load_id"]) == [2, 1]


# --- pages and callbacks -------------------------------------------------------------------------


def controls(client, search: str) -> dict:
    outputs = [
        (ids.QUALITY_AREA, "options"),
        (ids.QUALITY_AREA, "value"),
        (ids.QUALITY_PERIOD, "options"),
        (ids.QUALITY_PERIOD, "value"),
        (ids.QUALITY_MEASURE, "value"),
        (ids.QUALITY_MESSAGES, "children"),
    ]
    return post_callback(
        client,
        outputs,
        [
            {"id": ids.QUALITY_STATE, "property": "data", "value": {"search": search}},
            {"id": ids.URL, "property": "search", "value": search},
        ],
    )


def registered_output(client, contains: str) -> str:
    """The output key of the registered callback whose outputs include ``contains`` (an output
    with allow_duplicate carries a hash suffix that only the app knows)."""
    return next(d["output"] for d in dependencies(client) if contains in d["output"])


def draw(
    client, area: str, measure: str = "csi4", period: str | None = "2018-19", search: str = ""
) -> dict:
    key = registered_output(client, f"{ids.QUALITY_CONTENT}.children")
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append((json.loads(cid) if cid.startswith("{") else cid, prop))
    inputs = [
        {"id": ids.QUALITY_AREA, "property": "value", "value": area},
        {"id": ids.QUALITY_MEASURE, "property": "value", "value": measure},
        {"id": ids.QUALITY_PERIOD, "property": "value", "value": period},
    ]
    return post_callback(
        client,
        outputs,
        inputs,
        [{"id": ids.URL, "property": "search", "value": search}],
        changed=[f"{ids.QUALITY_AREA}.value"],
        output=key,
    )


def test_quality_page_is_served_for_all_areas_and_each_area(client):
    assert client.get("/quality").status_code == 200
    for area in (NEWCASTLE, GATESHEAD, "E10000012"):
        assert client.get(f"/quality?area={area}").status_code == 200
        page = route(client, "/quality", f"?area={area}")[ids.PAGE_CONTENT]["children"]
        assert count_type(page, "H1") == 1


def test_controls_follow_the_address(client):
    out = controls(client, f"?area={GATESHEAD}&measure=ops&period=2017-18")
    assert out[ids.QUALITY_AREA]["value"] == GATESHEAD
    assert out[ids.QUALITY_MEASURE]["value"] == "ops"
    assert out[ids.QUALITY_PERIOD]["value"] == "2017-18"
    assert out[ids.QUALITY_MESSAGES]["children"] is None
    assert {"label": "Gateshead", "value": GATESHEAD} in out[ids.QUALITY_AREA]["options"]


@pytest.mark.parametrize(
    "search,words",
    [
        ("?area=E99999999", "no programme area E99999999"),
        ("?area=banana", "Ignored area='banana'"),
        ("?measure=iq", "Ignored measure='iq'"),
        ("?period=2031-32", "no figures for 2031-32"),
        ("?period=Q9", "Ignored period='Q9'"),
        ("?colour=red", "unknown setting 'colour'"),
    ],
)
def test_bad_address_gives_a_message_and_defaults(client, search, words):
    assert client.get(f"/quality{search}").status_code == 200
    out = controls(client, search)
    assert words in texts(out[ids.QUALITY_MESSAGES]["children"])
    assert out[ids.QUALITY_AREA]["value"] == "all"
    assert out[ids.QUALITY_PERIOD]["value"] == "2018-19"  # the latest financial year


def test_all_areas_view_shows_grid_loads_findings_and_held_back_rows(client):
    out = draw(client, "all")
    text = texts(out[ids.QUALITY_CONTENT]["children"])
    assert "✓ 2018-19 Q4" in text and "✓ 2017-18 Q2" in text and "✗ not covered" in text
    assert "Rejected" in text and "Loaded, some rows held back" in text
    assert "name not readable" in text  # the load whose file name could not be read
    assert "value not allowed" in text and "E109" not in text
    assert ids.URL not in out  # every filter at its default (the latest period): address kept


def test_one_area_view_writes_the_address_and_narrows_the_tables(client):
    out = draw(client, GATESHEAD, "ops", "2017-18")
    assert out[ids.URL]["search"] == f"?area={GATESHEAD}&measure=ops&period=2017-18"
    text = texts(out[ids.QUALITY_CONTENT]["children"])
    assert "Gateshead" in text and "Newcastle" not in text


def test_the_sections_are_made_again_after_a_load(tmp_path):
    """The sections are kept per data version: a new load (a new load-log row) shows at once."""
    url = build_db(tmp_path / "q.db", {NEWCASTLE: _completed(12, 12)})
    client = create_app(DashboardSettings(database_url=url)).server.test_client()
    before = texts(draw(client, "all")[ids.QUALITY_CONTENT]["children"])
    assert before == texts(draw(client, "all")[ids.QUALITY_CONTENT]["children"])
    assert "late.zip" not in before
    engine = writer_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.etl_load_log).values(
                load_id=99,
                sha256="1" * 64,
                size_bytes=1,
                participants_loaded=0,
                episodes_loaded=0,
                outcomes_loaded=0,
                rows_held_back=0,
                errors=1,
                warnings=0,
                file_name="late.zip",
                area_code=NEWCASTLE,
                period="2018-19_Q4",
                outcome="rejected",
                started_at=T0,
            )
        )
    engine.dispose()
    assert "late.zip" in texts(draw(client, "all")[ids.QUALITY_CONTENT]["children"])


def test_unchanged_address_is_not_written_again(client):
    out = draw(client, NEWCASTLE, search=f"?area={NEWCASTLE}")
    assert ids.URL not in out  # no_update: back and forward keep working


def test_paired_chart_marks_suppressed_areas_and_names_them(paired_client):
    out = json.dumps(draw(paired_client, "all"))
    assert "Blackpool" in out and "[c]" in out
    assert "Paired-outcome completeness" in out
    assert "80%" in out  # Newcastle: 16 of 20


def test_completeness_chart_summary_names_the_least_complete_field(client):
    out = json.dumps(draw(client, NEWCASTLE))
    assert "sex (90% of rows stated, against 95% across all areas)" in out  # 18/20, 37/39


def test_a_database_that_cannot_be_read_gives_a_message(tmp_path):
    app = create_app(DashboardSettings(database_url=f"sqlite:///{tmp_path / 'missing.db'}"))
    client = app.server.test_client()
    assert client.get("/quality").status_code == 200
    out = controls(client, "")
    assert "cannot be shown" in texts(out[ids.QUALITY_MESSAGES]["children"])


def test_an_empty_database_shows_friendly_empty_states(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    client = create_app(DashboardSettings(database_url=url)).server.test_client()
    out = controls(client, "")
    assert out[ids.QUALITY_PERIOD]["value"] is None
    drawn = draw(client, "all", period=None)
    text = texts(drawn[ids.QUALITY_CONTENT]["children"])
    assert "No area has a return loaded yet" in text
    assert "No return has been sent yet." in text
    assert "nothing to report" in text
    assert "No current return is loaded" in json.dumps(drawn)
    assert "no period to show" in json.dumps(drawn)


def test_paired_completeness_for_every_measure_is_a_table_with_suppression(paired_client):
    out = draw(paired_client, "all")
    table = out[ids.QUALITY_PAIRED_ALL]["children"]
    text = texts(table)
    assert "Couples Satisfaction Index, 4 items (% paired)" in text
    rows = {
        r["props"]["children"][0]["props"]["children"]: [
            c["props"]["children"] for c in r["props"]["children"][1:]
        ]
        for r in table["props"]["children"]["props"]["children"][2]["props"]["children"]
    }
    assert rows["Newcastle upon Tyne"][0] == "80%"  # csi4: 16 of 20
    assert rows["Blackpool"][0] == "[c]"  # 4 episodes, below the threshold of 10
    # beside it, the two smallest published figures (Essex 10, Dorset 10 of 11), not Manchester
    assert rows["Essex"][0] == rows["Dorset"][0] == "[c]" and rows["Manchester"][0] == "100%"


def test_data_table_json_is_what_components_would_send():
    """The table's cells written as JSON are the same text as a component per cell."""
    import pandas as pd
    import plotly.utils
    from dash import html

    from dashboard.layouts import tables as page

    df = pd.DataFrame(
        {
            "Area": ["Blackpool", None, "Essex"],
            "Rows": [1200, 5, 0],
            "Share": [12.5, float("nan"), 3.0],
            "Note": ["a", "b", None],
        }
    )
    numeric = ("Rows", "Share")
    head = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col", className="text-end" if c in numeric else None)
                for c in df.columns
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Th(page._cell(v), scope="row", className="text-end" if c in numeric else None)
                if c == "Area"
                else html.Td(page._cell(v), className="text-end" if c in numeric else None)
                for c, v in zip(df.columns, record, strict=True)
            ]
        )
        for record in df.itertuples(index=False)
    ]
    reference = html.Div(
        html.Table(
            [html.Caption("t"), head, html.Tbody(body)], className="table table-sm lfo-table"
        ),
        className="table-responsive",
    )
    made = page.data_table(df, "t", numeric=numeric, row_header="Area")
    assert json.dumps(made, cls=plotly.utils.PlotlyJSONEncoder) == json.dumps(
        reference, cls=plotly.utils.PlotlyJSONEncoder
    )

"""A request within one data version reads the database only to learn the version (issue 15).

On PostgreSQL each statement is a round trip (the light callbacks' 0.7-3 ms, the Reach charts'
36 -> 70 ms): so what cannot change within a data version (the areas with their populations,
the periods, the returns, the load log, findings, rows held back, completeness, the data as at,
slices of the whole results held) is kept per version (``dashboard.services.version_reads``,
``IndicatorData``), and a repeat request with other inputs issues one statement, the data
version's. After a load the next request reads the new figures (nothing stale).

The requests run on SQLite (its snapshot's BEGIN is the driver's, not a statement); the count
does not depend on the backend.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from support.dash_client import card_view, post_callback, route
from support.page_dbs import BLACKPOOL, NEWCASTLE
from support.returns import write_return
from support.text import texts

from dashboard import ids
from dashboard.app import create_app
from dashboard.charts.card import card_outputs
from dashboard.layouts import reach
from dashboard.services.queries import data_version
from dashboard.settings import DashboardSettings
from etl.load.loader import load_files

PERIOD, OTHER_PERIOD = "2017-18_Q3", "2017-18_Q2"


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine issues inside the block on this thread: the test client
    answers a request on the thread that sends it. Another thread's (a warming thread left
    running by an earlier test reads the data version every few seconds, with the very
    statement counted here) are no part of the request."""
    seen: list[str] = []
    thread = threading.get_ident()

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == thread:
            seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _found(tree: object, component_id: str) -> dict | None:
    if isinstance(tree, list):
        return next((f for t in tree if (f := _found(t, component_id)) is not None), None)
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component_id:
            return tree
        return _found(props.get("children"), component_id)
    return None


#: each client's area stores (keyed by the client itself: an ``id`` is reused once its client
#: is gone, and a later test's client would be handed another database's store)
_STORES: weakref.WeakKeyDictionary[object, dict[str, dict]] = weakref.WeakKeyDictionary()


def shown(client, code: str) -> dict:
    """The area profile's store for ``code``, as the router fills it in (asked once per client:
    the page keeps it, so it is no part of a card's request)."""
    stores = _STORES.setdefault(client, {})
    if code not in stores:
        layout = route(client, f"/area/{code}")[ids.PAGE_CONTENT]["children"]
        found = _found(layout, ids.AREA_SHOWN)
        assert found is not None
        stores[code] = found["props"]["data"]
    return stores[code]


def reach_charts(client, period: str, char: str, areas: list[str]) -> str:
    """The Reach page's charts callback (every chart's card) for the inputs given."""
    p = reach.TOPIC.part
    charts = [reach.TOPIC.chart(c) for c in ("trend", "caterpillar", "funnel", "breakdown")]
    charts.append(reach.TOPIC.chart("groups"))
    outputs = [(ids.URL, "search"), (p("written"), "data"), (p("links"), "children")]
    outputs += [(p("summary"), "children"), (p("not-shown"), "children")]
    outputs += [(ids.chart(c, "section"), "hidden") for c in charts]
    for c in charts:
        outputs += [(o.component_id, o.component_property) for o in card_outputs(c)]
    inputs = [
        {"id": p("indicator"), "property": "value", "value": reach.TOPIC.default_indicator},
        {"id": p("areas"), "property": "data", "value": areas},
        {"id": p("from"), "property": "value", "value": "2016-17_Q1"},
        {"id": p("to"), "property": "value", "value": "2018-19_Q4"},
        {"id": p("period"), "property": "value", "value": period},
        {"id": p("ci"), "property": "value", "value": "95"},
        {"id": p("char"), "property": "value", "value": char},
        {"id": p("benchmark"), "property": "value", "value": "programme"},
        {"id": p("trend-by"), "property": "value", "value": "quarterly"},
    ]
    state = [{"id": ids.URL, "property": "search", "value": ""}]
    return str(post_callback(client, outputs, inputs, state))


def area_reach(client, code: str, period: str, breakdown: str) -> str:
    """The area profile's reach card."""
    inputs = [
        {"id": ids.AREA_PERIOD, "property": "value", "value": period},
        {"id": ids.AREA_CI, "property": "value", "value": "95"},
        {"id": ids.AREA_BREAKDOWN, "property": "value", "value": breakdown},
        {"id": ids.AREA_SHOWN, "property": "data", "value": shown(client, code)},
        {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
    ]
    state = [card_view(ids.AREA_REACH_CHART)]
    return str(post_callback(client, card_outputs(ids.AREA_REACH_CHART), inputs, state))


def area_card(client, chart_id: str, code: str, period: str) -> str:
    """The area profile's funnel card, or its data-quality section (``ids.AREA_QUALITY``)."""
    inputs = [
        {"id": ids.AREA_PERIOD, "property": "value", "value": period},
        {"id": ids.AREA_SHOWN, "property": "data", "value": shown(client, code)},
    ]
    if chart_id == ids.AREA_QUALITY:
        answer = post_callback(client, [(ids.AREA_QUALITY, "children")], inputs)
        return texts(answer[ids.AREA_QUALITY]["children"])
    state = [card_view(ids.AREA_FUNNEL_CHART)]
    return str(post_callback(client, card_outputs(ids.AREA_FUNNEL_CHART), inputs, state))


def one_input(output: tuple[str, str], source: tuple[str, str]) -> Callable[..., str]:
    def call(client, value: object) -> str:
        answer = post_callback(
            client, [output], [dict(id=source[0], property=source[1], value=value)]
        )
        return str(answer)

    return call


def api(path: str) -> Callable[..., str]:
    def call(client, query: str) -> str:
        r = client.get(f"{path}?{query}")
        assert r.status_code == 200, r.data[:500]
        return r.get_data(as_text=True)

    return call


#: Read-only requests, each with two sets of inputs: the first made (and what it needs kept),
#: the second counted. What each reads that is not held is named in version_reads' docstring.
REQUESTS: dict[str, tuple[Callable[..., str], tuple, tuple]] = {
    "Reach page's charts": (
        reach_charts,
        (PERIOD, "sex", [NEWCASTLE]),
        (OTHER_PERIOD, "ethnicity", [NEWCASTLE, BLACKPOOL]),
    ),
    "area profile's reach card": (
        area_reach,
        (NEWCASTLE, PERIOD, "sex"),
        (NEWCASTLE, OTHER_PERIOD, "ethnicity"),
    ),
    "area profile's funnel card": (
        lambda c, *a: area_card(c, ids.AREA_FUNNEL_CHART, *a),
        (NEWCASTLE, PERIOD),
        (NEWCASTLE, OTHER_PERIOD),
    ),
    "area profile's data quality": (
        lambda c, *a: area_card(c, ids.AREA_QUALITY, *a),
        (NEWCASTLE, PERIOD),
        (NEWCASTLE, OTHER_PERIOD),
    ),
    "footer's data as at": (
        one_input((ids.DATA_AS_AT, "children"), (ids.URL, "pathname")),
        ("/",),
        ("/reach",),
    ),
    "Home's returns loaded": (
        one_input((ids.HOME_LOADED, "children"), (ids.HOME_STATE, "data")),
        ({"search": ""},),
        ({"search": "?period=2017-18"},),
    ),
    "/api/v1/data": (
        api("/api/v1/data"),
        (f"indicator=reach.families&area={NEWCASTLE}&period={PERIOD}",),
        (f"indicator=reach.families&area={BLACKPOOL}&period={OTHER_PERIOD}",),
    ),
    "/api/v1/areas": (api("/api/v1/areas"), ("",), ("format=json",)),
}


@pytest.fixture
def loaded(lfo_settings, scaled_tables, tmp_path):
    """Newcastle's return loaded (15 parents: figures shown), and the dashboard on it."""
    path = write_return(tmp_path / "in", scaled_tables(5), area=NEWCASTLE)
    [done] = load_files([path], lfo_settings)
    assert done.outcome == "loaded"
    app = create_app(DashboardSettings(database_url=lfo_settings.database_url))
    return lfo_settings, app, app.server.test_client()


def _version_statement(app) -> str:
    """The data version's statement, as the app's engine (opened first) sends it."""
    engine = app.services.db.engine
    with statements() as seen, engine.connect() as conn:
        data_version(conn)
    [only] = seen
    return only


def test_a_repeat_request_with_other_inputs_reads_only_the_data_version(loaded):
    _settings, app, client = loaded
    version = _version_statement(app)
    issued = {}
    for name, (call, first, other) in REQUESTS.items():
        call(client, *first)  # makes what it needs (the whole results, the reads kept)
        if call in (area_reach,) or name.startswith("area profile"):
            shown(client, other[0])
        with statements() as seen:
            call(client, *other)
        issued[name] = [s for s in seen if s != version] or len(seen)
    assert issued == dict.fromkeys(REQUESTS, 1)


def test_after_a_load_the_next_requests_read_the_new_figures(loaded, scaled_tables, tmp_path):
    settings, _app, client = loaded
    before = {name: call(client, *other) for name, (call, _first, other) in REQUESTS.items()}
    quality = area_card(client, ids.AREA_QUALITY, BLACKPOOL, PERIOD)
    assert "LFO_E06000009" not in quality
    path = write_return(tmp_path / "in2", scaled_tables(4), area=BLACKPOOL)
    [done] = load_files([path], settings)
    assert done.outcome == "loaded"
    after = {name: call(client, *other) for name, (call, _first, other) in REQUESTS.items()}
    # Blackpool's figures, its return and the load's time are read at the new version
    assert "LFO_E06000009" in area_card(client, ids.AREA_QUALITY, BLACKPOOL, PERIOD)
    changed = {name for name in REQUESTS if after[name] != before[name]}
    assert changed >= {
        "Reach page's charts",
        "Home's returns loaded",
        "/api/v1/data",
        "/api/v1/areas",
    }

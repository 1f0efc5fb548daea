"""PostgreSQL restarting under a running app (issue 15, "Bad input and failure": "a clear 503,
then recovery without restarting the app").

One throw-away cluster is stopped and started again on the same port and data folder while the
app is served on loopback (werkzeug, threaded). While it is down, the API, a server page, a Dash
callback and ``/healthz`` answer 503 saying to try again (JSON for the API and callbacks, with
``Retry-After``), never a 500 or a traceback; once it is up, the same requests answer 200 from
the same app. A request waiting on the database when it stops is a 503 too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from support.browser import serving
from support.dash_client import (
    CALLBACK_URL,
    callback_body,
    card_view,
    component_key,
    prop_key,
    registered_output,
)
from support.engine_db import build_db, episode
from support.postgres import Cluster, postgres_cluster
from support.servers import Answer, request
from support.web import GATESHEAD, NEWCASTLE

from dashboard import ids
from dashboard.api.errors import RETRY_AFTER, UNAVAILABLE, database_unavailable
from dashboard.app import create_app
from dashboard.charts.card import card_outputs
from dashboard.layouts import spine_table
from dashboard.present.area import UNAVAILABLE as AREA_UNAVAILABLE
from dashboard.settings import DashboardSettings

Q2 = "2017-08-15"
SPINE = ids.AREA_SPINE_CHART


def data_path(indicator: str) -> str:
    return f"/api/v1/data?indicator={indicator}&period=2017-18_Q2"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as made:
        areas = {
            NEWCASTLE: [episode("completed", Q2)] * 30,
            GATESHEAD: [episode("completed", Q2)] * 12,
        }
        build_db(None, areas, url=made.url)
        yield made


@pytest.fixture
def app(cluster):
    if not cluster.running:  # a test that failed midway left it stopped
        cluster.start()
    return create_app(
        DashboardSettings(database_url=cluster.url, warm_cache=False, cache_dir="off")
    )


def post_json(base: str, body: dict) -> Answer:
    sent = json.dumps(body).encode()
    return request(base, "POST", CALLBACK_URL, sent, {"Content-Type": "application/json"})


def spine_body(client, code: str) -> dict:
    """The area profile's key-indicators callback for ``code`` in 2017-18 Q2."""
    return callback_body(
        client,
        [
            (ids.AREA_DATA_MESSAGES, "children"),
            *card_outputs(SPINE),
            (spine_table.slot_id(SPINE), "children"),
        ],
        [
            {"id": ids.AREA_COMPARE, "property": "data", "value": []},
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2017-18_Q2"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": {"code": code}},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        [card_view(SPINE)],
    )


def twin_body(client, view: object) -> dict:
    """Opening the key-indicators chart's table: built on the server, from the database."""
    table, opened = ids.chart(SPINE, "table"), ids.chart(SPINE, "table-request")
    return callback_body(
        client,
        [(table, "children")],
        [{"id": opened, "property": "data", "value": {"view": view, "opened": 1}}],
        output=registered_output(client, prop_key(table, "children"), listening_to=opened),
    )


def assert_unavailable_json(answer: Answer) -> None:
    assert answer.status == 503, answer.body[:300]
    assert answer.header("Content-Type") == "application/json"
    assert json.loads(answer.body) == {"error": {"parameter": None, "message": UNAVAILABLE}}
    # the API's rate limiter may say a later time (its window's reset), never an earlier one
    assert int(answer.header("Retry-After") or 0) >= int(RETRY_AFTER)


def test_a_stopped_database_is_a_503_everywhere_and_the_app_recovers_when_it_starts(cluster, app):
    client = app.server.test_client()  # only to read the app's callback map
    with serving(app) as base:
        assert request(base, "GET", data_path("uptake.completion")).status == 200
        assert request(base, "GET", "/releases").status == 200
        spine = post_json(base, spine_body(client, NEWCASTLE))
        assert spine.status == 200
        view_key = component_key(ids.chart_pattern(SPINE, "view"))
        view = json.loads(spine.body)["response"][view_key]["data"]
        assert post_json(base, twin_body(client, view)).status == 200

        cluster.stop("fast")
        # the API, with a query not answered before (so not cached): JSON, says to try again
        assert_unavailable_json(request(base, "GET", data_path("uptake.start")))
        # a server page: the plain HTML error page, no traceback
        page = request(base, "GET", "/releases")
        assert page.status == 503
        assert (page.header("Content-Type") or "").startswith("text/html")
        assert page.header("Retry-After") == RETRY_AFTER
        said = page.body.decode()
        assert "try again in a few seconds" in said and "Traceback" not in said
        # a Dash callback that reads the database: JSON, as the API
        twin = post_json(base, twin_body(client, view))
        assert_unavailable_json(twin)
        assert twin.header("Retry-After") == RETRY_AFTER
        # a page's own callback says so in the page, as it does for any unreadable database
        other = post_json(base, spine_body(client, GATESHEAD))
        assert other.status == 200 and AREA_UNAVAILABLE in other.body.decode()
        health = request(base, "GET", "/healthz")
        assert health.status == 503 and json.loads(health.body)["status"] == "unavailable"

        cluster.start()  # the same server, port and data: the app is not restarted
        again = request(base, "GET", data_path("uptake.start"))
        assert again.status == 200 and json.loads(again.body)["data"]
        assert request(base, "GET", "/releases").status == 200
        assert post_json(base, twin_body(client, view)).status == 200
        assert post_json(base, spine_body(client, GATESHEAD)).status == 200
        assert request(base, "GET", "/healthz").status == 200


def test_a_restart_between_requests_costs_no_request(cluster, app):
    """Every pooled connection died with the old server: each is checked before use and
    replaced, so the first request after the restart is answered, not refused."""
    with serving(app) as base:
        assert request(base, "GET", data_path("reach.parents")).status == 200
        assert request(base, "GET", "/releases").status == 200
        cluster.stop("fast")
        cluster.start()
        assert request(base, "GET", data_path("reach.families")).status == 200
        assert request(base, "GET", "/releases").status == 200


def test_a_request_waiting_on_the_database_when_it_stops_is_a_503(cluster, app):
    """The request is held mid-query by a lock (as a slow query would be) when the server is
    stopped: it is a 503, and the next request after the start is answered."""
    holder = create_engine(cluster.url)
    answers: list[Answer] = []
    with serving(app) as base:
        assert request(base, "GET", "/healthz").status == 200  # the app's pool is open
        conn = holder.connect()
        conn.execute(text("LOCK TABLE etl_load_log IN ACCESS EXCLUSIVE MODE"))
        asking = threading.Thread(
            target=lambda: answers.append(request(base, "GET", data_path("uptake.attendance")))
        )
        asking.start()
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%etl_load_log%'"
        )
        for _ in range(200):  # until the app's query waits on the lock (at most 10 s)
            with holder.connect() as watcher:  # a new transaction: pg_stat_activity as it is now
                if watcher.execute(waiting).scalar():
                    break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the request never reached the database")
        cluster.stop("fast")  # ends every session: the lock holder's and the request's
        asking.join(timeout=30)
        conn.invalidate()
        holder.dispose()
        assert len(answers) == 1
        assert_unavailable_json(answers[0])
        cluster.start()
        assert request(base, "GET", data_path("uptake.attendance")).status == 200


def test_only_a_lost_or_refused_connection_is_unavailable_not_a_programming_error():
    cause = Exception("the driver's error")
    assert database_unavailable(OperationalError("SELECT 1", {}, cause))
    assert database_unavailable(DBAPIError("SELECT 1", {}, cause, connection_invalidated=True))
    assert not database_unavailable(ProgrammingError("SELEC 1", {}, cause))
    assert not database_unavailable(IntegrityError("INSERT", {}, cause))
    assert not database_unavailable(ValueError("not a database error"))


def test_a_programming_error_on_a_page_is_not_answered_as_unavailable(app):
    """Flask's own handling of an error raised while answering ``/releases``: a lost connection
    is the 503 page, a wrong query goes on to Flask's 500 (logged with its traceback)."""
    cause = Exception("the driver's error")
    server = app.server
    with server.test_request_context("/releases"):
        answer = server.handle_user_exception(OperationalError("SELECT 1", {}, cause))
        assert answer.status_code == 503 and answer.headers["Retry-After"] == RETRY_AFTER
        with pytest.raises(ProgrammingError):
            server.handle_user_exception(ProgrammingError("SELEC 1", {}, cause))

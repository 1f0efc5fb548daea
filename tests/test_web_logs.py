"""The dashboard's log lines (``dashboard.web.logs``): plain or JSON, each with its request id, one
access line per request, and a request id the client may only set through a trusted proxy.
Under a real gunicorn: tests/test_web_gunicorn.py."""

from __future__ import annotations

import io
import json
import logging

import pytest
from support.web import small_db

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.logs import configure_logging


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return small_db(tmp_path_factory.mktemp("web-logs") / "lfo.db")


@pytest.fixture
def captured():
    """The log as ``configure_logging`` writes it, into a buffer; the root logger put back."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    levels = {n: logging.getLogger(n).level for n in ("dashboard", "lfo", "etl")}
    buffers: list[io.StringIO] = []

    def configure(fmt: str) -> io.StringIO:
        buffers.append(io.StringIO())
        configure_logging(fmt, stream=buffers[-1])
        return buffers[-1]

    yield configure
    root.handlers[:] = before[0]
    root.setLevel(before[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def app_client(db_url: str, trusted_proxies: int = 0):
    settings = DashboardSettings(
        database_url=db_url,
        warm_cache=False,
        trusted_proxies=trusted_proxies,
        proxy_addresses=("127.0.0.1/32",),  # the test client's peer address
    )
    return create_app(settings).server.test_client()


def test_plain_lines_carry_the_request_id_the_answer_returns(db_url, captured):
    client = app_client(db_url)
    out = captured("plain")
    resp = client.get("/api/v1/areas")
    rid = resp.headers["X-Request-ID"]
    lines = out.getvalue().splitlines()
    assert any(
        f"INFO dashboard.services.database [{rid}] opened the database read-only" in x
        for x in lines
    )
    assert any(f"INFO dashboard.web.access [{rid}] GET /api/v1/areas 200 " in x for x in lines)
    other = client.get("/healthz").headers["X-Request-ID"]
    assert other != rid


def test_json_lines_are_one_object_each(db_url, captured):
    client = app_client(db_url)
    out = captured("json")
    rid = client.get("/api/v1/indicators").headers["X-Request-ID"]
    logging.getLogger("dashboard.test").info("outside a request")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "dashboard.web.access"]
    assert access[0]["request_id"] == rid and access[0]["level"] == "INFO"
    assert access[0]["message"].startswith("GET /api/v1/indicators 200 ")
    assert access[0]["time"].endswith("Z")
    assert records[-1]["request_id"] == "-" and records[-1]["message"] == "outside a request"


def test_configuring_twice_leaves_one_handler_and_other_libraries_at_warning(captured):
    first = captured("plain")
    second = captured("json")
    logging.getLogger("dashboard.test").info("once")
    logging.getLogger("some.library").info("not shown")
    logging.getLogger("some.library").warning("shown")
    assert first.getvalue() == ""
    lines = [json.loads(x)["message"] for x in second.getvalue().splitlines()]
    assert lines == ["once", "shown"]


def test_a_request_id_from_the_client_is_used_only_behind_a_trusted_proxy(db_url):
    sent = {"X-Request-ID": "edge-42"}
    direct = app_client(db_url, trusted_proxies=0).get("/healthz", headers=sent)
    proxied = app_client(db_url, trusted_proxies=1)
    assert direct.headers["X-Request-ID"] != "edge-42"
    assert proxied.get("/healthz", headers=sent).headers["X-Request-ID"] == "edge-42"
    too_long = proxied.get("/healthz", headers={"X-Request-ID": "x" * 129})
    assert too_long.headers["X-Request-ID"] != "x" * 129


def test_control_characters_in_a_path_are_escaped_in_the_access_line(db_url, captured):
    client = app_client(db_url)
    out = captured("plain")
    client.get("/api/v1/x%0Aforged%1b[31m")
    line = next(x for x in out.getvalue().splitlines() if "dashboard.web.access" in x)
    assert "/api/v1/x\\x0aforged\\x1b[31m 404" in line
    assert "\x1b" not in out.getvalue()

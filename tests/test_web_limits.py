"""Request size limits and callback bodies Dash cannot read (service.md § 3; issue 10: "Deeply
nested callback JSON is a 500", "There is no request size limit").

Every body is posted over a real socket to the app served on loopback: a clear JSON 400 or 413,
never a 500, and the app still answers a real callback afterwards.
"""

from __future__ import annotations

import json
import logging
import socket

import pytest
from support.browser import serving
from support.servers import request
from support.web import JSON_DEPTH, ONE_MB, router_body, small_db

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.limits import json_depth

CALLBACK = "/_dash-update-component"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = small_db(tmp_path_factory.mktemp("web-limits") / "lfo.db")
    return create_app(DashboardSettings(database_url=url, warm_cache=False))


@pytest.fixture(scope="module")
def base(app):
    with serving(app) as url:
        yield url


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def post(base: str, body: bytes):
    return request(base, "POST", CALLBACK, body=body, headers=JSON)


def refusal(answer) -> str:
    assert answer.header("Content-Type") == "application/json"
    return json.loads(answer.body)["error"]["message"]


def test_a_real_callback_body_is_answered(app, base):
    answer = post(base, json.dumps(router_body(app, "/reach")).encode())
    assert answer.status == 200
    assert "page-content" in answer.body.decode()


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"output": NaN}', "not valid JSON"),
        (nested(100_000), f"more than {JSON_DEPTH} levels"),  # was a 500: RecursionError
        (nested(JSON_DEPTH + 1), f"more than {JSON_DEPTH} levels"),
        (b"[]", "not a Dash callback"),  # was a 500
        (b"{}", "not a Dash callback"),  # was a 500
        (b'{"output": "x", "inputs": []}', "no such callback"),  # was a 500
    ],
)
def test_a_callback_body_dash_cannot_read_is_a_clear_400(base, body, reason, caplog):
    with caplog.at_level(logging.ERROR):
        answer = post(base, body)
    assert answer.status == 400
    assert reason in refusal(answer)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_callback_with_the_wrong_inputs_or_outputs_is_a_clear_400(app, base):
    good = router_body(app)
    wrong = [
        {**good, "inputs": [5]},
        {**good, "inputs": []},
        {**good, "state": "x"},
        {**good, "outputs": good["outputs"][:1]},  # was a 500: "Wrong length output_spec"
        {**good, "changedPropIds": [1]},
    ]
    for body in wrong:
        answer = post(base, json.dumps(body).encode())
        assert answer.status == 400, body
        assert "not this callback's" in refusal(answer)


def test_a_callback_that_runs_in_the_browser_posted_to_the_server_is_a_clear_400(app, base, caplog):
    """Every clientside callback (the page title, the topic pages' address, the table twins'
    requests): a crafted POST of one was a 500 with a traceback (KeyError in Dash)."""
    clientside = [key for key, spec in app.callback_map.items() if "callback" not in spec]
    assert len(clientside) >= 5
    for key in clientside:
        spec = app.callback_map[key]
        body = {
            "output": key,
            "outputs": {"id": "x", "property": "y"},
            "inputs": [{"id": "x", "property": "y", "value": None} for _ in spec["inputs"]],
            "state": [{"id": "x", "property": "y", "value": None} for _ in spec["state"]],
            "changedPropIds": [],
        }
        with caplog.at_level(logging.ERROR):
            answer = post(base, json.dumps(body).encode())
        assert answer.status == 400, key
        assert "runs in the browser" in refusal(answer)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_deep_but_allowed_value_reaches_the_callback(app, base):
    """64 levels in all are accepted (the pages' own bodies are 6 deep)."""
    body = router_body(app)
    body["extra"] = json.loads(nested(JSON_DEPTH - 1))  # Dash reads only the keys it knows
    assert json_depth(json.dumps(body).encode()) == JSON_DEPTH
    assert post(base, json.dumps(body).encode()).status == 200
    body["extra"] = json.loads(nested(JSON_DEPTH))
    assert post(base, json.dumps(body).encode()).status == 400


def test_a_callback_body_over_one_megabyte_is_413(app, base):
    body = router_body(app)
    body["state"][0]["value"] = "x" * ONE_MB
    answer = post(base, json.dumps(body).encode())
    assert answer.status == 413
    assert "too large" in refusal(answer)
    # just under the limit is read (and answered by the callback)
    body["state"][0]["value"] = "x" * (ONE_MB - 2000)
    assert post(base, json.dumps(body).encode()).status == 200


def test_any_request_over_fifty_megabytes_is_refused_before_it_is_read(base):
    """Only the headers are sent: the answer comes without waiting for 50 MB."""
    port = int(base.rsplit(":", 1)[1])
    for path in ("/reach", "/api/v1/areas"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {50 * ONE_MB + 1}\r\n\r\n".encode()
            )
            head = raw.recv(65536).decode("latin-1")
        assert head.split("\r\n")[0].endswith("413 REQUEST ENTITY TOO LARGE"), head[:200]
    # the app still answers
    assert request(base, "GET", "/api/v1/areas").status == 200


def test_json_depth_counts_lists_and_objects_not_brackets_inside_strings():
    assert json_depth(b"1") == 0
    assert json_depth(b"[]") == 1
    assert json_depth(b'{"a": [{"b": []}]}') == 4
    assert json_depth(nested(500)) == 500
    assert json_depth(b'"[[[["') == 0
    assert json_depth(b'["a\\"[[", {"x": "]]"}]') == 2  # an escaped quote does not end a string
    assert json_depth(b'{"\\\\": [1]}') == 2  # an escaped backslash does not escape the quote


def test_brackets_inside_strings_do_not_count_against_the_limit(app, base):
    body = router_body(app)
    body["extra"] = "[" * 1000
    assert post(base, json.dumps(body).encode()).status == 200

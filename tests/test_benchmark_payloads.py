"""The benchmark's replayed callback bodies time the drawing, not a card's "already drawn"
answer (``benchmarks.payloads.undrawn``)."""

from __future__ import annotations

import json

from benchmarks.payloads import undrawn


def test_a_cards_view_state_is_emptied_and_nothing_else_changes():
    view = {"id": {"type": "chart-view", "chart": "area-spine"}, "property": "data"}
    other = {"id": "url", "property": "search", "value": "?period=2018-19"}
    body = json.dumps(
        {
            "output": "x",
            "inputs": [{"id": "area-period", "property": "value", "value": "2018-19"}],
            "state": [{**view, "value": {"code": "E06000009", "period": "2018-19"}}, other],
        }
    )
    sent = json.loads(undrawn(body))
    assert sent["state"] == [{**view, "value": None}, other]
    assert sent["inputs"] == json.loads(body)["inputs"]


def test_a_body_without_a_drawn_card_is_left_as_it_is():
    body = json.dumps({"output": "x", "inputs": [], "state": [{"id": "url", "value": "?a"}]})
    assert undrawn(body) == body
    assert undrawn(json.dumps({"output": "x", "inputs": []})) == json.dumps(
        {"output": "x", "inputs": []}
    )

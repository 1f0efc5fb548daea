"""The one Dash callback client: call the dashboard's callbacks through Flask's test client, as
the browser does (a POST to ``/_dash-update-component``), and route a page.

``post_callback(client, outputs, inputs, state)`` answers with the response's ``response`` dict,
keyed by component id (``component_key`` for dict ids). Outputs are ``(id, property)`` pairs or
Dash ``Output`` objects; inputs and state are ``{"id", "property", "value"}`` dicts, or lists of
them for an ALL wildcard. The output key sent is the one the app registered (``allow_duplicate``
adds a hash that only the app knows): found in ``/_dash-dependencies`` unless ``output`` is given.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Sequence

from dashboard import ids

CALLBACK_URL = "/_dash-update-component"
_DEPENDENCIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def component_key(cid: object) -> str:
    """A component id as Dash writes it in keys: a dict id as compact JSON with sorted keys."""
    if isinstance(cid, dict):
        return json.dumps(cid, separators=(",", ":"), sort_keys=True)
    return str(cid)


def prop_key(cid: object, prop: str) -> str:
    return f"{component_key(cid)}.{prop}"


def _pair(o: object) -> tuple[object, str]:
    if hasattr(o, "component_id"):
        return o.component_id, o.component_property
    return o[0], o[1]


def _sent(o: object) -> dict | list:
    """One output as the body lists it: a list (an ALL wildcard's components) stays a list."""
    if isinstance(o, list):
        return [_sent(x) for x in o]
    c, p = _pair(o)
    return {"id": c, "property": p}


def output_key(outputs: Sequence, *, multi: bool | None = None) -> str:
    """The key Dash gives a callback's outputs: ``id.prop`` for one, ``..a.p...b.q..`` for a list
    (``multi``: default, more than one output)."""
    pairs = [_pair(o) for o in outputs]
    if multi is None:
        multi = len(pairs) > 1
    if not multi:
        return prop_key(*pairs[0])
    return ".." + "...".join(prop_key(c, p) for c, p in pairs) + ".."


def dependencies(client) -> list[dict]:
    """The app's registered callbacks (``/_dash-dependencies``), fetched once per app."""
    app = client.application
    if app not in _DEPENDENCIES:
        r = client.get("/_dash-dependencies")
        assert r.status_code == 200, r.data[:500]
        _DEPENDENCIES[app] = r.get_json()
    return _DEPENDENCIES[app]


def registered_output(client, output: str, *, listening_to: object = None) -> str | None:
    """The registered key of the callback whose outputs are ``output`` once ``allow_duplicate``'s
    hashes are taken off (and, if given, that has the component ``listening_to`` as an input);
    None if no callback matches. Several matches are an error: say which with ``listening_to``."""
    found = [
        d["output"]
        for d in dependencies(client)
        if re.sub(r"@[0-9a-f]+", "", d["output"]) == output
        and (listening_to is None or any(i["id"] == listening_to for i in d["inputs"]))
    ]
    assert len(found) <= 1, f"several callbacks write {output}: {found}"
    return found[0] if found else None


def callback_body(
    client,
    outputs: Sequence,
    inputs: list,
    state: list | None = None,
    *,
    changed: list[str] | None = None,
    output: str | None = None,
    multi: bool | None = None,
) -> dict:
    """The request body the browser sends. ``changed``: the ``id.prop`` of the inputs that
    triggered the call (default: every input that is not a wildcard list); ``output``: the
    registered output key, needed when the outputs sent differ from those registered (MATCH, or
    a list of pairs standing for an ALL wildcard's components)."""
    if multi is None:
        multi = len(outputs) > 1
    if output is None:
        assert not any(isinstance(o, list) for o in outputs), "wildcard outputs: give output="
        key = output_key(outputs, multi=multi)
        output = registered_output(client, key) or key
    if changed is None:
        changed = [prop_key(i["id"], i["property"]) for i in inputs if isinstance(i, dict)]
    sent = [_sent(o) for o in outputs]
    return {
        "output": output,
        "outputs": sent if multi else sent[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": changed,
    }


def send_callback(
    client,
    outputs: Sequence,
    inputs: list,
    state: list | None = None,
    *,
    headers: dict | None = None,
    **how,
):
    """POST a callback as the browser does; the raw response (``how``: see ``callback_body``)."""
    body = callback_body(client, outputs, inputs, state, **how)
    return client.post(CALLBACK_URL, json=body, headers=headers or {})


def post_callback(
    client, outputs: Sequence, inputs: list, state: list | None = None, **how
) -> dict:
    """POST a callback as the browser does; it must answer 200. Its ``response`` dict."""
    r = send_callback(client, outputs, inputs, state, **how)
    assert r.status_code == 200, (r.status_code, r.data[:800])
    return r.get_json()["response"]


def card_view(chart_id: str, view: dict | None = None) -> dict:
    """A chart card's view store as a callback's state (``view``: the view key the card shows;
    None: a card not drawn yet, as after the router)."""
    return {"id": ids.chart_pattern(chart_id, "view"), "property": "data", "value": view}


def route(client, pathname: str, search: str = "") -> dict:
    """The page callback for an address: the page's layout and title."""
    return post_callback(
        client,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": pathname}],
        [{"id": ids.URL, "property": "search", "value": search}],
    )


def topic_control_outputs(topic) -> list[tuple[object, str]]:
    """The outputs of a topic page's controls callback, in the order it declares them."""
    p = topic.part
    optional = [
        o
        for o, on in (
            ("group", topic.by_group),
            ("measure", topic.by_measure),
            ("char", topic.by_characteristic),
            ("benchmark", True),  # every topic page has the benchmark choice
        )
        if on
    ]
    return [
        (p("area-options"), "children"),
        (p("region"), "options"),
        (p("areas"), "data"),
        (p("from"), "options"),
        (p("from"), "value"),
        (p("to"), "options"),
        (p("to"), "value"),
        (p("period"), "options"),
        (p("period"), "value"),
        (p("indicator"), "value"),
        (p("ci"), "value"),
        *[(p(o), "value") for o in optional],
        (p("messages"), "children"),
        (p("trend-by"), "value"),
    ]


def opened_twin(client, chart_id: str, view: object, *, status: int = 200) -> object:
    """The table twin of the card ``chart_id`` as the server builds it when the reader opens it
    (``dashboard.charts.twin``: the request the browser writes, ``{"view": <the card's view
    key>}``); the table's place's children, or None when the server answers ``status`` 204."""
    table, request = ids.chart(chart_id, "table"), ids.chart(chart_id, "table-request")
    output = registered_output(client, prop_key(table, "children"), listening_to=request)
    assert output is not None, f"no twin callback for {chart_id}"
    r = send_callback(
        client,
        [(table, "children")],
        [{"id": request, "property": "data", "value": {"view": view, "opened": 1}}],
        output=output,
    )
    assert r.status_code == status, (r.status_code, r.data[:800])
    return r.get_json()["response"][table]["children"] if status == 200 else None

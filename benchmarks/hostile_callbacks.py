"""What crafted callback requests cost the server (issue 10): time, answer size and outside fetches.

``python -m benchmarks.hostile_callbacks DB_PATH``

Posts, through Flask's test client of ``create_app`` on the database at ``DB_PATH`` (the pilot
demo data: ``benchmarks.behaviour prepare``), the requests an attacker made:

- the area profile's spine with a store of 50,000 made-up areas and all of them ticked;
- the Reach page's charts with 50,000 made-up areas ticked;
- "tick every area" with 50,000 made-up options;
- the home chart's download with a figure whose layout image points at a loopback listener.

Prints, per request: the status, the wall time, the answer's size and how many requests the
listener got. Only ``create_app`` and the request bodies are used, so the same script measures the
code before and after a change (the card's store and the area store were renamed in issue 10:
the keys are found in the app's callback map).
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

N = 50_000


def _app(db: Path) -> Any:
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    settings = DashboardSettings(database_url=f"sqlite:///{db}", warm_cache=False, cache_dir="off")
    return create_app(settings)


def _key(app: Any, *parts: str) -> str:
    return str(next(k for k in app.callback_map if all(p in k for p in parts)))


def _outputs(key: str) -> list[dict[str, Any]]:
    out = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        out.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    return out


def _body(app: Any, key: str, values: Mapping[str, object], changed: str) -> dict[str, Any]:
    """A body for the callback ``key``: each registered input and state given its value from
    ``values`` (by id as text, None if absent)."""
    spec = app.callback_map[key]

    def item(dep: dict[str, Any]) -> object:
        cid = dep["id"]
        text = cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True)
        if text in values:
            return values[text]
        return {"id": cid, "property": dep["property"], "value": None}

    return {
        "output": key,
        "outputs": _outputs(key),
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec.get("state", [])],
        "changedPropIds": [changed],
    }


def _fake_codes() -> list[str]:
    return [f"E{i:08d}" for i in range(N)]


def _post(client: Any, body: dict[str, Any]) -> tuple[int, float, int]:
    start = time.perf_counter()
    r = client.post("/_dash-update-component", json=body)
    return r.status_code, time.perf_counter() - start, len(r.data)


def _listener() -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def area_spine(app: Any, client: Any, code: str) -> tuple[int, float, int]:
    key = _key(app, "area-data-messages.children", "chart-area-spine")
    store_id = "area-shown"
    fake = [
        {"area_code": c, "area_name": f"Fake {c}", "region": "North West", "imd_rank": 1}
        for c in _fake_codes()
    ]
    store = {"code": code, "name": "Fake", "areas": fake, "default_period": None}
    compare = {"id": "area-areas", "property": "data", "value": _fake_codes()}  # the picker's
    values: dict[str, object] = {
        "area-areas": compare,
        store_id: {"id": store_id, "property": "data", "value": store},
        "area-period": {"id": "area-period", "property": "value", "value": "latest"},
    }
    return _post(client, _body(app, key, values, "area-period.value"))


def reach_charts(app: Any, client: Any) -> tuple[int, float, int]:
    key = _key(app, "reach-written.data", "chart-reach-trend-heading")
    # the areas chosen: the picker's store (issue 11; before, one checklist per region)
    chosen = {"id": "reach-areas", "property": "data", "value": _fake_codes()}
    values: dict[str, object] = {
        "reach-areas": chosen,
        "reach-indicator": {"id": "reach-indicator", "property": "value", "value": "reach.parents"},
    }
    return _post(client, _body(app, key, values, "reach-indicator.value"))


def quick_all(app: Any, client: Any) -> tuple[int, float, int]:
    key = '{"region":["ALL"],"topic":"reach","type":"topic-areas"}.value'
    options = [{"label": c, "value": c} for c in _fake_codes()]
    region = {"type": "topic-areas", "topic": "reach", "region": "North West"}
    body = {
        "output": key,
        "outputs": [{"id": region, "property": "value"}],
        "inputs": [
            {"id": "reach-quick-none", "property": "n_clicks", "value": 0},
            {"id": "reach-quick-all", "property": "n_clicks", "value": 1},
        ],
        # the old callback read the browser's options; the new one takes no state
        "state": [[{"id": region, "property": "options", "value": options}]],
        "changedPropIds": ["reach-quick-all.n_clicks"],
    }
    return _post(client, body)


def ssrf_download(client: Any, url: str) -> tuple[int, float, int]:
    import pandas as pd

    from dashboard.charts.content import ChartContent, to_payload

    content = ChartContent(
        figure={
            "data": [{"type": "bar", "x": ["x"], "y": [1]}],
            "layout": {"images": [{"source": url, "x": 0, "y": 1, "sizex": 1, "sizey": 1}]},
        },
        title="Areas ranked",
        subtitle="",
        summary="",
        table=pd.DataFrame({"a": [1]}),
        indicator_ids=[],
    )
    match = '["MATCH"]'
    chart = {"chart": "home-ranking"}
    buttons = [
        {
            "id": {"type": "chart-download-button", "chart": "home-ranking", "fmt": f},
            "property": "n_clicks",
            "value": int(f == "png"),
        }
        for f in ("png", "svg", "csv", "xlsx")
    ]
    body = {
        "output": f'..{{"chart":{match},"type":"chart-download"}}.data...'
        f'{{"chart":{match},"type":"chart-status"}}.children..',
        "outputs": [
            {"id": chart | {"type": "chart-download"}, "property": "data"},
            {"id": chart | {"type": "chart-status"}, "property": "children"},
        ],
        "inputs": buttons,
        "state": [
            {
                "id": chart | {"type": "chart-payload"},
                "property": "data",
                "value": to_payload(content),
            }
        ],
        "changedPropIds": [
            '{"chart":"home-ranking","fmt":"png","type":"chart-download-button"}.n_clicks'
        ],
    }
    return _post(client, body)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    db = Path(args[0])
    import sqlite3

    with sqlite3.connect(db) as con:
        code = con.execute("SELECT area_code FROM returns ORDER BY area_code LIMIT 1").fetchone()[0]
    app = _app(db)
    client = app.server.test_client()
    server, hits = _listener()
    url = f"http://127.0.0.1:{server.server_address[1]}/ssrf.png"
    print(f"{'request':<52} {'status':>6} {'seconds':>8} {'answer bytes':>13} {'fetches':>8}")
    cases: list[tuple[str, Callable[[], tuple[int, float, int]]]] = [
        (
            "area spine, store of 50,000 fake areas, all ticked",
            lambda: area_spine(app, client, code),
        ),
        ("Reach charts, 50,000 fake areas ticked", lambda: reach_charts(app, client)),
        ("tick every area, 50,000 made-up options", lambda: quick_all(app, client)),
        ("home chart PNG download, image at a loopback URL", lambda: ssrf_download(client, url)),
    ]
    for name, run in cases:
        before = len(hits)
        status, seconds, size = run()
        time.sleep(0.3)
        print(f"{name:<52} {status:>6} {seconds:>8.2f} {size:>13,} {len(hits) - before:>8}")
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

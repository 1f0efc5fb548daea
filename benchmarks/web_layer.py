"""What the web layer (``dashboard/web/``) costs per request: checking a callback body (a real-size
one, one at the 1 MB limit, one too deep), and the size of the headers it adds to every answer.

``python -m benchmarks.web_layer [DB_URL]`` prints the figures (results in docs/benchmarks.md).
Without a database URL, a small database is built in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import BadRequest

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.limits import CALLBACK_MAX_BYTES, MAX_JSON_DEPTH, check_callback_body


def per_call(fn: Callable[[], object], seconds: float = 1.0) -> float:
    """Median seconds per call of ``fn`` over about ``seconds``."""
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def router_body(app: Any) -> dict[str, Any]:
    output, spec = next(
        (o, s)
        for o, s in app.callback_map.items()
        if s["inputs"] == [{"id": "url", "property": "pathname"}]
    )
    return {
        "output": output,
        "outputs": [
            {"id": o.component_id, "property": o.component_property} for o in spec["output"]
        ],
        "inputs": [{**spec["inputs"][0], "value": "/reach"}],
        "state": [{**spec["state"][0], "value": ""}],
        "changedPropIds": ["url.pathname"],
    }


def main(argv: list[str]) -> None:
    if argv:
        url = argv[0]
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from support.web import small_db  # the tests' small database

        url = small_db(Path(tempfile.mkdtemp()) / "lfo.db")
    app = create_app(DashboardSettings(database_url=url, warm_cache=False))
    callbacks = app.callback_map
    body = router_body(app)
    typical = json.dumps({**body, "padding": "x" * 8000}).encode()  # the pages' largest: 8 kB
    full = json.dumps({**body, "padding": "x" * (CALLBACK_MAX_BYTES - 1000)}).encode()
    many = json.dumps({**body, "padding": [[i] for i in range(100_000)]}).encode()
    deep = b"[" * 100_000 + b"]" * 100_000
    parse = per_call(lambda: json.loads(many)) * 1e3
    print(
        f"for comparison, Python's json.loads of the 100,000 small lists (Dash's next step): {parse:.1f} ms"
    )
    print(
        f"check_callback_body, {len(typical):,} bytes: {per_call(lambda: check_callback_body(typical, callbacks)) * 1e6:.0f} µs"
    )
    print(
        f"check_callback_body, {len(full):,} bytes (one string): {per_call(lambda: check_callback_body(full, callbacks)) * 1e6:.0f} µs"
    )
    print(
        f"check_callback_body, {len(many):,} bytes (100,000 small lists): {per_call(lambda: check_callback_body(many, callbacks)) * 1e3:.1f} ms"
    )

    def refuse_deep() -> None:
        with contextlib.suppress(BadRequest):  # the refusal is what is timed
            check_callback_body(deep, callbacks)

    print(
        f"refusing {len(deep):,} bytes nested 100,000 deep (limit {MAX_JSON_DEPTH}): {per_call(refuse_deep) * 1e6:.0f} µs"
    )
    client = app.server.test_client()
    client.get("/healthz")
    resp = client.get("/api/v1/indicators")
    added = (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "X-Request-ID",
    )
    size = sum(len(k) + len(resp.headers[k]) + 4 for k in added)
    print(f"headers the web layer adds to an answer: {size} bytes")
    print(
        f"GET /healthz through the app (test client): {per_call(lambda: client.get('/healthz')) * 1e3:.2f} ms"
    )
    post = lambda: client.post("/_dash-update-component", json=body)  # noqa: E731
    print(f"POST the router callback (checked, then answered): {per_call(post) * 1e3:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])

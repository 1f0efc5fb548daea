"""What authorisation adds to a request (issue 12, "Speed": at most 2 ms p95).

    python -m benchmarks.authorisation [--requests 2000]

Authorisation is two hooks that run before every view: finding who the request acts for
(``dashboard.web.principal``: the session read, and its idle clock written best-effort; or the
API token looked up and its last use written) and the gate (``dashboard.web.gate``: what the
request needs, ``lfo.access.policy.decide`` for each action, a refusal audited). The app is
built in sign-in mode over the tests' small database, with a programme lead and an LA lead
signed in (password and TOTP, through the real forms) and an API token; each hook is wrapped
with a timer, and ``--requests`` requests of each kind are sent through Flask's test client in
turn. Printed: the two hooks' time per request (median, p95, max) and, for scale, the whole
request's p95. Results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.web import router_body, small_db
from support.web_auth import SAME_SITE, person, settings_for, sign_in

from dashboard.app import create_app
from lfo.access import tokens
from lfo.access.secrets import load_key
from lfo.db import writer_engine

HOOKS = ("_who", "_gate")
GOAL_MS = 2.0


def timed_hooks(server: Any, spent: list[float]) -> None:
    """Wrap the principal and gate hooks so that each request adds their time to ``spent``."""
    funcs = server.before_request_funcs[None]
    for i, fn in enumerate(funcs):
        if fn.__name__ not in HOOKS:
            continue

        def wrapped(fn: Callable[[], Any] = fn) -> Any:
            start = time.perf_counter()
            try:
                return fn()
            finally:
                spent.append(time.perf_counter() - start)

        wrapped.__name__ = fn.__name__
        funcs[i] = wrapped
    assert sorted(f.__name__ for f in funcs if f.__name__ in HOOKS) == sorted(HOOKS)


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    where = Path(tempfile.mkdtemp())
    engine = writer_engine(small_db(where / "lfo.db"))
    key = load_key(where / "secrets.key")
    pat = person(engine, key, "pat@example.org", "programme", areas=())
    ann = person(engine, key, "ann@example.org", "la")
    # the API limit raised: this measures authorisation, not the limiter (which answers 429)
    app = create_app(settings_for(engine, where, api_rate_limit="10000000/minute"))
    spent: list[float] = []
    timed_hooks(app.server, spent)
    programme, la, api = (app.server.test_client() for _ in range(3))
    assert sign_in(programme, pat).status_code == 303 and sign_in(la, ann).status_code == 303
    with engine.begin() as conn:
        bearer = {"Authorization": f"Bearer {tokens.create_token(conn, ann.user_id, 'b').token}"}
    body = router_body(app, "/reach")
    kinds: dict[str, Callable[[], Any]] = {
        "callback (the router), programme lead's session": lambda: programme.post(
            "/_dash-update-component", json=body, headers=SAME_SITE
        ),
        "API GET /api/v1/areas, LA lead's session": lambda: la.get("/api/v1/areas"),
        "API GET /api/v1/areas, API token": lambda: api.get("/api/v1/areas", headers=bearer),
        "refused: LA lead GET /audit (403, audited)": lambda: la.get("/audit"),
    }
    print(f"{args.requests:,} requests of each kind, one after another (Flask's test client)")
    print(
        "| request | hooks median | hooks p95 | hooks max | whole request p95 | hooks p95 / request p95 |"
    )
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for name, send in kinds.items():
        for _ in range(20):  # warm: connections, caches
            send()
        spent.clear()
        whole = []
        for _ in range(args.requests):
            start = time.perf_counter()
            answer = send()
            whole.append(time.perf_counter() - start)
            assert answer.status_code in (200, 403), (name, answer.status_code)
        per_request = [sum(spent[i : i + 2]) for i in range(0, len(spent), 2)]
        p95 = quantile(per_request, 0.95) * 1e3
        whole_p95 = quantile(whole, 0.95) * 1e3
        worst = max(worst, p95)
        print(
            f"| {name} | {statistics.median(per_request) * 1e3:.2f} ms | {p95:.2f} ms | "
            f"{max(per_request) * 1e3:.1f} ms | {whole_p95:.1f} ms | {p95 / whole_p95:.2f} |"
        )
    verdict = "met" if worst <= GOAL_MS else "NOT met"
    print(
        f"\nGoal: authorisation adds at most {GOAL_MS:.0f} ms p95: {verdict} (worst p95 {worst:.2f} ms)."
    )
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])

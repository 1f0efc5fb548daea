"""Warm timings of every dashboard callback: the time a callback spends outside the engine.

``python -m benchmarks.callbacks_warm [--scale national] [-n 20] [--only TEXT] [--profile TEXT]
[--save FILE] [--compare FILE]``

Replays the callback request bodies recorded from Chromium (``benchmarks/out/<scale>/callbacks.json``,
written by ``benchmarks.requests``) through Flask's test client, with the same varied areas and
periods as ``benchmarks.requests`` (same seed). Each body is posted TWICE: the first call fills the
engine's cache (``dashboard/services/indicator_data.py``, keyed by the query), so the second, timed, call is the
callback's own work (overview cells, profiles, figures, tables, text, exports) plus Dash.

Prints per callback: n, warm p50 / p95 / max wall ms and the mean CPU ms of the warm call.
``--profile TEXT`` prints a pyinstrument profile (CPU) of the warm calls of the callbacks whose label
contains TEXT. ``--save FILE`` writes every warm response (by request body), ``--compare FILE``
checks the responses to the same bodies against a file saved before a change (they must be
identical as data: JSON text inside them, such as a payload's figure, is parsed too).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import payloads
from benchmarks.dataset import OUT
from benchmarks.requests import CALLBACK_URL, SEED, _areas_and_quarters, callback_label


def _variants(
    bodies: list[str], codes: list[str], quarters: list[str], n: int
) -> dict[str, list[str]]:
    """Per output key: the recorded bodies, then varied ones, up to ``n`` (as benchmarks.requests)."""
    rng = random.Random(SEED)
    by_output: dict[str, list[str]] = {}
    for body in bodies:
        by_output.setdefault(json.loads(body)["output"], []).append(payloads.undrawn(body))
    out = {}
    for key, recorded in by_output.items():
        originals = list(dict.fromkeys(recorded))
        variants = originals[:n]
        while len(variants) < n:
            variants.append(payloads.vary(rng.choice(originals), codes, quarters[0], rng))
        out[key] = variants
    return out


def _parsed(text: str) -> object:
    """A response as data, with JSON held in strings (a chart payload's figure) parsed too: the
    same answer whether or not the JSON encoder escapes non-ASCII characters."""

    def walk(value: object) -> object:
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                return walk(json.loads(value))
            except ValueError:
                return value
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(text) if text else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.callbacks_warm")
    parser.add_argument("--scale", default="national")
    parser.add_argument("-n", type=int, default=20, help="requests per callback (default 20)")
    parser.add_argument("--only", help="time only callbacks whose label contains this")
    parser.add_argument("--profile", help="profile the warm calls of callbacks matching this")
    parser.add_argument("--save", type=Path, help="write every warm response body to this file")
    parser.add_argument("--compare", type=Path, help="compare warm responses with a saved file")
    args = parser.parse_args(argv)

    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    root = OUT / args.scale
    db_path = root / "lfo.db"
    app = create_app(DashboardSettings(database_url=f"sqlite:///{db_path}"))
    client = app.server.test_client()
    codes, quarters = _areas_and_quarters(f"sqlite:///{db_path}")
    bodies = json.loads((root / "callbacks.json").read_text())
    by_key = _variants(bodies, codes, quarters, args.n)

    def post(body: str) -> bytes:
        response = client.post(CALLBACK_URL, data=body, content_type="application/json")
        if response.status_code >= 400 and response.status_code != 204:
            raise SystemExit(f"HTTP {response.status_code} for {body[:200]}")
        return response.get_data()

    saved: dict[str, dict[str, str]] = {}
    print(f"{'callback':<72} {'n':>3} {'p50':>8} {'p95':>8} {'max':>8} {'cpu':>7}  (warm ms)")
    for key, cb in app.callback_map.items():
        if key not in by_key:
            continue
        label = callback_label(key, cb)
        if args.only and args.only not in label:
            continue
        wall, cpu, outs = [], [], []
        profiler = None
        if args.profile and args.profile in label:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        for body in by_key[key]:
            post(body)  # fills the engine's cache for this query
            if profiler:
                profiler.start()
            c0, t0 = time.process_time(), time.perf_counter()
            out = post(body)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if profiler:
                profiler.stop()
            outs.append(out.decode())
        saved[f"{label} {key}"] = dict(zip(by_key[key], outs, strict=True))
        ms = np.array(wall) * 1000
        print(
            f"{label[:72]:<72} {len(ms):>3} {np.percentile(ms, 50):>8.1f} "
            f"{np.percentile(ms, 95):>8.1f} {ms.max():>8.1f} {np.mean(cpu) * 1000:>7.1f}",
            flush=True,
        )
        if profiler:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.save:
        args.save.write_text(json.dumps(saved))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ, compared = [], 0
        for k, answers in saved.items():
            common = [b for b in answers if b in before.get(k, {})]
            compared += len(common)
            bad = sum(_parsed(before[k][b]) != _parsed(answers[b]) for b in common)
            if bad:
                differ.append(k)
                print(f"DIFFERENT: {k[:100]} ({bad} of {len(common)} responses)")
        print(
            f"compared {compared} responses of {len(saved)} callbacks: "
            f"{'all identical' if not differ else f'{len(differ)} callbacks differ'}"
        )
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

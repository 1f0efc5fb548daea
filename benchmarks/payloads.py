"""Varied inputs for callbacks and the API, made from real requests.

Callback bodies are recorded from pages loading in Chromium (``benchmarks.browser``), so they are
exactly what the Dash renderer sends. ``vary`` makes more from one: every area code in the body is
swapped for another area (one-to-one, so lists stay valid) and every period label is moved back by
the same number of quarters, so each variant asks for other areas and periods.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from urllib.parse import urlencode

from dashboard import ids

GSS = re.compile(r"\bE\d{8}\b")
QUARTER = re.compile(r"\b(\d{4})-(\d{2})_Q([1-4])\b")
YEAR = re.compile(r"\b(\d{4})-(\d{2})\b(?!_Q)")


def _shift_quarter(m: re.Match, by: int, floor: int) -> str:
    index = max(int(m.group(1)) * 4 + int(m.group(3)) - 1 - by, floor)
    fy, q = divmod(index, 4)
    return f"{fy}-{(fy + 1) % 100:02d}_Q{q + 1}"


def vary(body: str, codes: Sequence[str], first_quarter: str, rng: random.Random) -> str:
    """``body`` with its area codes permuted among ``codes`` and its periods moved back 0-7 quarters."""
    found = list(dict.fromkeys(GSS.findall(body)))
    if found and len(codes) >= len(found):
        targets = rng.sample(list(codes), len(found))
        mapping = dict(zip(found, targets, strict=True))
        body = GSS.sub(lambda m: mapping.get(m.group(0), m.group(0)), body)
    by = rng.randrange(0, 8)
    fq = QUARTER.match(first_quarter)
    floor = int(fq.group(1)) * 4 + int(fq.group(3)) - 1 if fq else 0
    body = QUARTER.sub(lambda m: _shift_quarter(m, by, floor), body)
    years_back = by // 4
    if years_back:

        def year(m: re.Match) -> str:
            fy = max(int(m.group(1)) - years_back, floor // 4)
            return f"{fy}-{(fy + 1) % 100:02d}"

        body = YEAR.sub(year, body)
    return body


VIEW_STORE = ids.chart_pattern(None, "view")["type"]  # a chart card's view-key store


def undrawn(body: str) -> str:
    """``body`` with every chart card's view store (a ``chart-view`` state) emptied, as after the
    router. A page opened at its address comes with its cards drawn (the area profile:
    ``dashboard.callbacks.area_first``), and a card's callback answers nothing for the view its
    card already shows; replayed as recorded, or varied (the codes and periods in the view key
    moved with the inputs), its bodies would time that answer instead of the drawing."""
    data = json.loads(body)
    states = data.get("state")
    if not isinstance(states, list):
        return body
    changed = False
    for state in states:
        ident = state.get("id") if isinstance(state, dict) else None
        if isinstance(ident, dict) and ident.get("type") == VIEW_STORE and state.get("value"):
            state["value"] = None
            changed = True
    return json.dumps(data) if changed else body


def recorded_bodies(bodies: Sequence[str]) -> dict[str, list[str]]:
    """The distinct bodies recorded for each callback (by its output key), in recorded order,
    each as a first request would send it (``undrawn``)."""
    by_output: dict[str, dict[str, None]] = {}
    for body in bodies:
        by_output.setdefault(json.loads(body)["output"], {})[undrawn(body)] = None
    return {key: list(found) for key, found in by_output.items()}


def callback_variants(
    keys: Sequence[str],
    by_output: dict[str, list[str]],
    codes: Sequence[str],
    quarters: Sequence[str],
    n: int,
    rng: random.Random,
) -> dict[str, list[str]]:
    """``n`` request bodies for each callback of ``keys`` (its output key, in that order) with
    bodies recorded while the pages loaded (``recorded_bodies``): those, then varied areas and
    periods (``vary``). The same arguments (and ``rng`` seed) give the same bodies."""
    out: dict[str, list[str]] = {}
    for key in keys:
        if key not in by_output:
            continue
        originals = by_output[key]
        variants = originals[:n]
        while len(variants) < n:
            variants.append(vary(rng.choice(originals), codes, quarters[0], rng))
        out[key] = variants
    return out


def api_requests(
    codes: Sequence[str],
    quarters: Sequence[str],
    indicator_ids: Sequence[str],
    n: int,
    rng: random.Random,
) -> dict[str, list[str]]:
    """``n`` URLs per API endpoint; ``/data`` asks for random indicators, areas and periods."""
    data = []
    for i in range(n):
        params: dict[str, str] = {"indicator": rng.choice(list(indicator_ids))}
        if params["indicator"] == "reach.breakdown":
            params["breakdown"] = rng.choice(["sex", "ethnicity", "age_band"])
        if i % 3:
            params["area"] = ",".join(rng.sample(list(codes), min(len(codes), rng.randint(1, 5))))
        if i % 4 == 0:
            params["period"] = rng.choice(list(quarters))
        elif i % 4 == 1:
            start = rng.randrange(0, max(1, len(quarters) - 4))
            params["from"], params["to"] = (
                quarters[start],
                quarters[min(len(quarters) - 1, start + 4)],
            )
        if i % 5 == 0:
            params["ci"] = "99.8"
        if i % 7 == 0:
            params["format"] = "csv"
        data.append("/api/v1/data?" + urlencode(params))
    return {
        "/api/v1/data": data,
        "/api/v1/areas": ["/api/v1/areas"] * n,
        "/api/v1/indicators": ["/api/v1/indicators"] * n,
        "/api/v1/openapi.json": ["/api/v1/openapi.json"] * n,
    }

"""Behaviour snapshots: what the service answers, saved before a change and compared after it.

``python -m benchmarks.behaviour prepare DIR``  generate the pilot returns and load them (ETL CLI)
``python -m benchmarks.behaviour record DIR``   record the callback bodies the pages send (Chromium)
``python -m benchmarks.behaviour save DIR FILE``  every answer of the code in the working folder
``python -m benchmarks.behaviour compare OLD NEW`` list what differs

A snapshot holds, on the pilot demo data loaded into ``DIR/lfo.db``:
- every recorded callback body, and varied ones (other areas, periods), answered through Flask's
  test client (JSON held inside strings compared as data);
- every chart download (CSV and Excel cells; PNG and SVG by their metadata text) for every chart
  view key those answers hold (the card's ``chart-view`` store: what a download button sends);
- a fixed set of API requests (every endpoint, every indicator, areas, periods, CSV and JSON);
- the ETL: ``etl validate`` findings for every pilot return and the loaded database's tables
  (load times and ids left out).

Only entry points that a refactoring keeps are used (``create_app``, the ETL command line), so the
same script runs against the code before and after a change.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2019-06-01"
SEED = 2016


def _env(out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LFO_TODAY": TODAY,
            "LFO_ID_KEY_FILE": str(out / "id.key"),
            "LFO_ARCHIVE_DIR": str(out / "archive"),
            "LFO_WARM_CACHE": "0",
            "LFO_CACHE_DIR": "off",
            "PYTHONPATH": os.getcwd(),
        }
    )
    return env


def _etl(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        env=_env(out),
        cwd=os.getcwd(),
        capture_output=True,
        text=True,
        check=False,
    )


def prepare(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "id.key").write_text("0" * 64)
    if not (out / "returns" / "zip").is_dir():
        _etl(out, "generate", "--scale", "pilot", "--out", str(out / "returns")).check_returncode()
    done = _etl(out, "load", str(out / "returns" / "zip"), "--db", f"sqlite:///{out / 'lfo.db'}")
    print(done.stdout[-2000:], done.stderr[-2000:])


def _app(out: Path):
    os.environ.update({k: v for k, v in _env(out).items() if k.startswith("LFO_")})
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    return create_app(
        DashboardSettings(
            database_url=f"sqlite:///{out / 'lfo.db'}", warm_cache=False, cache_dir="off"
        )
    )


def _codes_and_quarters(out: Path) -> tuple[list[str], list[str]]:
    con = sqlite3.connect(out / "lfo.db")
    try:
        codes = [r[0] for r in con.execute("SELECT gss_code FROM areas ORDER BY gss_code")]
        quarters = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT period FROM sum_reach WHERE period LIKE '%_Q%' ORDER BY period"
            )
        ]
    finally:
        con.close()
    return codes, quarters


def record(out: Path) -> None:
    from benchmarks import browser as chrome
    from benchmarks.loadtest import LOADTEST_CACHE
    from benchmarks.requests import page_paths
    from dashboard.services.shared_cache import SharedResults

    app = _app(out)
    made = out / LOADTEST_CACHE  # what the load test's results maker made last, if still current
    if made.is_dir():
        app.services.live.share(SharedResults(made))
    codes, quarters = _codes_and_quarters(out)
    with chrome.serving(app.server) as base:
        bodies = chrome.record_callbacks(base, page_paths(codes, quarters))
    (out / "callbacks.json").write_text(json.dumps(bodies))
    print(f"{len(bodies)} callback bodies recorded")


def _bodies(out: Path) -> list[str]:
    from benchmarks import payloads

    recorded = list(dict.fromkeys(json.loads((out / "callbacks.json").read_text())))
    codes, quarters = _codes_and_quarters(out)
    rng = random.Random(SEED)
    varied = [payloads.vary(rng.choice(recorded), codes, quarters[0], rng) for _ in range(60)]
    return list(dict.fromkeys(recorded + varied))


def _api_urls(out: Path) -> list[str]:
    codes, quarters = _codes_and_quarters(out)
    rng = random.Random(SEED)
    urls = [
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/openapi.json",
        "/api/v1/nothing",
        "/api/v1/data",
        "/api/v1/data?indicator=nope",
        "/api/v1/data?indicator=reach.parents&period=1999-00_Q1",
        "/api/v1/data?indicator=reach.parents&area=E99999999",
    ]
    return urls + [f"/api/v1/data?{urlencode(p)}" for p in _data_params(codes, quarters, rng)]


def _data_params(codes: list[str], quarters: list[str], rng: random.Random) -> list[dict]:
    app_ids = _indicator_ids()
    params = []
    for i, ind in enumerate(app_ids * 2):
        p: dict[str, str] = {"indicator": ind}
        if ind == "reach.breakdown":
            p["breakdown"] = ["sex", "ethnicity", "age_band"][i % 3]
        if i % 3:
            p["area"] = ",".join(rng.sample(codes, rng.randint(1, 4)))
        if i % 4 == 0:
            p["period"] = rng.choice(quarters)
        elif i % 4 == 1:
            start = rng.randrange(0, len(quarters) - 4)
            p["from"], p["to"] = quarters[start], quarters[start + 4]
        elif i % 4 == 2:
            p["period"] = rng.choice(quarters)[:7]
        if i % 5 == 0:
            p["ci"] = "99.8"
        if i % 3 == 0:
            p["format"] = "csv"
        params.append(p)
    return params


_IDS: list[str] = []


def _indicator_ids() -> list[str]:
    return _IDS


def _parsed(text: str) -> object:
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


#: The card's store a download sends (a view key; before issue 10 the whole chart, "payload").
VIEW_TYPES = ("chart-view", "chart-payload")
#: Stores renamed in issue 10 (what they hold changed: the browser keeps only codes): bodies
#: recorded before it are sent with the new names; their answers are left out of comparisons.
RENAMED = {"chart-payload": "chart-view", "area-areas": "area-shown"}
NOT_COMPARED = (*VIEW_TYPES, *RENAMED.values(), *RENAMED)


def _views(answer: object, found: list[tuple[str, object]]) -> None:
    """Every chart view key (``{"chart": ..., "type": "chart-view"}`` output) in a callback
    answer (the whole chart's payload, in code from before issue 10)."""
    if not isinstance(answer, dict):
        return
    for out_id, props in (answer.get("response") or {}).items():
        if any(t in out_id for t in VIEW_TYPES) and isinstance(props, dict) and props.get("data"):
            found.append((out_id, props["data"]))


def _download_body(out_id: str, view: object, fmt: str) -> str:
    """The request a click on the card's ``fmt`` button sends (ids as in ``dashboard.ids``):
    one callback per chart since issue 10 (before it, one pattern-matching callback)."""
    out = json.loads(out_id)
    chart, store = out["chart"], out["type"]
    fmts = ["png", "svg", "csv", "xlsx"]
    button = [
        {
            "id": {"chart": chart, "fmt": f, "type": "chart-download-button"},
            "property": "n_clicks",
            "value": 1 if f == fmt else None,
        }
        for f in fmts
    ]
    which = '["MATCH"]' if store == "chart-payload" else json.dumps(chart)
    key = (
        f'..{{"chart":{which},"type":"chart-download"}}.data...'
        f'{{"chart":{which},"type":"chart-status"}}.children..'
    )
    return json.dumps(
        {
            "output": key,
            "outputs": [
                {"id": {"chart": chart, "type": "chart-download"}, "property": "data"},
                {"id": {"chart": chart, "type": "chart-status"}, "property": "children"},
            ],
            "inputs": button,
            "state": [
                {
                    "id": {"chart": chart, "type": store},
                    "property": "data",
                    "value": view,
                }
            ],
            "changedPropIds": [
                json.dumps(button[fmts.index(fmt)]["id"], separators=(",", ":"), sort_keys=True)
                + ".n_clicks"
            ],
        }
    )


def _file_content(fmt: str, data: bytes) -> object:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        return {
            ws.title: [
                [None if c is None else str(c) for c in row]
                for row in ws.iter_rows(values_only=True)
            ]
            for ws in book.worksheets
        }
    if fmt == "svg":
        import re

        return re.findall(r"<(?:title|desc|metadata)[^>]*>(.*?)</", data.decode("utf-8"), re.S)
    return {"png_bytes": len(data) > 0}


def save(out: Path, file: Path) -> None:
    import base64

    app = _app(out)
    client = app.server.test_client()
    _IDS[:] = [i["id"] for i in client.get("/api/v1/indicators").get_json()["data"]]
    snap: dict[str, object] = {}
    views: list[tuple[str, object]] = []
    renamed = _renamed(app)
    for body in _bodies(out):
        sent = body  # bodies recorded before issue 10 name the stores it renamed
        for old, new in renamed.items():
            sent = sent.replace(old, new)
        r = client.post("/_dash-update-component", data=sent, content_type="application/json")
        text = r.get_data(as_text=True)
        answer = _parsed(text)
        snap["callback " + body] = [r.status_code, answer]
        _views(json.loads(text) if r.status_code == 200 else None, views)
    seen = set()
    for out_id, view in views:
        key = hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()
        if (out_id, key) in seen:  # charts of one page share their view key
            continue
        seen.add((out_id, key))
        for fmt in ("csv", "xlsx", "svg", "png"):
            body = _download_body(out_id, view, fmt)
            r = client.post("/_dash-update-component", data=body, content_type="application/json")
            answer = r.get_json(silent=True) or {}
            resp = answer.get("response", {})
            dl = next((v["data"] for k, v in resp.items() if "download" in k), None)
            status = next((v["children"] for k, v in resp.items() if "status" in k), None)
            content = None
            if dl:
                raw = (
                    base64.b64decode(dl["content"]) if dl.get("base64") else dl["content"].encode()
                )
                content = [dl.get("filename"), _file_content(fmt, raw)]
            snap[f"download {fmt} {out_id} {key[:12]}"] = [r.status_code, status, content]
    for url in _api_urls(out):
        r = client.get(url)
        body = r.get_data(as_text=True)
        snap["api " + url] = [
            r.status_code,
            r.mimetype,
            _parsed(body) if r.mimetype == "application/json" else body,
        ]
    snap.update(_etl_snapshot(out))
    file.write_text(json.dumps(snap, sort_keys=True, default=str))
    print(f"{len(snap)} answers saved to {file} ({len(seen)} chart views)")


def _renamed(app: object) -> dict[str, str]:
    """``RENAMED`` if the code under test has the new names, else nothing."""
    keys = " ".join(app.callback_map)  # type: ignore[attr-defined]
    return RENAMED if "chart-view" in keys else {}


def _etl_snapshot(out: Path) -> dict[str, object]:
    snap: dict[str, object] = {}
    # a folder of its own, so that saves run at the same time never share a database
    work = Path(tempfile.mkdtemp(prefix="lfo-behaviour-"))
    db = work / "lfo.db"
    files = sorted((out / "returns" / "zip").glob("*.zip"))
    report = work / "findings.csv"
    done = _etl(
        out,
        "validate",
        *map(str, files[:6]),
        "--report",
        str(report),
        "--db",
        f"sqlite:///{out / 'lfo.db'}",
    )
    snap["etl validate"] = [done.returncode, report.read_text() if report.exists() else None]
    done = _etl(out, "load", str(out / "returns" / "zip"), "--db", f"sqlite:///{db}")
    snap["etl load exit"] = done.returncode
    con = sqlite3.connect(db)
    try:
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ):
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            keep = [
                c
                for c in cols
                if not any(w in c for w in ("_at", "load_id", "seconds", "duration", "path"))
                and c not in ("at", "hash", "prev_hash", "os_user")  # the audit log's clock
            ]
            rows = con.execute(
                f'SELECT {", ".join(chr(34) + c + chr(34) for c in keep)} FROM "{name}"'  # noqa: S608
            ).fetchall()
            snap[f"table {name}"] = [keep, sorted(map(repr, rows))]
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
    return snap


def _stable(snap: dict) -> dict:
    """What differs from run to run left out: Dash's per-process config script and the assets'
    modification times in HTML pages, the database's creation time."""
    import re

    for key, value in snap.items():
        if key.startswith("api ") and value[1] == "text/html":
            value[2] = re.sub(r'<script id="_dash-config".*?</script>', "", value[2], flags=re.S)
            value[2] = re.sub(r"\?m=[0-9.]+", "?m=", value[2])  # assets' modification times
        if key == "table schema_info":
            value[1] = [r for r in value[1] if "created_at" not in r]
    return snap


def _downloads_by_chart(snap: dict) -> dict:
    """Downloads keyed by format and chart, each the set of different answers (the key of one
    download names the store it came from, whose shape changed in issue 10), and the card's
    store left out of callback answers (the downloads are compared instead)."""
    out: dict[str, object] = {}
    grouped: dict[str, set[str]] = {}
    for key, value in snap.items():
        if key.startswith("download "):
            _, fmt, rest = key.split(" ", 2)
            chart = json.loads(rest.rsplit(" ", 1)[0])["chart"]
            grouped.setdefault(f"download {fmt} {chart}", set()).add(
                json.dumps(value, sort_keys=True)
            )
            continue
        if key.startswith("callback ") and isinstance(value[1], dict):
            response = value[1].get("response")
            if isinstance(response, dict):
                value[1]["response"] = {
                    k: v for k, v in response.items() if not any(t in k for t in NOT_COMPARED)
                }
        out[key] = value
    out.update({k: sorted(v) for k, v in grouped.items()})
    # the stores' new names in every answer (the page layouts hold them)
    text = json.dumps(out)
    for old, new in RENAMED.items():
        text = text.replace(old, new)
    return json.loads(text)


def compare(old: Path, new: Path) -> int:
    a = _downloads_by_chart(_stable(json.loads(old.read_text())))
    b = _downloads_by_chart(_stable(json.loads(new.read_text())))
    differ = [k for k in a if k in b and a[k] != b[k]]
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    for k in differ[:40]:
        print("DIFFERS:", k[:300])
    for k in only_a[:20]:
        print("ONLY BEFORE:", k[:300])
    for k in only_b[:20]:
        print("ONLY AFTER:", k[:300])
    print(
        f"{len(a)} before, {len(b)} after: {len(differ)} differ, {len(only_a)} only before, "
        f"{len(only_b)} only after"
    )
    return 1 if differ or only_a or only_b else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.behaviour")
    parser.add_argument("step", choices=["prepare", "record", "save", "compare"])
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.step == "prepare":
        prepare(args.paths[0])
    elif args.step == "record":
        record(args.paths[0])
    elif args.step == "save":
        save(args.paths[0], args.paths[1])
    else:
        return compare(args.paths[0], args.paths[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``docs/benchmarks.md`` from ``benchmarks/results.json``: tables a person can read.

The hand-written part (what each optimisation bought, what limits the goals not met) is kept in
``benchmarks/notes.md`` and copied in after the generated tables.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import report_postgres

NOTES = Path(__file__).resolve().parent / "notes.md"
ORDER = ("national", "national-postgresql", "pilot", "pilot-postgresql", "tiny", "tiny-postgresql")

# goals of issue 5, at national scale
ETL_RATIO, ETL_MB = 3.0, 2048
P95_MS, FLOOR_RATIO, NAIVE_RATIO = 100.0, 3.0, 20.0
RENDER_S = 2.0
LOAD_P95_MS = 500.0


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return text + unit


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**not met**")


def _ratio(a, b) -> float | None:
    if not a or not b:
        return None
    return a / b


def _floor_name(r: dict) -> str:
    return "plain COPY" if r.get("database") == "postgresql" else "executemany"


def goals(r: dict) -> list[tuple[str, str, str]]:
    rows = []
    etl, fl = r.get("etl", {}), r.get("etl_floor", {})
    ratio = _ratio(etl.get("seconds"), fl.get("seconds"))
    cpu_ratio = _ratio(etl.get("cpu_seconds"), fl.get("cpu_seconds"))
    cpu_text = ""
    if cpu_ratio is not None and r.get("database") == "postgresql":
        # COPY's work is the server's: the floor's client CPU is not what the floor costs
        cpu_text = (
            f"; CPU not comparable (the load's client {_fmt(etl.get('cpu_seconds'))} s; "
            f"COPY works in the server, the floor's client {_fmt(fl.get('cpu_seconds'))} s)"
        )
        cpu_ratio = None
    elif cpu_ratio is not None:
        cpu_text = (
            f"; CPU {_fmt(cpu_ratio)}× ({_fmt(etl.get('cpu_seconds'))} s against "
            f"{_fmt(fl.get('cpu_seconds'))} s)"
        )
    rows.append(
        (
            f"ETL load ≤ 3× the {_floor_name(r)} floor",
            f"wall {_fmt(ratio)}× ({_fmt(etl.get('seconds'))} s against "
            f"{_fmt(fl.get('seconds'))} s){cpu_text}",
            _met(
                None
                if ratio is None
                else ratio <= ETL_RATIO and (cpu_ratio is None or cpu_ratio <= ETL_RATIO)
            ),
        )
    )
    mb = etl.get("peak_rss_mb")
    child = etl.get("children_peak_rss_mb") or 0
    total = None if mb is None else mb + child
    rows.append(
        (
            "ETL peak memory ≤ 2 GB",
            _fmt(mb, " MB") + (f" + {_fmt(child)} MB checking process" if child else ""),
            _met(None if total is None else total <= ETL_MB),
        )
    )
    dash = r.get("dashboard", {})
    timed = [
        v
        for v in list(dash.get("callbacks", {}).values()) + list(dash.get("api", {}).values())
        if "p95_ms" in v
    ]
    if timed:
        worst = max(v["p95_ms"] for v in timed)
        over = sum(1 for v in timed if v["p95_ms"] > P95_MS)
        rows.append(
            (
                "every callback and API request p95 ≤ 100 ms",
                f"worst {_fmt(worst)} ms; {over} of {len(timed)} over",
                _met(over == 0),
            )
        )
        ratios = [v["p95_ms"] / max(v["floor"]["p95_ms"], 0.1) for v in timed]
        over3 = sum(1 for x in ratios if x > FLOOR_RATIO)
        rows.append(
            (
                "every callback and API request p95 ≤ 3× its no-op floor",
                f"{over3} of {len(timed)} over (the floors take 0.2-2.5 ms: see the tables)",
                _met(over3 == 0),
            )
        )
    nv = dash.get("naive", {})
    if nv:
        speed = _ratio(nv["naive"]["p50_ms"], nv["real"]["p50_ms"])
        rows.append(
            (
                "≥ 20× faster than the naive pandas view (p50)",
                f"{_fmt(speed)}× ({_fmt(nv['naive']['p50_ms'])} ms against "
                f"{_fmt(nv['real']['p50_ms'])} ms)",
                _met(None if speed is None else speed >= NAIVE_RATIO),
            )
        )
    against_sqlite = report_postgres.goal(r)
    if against_sqlite is not None:
        name, measured, met = against_sqlite
        rows.append((name, measured, _met(met)))
    for name, v in dash.get("renders", {}).items():
        rows.append(
            (
                f"{name} fully drawn in Chromium ≤ 2 s",
                f"first {_fmt(v.get('first_s'))} s, median {_fmt(v.get('median_s'))} s",
                _met(None if v.get("median_s") is None else v["median_s"] <= RENDER_S),
            )
        )
    lt = r.get("load_test")
    if lt:
        rows.append(
            (
                "under load: 0 errors and p95 ≤ 500 ms",
                f"{lt['errors']} errors, p95 {_fmt(lt['p95_ms'])} ms",
                _met(lt["errors"] == 0 and lt["p95_ms"] <= LOAD_P95_MS),
            )
        )
        ld = lt["load_during_run"]
        rows.append(
            (
                "a load while serving: readers answered, none half-loaded",
                f"{ld['checks']} answers: {ld['answers_old']} old, {ld['answers_new']} new, "
                f"{ld['answers_half_loaded']} other, {ld['checks_failed']} failed",
                _met(ld["answers_half_loaded"] == 0 and ld["checks_failed"] == 0),
            )
        )
    return rows


def _scale_section(scale: str, r: dict) -> list[str]:
    m = r.get("machine", {})
    on_pg = r.get("database") == "postgresql"
    out = [
        f"## {r.get('scale', scale).capitalize()} scale" + (" on PostgreSQL" if on_pg else ""),
        "",
        f"Run {m.get('date')} at commit `{m.get('commit')}` on {m.get('cores')} cores, "
        f"{m.get('memory_gb')} GB memory (Python {m.get('python')}); load average "
        f"{m.get('load_average_start')} at the start, {m.get('load_average_end')} at the end "
        f"(the machine was shared); the harness took {_fmt(m.get('harness_seconds'))} s.",
        "",
    ]
    if r.get("scale", scale) == "national":
        out += ["### Goals", "", "| goal | measured | |", "|---|---|---|"]
        out += [f"| {g} | {v} | {ok} |" for g, v, ok in goals(r)]
        out.append("")
    etl, fl = r.get("etl", {}), r.get("etl_floor", {})
    if etl:
        rows = etl.get("rows", {})
        out += [
            "### ETL load",
            "",
            "| | seconds | rows | rows per second | peak memory |",
            "|---|---|---|---|---|",
            f"| whole load ({etl.get('files')} files) | {_fmt(etl.get('seconds'))} | "
            f"{_fmt(sum(rows.values()))} | {_fmt(etl.get('rows_per_second'))} | "
            f"{_fmt(etl.get('peak_rss_mb'), ' MB')} |",
            f"| floor: {'plain COPY' if on_pg else 'sqlite3 executemany'}, one transaction | "
            f"{_fmt(fl.get('seconds'))} | "
            f"{_fmt(sum(fl.get('rows', {}).values()))} | {_fmt(fl.get('rows_per_second'))} | |",
            "",
            f"Ratio load / floor: {_fmt(_ratio(etl.get('seconds'), fl.get('seconds')))}× "
            f"wall, {_fmt(_ratio(etl.get('cpu_seconds'), fl.get('cpu_seconds')))}× CPU "
            f"(load {_fmt(etl.get('cpu_seconds'))} s CPU, floor "
            f"{_fmt(fl.get('cpu_seconds'))} s CPU). "
            f"Rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())}."
            + (f" ({etl['note']})" if etl.get("note") else ""),
            "",
        ]
    dash = r.get("dashboard", {})
    if dash.get("renders"):
        out += [
            "### First full render in headless Chromium",
            "",
            "| page | graphs | first (cold worker) | median of 3 | runs |",
            "|---|---|---|---|---|",
        ]
        for name, v in dash["renders"].items():
            out.append(
                f"| {name} (`{v['path']}`) | {v['graphs']} | {_fmt(v['first_s'])} s | "
                f"{_fmt(v['median_s'])} s | {', '.join(str(x) for x in v['runs'])} |"
            )
        out.append("")
    if dash.get("callbacks"):
        out += [
            "### Callbacks (Flask test client, varied areas and periods)",
            "",
            "| callback → first output | n | p50 ms | p95 ms | floor p95 ms | p95 / floor | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        skipped = []
        for v in dash["callbacks"].values():
            if "not_timed" in v:
                skipped.append(v)
                continue
            fl95 = v["floor"]["p95_ms"]
            out.append(
                f"| {v['callback']} | {v['n']} | {_fmt(v['p50_ms'])} | {_fmt(v['p95_ms'])} | "
                f"{_fmt(fl95)} | {_fmt(_ratio(v['p95_ms'], max(fl95, 0.1)))}× | "
                f"{v['errors']} |"
            )
        out.append("")
        if skipped:
            out += ["Not timed:", ""]
            out += [f"- {v['callback']}: {v['not_timed']}" for v in skipped]
            out.append("")
    if dash.get("api"):
        out += [
            "### API endpoints",
            "",
            "| endpoint | n | p50 ms | p95 ms | floor p95 ms | p95 / floor | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for route, v in dash["api"].items():
            fl95 = v["floor"]["p95_ms"]
            out.append(
                f"| `{route}` | {v['n']} | {_fmt(v['p50_ms'])} | {_fmt(v['p95_ms'])} | "
                f"{_fmt(fl95)} | {_fmt(_ratio(v['p95_ms'], max(fl95, 0.1)))}× | "
                f"{v['errors']} |"
            )
        out.append("")
    cold = dash.get("api_cold", {}).get("/api/v1/data")
    warm = dash.get("warm")
    if cold or warm:
        out += ["### Made ahead, and cold", ""]
        if warm:
            out += [
                f"Every figure above was answered by a worker that had made every indicator "
                f"ahead, as a served worker does at start and after each load "
                f"(`LFO_WARM_CACHE=1`, the default): {warm['results']} results (57 indicators "
                f"× 95% and 99.8%, every area and period) in {_fmt(warm['seconds'])} s "
                f"({_fmt(warm['cpu_seconds'])} s CPU), worker at {_fmt(warm['rss_mb_after'])} "
                f"MB after.",
                "",
            ]
        if cold:
            out += [
                "The same 50 `/api/v1/data` requests with nothing made ahead (the cache "
                "emptied, as by a load, and each request computing what no earlier one "
                "had): the wait a user meets only in the first seconds after a load, before "
                "the worker has made the figures again.",
                "",
                "| | n | p50 ms | p95 ms | max ms |",
                "|---|---|---|---|---|",
                f"| `/api/v1/data`, cold | {cold['n']} | {_fmt(cold['p50_ms'])} | "
                f"{_fmt(cold['p95_ms'])} | {_fmt(cold['max_ms'])} |",
                "",
            ]
    nv = dash.get("naive")
    if nv:
        out += [
            "### Against a naive pandas implementation",
            "",
            f"View: {nv['view']}.",
            "",
            "| | n | p50 ms | p95 ms |",
            "|---|---|---|---|",
            f"| naive (read_sql of all three tables, pandas, statsmodels) | {nv['naive']['n']} | "
            f"{_fmt(nv['naive']['p50_ms'])} | {_fmt(nv['naive']['p95_ms'])} |",
            f"| this system (`/api/v1/data?indicator=uptake.completion&period=…`) | "
            f"{nv['real']['n']} | {_fmt(nv['real']['p50_ms'])} | {_fmt(nv['real']['p95_ms'])} |",
            "",
            f"Speed-up at p50: {_fmt(_ratio(nv['naive']['p50_ms'], nv['real']['p50_ms']))}×."
            + (
                f" The naive view took the worker's peak memory to "
                f"{_fmt(nv['peak_rss_mb_after'])} MB."
                if nv.get("peak_rss_mb_after")
                else ""
            ),
            "",
        ]
    if dash.get("commit") or dash.get("note"):
        out += [
            f"Callback, API and render figures measured at commit `{dash.get('commit')}`"
            + (f" ({dash['note']})." if dash.get("note") else "."),
            "",
        ]
    if dash.get("peak_rss_mb"):
        out += [
            f"Peak memory of the dashboard worker (app, caches, every request above, before "
            f"the naive view): "
            f"{_fmt(dash['peak_rss_mb'])} MB; app factory {_fmt(dash.get('app_factory_s'))} s.",
            "",
        ]
    lt = r.get("load_test")
    if lt:
        ld = lt["load_during_run"]
        out += [
            "### Under load (gunicorn on loopback)",
            "",
            *([f"Figures {lt['note']}.", ""] if lt.get("note") else []),
            f"{lt['users']} users for {_fmt(lt['seconds'])} s, {lt['workers']} gunicorn "
            f"workers x {lt.get('threads', 1)} thread(s), {lt['think_s'][0]}–{lt['think_s'][1]} s thinking between actions "
            "(pages, callbacks, API).",
            "",
            "| requests | per second | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|",
            f"| {lt['requests']:,} | {_fmt(lt['throughput_rps'])} | {_fmt(lt['p50_ms'])} | "
            f"{_fmt(lt['p95_ms'])} | {_fmt(lt['p99_ms'])} | {lt['errors']} |",
            "",
            "| kind | n | p50 ms | p95 ms |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {k} | {v['n']} | {_fmt(v['p50_ms'])} | {_fmt(v['p95_ms'])} |"
            for k, v in lt["by_kind"].items()
        ]
        if lt.get("by_phase"):
            out += ["", "| phase | n | p50 ms | p95 ms |", "|---|---|---|---|"]
            out += [
                f"| {k} | {v['n']} | {_fmt(v.get('p50_ms'))} | {_fmt(v.get('p95_ms'))} |"
                for k, v in lt["by_phase"].items()
            ]
        if lt.get("warm_wait_s") is not None:
            out += [
                "",
                f"The users started when every worker had made the figures ahead, "
                f"{_fmt(lt['warm_wait_s'])} s after gunicorn answered.",
            ]
        out += [
            "",
            f"A correction of {ld['area']}'s return was loaded from {ld['from_s']} s to "
            f"{ld['to_s']} s (exit status {ld['exit_status']}; figures changed: "
            f"{ld['figures_changed']}). The checker asked for that area's figures "
            f"{ld['checks']} times: {ld['answers_old']} answers were the old figures, "
            f"{ld['answers_new']} the new, {ld['answers_half_loaded']} neither (half-loaded), "
            f"{ld['checks_failed']} failed.",
            "",
        ]
        if "new_figures_shown_s_after_load" in ld:
            shown = ld["new_figures_shown_s_after_load"]
            out += [
                "Until the workers had made the new version's plan and figures, they served the "
                "previous ones; every worker showed the new figures "
                + (
                    f"{_fmt(shown)} s after the load ended."
                    if shown is not None
                    else "not within 30 minutes of the load's end."
                ),
                "",
            ]
    return out


def markdown(results: dict) -> str:
    out = [
        "# Benchmarks",
        "",
        "Measured by `python -m benchmarks.run` (see the README and `benchmarks/run.py`); "
        "raw figures in `benchmarks/results.json`. Generated from them, except the notes at "
        "the end. Timings are not asserted by the test suite.",
        "",
    ]
    for key in ORDER:
        if key in results and (not key.startswith("tiny") or len(results) <= 2):
            out += _scale_section(key, results[key])
            if key.endswith("-postgresql"):
                out += report_postgres.against_sqlite(results[key], results.get(key.split("-")[0]))
    if NOTES.exists():
        out += [NOTES.read_text().rstrip(), ""]
    return "\n".join(out)


def summary(result: dict) -> str:
    lines = [f"{result['scale']}: "]
    if result.get("scale") == "national":
        lines += [f"  {g}: {v} [{ok}]" for g, v, ok in goals(result)]
    else:
        etl, fl = result.get("etl", {}), result.get("etl_floor", {})
        lines.append(f"  ETL {etl.get('seconds')} s, floor {fl.get('seconds')} s")
    return "\n".join(lines)

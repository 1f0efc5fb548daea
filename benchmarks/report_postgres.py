"""The PostgreSQL run beside SQLite's: every callback and API request's p95 on both, and whether
PostgreSQL keeps within 1.5× of SQLite (issue 15's goal).

Judged on the run's own pairs where it has them (``benchmarks.paired``: both databases in one
process, request by request in turn); else on SQLite's separate run, whose machine may have been
busier or quieter (the table then says which run)."""

from __future__ import annotations

PG_RATIO = 1.5


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _timed(run: dict) -> dict[str, tuple[str, float]]:
    """Label and p95 of every timed callback and endpoint, by key."""
    dash = run.get("dashboard", {})
    out = {
        key: (v["callback"], v["p95_ms"])
        for key, v in dash.get("callbacks", {}).items()
        if "p95_ms" in v
    }
    out.update({route: (f"`{route}`", v["p95_ms"]) for route, v in dash.get("api", {}).items()})
    return out


def rows(pg: dict, sqlite: dict | None) -> list[tuple[str, float | None, float, float | None]]:
    """(label, SQLite p95, PostgreSQL p95, ratio) for every request PostgreSQL timed."""
    lite = _timed(sqlite or {})
    out = []
    for key, (label, p95) in _timed(pg).items():
        base = lite.get(key, (label, None))[1]
        out.append((label, base, p95, p95 / base if base else None))
    return out


def paired_rows(pg: dict) -> list[tuple[str, float | None, float, float | None]]:
    """(label, SQLite p95, PostgreSQL p95, ratio) from the run's pairs (none: no pairs)."""
    paired = pg.get("paired", {})
    timed = [(v["callback"], v) for v in paired.get("callbacks", {}).values()]
    timed += [(f"`{route}`", v) for route, v in paired.get("api", {}).items()]
    out = []
    for label, v in timed:
        base, p95 = v["sqlite"]["p95_ms"], v["postgresql"]["p95_ms"]
        out.append((label, base, p95, p95 / base if base else None))
    return out


def against_sqlite(pg: dict, sqlite: dict | None) -> list[str]:
    table = paired_rows(pg)
    if table:
        paired = pg["paired"]
        source = (
            f"Both measured in this run, in one process, {paired['n']} requests each sent to "
            "both databases in turn, the order swapped each time (`benchmarks.paired`)."
        )
    else:
        table = rows(pg, sqlite)
        when = (sqlite or {}).get("machine", {}).get("date", "–")
        source = f"SQLite's figures are from its own run of {when}." + (
            f" ({pg['paired']['note']}.)" if pg.get("paired", {}).get("note") else ""
        )
    if not table:
        return []
    compared = [r for r in table if r[3] is not None]
    over = [r for r in compared if r[3] > PG_RATIO]
    out = [
        "### PostgreSQL against SQLite (p95 of each callback and API request)",
        "",
        f"Goal: every request within {PG_RATIO}× SQLite's p95. {len(compared) - len(over)} of "
        f"{len(compared)} within, {len(over)} over"
        + (f" (worst {max(r[3] for r in over):.1f}×)" if over else "")
        + f". {source}",
        "",
        "| request | SQLite p95 ms | PostgreSQL p95 ms | PostgreSQL / SQLite | |",
        "|---|---|---|---|---|",
    ]
    for label, base, p95, ratio in table:
        verdict = "–" if ratio is None else ("met" if ratio <= PG_RATIO else "**not met**")
        shown = "–" if ratio is None else f"{ratio:.2f}×"
        out.append(f"| {label} | {_ms(base)} | {_ms(p95)} | {shown} | {verdict} |")
    out.append("")
    return out


def goal(pg: dict) -> tuple[str, str, bool] | None:
    """The goals table's line for the 1.5× goal, from the run's pairs (None: no pairs)."""
    compared = [r for r in paired_rows(pg) if r[3] is not None]
    if not compared:
        return None
    over = [r for r in compared if r[3] > PG_RATIO]
    worst = max(r[3] for r in compared)
    return (
        f"every callback and API request p95 ≤ {PG_RATIO}× SQLite's (timed in turn, one process)",
        f"{len(over)} of {len(compared)} over; worst {worst:.2f}×",
        not over,
    )

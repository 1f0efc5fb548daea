"""Publishing a release (service.md § 7): freeze the published output of a quarter.

``publish`` reads the live database in one snapshot, writes the release's file
(``lfo.release_snapshot``: the engine's inputs cut at the quarter), makes the release's own
disclosure plan over it, hides the programme cells the release before obliges it to
(``lfo.release_compare``), lists its revisions against that release, builds the bulk download
(``lfo.release_bulk``), and stores it all in one transaction with the ``release-published``
audit row. A failure anywhere leaves no release; publishing a quarter again makes a new
revision and never changes an earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, func, select

from lfo import release_compare, release_snapshot
from lfo.access import audit
from lfo.access.roles import Principal
from lfo.indicators import cells as cell_table
from lfo.indicators import margins as margin_list
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.engine import compute
from lfo.indicators.protection import Plan, Rule, plan_from, protect
from lfo.indicators.queries import coverage, data_as_at, snapshot
from lfo.indicators.request import Query
from lfo.periods import Quarter, parse_period
from lfo.release_bulk import BulkMeta, bulk_zip
from lfo.releases import Release, get, previous, release_id, snapshot_bytes
from lfo.schema_releases import releases

API_VERSION = "v1"
#: The interval level and benchmark of the rows compared between releases and in the bulk file.
BASE_CI = 95.0


class PublishError(Exception):
    """The release cannot be published: the message says why and what to do."""


@dataclass(frozen=True)
class Coverage:
    """Which areas' returns cover a quarter (what publishing lists before it goes ahead)."""

    quarter: str
    covered: tuple[tuple[str, str, str], ...]  # (code, name, return period)
    missing: tuple[tuple[str, str, str | None], ...]  # (code, name, latest return or None)


def quarter_of(text: str) -> Quarter:
    """The quarter a release is asked for; PublishError unless ``text`` names one."""
    try:
        value = parse_period(text)
    except ValueError as exc:
        raise PublishError(str(exc)) from exc
    if not isinstance(value, Quarter):
        raise PublishError(
            f"a release is of a quarter, not of the financial year {value.label}: give its "
            f"last quarter, e.g. {value.label}_Q4"
        )
    return value


def coverage_of(conn: Connection, quarter: Quarter) -> Coverage:
    """The areas (not retired) whose current return covers ``quarter``, and those whose does
    not; PublishError when none does."""
    cov = coverage(conn)
    if "retired_at" in cov:
        cov = cov[cov["retired_at"].isna()]
    covered, missing = [], []
    for row in cov.itertuples():
        end = row.period_end
        if end is not None and not pd.isna(end) and pd.Timestamp(end).date() >= quarter.end:
            covered.append((row.area_code, row.area_name, str(row.return_period)))
        else:
            latest = None if pd.isna(row.return_period) else str(row.return_period)
            missing.append((row.area_code, row.area_name, latest))
    if not covered:
        raise PublishError(
            f"no area's return covers {quarter.label} yet: load the returns of that quarter "
            "first, or publish an earlier quarter"
        )
    return Coverage(quarter.label, tuple(covered), tuple(missing))


def base_rows(conn: Connection, plan: Plan, threshold: int) -> pd.DataFrame:
    """Every indicator's rows for every filter (a ``grp`` column), at 95% against the
    programme: what releases are compared on and the bulk file holds."""
    parts = []
    every = tuple(indicators().values())
    for grp in cell_table.filters():
        inds = every if grp == "all" else tuple(i for i in every if i.by_intervention)
        level = grp.removeprefix("level:") if grp.startswith("level:") else None
        intervention = None if grp == "all" or level else grp
        query = Query(
            indicators=inds,
            intervention=intervention,
            level=level,
            ci=BASE_CI,
            threshold=threshold,
        )
        rows = compute(conn, query, plan).rows
        parts.append(rows.assign(grp=grp))
    return pd.concat(parts, ignore_index=True)


def _returns(cov: pd.DataFrame) -> list[dict[str, Any]]:
    shown = cov[cov["return_period"].notna()]
    return [
        {
            "area_code": r.area_code,
            "area_name": r.area_name,
            "period": str(r.return_period),
            "file_name": str(r.file_name),
            "loaded_at": pd.Timestamp(r.loaded_at).isoformat(),
        }
        for r in shown.itertuples()
    ]


def _changed_returns(new: list[dict[str, Any]], old: Sequence[dict[str, Any]]) -> dict[str, str]:
    before = {r["area_code"]: (r["file_name"], r["loaded_at"]) for r in old}
    return {
        r["area_code"]: f"{r['area_name']}: return for {r['period']} ({r['file_name']})"
        for r in new
        if before.get(r["area_code"]) != (r["file_name"], r["loaded_at"])
    }


def merged_plan(plan: Plan, more: dict[tuple[str, str], set[tuple[str, str, str]]]) -> Plan:
    counts = dict(plan.counts, across_releases=sum(len(v) for v in more.values()))
    return Plan(plan.threshold, plan.hidden.merged(more), counts)


def publish(
    live: Engine,
    writer: Engine,
    quarter_text: str,
    *,
    note: str,
    threshold: int,
    who: Principal | None,
    cache_dir: Path,
    say: Callable[[str], None] = lambda _s: None,
) -> Release:
    """Publish ``quarter_text``'s release from ``live`` (read) into ``writer`` (module doc)."""
    started = time.perf_counter()
    quarter = quarter_of(quarter_text)
    note = note.strip()
    if len(note) > 2000:
        raise PublishError("the note is longer than 2,000 characters: shorten it")
    with tempfile.TemporaryDirectory(prefix="lfo-release-") as tmp:
        path = Path(tmp) / "release.db"
        with live.connect() as conn:
            snapshot(conn)
            covers = coverage_of(conn, quarter)  # refuses a quarter nobody covers
            cov = coverage(conn)
            as_at = data_as_at(conn)
            say(f"copying the figures' inputs up to {quarter.label}")
            release_snapshot.write_inputs(conn, path, quarter)
        frozen = create_engine(f"sqlite:///{path}")
        try:
            with frozen.connect() as conn:
                say("working out the release's disclosure plan")
                plan, cells = own_plan(conn, threshold)
                old_cells, old_shown, old_returns = _release_before(writer, cache_dir)
                more = release_compare.programme_cells_to_hide(cells, old_cells)
                if more:
                    say(
                        f"hiding {sum(map(len, more.values()))} programme figure(s) that "
                        "differencing with the release before would reveal"
                    )
                    plan = merged_plan(plan, more)
                    cells = _marked(cells, more)
                say("computing every indicator for every filter")
                rows = base_rows(conn, plan, threshold)
                returns = _returns(cov)
                changes = release_compare.revisions(
                    rows, old_shown, _changed_returns(returns, old_returns)
                )
        finally:
            frozen.dispose()
        say("writing the plan, revisions and published rows into the release's file")
        facts = {"threshold": str(threshold), "definitions_version": DEFINITIONS_VERSION}
        release_snapshot.write_plan(path, plan, facts)
        release_snapshot.write_revisions(path, changes)
        shown = rows[release_snapshot.SHOWN_COLUMNS].astype({"category": object})
        release_snapshot.write_frames(
            path, {release_snapshot.CELLS: cells, release_snapshot.SHOWN: shown}
        )
        say("compressing the release's file")
        packed, sha, size = release_snapshot.pack(path)
    return _store(
        writer,
        Frozen(
            quarter=quarter,
            note=note,
            threshold=threshold,
            as_at=as_at,
            returns=tuple(returns),
            missing=tuple(
                {"area_code": c, "area_name": n, "period": p} for c, n, p in covers.missing
            ),
            packed=packed,
            sha256=sha,
            size=size,
            rows=rows,
            started=started,
        ),
        who,
        say,
    )


@dataclass(frozen=True)
class Frozen:
    """What publishing made, ready to store."""

    quarter: Quarter
    note: str
    threshold: int
    as_at: dt.datetime | None
    returns: tuple[dict[str, Any], ...]
    missing: tuple[dict[str, Any], ...]
    packed: bytes
    sha256: str
    size: int
    rows: pd.DataFrame
    started: float


def own_plan(conn: Connection, threshold: int) -> tuple[Plan, pd.DataFrame]:
    """The release's own disclosure plan over its file's complete published set (as
    ``make_plan``), and its cells with whether the plan hides each."""
    table = cell_table.build(conn, threshold)
    hidden = protect(table, margin_list.build(table), Rule())
    plan = plan_from(table, hidden)
    rows = table.rows
    cells = rows[
        ["indicator", "grp", "area_code", "period", "category", "numerator", "denominator", "kind"]
    ].copy()
    cells["hidden"] = hidden[rows["cell"].to_numpy()]
    return plan, cells


def _marked(
    cells: pd.DataFrame, more: dict[tuple[str, str], set[tuple[str, str, str]]]
) -> pd.DataFrame:
    keys = {(i, g, a, p, c) for (i, g), cs in more.items() for a, p, c in cs}
    hit = [
        k in keys
        for k in zip(
            cells["indicator"],
            cells["grp"],
            cells["area_code"],
            cells["period"],
            cells["category"],
            strict=True,
        )
    ]
    return cells.assign(hidden=cells["hidden"].to_numpy() | pd.Series(hit).to_numpy())


def _release_before(
    writer: Engine, cache_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[dict[str, Any], ...]]:
    """The release before's cells and published rows (kept in its file) and the returns it
    came from; empty before the first release."""
    with writer.connect() as conn:
        before = previous(conn)
        if before is None:
            return pd.DataFrame(), pd.DataFrame(), ()
        packed = snapshot_bytes(conn, before.release_id)
    engine = release_snapshot.open_snapshot(packed, before.snapshot_sha256, cache_dir)
    try:
        with engine.connect() as conn:
            cells = release_snapshot.read_frame(
                conn, release_snapshot.CELLS, release_snapshot.CELL_COLUMNS
            )
            shown = release_snapshot.read_frame(
                conn, release_snapshot.SHOWN, release_snapshot.SHOWN_COLUMNS
            )
    finally:
        engine.dispose()
    return cells, shown, before.returns


def who_published(who: Principal | None) -> str:
    """How the release names who published it."""
    if who is None:
        return f"command line ({audit.os_user()})"
    if who.local:
        return "local user"
    return who.email or f"user {who.user_id}"


def _store(
    writer: Engine, made: Frozen, who: Principal | None, say: Callable[[str], None]
) -> Release:
    """One transaction: the release's row (the next revision of its quarter) and its audit row."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with writer.begin() as conn:
        last = conn.execute(
            select(func.max(releases.c.revision)).where(releases.c.quarter == made.quarter.label)
        ).scalar()
        revision = int(last or 0) + 1
        rid = release_id(made.quarter.label, revision)
        meta = BulkMeta(
            release_id=rid,
            quarter=made.quarter.label,
            published_at=now.isoformat(timespec="seconds") + "Z",
            data_as_at=None if made.as_at is None else made.as_at.isoformat(),
            definitions_version=DEFINITIONS_VERSION,
            threshold=made.threshold,
            note=made.note,
            returns=tuple((r["area_code"], r["area_name"], r["period"]) for r in made.returns),
        )
        say("building the bulk download")
        bulk = bulk_zip(made.rows.rename(columns={"grp": "filter"}), meta)
        say("storing the release")
        conn.execute(
            releases.insert().values(
                release_id=rid,
                quarter=made.quarter.label,
                revision=revision,
                published_at=now,
                published_by=None if who is None else who.user_id,
                published_by_name=who_published(who),
                note=made.note,
                data_as_at=made.as_at,
                definitions_version=DEFINITIONS_VERSION,
                api_version=API_VERSION,
                threshold=made.threshold,
                returns=json.dumps(list(made.returns)),
                missing=json.dumps(list(made.missing)),
                snapshot=made.packed,
                snapshot_sha256=made.sha256,
                snapshot_bytes=made.size,
                bulk=bulk,
                bulk_sha256=hashlib.sha256(bulk).hexdigest(),
                seconds=round(time.perf_counter() - made.started),
            )
        )
        audit.record(
            conn,
            "release-published",
            "ok",
            obj=f"release {rid}",
            principal=who,
            os_user=audit.os_user() if who is None else None,
        )
    with writer.connect() as conn:
        done = get(conn, rid)
    assert done is not None
    return done

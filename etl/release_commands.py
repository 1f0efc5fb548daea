"""``python -m etl release publish --period P [--note TEXT]`` and ``release list`` (service.md § 7).

Publishing lists the LAs whose returns do not cover the quarter, then freezes the release
(``lfo.release_publish``): one transaction, audited with the operating-system user. ``list``
prints every release with its note, data as at and definitions version (marked when the
service now computes under another: its figures are refused, docs/operations.md).
"""

from __future__ import annotations

import argparse

from etl import console as out
from lfo.db import check_revision, reader_engine, writer_engine
from lfo.indicators import definitions
from lfo.indicators.protection import PlanTooLarge
from lfo.indicators.queries import snapshot
from lfo.release_publish import PublishError, coverage_of, publish, quarter_of
from lfo.releases import list_releases
from lfo.settings import Settings

OK, CANNOT_RUN = 0, 2

ACTIONS = {
    "publish": "freeze the published figures of a quarter as a release (--period, --note)",
    "list": "every release: id, quarter, published when and by whom, data as at, definitions, note",
}


def run_release(args: argparse.Namespace, settings: Settings) -> int:
    writer = writer_engine(settings.database_url)
    try:
        with writer.connect() as conn:
            check_revision(conn)
        if args.action == "list":
            return _list(writer)
        return _publish(args, settings)
    finally:
        writer.dispose()


def _list(writer) -> int:  # type: ignore[no-untyped-def]
    console = out.stdout_console()
    with writer.connect() as conn:
        found = list_releases(conn)
    if not found:
        console.print("no release is published yet: python -m etl release publish --period P")
        return OK
    for r in found:
        as_at = "none" if r.data_as_at is None else r.data_as_at.isoformat(timespec="minutes")
        made = f"definitions {out.shown(r.definitions_version)}"
        if r.definitions_version != definitions.DEFINITIONS_VERSION:  # refused by the service
            made += f" (now {definitions.DEFINITIONS_VERSION}: figures refused, bulk zip only)"
        console.print(
            f"{out.shown(r.release_id)}\tpublished {r.published_at:%Y-%m-%d %H:%M} UTC by "
            f"{out.shown(r.published_by)}\tdata as at {as_at}\t{made}\t{out.shown(r.note)}"
        )
    return OK


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    console, err = out.stdout_console(), out.stderr_console()
    if not args.period:
        raise PublishError("say which quarter to publish: --period 2018-19_Q4")
    quarter = quarter_of(args.period)
    reader = reader_engine(settings.database_url)
    try:
        with reader.connect() as conn:
            snapshot(conn)
            covers = coverage_of(conn, quarter)
        for code, name, latest in covers.missing:
            err.print(
                f"not covered: {out.shown(name)} ({code}): latest return "
                f"{'none' if latest is None else latest}"
            )
        console.print(
            f"{len(covers.covered)} area(s) cover {quarter.label}; {len(covers.missing)} do not"
        )
        try:
            done = publish(
                reader,
                writer_engine(settings.database_url),
                quarter.label,
                note=args.note or "",
                threshold=settings.suppression_threshold,
                who=None,
                cache_dir=settings.releases_cache_dir,
                say=lambda s: console.print(f"  {s}"),
            )
        except PlanTooLarge as exc:
            err.print(f"cannot publish: {exc}")
            return CANNOT_RUN
    finally:
        reader.dispose()
    console.print(
        f"published release {done.release_id} in {done.seconds} s: "
        f"{done.stored_bytes:,} bytes stored, bulk file {done.bulk_bytes:,} bytes"
    )
    return OK

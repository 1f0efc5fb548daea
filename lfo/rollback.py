"""Rolling an LA back to an earlier return (issue 13 § 4): a programme lead picks one of the LA's
earlier loaded returns on the tracker, and it is loaded again with force by the background worker,
as ``python -m etl load --force`` would.

Which returns may be chosen (``candidates``): the LA's load-log rows with a loaded outcome whose
file is still in the archive (``<archive_dir>/<sha256>.<ext>``, as ``etl.archive.archive_name``
names it), other than the LA's current return (its load, or the same bytes loaded again).

``request`` does it all in one transaction: a copy of the archived file under the
uploads folder (``<uploads_dir>/<submission id>/<canonical name>``: the loader reads the LA and
period from the name), a submission of kind ``rollback`` already ``submitted``, its ``load-return``
job (``force``; ``quarantine`` too when the return was loaded with rows held back, so it loads as
it did then) and an audit row ``rollback`` "requested" naming the LA, period, load and reason.
The copy is removed if the transaction does not commit. The loader's forced load writes its own
audit row when it runs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from lfo import jobs
from lfo import submissions as subs
from lfo.access import audit
from lfo.access.roles import Principal
from lfo.archived import archived_path
from lfo.tracker import Load, current_return, read_loads

#: The longest reason kept (the audit row's object holds it).
MAX_REASON = 500


class RollbackRefused(ValueError):
    """The chosen load cannot be rolled back to: the message says why and what to do."""


@dataclass(frozen=True)
class Candidate:
    """An earlier loaded return of an LA, with its archived file."""

    load: Load
    archived: Path

    @property
    def canonical_name(self) -> str:
        """``LFO_<GSS>_<YYYY-YY>_Q<n>.<ext>`` (return-spec § 1)."""
        return f"LFO_{self.load.area_code}_{self.load.period}{self.archived.suffix}"


def candidates(conn: Connection, area_code: str, archive_dir: Path) -> list[Candidate]:
    """The LA's earlier loaded returns that can be loaded again, newest first."""
    current = current_return(conn, area_code)
    found = []
    for load in read_loads(conn, areas=[area_code]):
        if not load.loaded:
            continue
        if current is not None and (
            load.load_id == current["load_id"] or load.sha256 == current["sha256"]
        ):
            continue
        path = archived_path(archive_dir, load.sha256, load.file_name)
        if path.is_file():
            found.append(Candidate(load, path))
    return found


def candidate(conn: Connection, area_code: str, load_id: int, archive_dir: Path) -> Candidate:
    """The chosen load, checked; RollbackRefused saying what is wrong otherwise."""
    for found in candidates(conn, area_code, archive_dir):
        if found.load.load_id == load_id:
            return found
    loads = {load.load_id: load for load in read_loads(conn, areas=[area_code])}
    load = loads.get(load_id)
    if load is None:
        raise RollbackRefused(
            f"Load {load_id} is not a load of {area_code}: choose one of the returns listed "
            "on this page."
        )
    if not load.loaded:
        raise RollbackRefused(
            f"Load {load_id} was {load.outcome}, not loaded: only a return that was loaded can "
            "be loaded again."
        )
    path = archived_path(archive_dir, load.sha256, load.file_name)
    if not path.is_file():
        raise RollbackRefused(
            f"The file of load {load_id} ({load.file_name}) is no longer in the archive, so it "
            "cannot be loaded again: ask the LA to send it again."
        )
    raise RollbackRefused(
        f"Load {load_id} is the LA's current return: there is nothing to roll back to."
    )


def request(
    engine: Engine,
    area_code: str,
    load_id: int,
    *,
    reason: str,
    archive_dir: Path,
    uploads_dir: Path,
    principal: Principal,
    client: str | None,
    now: dt.datetime,
) -> int:
    """Ask for the rollback in one transaction (module docstring); the new submission's id.
    RollbackRefused (nothing written) when ``load_id`` is not one of ``candidates``."""
    folder: Path | None = None
    try:
        with engine.begin() as conn:
            chosen = candidate(conn, area_code, load_id, archive_dir)
            load = chosen.load
            submission_id = subs.create(
                conn,
                kind="rollback",
                area_code=load.area_code,
                period=load.period,
                file_name=chosen.canonical_name,
                original_name=load.file_name,
                sha256=load.sha256,
                size_bytes=chosen.archived.stat().st_size,
                user_id=principal.user_id,
                now=now,
                state="submitted",
            )
            folder = uploads_dir / str(submission_id)
            path = _copy(chosen.archived, folder, chosen.canonical_name)
            payload: dict[str, object] = {
                "path": str(path),
                "submission_id": submission_id,
                "force": True,
                "submitted_by": principal.user_id,
            }
            if load.outcome == "loaded with quarantine":
                payload["quarantine"] = True
            job_id = jobs.enqueue(
                conn,
                "load-return",
                payload,
                dedupe_key=f"rollback-{submission_id}",
                created_by=principal.user_id,
            )
            subs.set_jobs(conn, submission_id, load=job_id)
            what = f"{load.area_code} {load.period} load {load.load_id} ({load.file_name})"
            audit.record(
                conn,
                "rollback",
                "requested",
                obj=f"{what}: {reason[:MAX_REASON]}",
                principal=principal,
                client=client,
                at=now,
            )
    except BaseException:
        if folder is not None:  # the transaction did not commit: no copy without its submission
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return submission_id


def _copy(source: Path, folder: Path, name: str) -> Path:
    """Copy ``source`` to ``folder/name``: the folder new (0700), the file 0600."""
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.mkdir(mode=0o700)
    target = folder / name
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as src, open(descriptor, "wb") as out:
        shutil.copyfileobj(src, out)
    return target

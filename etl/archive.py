"""The archive: every file handed to ``load``, kept unchanged as ``<sha256>.<ext>``.

The archive holds the files exactly as the LAs sent them (with their own IDs, and perhaps personal
data in a rejected file), so its folder is created readable by its owner only (0700) and each copy is
0600. A file over the size limit is not copied: its hash and size are logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from lfo.archived import archived_path

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024  # E110: file larger than 50 MB
_CHUNK = 1024 * 1024
INCOMING_PREFIX = ".incoming-"


def sha256_of(path: Path) -> str:
    """The file's SHA-256 in hex, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_name(sha256: str, path: Path) -> str:
    """``<sha256>.<ext>``: the rule's one home is ``lfo.archived`` (the dashboard,
    which may not import ``etl``, finds archived files by it)."""
    return archived_path(Path(), sha256, path.name).name


def archive_file(path: Path, sha256: str, size_bytes: int, archive_dir: Path) -> Path | None:
    """Copy ``path`` into the archive unless it is too large; return the copy's path (or None).

    The copy is written to a temporary file and renamed, so the archive never holds half a file.
    An existing copy with the same name has the same content (same hash) and is left alone.
    """
    if size_bytes > MAX_FILE_BYTES:
        log.warning(
            "%s is %d bytes, over the %d-byte limit: not archived (sha256 %s)",
            path.name,
            size_bytes,
            MAX_FILE_BYTES,
            sha256,
        )
        return None
    if not archive_dir.exists():
        archive_dir.mkdir(parents=True, mode=0o700)
    target = archive_dir / archive_name(sha256, path)
    if target.exists():
        return target
    fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=INCOMING_PREFIX)
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("archived %s as %s", path.name, target.name)
    return target


def remove_partial_copies(archive_dir: Path) -> int:
    """Delete half-written copies left by a load that was killed while archiving.

    Call it only while holding the load lock: then no other process can be writing one.
    """
    if not archive_dir.is_dir():
        return 0
    removed = 0
    for partial in archive_dir.glob(INCOMING_PREFIX + "*"):
        partial.unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("removed %d partial archive copies left by an interrupted load", removed)
    return removed

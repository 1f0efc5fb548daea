"""What a backup set is made of, shared by ``etl.backup`` (which writes one) and ``etl.restore``
(which checks and restores one): the manifest, private files and folders, and hashing.

A backup set is one folder (mode 0700) holding the database (``lfo.db`` or ``lfo.dump``), the
two key files (``keys/``, unless left out), the archive (``archive/``) and ``manifest.json``,
which lists every file with its size and SHA-256. Everything is written 0600: the set holds the
LAs' own IDs (the archive) and the keys that pseudonymise them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

#: The manifest's format: a restore refuses one it does not know.
FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
KEYS = ("id_key", "secrets_key")
KEY_WORDS = {"id_key": "ID key", "secrets_key": "secrets key"}


class BackupError(Exception):
    """A backup set cannot be used (damaged, incomplete, not a backup): nothing was written."""


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) with mode 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def copy_private(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to a new file ``target`` (mode 0600, synced): its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with source.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                os.write(fd, chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(target, 0o600)
    return size, digest.hexdigest()


def replace_private(source: Path, target: Path) -> str:
    """Put a copy of ``source`` at ``target`` atomically (a hidden file beside it, then a rename):
    never half written. Mode 0600; the parent folder is made 0700 if missing. Its SHA-256."""
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        _size, sha = copy_private(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return sha


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / MANIFEST
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


@dataclass(frozen=True)
class Entry:
    """One file of a backup set, as its manifest lists it."""

    path: str  # relative, with "/" between parts
    what: str  # "database", "id_key", "secrets_key" or "archive"
    size: int
    sha256: str

    def file(self, folder: Path) -> Path:
        return folder.joinpath(*PurePosixPath(self.path).parts)


def read_manifest(folder: Path) -> tuple[dict[str, Any], list[Entry]]:
    """The manifest of the backup set in ``folder`` and its files (BackupError, saying why, when
    it is missing, unreadable, of another format, or names a file outside the folder)."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: give the folder a backup made (--from DIR)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{folder} has no {MANIFEST}: it is not a backup set made by `python -m etl backup` "
            "(give the lfo-backup-… folder itself), or it is incomplete"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"the backup's {MANIFEST} cannot be read ({exc}): it is damaged"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"the backup's {MANIFEST} is not of format {FORMAT}: it was not made by this "
            "program's `backup`, or it is damaged"
        )
    try:
        entries = [
            Entry(str(f["path"]), str(f["what"]), int(f["size"]), str(f["sha256"]))
            for f in manifest["files"]
        ]
    except (KeyError, TypeError, ValueError):
        raise BackupError(
            f"the backup's {MANIFEST} lists its files wrongly: it is damaged"
        ) from None
    try:
        described = [manifest["database"]["kind"], manifest["database"]["data_version"]]
        described += [manifest["keys"], manifest["made_at"], manifest["made_by"]]
    except (KeyError, TypeError):
        raise BackupError(f"the backup's {MANIFEST} is incomplete: it is damaged") from None
    if [e.what for e in entries].count("database") != 1:
        raise BackupError(f"the backup's {MANIFEST} lists no database file: it is damaged")
    for entry in entries:
        parts = PurePosixPath(entry.path).parts
        if not parts or entry.path.startswith("/") or ".." in parts or "\\" in entry.path:
            raise BackupError(
                f"the backup's {MANIFEST} names a file outside the backup ({entry.path!r}): "
                "it is damaged or was altered; nothing was restored"
            )
    return manifest, entries


def damaged(
    folder: Path, entries: list[Entry], on_file: Callable[[], None] | None = None
) -> list[str]:
    """Every file of the set that is missing or not as the manifest says (size, SHA-256)."""
    problems = []
    for entry in entries:
        if on_file is not None:
            on_file()
        path = entry.file(folder)
        if not path.is_file():
            problems.append(f"{entry.path}: missing")
        elif path.stat().st_size != entry.size:
            problems.append(
                f"{entry.path}: {path.stat().st_size:,} bytes, the manifest says {entry.size:,}"
            )
        elif sha256_of(path) != entry.sha256:
            problems.append(f"{entry.path}: its SHA-256 is not the manifest's (changed or damaged)")
    return problems


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n:,} bytes"

"""Where the archive keeps a file: ``<archive_dir>/<sha256>.<its extension>``. The rule's one
home: ``etl.archive`` names its copies by it, and the dashboard (which may not import ``etl``)
finds archived returns by it (``lfo.rollback``)."""

from __future__ import annotations

from pathlib import Path


def archived_path(archive_dir: Path, sha256: str, file_name: str) -> Path:
    """The archive's copy of a file with this hash and name (the extension in lower case)."""
    ext = Path(file_name).suffix.lower().lstrip(".") or "bin"
    return archive_dir / f"{sha256}.{ext}"

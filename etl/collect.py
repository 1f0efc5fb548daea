"""Which return files a command's paths name, and in which order they are loaded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path


class UsageError(Exception):
    """The command line names something unusable (a missing path, a folder with no returns)."""


_NAME = re.compile(r"^LFO_(E[0-9]{8})_([0-9]{4})-([0-9]{2})_Q([1-4])\.(xlsx|zip)$")
RETURN_SUFFIXES = (".xlsx", ".zip")


def return_order(path: Path) -> tuple[int, int, str, str]:
    """Sort key: period, then LA code, then file name; names that do not parse go last, by name."""
    m = _NAME.match(path.stem + path.suffix.lower())
    if m is None:
        return (1, 0, "", path.name)
    fy, yy, q = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if (fy + 1) % 100 != yy:
        return (1, 0, "", path.name)
    return (0, fy * 4 + q, m.group(1), path.name)


def collect_files(
    paths: Sequence[Path], *, exclude: Path | None = None
) -> tuple[list[Path], list[Path]]:
    """The return files named by ``paths`` in load order, and the files skipped in folders.

    A file is taken as it is (the checks judge it); a folder gives its ``*.xlsx`` and ``*.zip``
    files, not those of subfolders, and skips the rest (and Excel's ``~$`` lock files).
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist: give a return file or a folder of returns")
        if path.is_dir():
            found = [p for p in sorted(path.iterdir()) if p.is_file()]
            returns = [
                p
                for p in found
                if p.suffix.lower() in RETURN_SUFFIXES
                and not p.name.startswith("~$")
                and not _same(p, exclude)
            ]
            skipped += [p for p in found if p not in returns and not _same(p, exclude)]
            if not returns:
                raise UsageError(
                    f"{path} holds no returns (.xlsx or .zip files): check the folder name"
                )
            files += returns
        else:
            files.append(path)
    unique = {p.resolve(): p for p in files}
    return sorted(unique.values(), key=return_order), skipped


def _same(a: Path, b: Path | None) -> bool:
    return b is not None and a.resolve() == b.resolve()

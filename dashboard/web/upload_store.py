"""Where an uploaded return is kept (return-spec.md § 5, issue 13 § 1): the quarters a return may be
sent for, its canonical name, and the file copied from Werkzeug's temporary file in chunks (never
read whole into memory), hashed as it goes, kept as ``<uploads>/<submission id>/<canonical name>``
(folder 0700, file 0600) so that nobody but the service's own user can read it.

The copy is first made under the uploads folder as a hidden staging file (``mkstemp``: 0600), so
its size and SHA-256 are known before the submission's row is written; the page then creates the
row, moves the file into the row's folder (``place``) and commits, or removes both (``discard``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lfo import periods
from lfo.periods import PROGRAMME_START, Quarter

CHUNK_BYTES = 1024 * 1024
#: What a return may be (return-spec § 1): the extension, lower case, as the canonical name has it.
EXTENSIONS = ("xlsx", "zip")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class UploadProblem(ValueError):
    """What is wrong with the upload, as a sentence for the form."""


class TooLarge(Exception):
    """The file is over the limit (its staging copy is already removed)."""


@dataclass(frozen=True)
class Staged:
    path: Path
    sha256: str
    size_bytes: int


def first_quarter() -> Quarter:
    return Quarter.containing(PROGRAMME_START)


def latest_ended(today: dt.date | None = None) -> Quarter:
    """The latest quarter that has ended (a return is sent after its quarter)."""
    return Quarter.containing(today or periods.today()) - 1


def period_choices(today: dt.date | None = None) -> list[Quarter]:
    """Every quarter a return may be sent for, newest first."""
    first, last = first_quarter(), latest_ended(today)
    return [Quarter.from_index(i) for i in range(last.index, first.index - 1, -1)]


def quarter_words(quarter: Quarter) -> str:
    """``2017-18 Q3 (October to December 2017)``."""
    start, end = quarter.start, quarter.end
    first = MONTHS[start.month - 1]
    if start.year != end.year:
        first += f" {start.year}"
    return f"{quarter.display} ({first} to {MONTHS[end.month - 1]} {end.year})"


def checked_period(code: str, today: dt.date | None = None) -> Quarter:
    """The quarter ``code`` names if a return may be sent for it; else UploadProblem saying why."""
    try:
        value = periods.parse_period(code[:20])
    except ValueError:
        raise UploadProblem("Choose the quarter the return is for from the list.") from None
    if not isinstance(value, Quarter):
        raise UploadProblem(
            f"{value.label} is a financial year: a return is for one quarter. Choose the quarter "
            "from the list."
        )
    first, last = first_quarter(), latest_ended(today)
    if value < first:
        raise UploadProblem(
            f"{value.display} is before the programme began: its first quarter is "
            f"{first.display}. Choose the quarter the return is for from the list."
        )
    if value > last:
        raise UploadProblem(
            f"{value.display} has not ended yet: a return is sent after its quarter ends (the "
            f"latest quarter you can send is {last.display})."
        )
    return value


def base_name(sent: str) -> str:
    """The file name a browser sent, without any folder it named (old browsers send the path)."""
    return sent.replace("\\", "/").rsplit("/", 1)[-1].strip()


def extension_of(name: str) -> str:
    """``xlsx`` or ``zip`` (any case in ``name``); else UploadProblem."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in EXTENSIONS:
        raise UploadProblem(
            "A return is an Excel workbook (.xlsx) or a .zip of CSV files: this file's name does "
            "not end .xlsx or .zip. Save the return as .xlsx (or zip its CSV files) and upload "
            "it again."
        )
    return suffix


def canonical_name(gss: str, quarter: Quarter, ext: str) -> str:
    """``LFO_<GSS>_<YYYY-YY>_Q<n>.<ext>`` (return-spec § 1; ``etl.collect._NAME``)."""
    return f"LFO_{gss}_{quarter.label}.{ext}"


def private_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def stage(source: IO[bytes], uploads: Path, limit: int) -> Staged:
    """Copy ``source`` in chunks to a staging file under ``uploads`` (0600), hashing it; TooLarge
    (the copy removed) as soon as it passes ``limit`` bytes."""
    private_folder(uploads)
    handle, name = tempfile.mkstemp(prefix=".incoming-", dir=uploads)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := source.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"{size} bytes read, over {limit}")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Staged(path, digest.hexdigest(), size)


def upload_path(uploads: Path, submission_id: int, name: str) -> Path:
    return uploads / str(submission_id) / name


def place(staged: Staged, uploads: Path, submission_id: int, name: str) -> Path:
    """Move the staged copy to ``<uploads>/<submission_id>/<name>`` (folder 0700, file 0600)."""
    target = upload_path(uploads, submission_id, name)
    private_folder(target.parent)
    os.replace(staged.path, target)
    target.chmod(0o600)
    return target


def discard(staged: Staged, uploads: Path, submission_id: int | None) -> None:
    """Remove the staged copy and the submission's folder (a write that was not committed)."""
    staged.path.unlink(missing_ok=True)
    if submission_id is not None:
        shutil.rmtree(uploads / str(submission_id), ignore_errors=True)

"""The limits of E110 and the safe reading of zip members (``.zip`` returns and ``.xlsx`` workbooks).

A return file is read without trusting it: the sizes its zip declares are checked first, and the
bytes really decompressed are counted while they are read (``Budget``), so a lying header or a zip
bomb stops at 500 MB. ``ReadStop`` carries the finding (E101 or E110) that stops a return.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from lfo.findings import Finding

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 100  # a sheet or CSV with more columns is E110 (return-spec v2 § 3)
CHUNK = 1 << 20


class ReadStop(Exception):
    """A return-level problem found while reading: carries its finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def e101(name: str, why: str) -> ReadStop:
    return ReadStop(Finding(name, None, None, None, None, "E101", why))


def e110(name: str, value: str | None, why: str) -> ReadStop:
    return ReadStop(Finding(name, None, None, None, value, "E110", why))


def too_many_columns(name: str, part: str, columns: int | None, hint: str) -> ReadStop:
    """E110 for the CSV member or sheet ``part`` when it is wider than ``MAX_COLUMNS``
    (``columns``: how many, when known)."""
    count = f" ({columns:,})" if columns is not None else ""
    return e110(
        name,
        part,
        f"'{part}' has more than {MAX_COLUMNS} columns{count}: a return has at most 10 columns a "
        f"sheet; {hint}",
    )


def check_declared_sizes(zf: zipfile.ZipFile, name: str) -> None:
    declared = sum(i.file_size for i in zf.infolist())
    if declared > MAX_UNPACKED_BYTES:
        raise e110(
            name,
            str(declared),
            f"the file would unpack to {declared / 1024 / 1024:.0f} MB, over the 500 MB "
            "limit: send only the three sheets",
        )


class Budget:
    """Counts decompressed bytes across the members of one zip."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > MAX_UNPACKED_BYTES:
            raise e110(
                self.name, None, "the file unpacks to more than 500 MB: send only the three sheets"
            )


def member_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> Iterator[bytes]:
    """The decompressed bytes of a member, in chunks, never past the budget (lying headers too)."""
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return
            budget.spend(len(chunk))
            yield chunk


ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    KeyError,
    UnicodeDecodeError,
)

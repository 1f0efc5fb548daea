"""One CSV member of a ``.zip`` return as a ``RawSheet`` (``etl.reading`` decodes its bytes first).

The csv module parses the text; the records are then handled a batch at a time as one array of
cells rather than cell by cell: every cell trimmed, blank records skipped (the others keep their
record numbers), fields past the header kept as the record's extra fields, and the limits of
``etl.read_limits`` (rows, columns) checked in record order, so the problem reported is the first
one in the file, as it is when each record is checked in turn.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import chain, islice

import numpy as np

from etl.raw_sheet import RawSheet, sheet_frame, text_frame
from etl.read_limits import MAX_COLUMNS, MAX_ROWS, e101, e110, too_many_columns

BATCH = 512  # records handled at a time: few enough to die young (cheap for the garbage collector)


def csv_sheet(content: str, key: str, member: str, name: str) -> RawSheet:
    """The sheet of the CSV text ``content`` (not empty) of the member ``member`` of ``name``."""
    if content.count("\n") > MAX_ROWS:
        _count_records(content, name, member)
    failed: list[csv.Error] = []
    records = _until_error(csv.reader(io.StringIO(content, newline="")), failed)
    header = next(records, None)
    width = len(header or ())
    cells: list[np.ndarray] = []
    filled: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    extra: dict[int, str] = {}
    count = 0  # data rows so far
    record_no = 2  # of the batch's first record (the header is record 1)
    while batch := list(islice(records, BATCH)):
        batch_cells, wide, past = _trimmed(batch, width, record_no, extra)
        batch_filled = batch_cells.astype(bool)
        held = np.asarray(batch_filled.any(axis=1))
        held[past] = True  # records that hold something only past the header are rows too
        kept = np.flatnonzero(held)
        over = int(kept[MAX_ROWS - count]) if count + len(kept) > MAX_ROWS else None
        if wide is not None and (over is None or wide[0] < over):
            raise too_many_columns(
                name,
                member,
                wide[1],
                f"its record {record_no + wide[0]:,} has more fields than that: delete the "
                "extra fields, or put values that contain commas in double quotes",
            )
        if over is not None:
            raise e110(name, member, f"'{member}' has more than 1,000,000 rows")
        if len(kept) < len(batch):  # blank records dropped
            batch_cells, batch_filled = batch_cells[kept], batch_filled[kept]
        cells.append(batch_cells)
        filled.append(batch_filled)
        rows.append(kept + record_no)
        count += len(kept)
        record_no += len(batch)
    if failed:
        raise e101(
            name, f"'{member}' is not a readable CSV ({failed[0]}): save it again as CSV UTF-8"
        ) from failed[0]
    if header is None:
        return sheet_frame(key, member, [], [], [], [], empty_file=True)
    return text_frame(
        key,
        member,
        header,
        _joined(cells, (0, width), object),
        _joined(filled, (0, width), bool),
        _joined(rows, (0,), np.int64),
        extra,
    )


def _until_error(reader: Iterator[list[str]], failed: list[csv.Error]) -> Iterator[list[str]]:
    """The reader's records up to the first one it cannot parse (its error put in ``failed``)."""
    try:
        yield from reader
    except csv.Error as exc:
        failed.append(exc)


def _trimmed(
    batch: list[list[str]], width: int, first: int, extra: dict[int, str]
) -> tuple[np.ndarray, tuple[int, int] | None, list[int]]:
    """The batch's cells, trimmed, as an array of ``width`` columns (a record shorter than the
    header filled with empty cells, a longer one cut to it, its fields past the header put in
    ``extra`` by record number when they hold something); the first record wider than
    ``MAX_COLUMNS`` up to its last field that holds something, as (its index, that width); and
    the indexes of the records with extra fields. ``first`` is the record number of the batch's
    first record."""
    lengths = np.fromiter(map(len, batch), np.intp, len(batch))
    wide: tuple[int, int] | None = None
    past: list[int] = []
    for i in np.flatnonzero((lengths != width) | (lengths > MAX_COLUMNS)).tolist():
        record = batch[i]
        if len(record) > MAX_COLUMNS and wide is None:
            fields = _width(list(map(str.strip, record)))
            wide = (i, fields) if fields > MAX_COLUMNS else None
        if len(record) > width:
            if any(map(str.strip, record[width:])):  # trailing empty fields hold nothing
                extra[first + i] = ",".join(record[width:])
                past.append(i)
            batch[i] = record[:width]
        elif len(record) < width:
            batch[i] = record + [""] * (width - len(record))
    trimmed = map(str.strip, chain.from_iterable(batch))
    cells = np.fromiter(trimmed, object, len(batch) * width).reshape(len(batch), width)
    return cells, wide, past


def _joined(parts: list[np.ndarray], empty: tuple[int, ...], dtype: type) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(empty, dtype=dtype)


def check_header_width(head: bytes, member: str, name: str) -> None:
    """E110 when the first record of a CSV (read from ``head``, its first bytes: never a whole
    unbounded line) has more than ``MAX_COLUMNS`` fields up to its last non-empty one.

    Commas, quotes and line ends are the same bytes in UTF-8 and Windows-1252, so the bytes are
    read as Latin-1 (which never fails) just to count fields, and decoded only as far as the first
    record goes. A header within the limits fits in ``etl.reading.HEADER_SCAN`` bytes, or has a
    field longer than the csv module reads (an E101 later)."""
    text = io.TextIOWrapper(io.BytesIO(head), encoding="latin-1", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader, [])
    except csv.Error:
        return  # the whole read reports it (E101)
    width = _width(first)
    if width > MAX_COLUMNS:
        raise too_many_columns(
            name, member, width, "delete the columns after the last one of the return"
        )


def _width(record: list[str]) -> int:
    """How many fields, up to the last one that holds something (trailing empty fields hold
    nothing)."""
    for i in range(len(record) - 1, -1, -1):
        if record[i].strip():
            return i + 1
    return 0


def _count_records(content: str, name: str, member: str) -> None:
    """E110 as soon as a long CSV passes the row limit, before its rows are stored. A record the
    csv module cannot read ends the count: the read that follows reports it (E101)."""
    records = 0
    try:
        for record in csv.reader(io.StringIO(content, newline="")):
            if any(c.strip() for c in record):
                records += 1
                if records > MAX_ROWS + 1:  # the header is not a row
                    raise e110(name, member, f"'{member}' has more than 1,000,000 rows")
    except csv.Error:
        return

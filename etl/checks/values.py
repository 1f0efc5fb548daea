"""Cell rules of the return (spec sections 1-2): IDs, dates, whole numbers and codes.

Each rule works on a whole column at once: ``text`` (trimmed cell text, "" when missing) and
``kind`` (what the cell held, see ``etl.reading``). It returns the typed values (NA where the cell
is missing or failed) and the failures as ``Issues``. A cell gets at most one of E201, E210, E202,
E203, tried in that order; E204 (ranges) is added by the sheet checks on values that passed these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias, TypeVar

import numpy as np
import pandas as pd

from etl.raw_sheet import BOOL, DATE, EMPTY, ERROR, FORMULA, NUMBER

FORMULA_MESSAGE = "this cell holds a formula; copy the column and paste values only"
BAND_DATE_MESSAGE = (
    "Excel has turned this band into a date: format the column as Text and type the band again"
)
BAND_COLUMNS = frozenset({"age_band", "youngest_child_age_band"})

ID_RE = r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}"
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[^@\s]+"
NHS_RE = r"(?:\d\s*){9}\d"
POSTCODE_RE = r"(?i:[A-Z][A-HJ-Y]?\d[A-Z\d]?\s?\d[A-Z]{2}|GIR\s?0AA)"
DATE_RE = re.compile(
    r"^(?:(?P<y1>\d{4})-(?P<m1>\d{2})-(?P<d1>\d{2})|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))"
    r"(?: 00:00(?::00)?)?$"
)
DATE_MIN_LENGTH = 8  # 1/1/2016
WHOLE_RE = r"[+-]?\d+(?:\.0+)?"
# how Excel shows a band it turned into a date, once saved as text: 02-Apr, Apr-17, 5-Nov-2017
EXCEL_DATE_TEXT_RE = r"(?i:\d{1,2}-[a-z]{3}(?:-\d{2,4})?|[a-z]{3}-\d{2,4})"
_NHS_WEIGHTS = np.arange(10, 1, -1)


Part: TypeAlias = str | pd.Series
Frame = TypeVar("Frame", pd.Series, pd.DataFrame)


class Distinct:
    """A column's distinct values, found once (``pd.factorize``), so that each element-wise test
    of the column runs on them alone and is spread back to the rows by position.

    Columns of codes, dates, scores and repeated IDs hold far fewer distinct values than rows,
    and every test of a column after the first reuses the same factorisation.
    """

    def __init__(self, text: pd.Series) -> None:
        self.index = text.index
        self.codes, uniques = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=False)
        self.values = pd.Series(uniques, dtype=text.dtype)

    def spread(self, result: Frame) -> Frame:
        """A result on ``values`` (one row per distinct value) as a result on the rows."""
        return result.iloc[self.codes].set_axis(self.index)

    def map(self, fn: Callable[[pd.Series], Frame]) -> Frame:
        """``fn(text)`` for an element-wise ``fn``, computed once per distinct value."""
        return self.spread(fn(self.values))


@dataclass
class Issues:
    """Failures found in one column: positions (0-based data rows), codes, values, messages."""

    pos: list[np.ndarray] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    value: list[pd.Series] = field(default_factory=list)
    message: list[list[str]] = field(default_factory=list)

    def add(
        self,
        mask: pd.Series | np.ndarray,
        code: str,
        value: pd.Series,
        message: Part | list[Part],
    ) -> None:
        """Record the failures where ``mask`` holds (missing: no failure); the message is text
        and columns, joined only for the failing rows (dates shown as YYYY-MM-DD, missing values
        as "")."""
        held = mask if isinstance(mask, np.ndarray) else mask.fillna(False).to_numpy(dtype=bool)
        idx = np.flatnonzero(held)
        if not len(idx):
            return
        self.pos.append(idx)
        self.code.append(code)
        self.value.append(value.iloc[idx].reset_index(drop=True))
        parts = message if isinstance(message, list) else [message]
        columns = [_part_text(p, idx) for p in parts]
        self.message.append(["".join(bits) for bits in zip(*columns, strict=True)])


def _part_text(part: Part, idx: np.ndarray) -> list[str]:
    if isinstance(part, str):
        return [part] * len(idx)
    sub = part.iloc[idx]
    if pd.api.types.is_datetime64_any_dtype(sub):
        sub = sub.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_float_dtype(sub):
        sub = sub.astype("Int64")
    return ["" if pd.isna(v) else str(v) for v in sub.tolist()]


def is_valid_nhs_number(text: str) -> bool:
    """A 10-digit NHS number (spaces allowed) whose Modulus 11 check digit is right."""
    digits = re.sub(r"\s", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    return bool(_nhs_ok(pd.Series([digits]))[0])


def _ascii_digits(text: str) -> str:
    """A string of decimal digits of any script (what ``\\d`` matches: ``４``, ``٤``) in ASCII."""
    return text if text.isascii() else "".join(str(int(c)) for c in text)


def _nhs_ok(digits: pd.Series) -> np.ndarray:
    """Modulus 11 check of 10-digit strings, vectorised."""
    if digits.empty:
        return np.zeros(0, dtype=bool)
    ascii_digits = "".join(map(_ascii_digits, digits))
    arr = np.frombuffer(ascii_digits.encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
    total = arr[:, :9].astype(np.int64) @ _NHS_WEIGHTS
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    ok: np.ndarray = (check != 10) & (check == arr[:, 9])
    return ok


def personal_data_kind(text: pd.Series) -> pd.Series:
    """'an e-mail address' / 'an NHS number' / 'a postcode' where the text looks like one, else ''.

    The regular expressions run only on cells that could match, told apart with numpy from each
    cell's length and characters: an @ for an e-mail address; 10 or more characters, the first
    and last digits, for an NHS number; 5-8 characters, starting with a letter and ending with a
    digit and two letters, for a postcode. Any character past ASCII counts as a possible digit
    or letter (``\\d`` and case-blind ``[A-Z]`` match some).
    """
    out = pd.Series("", index=text.index, dtype="str")
    if text.empty:
        return out
    filled = text.fillna("")
    chars = np.asarray(filled.to_numpy(dtype=object), dtype=str)
    lengths = np.char.str_len(chars)
    width = chars.dtype.itemsize // 4
    if width == 0:  # every cell empty
        return out
    codes = chars.view(np.uint32).reshape(len(chars), width)
    rows = np.arange(len(chars))

    def from_end(i: int) -> np.ndarray:  # each cell's i-th character from its end (0: none)
        return np.where(lengths >= i, codes[rows, np.maximum(lengths - i, 0)], 0)

    first, last = codes[:, 0], from_end(1)
    email = np.zeros(len(chars), dtype=bool)
    at = np.char.find(chars, "@") >= 0
    if at.any():
        email[at] = filled[at].str.contains(EMAIL_RE, regex=True, na=False).to_numpy(dtype=bool)
    out[email] = "an e-mail address"
    maybe_nhs = (lengths >= 10) & ~email & _maybe_digit(first) & _maybe_digit(last)
    if maybe_nhs.any():
        cand = filled[maybe_nhs]
        cand = cand[cand.str.fullmatch(NHS_RE, na=False)]
        if len(cand):
            digits = cand.str.replace(r"\s", "", regex=True)
            ok = _nhs_ok(digits)
            out[digits.index[ok]] = "an NHS number"
    maybe_post = (
        (lengths >= 5)
        & (lengths <= 8)
        & (out == "").to_numpy(dtype=bool)
        & _maybe_letter(first)
        & _maybe_letter(last)
        & _maybe_letter(from_end(2))
        & _maybe_digit(from_end(3))
    )
    if maybe_post.any():
        cand = filled[maybe_post]
        out[cand.index[cand.str.fullmatch(POSTCODE_RE, na=False).to_numpy(dtype=bool)]] = (
            "a postcode"
        )
    return out


def _maybe_digit(code: np.ndarray) -> np.ndarray:
    result: np.ndarray = ((code >= 48) & (code <= 57)) | (code > 127)
    return result


def _maybe_letter(code: np.ndarray) -> np.ndarray:
    lower = code | 32
    result: np.ndarray = ((lower >= 97) & (lower <= 122)) | (code > 127)
    return result


def check_id(
    column: str, text: pd.Series, kind: pd.Series, issues: Issues
) -> tuple[pd.Series, pd.Series]:
    """IDs: E201, E210, E202. Returns (values, missing mask)."""
    missing = kind == EMPTY
    issues.add(missing, "E201", text, f"{column} is missing: every row needs one")
    formula = kind == FORMULA
    issues.add(formula, "E202", text, FORMULA_MESSAGE)
    open_ = ~missing & ~formula
    plain = open_ & ~kind.isin([DATE, BOOL, ERROR])
    # both element-wise tests from one pass over the distinct IDs; ``personal`` is read only
    # where ``plain`` holds
    tests = Distinct(text).map(_id_tests)
    personal = tests["personal"]
    is_personal = plain & (personal != "")
    issues.add(
        is_personal,
        "E210",
        text,
        [
            f"{column} looks like ",
            personal,
            ": use the LA's pseudonymous ID, never "
            "personal data (the value is masked in this report)",
        ],
    )
    rest = open_ & ~is_personal
    typed_wrong = rest & kind.isin([DATE, BOOL])
    issues.add(
        typed_wrong,
        "E202",
        text,
        f"{column} is a date or TRUE/FALSE cell, not an ID: format the column as Text "
        "and type the ID again",
    )
    bad = rest & ~typed_wrong & ~tests["is_id"]
    issues.add(
        bad,
        "E202",
        text,
        f"{column} is not a valid ID: use 1-40 letters, digits, '_' or '-', starting "
        "with a letter or digit",
    )
    ok = rest & ~typed_wrong & ~bad
    return text.where(ok), missing


def _id_tests(text: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"personal": personal_data_kind(text), "is_id": text.str.fullmatch(ID_RE, na=False)},
        index=text.index,
    )


def _is_whole(text: pd.Series) -> pd.Series:
    return text.str.fullmatch(WHOLE_RE, na=False)


def _looks_excel_date(text: pd.Series) -> pd.Series:
    return text.str.fullmatch(EXCEL_DATE_TEXT_RE, na=False)


def _iso_parts(
    text: pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(is plain YYYY-MM-DD or DD/MM/YYYY, year, month, day, length) from the characters,
    vectorised."""
    n = len(text)
    u = np.asarray(text.fillna("").to_numpy(dtype=object), dtype=str)
    lengths = np.char.str_len(u) if n else np.zeros(0, dtype=np.int64)
    width = u.dtype.itemsize // 4
    zeros = np.zeros(n, dtype=np.int64)
    if n == 0 or width < 10:
        return np.zeros(n, dtype=bool), zeros, zeros, zeros, lengths
    codes = u.view(np.uint32).reshape(n, width)
    dig = codes[:, [0, 1, 2, 3, 5, 6, 8, 9]].astype(np.int64) - 48
    iso = ((dig >= 0) & (dig <= 9)).all(axis=1) & (codes[:, 4] == 45) & (codes[:, 7] == 45)
    if width > 10:
        iso &= codes[:, 10] == 0
    y = dig[:, 0] * 1000 + dig[:, 1] * 100 + dig[:, 2] * 10 + dig[:, 3]
    m, d = dig[:, 4] * 10 + dig[:, 5], dig[:, 6] * 10 + dig[:, 7]
    # DD/MM/YYYY with two-digit day and month (what DATE_RE's second form reads the same way)
    udig = codes[:, [0, 1, 3, 4, 6, 7, 8, 9]].astype(np.int64) - 48
    uk = (
        ((udig >= 0) & (udig <= 9)).all(axis=1)
        & (codes[:, 2] == 47)
        & (codes[:, 5] == 47)
        & (lengths == 10)
    )
    if uk.any():
        iso = iso | uk
        y = np.where(uk, udig[:, 4] * 1000 + udig[:, 5] * 100 + udig[:, 6] * 10 + udig[:, 7], y)
        m = np.where(uk, udig[:, 2] * 10 + udig[:, 3], m)
        d = np.where(uk, udig[:, 0] * 10 + udig[:, 1], d)
    return iso, y, m, d, lengths


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates in the spec's text forms -> datetime64[ns]; NaT where not a real date.

    Plain ``YYYY-MM-DD`` and ``DD/MM/YYYY`` (nearly every cell) are read from the characters with
    numpy; only the other cells long enough to be a date go through ``DATE_RE``.
    """
    iso, y_iso, m_iso, d_iso, lengths = _iso_parts(text)
    year = pd.Series(np.where(iso, y_iso, np.nan), index=text.index)
    month = pd.Series(np.where(iso, m_iso, np.nan), index=text.index)
    day = pd.Series(np.where(iso, d_iso, np.nan), index=text.index)
    other = ~iso & (lengths >= DATE_MIN_LENGTH)  # shorter text cannot match DATE_RE
    if other.any():
        parts = text[other].str.extract(DATE_RE)
        year[other] = pd.to_numeric(parts["y1"].fillna(parts["y2"]), errors="coerce")
        month[other] = pd.to_numeric(parts["m1"].fillna(parts["m2"]), errors="coerce")
        day[other] = pd.to_numeric(parts["d1"].fillna(parts["d2"]), errors="coerce")
    ok = year.notna() & year.between(1678, 2261)
    y = year.where(ok, 2000).to_numpy(dtype=np.int64)
    m = month.where(ok, 1).to_numpy(dtype=np.int64)
    d = day.where(ok, 1).to_numpy(dtype=np.int64)
    valid = ok.to_numpy() & (m >= 1) & (m <= 12) & (d >= 1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_len = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(m, 1, 12) - 1]
    month_len = month_len + ((np.clip(m, 1, 12) == 2) & leap)
    valid &= d <= month_len
    months = ((y - 1970) * 12 + np.clip(m, 1, 12) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (np.clip(d, 1, 31) - 1).astype("timedelta64[D]")
    out = pd.Series(days.astype("datetime64[ns]"), index=text.index)
    return out.where(valid)


def check_date(
    column: str, text: pd.Series, kind: pd.Series, issues: Issues, *, required: bool
) -> tuple[pd.Series, pd.Series]:
    """Dates: E201 (if required), E202. Returns (datetime64 values, missing mask)."""
    missing = kind == EMPTY
    if required:
        issues.add(missing, "E201", text, f"{column} is missing: every row needs one")
    formula = kind == FORMULA
    issues.add(formula, "E202", text, FORMULA_MESSAGE)
    number = kind == NUMBER
    issues.add(
        number,
        "E202",
        text,
        [
            f"{column} '",
            text,
            "' is a number, not a date: format the cells as dates or type the date as YYYY-MM-DD",
        ],
    )
    rest = ~missing & ~formula & ~number
    values = Distinct(text).map(parse_dates).where(rest)
    bad = rest & values.isna()
    issues.add(
        bad,
        "E202",
        text,
        [
            f"{column} '",
            text,
            "' is not a date: write YYYY-MM-DD or DD/MM/YYYY, with a 4-digit year",
        ],
    )
    return values.where(rest & ~bad), missing


def check_whole(
    column: str, text: pd.Series, kind: pd.Series, issues: Issues, *, required: bool
) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (3 or 3.0): E201 (if required), E202. Returns (float values, missing)."""
    missing = kind == EMPTY
    if required:
        issues.add(missing, "E201", text, f"{column} is missing: every row needs one")
    formula = kind == FORMULA
    issues.add(formula, "E202", text, FORMULA_MESSAGE)
    rest = ~missing & ~formula
    cells = Distinct(text)
    whole = _is_whole(cells.values)
    bad = rest & (kind.isin([DATE, BOOL]) | ~cells.spread(whole))
    issues.add(
        bad,
        "E202",
        text,
        [f"{column} '", text, "' is not a whole number: write a number such as 3"],
    )
    ok = rest & ~bad
    values = cells.spread(pd.to_numeric(cells.values.where(whole), errors="coerce"))
    return values.where(ok), missing


def check_code(
    column: str,
    text: pd.Series,
    kind: pd.Series,
    issues: Issues,
    *,
    allowed: tuple[str, ...],
    required: bool,
) -> tuple[pd.Series, pd.Series]:
    """Codes, matched case-insensitively: E201 (if required), E203. Returns (codes, missing)."""
    missing = kind == EMPTY
    if required:
        issues.add(missing, "E201", text, f"{column} is missing: every row needs one")
    formula = kind == FORMULA
    issues.add(formula, "E203", text, FORMULA_MESSAGE)
    rest = ~missing & ~formula
    cells = Distinct(text)
    if column in BAND_COLUMNS:
        looks_dated = _looks_excel_date(cells.values) | parse_dates(cells.values).notna()
        band_date = rest & ((kind == DATE) | cells.spread(looks_dated))
        issues.add(band_date, "E203", text, BAND_DATE_MESSAGE)
        rest &= ~band_date
    lower_values = cells.values.str.lower()
    lower = cells.spread(lower_values)
    bad = rest & ((kind == DATE) | ~cells.spread(lower_values.isin(allowed)))
    issues.add(
        bad,
        "E203",
        text,
        [f"{column} '", text, f"' is not allowed: use one of {', '.join(allowed)}"],
    )
    ok = rest & ~bad
    return lower.where(ok), missing

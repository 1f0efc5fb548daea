"""Checks of a return against its LA's current data: stale (E108) and shrunk (E109).

Both are return-level errors reported together with the row-level findings (sheet, row and column
empty); ``--force`` and ``--allow-shrink`` override them.
"""

from __future__ import annotations

from lfo.findings import Finding
from lfo.periods import Quarter, parse_period

SHRINK_LIMIT = 0.05  # more than 5% of the current participants missing is E109


def stale_finding(file_name: str, current_period: str | None, quarter: Quarter) -> Finding | None:
    """E108 when the LA's current data comes from a later period than ``quarter``."""
    if current_period is None:
        return None
    current = parse_period(current_period)
    if not isinstance(current, Quarter) or current <= quarter:
        return None
    return Finding(
        file=file_name,
        sheet=None,
        row=None,
        column=None,
        value=current.display,
        code="E108",
        message=(
            f"this LA's current data comes from {current.display}, later than this return's "
            f"{quarter.display}: send a return for {current.display} or later, or load this one "
            "with --force to roll the LA's data back to it"
        ),
    )


def shrink_count(current_keys: set[str], return_keys: set[str]) -> tuple[int, int]:
    """(participants of the current data missing from the return, participants of the current data)."""
    return len(current_keys - return_keys), len(current_keys)


def shrink_finding(
    file_name: str, current_keys: set[str], return_keys: set[str], current_period: str | None
) -> Finding | None:
    """E109 when more than 5% of the current data's participants are missing from the return."""
    missing, total = shrink_count(current_keys, return_keys)
    if total == 0 or missing / total <= SHRINK_LIMIT:
        return None
    period = parse_period(current_period).display if current_period else "the current return"
    return Finding(
        file=file_name,
        sheet=None,
        row=None,
        column=None,
        value=f"{missing} of {total}",
        code="E109",
        message=(
            f"{missing:,} of the {total:,} participants ({missing / total:.1%}) in this LA's "
            f"current data ({period}) are missing from this return, more than 5%: a return holds "
            "every participant since the programme began, so check that no rows were lost; if "
            "participants really were removed (for example after withdrawing consent), load it "
            "with --allow-shrink"
        ),
    )

"""What the load does with one file (return-spec section 4): a pure decision, no database or file.

The loader gathers the facts (whether the file is already its LA's current return, the checked
return, the LA's current data) and the command's options; ``already_loaded`` and ``decide`` turn them into a
``Decision``: skip the file as already loaded, reject it (with its findings), or load it (which
rows, which held back, which overrides to note). ``etl.load.write`` carries the decision out, in
one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from etl.checks.continuity import shrink_finding, stale_finding
from etl.checks.file import CheckedReturn
from etl.checks.quarantine import quarantine_plan
from etl.load.result import loaded_text, summarise
from lfo.findings import Finding, findings_frame

SHEETS = ("participants", "interventions", "outcomes")

ALREADY_LOADED = "already loaded"
REJECTED = "rejected"
LOADED = "loaded"
QUARANTINED = "loaded with quarantine"
FORCED = "forced"


@dataclass(frozen=True)
class Options:
    """The load command's flags."""

    quarantine: bool = False
    force: bool = False
    allow_shrink: bool = False

    @property
    def flags(self) -> str | None:
        """The flags as typed (``--force --allow-shrink``), for the load log; None without any."""
        named = (
            ("--quarantine", self.quarantine),
            ("--force", self.force),
            ("--allow-shrink", self.allow_shrink),
        )
        return " ".join(flag for flag, on in named if on) or None


@dataclass(frozen=True)
class CurrentData:
    """The LA's current data as the database holds it, beside the return's participants."""

    period: str | None  # the period label of the LA's current return; None if it has none
    participant_keys: set[str]  # the current participants' pseudonymised keys
    return_keys: set[str]  # the return's participant IDs, pseudonymised with the same key
    # current participants referred after the end of the return's quarter (read under --force: a
    # rollback expects them to be missing, so E109 does not count them)
    referred_after: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Decision:
    """What to do with one file. ``tables`` and ``held_back`` are empty unless it is loaded."""

    outcome: str  # one of the outcome names above
    area_code: str | None
    period: str | None
    findings: pd.DataFrame = field(default_factory=findings_frame)  # to report and to store
    message: str = ""  # for a skip or a rejection; a load's message is ``load_message``
    notes: tuple[str, ...] = ()  # overrides (--force, --allow-shrink), added to a load's message
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # the rows to load, per sheet
    held_back: dict[str, pd.DataFrame] = field(default_factory=dict)  # quarantine plan per sheet
    rows_held_back: int = 0  # distinct held-back rows, all sheets

    @property
    def loads(self) -> bool:
        """True when the file replaces the LA's current data."""
        return self.outcome in (LOADED, QUARANTINED, FORCED)

    def load_message(self, rows_loaded: dict[str, int]) -> str:
        """A load's message, given the rows it stored per table."""
        text = f"{self.outcome}: {loaded_text(rows_loaded)}"
        if self.rows_held_back:
            text += f"; {self.rows_held_back:,} rows held back"
        if len(self.findings):
            text += f"; {summarise(self.findings)}"
        return "; ".join([text, *self.notes])


def already_loaded(current: Mapping[str, Any]) -> Decision:
    """Skip a file that is already its LA's current return (``current``: that ``returns`` row)."""
    return Decision(
        ALREADY_LOADED,
        current["area_code"],
        current["period"],
        message=(
            f"already loaded: it is this LA's current return (load {current['load_id']}, "
            f"{current['loaded_at']:%Y-%m-%d %H:%M} UTC); nothing was changed"
        ),
    )


def needs_current_data(checked: CheckedReturn) -> bool:
    """Whether ``decide`` compares the return with the LA's current data (E108, E109)."""
    return not checked.stopped and checked.area_code is not None and checked.quarter is not None


def decide(checked: CheckedReturn, current: CurrentData | None, options: Options) -> Decision:
    """Load, quarantine or reject a checked return.

    ``current`` is the LA's current data when ``needs_current_data(checked)``, else None. A return
    is rejected when its checks stopped, when it is stale (E108, unless ``--force``: then it is a
    rollback, and E109 leaves out the current participants referred after its quarter) or shrunk
    (E109, unless ``--allow-shrink``), when it has errors without ``--quarantine``, or when
    quarantine would hold back every participant (E107).
    """
    quarter = checked.quarter
    period = quarter.label if quarter is not None else None
    findings: list[Finding] = list(checked.findings)
    notes: list[str] = []
    forced = False
    if current is not None and quarter is not None:
        stale = stale_finding(checked.file_name, current.period, quarter)
        if stale is not None and options.force:
            forced = True
            notes.append(f"forced: replaces the current {stale.value} data")
        elif stale is not None:
            findings.append(stale)
        counted = current.participant_keys - current.referred_after if forced else None
        shrink = shrink_finding(
            checked.file_name,
            current.participant_keys if counted is None else counted,
            current.return_keys,
            current.period,
        )
        if shrink is not None and options.allow_shrink:
            notes.append(f"{shrink.value} current participants missing, allowed by --allow-shrink")
        elif shrink is not None:
            findings.append(shrink)

    rejected = checked.stopped or any(f.code in ("E108", "E109") for f in findings)
    rejected = rejected or (checked.has_errors and not options.quarantine)
    tables: dict[str, pd.DataFrame] = {}
    plan: dict[str, pd.DataFrame] = {}
    if not rejected:
        if checked.has_errors:
            plan = quarantine_plan(checked)
        tables = {s: _without(checked.tables[s], plan.get(s)) for s in SHEETS}
        if tables["participants"].empty:
            findings.append(_all_held_back(checked.file_name))
            rejected = True
    frame = findings_frame(findings)
    if rejected:
        return Decision(
            REJECTED,
            checked.area_code,
            period,
            frame,
            message=f"rejected: {summarise(frame)}; the LA's current data is unchanged",
        )
    held = sum(len(p["_row"].unique()) for p in plan.values())
    return Decision(
        FORCED if forced else (QUARANTINED if held else LOADED),
        checked.area_code,
        period,
        frame,
        notes=tuple(notes),
        tables=tables,
        held_back=plan,
        rows_held_back=held,
    )


def _all_held_back(file_name: str) -> Finding:
    return Finding(
        file_name,
        None,
        None,
        None,
        None,
        "E107",
        "every participant of this return is held back: correct the rows with "
        "errors (see the report) and send the return again",
    )


def _without(frame: pd.DataFrame, plan: pd.DataFrame | None) -> pd.DataFrame:
    if plan is None or plan.empty:
        return frame
    return frame[~frame["_row"].isin(plan["_row"])]

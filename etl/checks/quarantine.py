"""Which rows ``--quarantine`` holds back, and why (return-spec section 4).

A pure function of a ``CheckedReturn``: rows with errors, and the rows that depend on them.
"""

from __future__ import annotations

import pandas as pd

from etl.checks.file import CheckedReturn
from etl.reading import SHEET_NAMES


def quarantine_plan(checked: CheckedReturn) -> dict[str, pd.DataFrame]:
    """Rows ``--quarantine`` holds back, per sheet: ``_row`` and ``reason``.

    Rows with errors (every row of a duplicated key carries E205), episodes of a held-back
    participant, outcomes of a held-back episode or participant.
    """
    reasons: dict[str, dict[int, list[str]]] = {s: {} for s in SHEET_NAMES}
    for f in checked.findings:
        if f.severity == "error" and f.row is not None and f.sheet in reasons:
            column = f" {f.column}" if f.column else ""
            reasons[f.sheet].setdefault(f.row, []).append(f"{f.code}{column}: {f.message}")
    tables = checked.tables
    if tables:
        pt, iv, oc = tables["participants"], tables["interventions"], tables["outcomes"]
        held_people = _first_rows(pt, "participant_id", reasons["participants"])
        _depend(iv, "participant_id", held_people, "participants", reasons["interventions"])
        held_episodes = _first_rows(iv, "episode_id", reasons["interventions"])
        _depend(oc, "episode_id", held_episodes, "interventions", reasons["outcomes"])
        _depend(oc, "participant_id", held_people, "participants", reasons["outcomes"])
    return {
        sheet: pd.DataFrame(
            {
                "_row": pd.array(sorted(rows), dtype="int64"),
                "reason": pd.array(["; ".join(rows[r]) for r in sorted(rows)], dtype="str"),
            }
        )
        for sheet, rows in reasons.items()
    }


def _first_rows(table: pd.DataFrame, column: str, held: dict[int, list[str]]) -> pd.Series:
    """First held-back Excel row of each ID among the held-back rows of a sheet."""
    sub = table[table["_row"].isin(held) & table[column].notna()]
    return sub.drop_duplicates(column).set_index(column)["_row"]


def _depend(
    table: pd.DataFrame, column: str, held: pd.Series, sheet: str, reasons: dict[int, list[str]]
) -> None:
    source = table[column].map(held)
    for row, src in zip(
        table["_row"][source.notna()].tolist(), source.dropna().astype(int).tolist(), strict=True
    ):
        reasons.setdefault(row, []).append(f"depends on held-back row {src} of sheet {sheet}")

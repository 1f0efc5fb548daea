"""The reference tables as Python values: allowed codes, measures, interventions.

Read from ``data/reference/`` (the versioned files); the database holds the same rows.
Everything that needs "the allowed values" (checks, generator, template, dashboard) reads them here,
so one edit to a reference file changes them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from lfo.db import read_reference
from lfo.settings import REFERENCE_DIR

# Code lists fixed by the return specification (section 2), in reference order.
REFERRAL_SOURCES = (
    "self",
    "health_visitor",
    "midwife",
    "gp",
    "childrens_centre",
    "school",
    "early_help",
    "social_care",
    "jobcentre",
    "voluntary_sector",
    "other",
)
SEX = ("female", "male", "other", "not_stated")
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55+", "not_stated")
ETHNICITY = ("white", "mixed", "asian", "black", "other", "not_stated")
RELATIONSHIP_STATUS = ("together", "separated", "not_stated")
WORKLESS = ("yes", "no", "not_stated")
CHILD_AGE_BANDS = ("0-1", "2-4", "5-11", "12-17", "not_stated")
STATUSES = ("offered", "declined", "started", "completed", "dropped_out")
DELIVERY_MODES = ("online", "face_to_face", "group", "telephone", "mixed")
TIMEPOINTS = ("baseline", "exit", "followup_6m", "followup_12m")
LEVELS = ("universal", "targeted", "specialist")

# Participant characteristics used for reach breakdowns, in display order.
BREAKDOWNS = {
    "sex": SEX,
    "age_band": AGE_BANDS,
    "ethnicity": ETHNICITY,
    "relationship_status": RELATIONSHIP_STATUS,
    "workless_household": WORKLESS,
    "youngest_child_age_band": CHILD_AGE_BANDS,
    "referral_source": REFERRAL_SOURCES,
}


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    construct: str
    score_min: float
    score_max: float
    higher_is: str  # "better" or "worse"
    caseness_operator: str  # "<" or ">="
    caseness_value: float
    rci: float
    source: str
    status: str

    @property
    def raw_range(self) -> tuple[int, int]:
        """Range of the score as the LA returns it (SWEMWBS: raw total 7-35)."""
        return int(self.score_min), int(self.score_max)

    def at_caseness(self, score: float) -> bool:
        if self.caseness_operator == "<":
            return score < self.caseness_value
        return score >= self.caseness_value


@dataclass(frozen=True)
class Intervention:
    code: str
    name: str
    level: str
    sessions_min: int
    sessions_max: int
    measures: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class Reference:
    measures: dict[str, Measure]
    interventions: dict[str, Intervention]
    swemwbs_metric: dict[int, float]
    version: str
    pilot_areas: tuple[str, ...] = field(default=())

    def metric_score(self, measure: str, raw: int) -> float:
        if measure == "swemwbs":
            return self.swemwbs_metric[raw]
        return float(raw)


@cache
def load_reference() -> Reference:
    m = read_reference("measures.csv")
    measures = {
        r["code"]: Measure(
            code=r["code"],
            name=r["name"],
            construct=r["construct"],
            score_min=float(r["score_min"]),
            score_max=float(r["score_max"]),
            higher_is=r["higher_is"],
            caseness_operator=r["caseness_operator"],
            caseness_value=float(r["caseness_value"]),
            rci=float(r["rci"]),
            source=r["source"] or "",
            status=r["status"] or "",
        )
        for r in m.to_dict("records")
    }
    i = read_reference("interventions.csv")
    interventions = {
        r["code"]: Intervention(
            code=r["code"],
            name=r["name"],
            level=r["level"],
            sessions_min=int(r["sessions_min"]),
            sessions_max=int(r["sessions_max"]),
            measures=tuple(r["measures"].split()),
            note=r["note"],
        )
        for r in i.to_dict("records")
    }
    s = read_reference("swemwbs_conversion.csv")
    swemwbs = {int(r["raw_total"]): float(r["metric_score"]) for r in s.to_dict("records")}
    areas = tuple(read_reference("areas.csv")["gss_code"])
    version = (REFERENCE_DIR / "VERSION").read_text().strip()
    return Reference(measures, interventions, swemwbs, version, areas)

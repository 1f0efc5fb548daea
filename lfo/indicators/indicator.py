"""The ``Indicator`` type: one indicator's published metadata and how the engine computes it.

Polarity words (``HIGHER``, ``LOWER``, ``NONE``) are the published ``polarity`` field. The
catalogue of every indicator is ``lfo.indicators.definitions``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

HIGHER = "higher is better"
LOWER = "lower is better"
NONE = "none"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    polarity: str  # HIGHER, LOWER or NONE
    period_basis: str
    interval_method: str  # Wilson / Byar / Student's t / interquartile range / none
    source_tables: str
    # how the engine computes it (not part of the published metadata)
    kind: str  # count / proportion / rate / mean / median / target / ratio / funnel / breakdown
    topic: str  # reach / uptake / outcomes
    by_intervention: bool = False  # accepts intervention / level filters
    quarters: bool = True  # defined for quarters (else financial years only)
    measure: str | None = None

    def public(self) -> dict[str, str]:
        """The metadata fields of the API contract."""
        d = asdict(self)
        return {
            k: d[k]
            for k in (
                "id",
                "name",
                "definition",
                "numerator",
                "denominator",
                "unit",
                "polarity",
                "period_basis",
                "interval_method",
                "source_tables",
            )
        }

    @property
    def has_interval(self) -> bool:
        return self.kind in ("proportion", "rate", "mean", "breakdown")

    @property
    def is_percentage(self) -> bool:
        return self.unit.startswith("%")

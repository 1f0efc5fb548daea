"""What a release's bulk zip says about itself: the columns of its files (one list, used by the
Table Schemas of ``datapackage.json`` and by the data guidance), the package descriptor, and the
data guidance text.

The numeric columns declare ``c``, ``x`` and ``z`` as missing values *per field* (a Table Schema
v2 property that frictionless 5 reads): declared for the whole table, as v1 allows, they would
also turn the ``status`` column's own codes into nulls. ``lfo.release_bulk`` builds the zip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from lfo.terms import NOT_APPLICABLE, NOT_AVAILABLE, PROGRAMME, PROGRAMME_LABEL, SUPPRESSED

#: Where a number is missing, the row's status code stands in its place (or nothing).
NUMBER_MISSING = ["", SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE]
SOURCE = "Local Family Offer quarterly returns to DWP"
LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
COPYRIGHT = "© Crown copyright"
CONFIDENCE = 95
#: The files of the zip besides the indicator groups' data files.
PACKAGE, GUIDANCE, INDICATORS, RETURNS = (
    "datapackage.json",
    "data-guidance.md",
    "indicators.csv",
    "returns.csv",
)


class Meta(Protocol):
    """The release's facts the descriptor and guidance read (``lfo.release_bulk.BulkMeta``)."""

    @property
    def release_id(self) -> str: ...
    @property
    def quarter(self) -> str: ...
    @property
    def published_at(self) -> str: ...
    @property
    def data_as_at(self) -> str | None: ...
    @property
    def definitions_version(self) -> str: ...
    @property
    def threshold(self) -> int: ...
    @property
    def note(self) -> str: ...
    @property
    def returns(self) -> tuple[tuple[str, str, str], ...]: ...


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, number, integer, boolean
    description: str

    def field(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        out["description"] = self.description
        if self.type == "number":
            out["missingValues"] = NUMBER_MISSING
        if self.name == "status":
            out["constraints"] = {"enum": [SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE]}
        return out


_CODE = "the status code (c, x or z) where the row has one and no figure"
_IN_UNIT = f"in the row's unit; {_CODE}"
DATA_COLUMNS = (
    Column("indicator", "string", "Indicator id (its definition is in indicators.csv)"),
    Column("indicator_name", "string", "Indicator name"),
    Column("area_code", "string", f"GSS code of the area, or '{PROGRAMME}' for all areas pooled"),
    Column("area_name", "string", f"Area name ('{PROGRAMME_LABEL}' for the programme)"),
    Column("period", "string", "Period code: a quarter (2018-19_Q4) or a financial year (2018-19)"),
    Column("period_label", "string", "The period as it reads: 2018-19 Q4, or 2018-19"),
    Column(
        "filter",
        "string",
        "Episodes counted: 'all', one intervention's code, or 'level:<level>' for the "
        "interventions of a level",
    ),
    Column("filter_name", "string", "The filter in words"),
    Column(
        "category",
        "string",
        "Category of a breakdown (characteristic:category) or funnel stage; empty where the "
        "indicator has none",
    ),
    Column("value", "number", f"The figure, {_IN_UNIT}"),
    Column(
        "lower",
        "number",
        f"Lower limit of the {CONFIDENCE}% confidence interval (lower quartile for a median), "
        f"{_IN_UNIT}",
    ),
    Column(
        "upper",
        "number",
        f"Upper limit of the {CONFIDENCE}% confidence interval (upper quartile for a median), "
        f"{_IN_UNIT}",
    ),
    Column("numerator", "number", f"Numerator (for a count, the count); {_CODE}"),
    Column(
        "denominator", "number", f"Denominator (for a mean or median, the number of units); {_CODE}"
    ),
    Column("unit", "string", "Unit of value, lower and upper (indicators.csv: unit)"),
    Column(
        "comparison",
        "string",
        f"Compared with the programme at {CONFIDENCE}%: better, similar, worse (higher, "
        "lower where the indicator has no polarity); empty for the programme and where there "
        "is no comparison",
    ),
    Column(
        "trend",
        "string",
        "Recent trend over the five quarters ending with the period: increasing, decreasing "
        "or no significant change; empty where not tested",
    ),
    Column(
        "trend_judgement",
        "string",
        "The trend judged by the indicator's polarity: getting better or getting worse",
    ),
    Column(
        "status",
        "string",
        "Why the figure is missing: c suppressed (confidential), x not available, "
        "z not applicable; empty where the figure is published",
    ),
    Column("areas_pooled", "integer", "Programme rows: how many areas' returns are pooled"),
)
DATA_KEY = ["indicator", "area_code", "period", "filter", "category"]

INDICATOR_COLUMNS = (
    Column("id", "string", "Indicator id"),
    Column("name", "string", "Name"),
    Column("topic", "string", "Indicator group, and the data file that holds it"),
    Column("definition", "string", "Plain-English definition"),
    Column("numerator", "string", "What the numerator counts"),
    Column("denominator", "string", "What the denominator counts"),
    Column("unit", "string", "Unit of the value"),
    Column("polarity", "string", "Whether higher is better, lower is better, or neither"),
    Column("period_basis", "string", "Which date places a record in a period"),
    Column("interval_method", "string", "How the confidence interval is computed"),
    Column("source_tables", "string", "The return's tables it is computed from"),
    Column("takes_filters", "boolean", "Whether it has rows by intervention and level"),
)
RETURN_COLUMNS = (
    Column("area_code", "string", "GSS code of the area"),
    Column("area_name", "string", "Area name"),
    Column(
        "return_period",
        "string",
        "Latest quarter the area's return covers: its figures for later periods are x",
    ),
)


def resource(
    name: str, path: str, title: str, columns: tuple[Column, ...], key: list[str]
) -> dict[str, Any]:
    """One CSV's resource in the descriptor, with its Table Schema."""
    return {
        "name": name,
        "path": path,
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": [c.field() for c in columns], "primaryKey": key},
    }


def descriptor(meta: Meta, topics: list[str]) -> dict[str, Any]:
    """The ``datapackage.json`` of a release whose data files are ``<topic>.csv``."""
    slug = meta.release_id.lower().replace("_", "-")
    data = [
        resource(
            t,
            f"{t}.csv",
            f"{t.capitalize()} indicators, every area, period and filter",
            DATA_COLUMNS,
            DATA_KEY,
        )
        for t in topics
    ]
    return {
        "profile": "tabular-data-package",
        "name": f"lfo-release-{slug}",
        "id": meta.release_id,
        "title": f"Local Family Offer monitoring: release {meta.release_id}",
        "description": (
            f"Every published indicator for every area and the programme, every period up to "
            f"{meta.quarter}, as released. {meta.note}".strip()
        ),
        "version": meta.release_id,
        "created": meta.published_at,
        "licenses": [LICENCE],
        "sources": [{"title": SOURCE}],
        "keywords": ["Local Family Offer", "DWP", "official statistics", "local authorities"],
        "release": {
            "id": meta.release_id,
            "quarter": meta.quarter,
            "published_at": meta.published_at,
            "data_as_at": meta.data_as_at,
            "definitions_version": meta.definitions_version,
            "suppression_threshold": meta.threshold,
            "confidence_level": CONFIDENCE,
        },
        "resources": [
            *data,
            resource("indicators", INDICATORS, "Indicator definitions", INDICATOR_COLUMNS, ["id"]),
            resource(
                "returns",
                RETURNS,
                "The returns the figures come from",
                RETURN_COLUMNS,
                ["area_code"],
            ),
        ],
    }


def guidance(meta: Meta, topics: dict[str, int]) -> str:
    """The data guidance (Markdown) of a release whose data files hold ``topics``' rows."""
    files = [f"- `{t}.csv`: the {t} indicators ({n:,} rows)" for t, n in topics.items()]
    returns = [f"- {code} {name}: return covering {period}" for code, name, period in meta.returns]
    columns = [f"- `{c.name}`: {c.description}." for c in DATA_COLUMNS]
    lines = [
        f"# Local Family Offer monitoring: release {meta.release_id}",
        "",
        f"- Release: {meta.release_id} (quarter {meta.quarter})",
        f"- Published: {meta.published_at}",
        f"- Data as at: {meta.data_as_at or 'no data loaded'}",
        f"- Indicator definitions version: {meta.definitions_version}",
        f"- Suppression threshold: {meta.threshold}",
        f"- Source: {SOURCE}",
        *([f"- Note: {meta.note}"] if meta.note else []),
        "",
        "## What is in this zip",
        "",
        *files,
        f"- `{INDICATORS}`: each indicator's definition, numerator, denominator, unit, "
        "polarity, period basis and interval method",
        f"- `{RETURNS}`: the return each area's figures come from",
        f"- `{PACKAGE}`: a Frictionless Data Package describing every file (types, "
        "descriptions, missing values, keys)",
        "",
        "Every figure the service published in this release is here: every indicator, every "
        f"area and the programme (area code `{PROGRAMME}`: all areas whose returns cover the "
        f"period, pooled), every quarter and financial year up to {meta.quarter}, and every "
        "filter (all interventions, each intervention, each level) for the indicators that "
        "take one. One row per indicator, area, period, filter and category.",
        "",
        "## Columns of the data files",
        "",
        *columns,
        "",
        *_methods(meta),
        "## Returns the figures come from",
        "",
        *(returns or ["- none"]),
        "",
        "## Definitions",
        "",
        f"Each indicator is defined in `{INDICATORS}` (definitions version "
        f"{meta.definitions_version}), on the service's definitions page, and in its API "
        "(`/api/v1/indicators`).",
        "",
        "## Licence",
        "",
        f"{COPYRIGHT}. You may re-use this information under the terms of the "
        f"{LICENCE['title']} ({LICENCE['path']}).",
        "",
    ]
    return "\n".join(lines)


def _methods(meta: Meta) -> list[str]:
    """The guidance's status codes, methods, suppression and caveats."""
    return [
        "## Status codes",
        "",
        "The Government Statistical Service's symbols, in the `status` column and in place of "
        "each missing number:",
        "",
        "- `c` confidential: suppressed to protect people's privacy. No figure of the row is "
        "given (value, limits, numerator, denominator, comparison, trend).",
        "- `x` not available: for example an area whose returns do not cover the period, or a "
        "figure with a denominator of 0 (its numerator and denominator are then given as 0).",
        "- `z` not applicable: for example a financial-year indicator in a quarter, or a filter "
        "on an indicator that does not take one.",
        "",
        "An empty number cell in a row without a status has no such figure: a count has no "
        "interval, and a limit that is undefined (Byar's lower limit below 0) is left empty.",
        "",
        "## Methods",
        "",
        f"- Intervals: {CONFIDENCE}% confidence intervals; Wilson score for percentages, "
        "Byar's method for rates, Student's t for means; counts, progress to target, the "
        "funnel and the effect size have none (per indicator in "
        f"`{INDICATORS}`). Medians carry their interquartile range instead.",
        f"- Comparison: an area is better or worse than the programme where its {CONFIDENCE}% "
        "interval lies wholly on one side of the programme's value for the same period and "
        "filter, similar otherwise; higher or lower where the indicator has no polarity. The "
        "programme includes the area itself.",
        "- Trend: a Cochran-Armitage test for linear trend (for means, a weighted test of "
        "slope) over the five quarters ending with the period, significant when "
        f"p < 0.002, tested only where all five have a denominator of at least {meta.threshold}.",
        "",
        "## Suppression",
        "",
        "A figure is suppressed (`c`) when its numerator (for a count, the count; for a mean "
        f"or median, the number of people or episodes) is at least 1 and below {meta.threshold} "
        "(the threshold), or when it would let a suppressed figure be worked out "
        "from published totals: across areas and the programme, across categories, across a "
        "financial year and its quarters, across the interventions of a level, and across "
        "releases. Suppression is the release's own, computed when it was published: a later "
        "change of threshold does not alter it.",
        "",
        "## Caveats",
        "",
        "- Returns are cumulative snapshots: figures for past periods may be revised by later "
        "returns and releases. Cite the release id.",
        "- The programme value pools only the areas whose returns cover the period "
        "(`areas_pooled`).",
        "- Outcome change is subject to regression to the mean and to follow-up attrition.",
        "- Some targets, cut-offs and reliable change indices are assumptions (see the "
        "definitions).",
        "- A numerator close to its denominator is not protected (95 of 100 completed reveals "
        "that 5 did not).",
        "",
    ]

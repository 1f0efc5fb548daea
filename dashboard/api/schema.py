"""The OpenAPI 3.1 description of ``/api/v1/`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from lfo.indicators import benchmarks
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.request import ROW_COLUMNS
from lfo.reference import BREAKDOWNS, LEVELS, load_reference

#: The metadata of an indicator in ``/api/v1/indicators`` (``Indicator.public``).
INDICATOR_FIELDS = (
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
_NUM = {"type": ["number", "null"]}
_STR = {"type": ["string", "null"]}


def _param(
    name: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document() -> dict[str, Any]:
    """The document: its info, the paths and the schemas they refer to."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Local Family Offer monitoring data API",
            "version": "1.0.0",
            "description": "Read-only indicators for the DWP Local Family Offer programme, with "
            "intervals, comparison with the programme (or statistical neighbours, or the "
            "region), trends and disclosure control (figures from 1 to threshold-1 are "
            "suppressed, status 'c'). Definitions version "
            f"{DEFINITIONS_VERSION}; {len(indicators())} indicators. Every answer is JSON (or "
            "the CSV asked for), errors included: an address under /api/ that is no endpoint "
            "answers 404 with the Error schema.",
        },
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }


def _data_parameters() -> list[dict[str, Any]]:
    """The query parameters of ``/api/v1/data`` (read by ``dashboard.api.params``)."""
    period: dict[str, Any] = {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}(_Q[1-4])?$",
        "examples": ["2017-18_Q3", "2017-18"],
    }
    return [
        _param(
            "indicator",
            "one or more indicator ids, comma-separated",
            {"type": "string", "examples": ["uptake.completion"]},
            required=True,
        ),
        _param(
            "area",
            "GSS codes or 'programme', comma-separated; default every area and the programme",
            {"type": "string"},
        ),
        _param(
            "period",
            "quarter (2017-18_Q3) or financial year (2017-18), from the programme's first "
            "quarter (2016-17_Q1) on, comma-separated; default every period with data",
            {"type": "string"},
        ),
        _param("from", "first period, inclusive (2016-17_Q1 or later)", period),
        _param("to", "last period, inclusive (2016-17_Q1 or later)", period),
        _param(
            "intervention", "an intervention code", {"enum": list(load_reference().interventions)}
        ),
        _param("level", "an intervention level", {"enum": list(LEVELS)}),
        _param(
            "breakdown",
            "for reach.breakdown: one or more characteristics, comma-separated; "
            "default all. Values: " + ", ".join(BREAKDOWNS),
            {"type": "string"},
        ),
        _param(
            "benchmark",
            "what each area is compared with: the programme, its statistical neighbours (the 5 "
            "areas nearest in deprivation rank and log families with children) or the other "
            "areas of its region (see each area's neighbours and region_peers in "
            "/api/v1/areas). When given, each row also carries benchmark, benchmark_kind and "
            "benchmark_status",
            {"enum": list(benchmarks.KINDS), "default": benchmarks.KINDS[0]},
        ),
        _param(
            "ci",
            "confidence level of the intervals and of every comparison (%)",
            {"enum": ["95", "99.8"], "default": "95"},
        ),
        _param("format", "response format", {"enum": ["json", "csv"], "default": "json"}),
        _param(
            "release",
            "a release's id (2018-19_Q4, 2018-19_Q4-r2) or latest: the figures that release "
            "froze, the same bytes after any later load. Without it: live figures for programme "
            "and LA leads, the latest release for researchers and the public. Unknown: 404",
            {"type": "string", "maxLength": 16},
        ),
    ]


def _list_of(description: str, schema: str) -> dict[str, Any]:
    """A 200 answer ``{"data": [...]}`` of the schema named."""
    items = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"data": {"type": "array", "items": items}},
                }
            }
        },
    }


def _paths() -> dict[str, Any]:
    """The endpoints: areas, indicators, data and this document."""
    errors = {
        "400": _error_response(
            "a parameter is not valid, is given more than once (give several values once, "
            "comma-separated), or names a period before the programme's first quarter"
        ),
        "404": _error_response("unknown indicator or area"),
        "503": _error_response("the database cannot be read just now"),
    }
    # every endpoint: a method other than GET, or a body over the size limit
    every = {
        "405": _error_response("a method other than GET (the API is read-only)"),
        "413": _error_response("the request has a body over 50 MB"),
    }
    return {
        "/api/v1/areas": {
            "get": {
                "summary": "Programme areas",
                "operationId": "listAreas",
                "responses": {
                    "200": _list_of("the areas", "Area"),
                    "503": errors["503"],
                    **every,
                },
            }
        },
        "/api/v1/indicators": {
            "get": {
                "summary": "Indicator definitions",
                "operationId": "listIndicators",
                "responses": {
                    "200": _list_of("every indicator's metadata", "Indicator"),
                    **every,
                },
            }
        },
        "/api/v1/data": {
            "get": {
                "summary": "Indicator values",
                "operationId": "getData",
                "parameters": _data_parameters(),
                "responses": {
                    "200": {
                        "description": "flat rows, one per indicator x area x period x category",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DataResponse"}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **errors,
                    **every,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "getOpenApi",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **every,
                },
            }
        },
    }


def _schemas() -> dict[str, Any]:
    """The schemas the paths refer to: Error, Area, Indicator, Row and DataResponse."""
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["parameter", "message"],
                    "properties": {"parameter": _STR, "message": {"type": "string"}},
                }
            },
        },
        "Area": {
            "type": "object",
            "required": ["code", "name", "region"],
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "region": {"type": "string"},
                "families": _NUM,
                "annual_target": _NUM,
                "source": _STR,
                "latest_return": _STR,
                "imd_rank": {
                    "type": ["integer", "null"],
                    "description": "deprivation rank (1 most deprived), for statistical neighbours",
                },
                "neighbours": _members("statistical neighbours, nearest first (none: no rank)"),
                "region_peers": _members("the other areas of the region (none: z)"),
            },
        },
        "Indicator": {
            "type": "object",
            "required": list(INDICATOR_FIELDS),
            "properties": {k: {"type": "string"} for k in INDICATOR_FIELDS},
        },
        "Row": _row_schema(),
        "DataResponse": {
            "type": "object",
            "required": ["data", "meta"],
            "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                "meta": {
                    "type": "object",
                    "required": ["data_as_at", "threshold", "definitions_version", "release"],
                    "properties": {
                        "data_as_at": _STR,
                        "threshold": {"type": "integer"},
                        "definitions_version": {"type": "string"},
                        "release": {
                            "type": ["string", "null"],
                            "description": "the release's id; null: live (provisional) figures",
                        },
                    },
                },
            },
        },
    }


def _row_schema() -> dict[str, Any]:
    """One row of ``/api/v1/data``: the engine's row contract."""
    return {
        "type": "object",
        "required": list(ROW_COLUMNS),
        "properties": {
            "indicator": {"type": "string"},
            "area_code": {"type": "string", "description": "GSS code, or 'programme'"},
            "area_name": {"type": "string"},
            "period": {"type": "string"},
            "category": {
                **_STR,
                "description": "breakdown category (reach.breakdown: "
                "<characteristic>:<category>) or funnel stage",
            },
            "value": {**_NUM, "description": "percentages 0-100, unrounded"},
            "lower": _NUM,
            "upper": _NUM,
            "numerator": _NUM,
            "denominator": _NUM,
            "comparison": {"enum": ["better", "similar", "worse", "higher", "lower", None]},
            "trend": {"enum": ["increasing", "decreasing", "no significant change", None]},
            "trend_judgement": {"enum": ["getting better", "getting worse", None]},
            "status": {
                "enum": [None, "c", "x", "z"],
                "description": "c suppressed, x not available, z not applicable",
            },
            "benchmark": {
                **_NUM,
                "description": "only when benchmark is given: the value compared with (the "
                "group's members pooled: numerators over denominators, for means the units)",
            },
            "benchmark_kind": {
                "enum": list(benchmarks.KINDS),
                "description": "only when benchmark is given: the programme's own row is "
                "always compared with the programme",
            },
            "benchmark_status": {
                "enum": [None, "c", "x", "z"],
                "description": "only when benchmark is given: why the benchmark is missing: c "
                "a member's figure is suppressed (a pooled total would reveal it), x no member "
                "has data, z no group (no other area in the region) or no comparison for this "
                "indicator. The benchmark is also missing where the row itself is c",
            },
        },
    }


def _members(description: str) -> dict[str, Any]:
    """A list of areas by code and name."""
    area = {
        "type": "object",
        "required": ["code", "name"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    }
    return {"type": "array", "items": area, "description": description}

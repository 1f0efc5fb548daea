"""The read-only data API, ``/api/v1/``, on the dashboard's own Flask server.

Every figure comes from the indicator engine with the same disclosure control as the screens, so
the API can never show what the screen hides. Errors are JSON ``{"error": {"parameter",
"message"}}``: 400 for a bad parameter, 404 for an unknown area or indicator, 503 when the
database cannot be read; never a stack trace.
"""

from __future__ import annotations

import csv
import io
import logging

import flask
import numpy as np
import orjson
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from dashboard.api_schema import openapi_document
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.queries import data_version
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.engine import PROGRAMME, ROW_COLUMNS, Query
from lfo.periods import parse_period
from lfo.reference import BREAKDOWNS, LEVELS, load_reference

log = logging.getLogger(__name__)

DATA_PARAMETERS = (
    "indicator",
    "area",
    "period",
    "from",
    "to",
    "intervention",
    "level",
    "breakdown",
    "ci",
    "format",
)


class ApiError(Exception):
    def __init__(self, status: int, parameter: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.parameter, self.message = status, parameter, message


def _error(exc: ApiError) -> flask.Response:
    body = {"error": {"parameter": exc.parameter, "message": exc.message}}
    return flask.make_response(flask.jsonify(body), exc.status)


def _list(args, name: str) -> list[str] | None:
    raw = args.get(name)
    if raw is None:
        return None
    items = [x.strip() for x in raw.split(",") if x.strip()]
    if not items:
        raise ApiError(400, name, f"'{name}' is empty: give one or more values separated by commas")
    return items


def _period(args, name: str) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        return parse_period(raw).label
    except ValueError as exc:
        raise ApiError(400, name, str(exc)) from None


def parse_data_query(args, known_areas: set[str], threshold: int) -> tuple[Query, str]:
    """Validate the parameters of ``/api/v1/data``; raise ApiError naming the bad one."""
    unknown = sorted(set(args) - set(DATA_PARAMETERS))
    if unknown:
        raise ApiError(
            400,
            unknown[0],
            f"unknown parameter '{unknown[0]}': use one of " + ", ".join(DATA_PARAMETERS),
        )
    ids = _list(args, "indicator")
    if not ids:
        raise ApiError(
            400,
            "indicator",
            "'indicator' is required, for example "
            "indicator=uptake.completion (see /api/v1/indicators)",
        )
    catalogue = indicators()
    for i in ids:
        if i not in catalogue:
            raise ApiError(404, "indicator", f"unknown indicator '{i}': see /api/v1/indicators")
    areas = _list(args, "area")
    for a in areas or []:
        if a != PROGRAMME and a not in known_areas:
            raise ApiError(
                404,
                "area",
                f"unknown area '{a}': give a GSS code from /api/v1/areas or 'programme'",
            )
    periods = [_period({"period": p}, "period") for p in _list(args, "period") or []] or None
    start, end = _period(args, "from"), _period(args, "to")
    if start and end and parse_period(start).start > parse_period(end).end:
        raise ApiError(400, "from", f"'from' ({start}) is after 'to' ({end})")
    intervention, level = args.get("intervention"), args.get("level")
    if intervention is not None and level is not None:
        raise ApiError(400, "level", "give 'intervention' or 'level', not both")
    if intervention is not None:
        intervention = intervention.strip().lower()
        if intervention not in load_reference().interventions:
            raise ApiError(
                400,
                "intervention",
                f"unknown intervention '{intervention}': use one "
                "of " + ", ".join(load_reference().interventions),
            )
    if level is not None:
        level = level.strip().lower()
        if level not in LEVELS:
            raise ApiError(
                400, "level", f"unknown level '{level}': use one of " + ", ".join(LEVELS)
            )
    breakdowns = _list(args, "breakdown")
    for b in breakdowns or []:
        if b not in BREAKDOWNS:
            raise ApiError(
                400, "breakdown", f"unknown breakdown '{b}': use one of " + ", ".join(BREAKDOWNS)
            )
    if breakdowns and ids != ["reach.breakdown"]:
        raise ApiError(400, "breakdown", "'breakdown' applies only to indicator=reach.breakdown")
    ci = args.get("ci", "95")
    if ci not in ("95", "99.8"):
        raise ApiError(400, "ci", f"'ci' must be 95 or 99.8, not '{ci}'")
    fmt = args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "format", f"'format' must be json or csv, not '{fmt}'")
    query = Query(
        indicators=tuple(catalogue[i] for i in ids),
        areas=tuple(areas) if areas else None,
        periods=tuple(periods) if periods else None,
        period_from=start,
        period_to=end,
        intervention=intervention,
        level=level,
        breakdowns=tuple(breakdowns) if breakdowns else None,
        ci=float(ci),
        threshold=threshold,
    )
    return query, fmt


def _column(series: pd.Series) -> list:
    """One column as plain Python values, every missing value (NaN, NA, NaT, None) as None."""
    if series.dtype.kind == "f":
        values = series.to_numpy()
        return [
            None if m else v
            for v, m in zip(values.tolist(), np.isnan(values).tolist(), strict=True)
        ]
    if series.dtype.kind in "iub":
        return series.tolist()
    return series.astype(object).where(series.notna(), None).tolist()


def records(rows: pd.DataFrame) -> list[dict]:
    """Engine rows as the API's flat records (contract columns only, nulls as None), built a
    column at a time (a per-value loop costs seconds on a national answer of 7,700 rows)."""
    out = rows.reindex(columns=ROW_COLUMNS)
    columns = [_column(out[c]) for c in ROW_COLUMNS]
    return [dict(zip(ROW_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


def to_csv(recs: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(ROW_COLUMNS)
    writer.writerows(["" if v is None else v for v in r.values()] for r in recs)
    return buf.getvalue()


def json_response(payload: dict, status: int = 200) -> flask.Response:
    """``payload`` as JSON, written by orjson (floats in their shortest exact form, as Python's
    json writes them, and about ten times faster on a national answer of several megabytes)."""
    return flask.Response(orjson.dumps(payload), status=status, mimetype="application/json")


def register_api(server: flask.Flask, services: Services) -> None:
    """Attach the ``/api/v1/`` routes and ``/healthz`` to a Flask server; they read through the
    app's ``services`` (the same indicator cache as the pages)."""
    bp = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")
    db, cache, threshold = services.db, services.data, services.threshold

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _error(exc)

    @bp.errorhandler(404)
    def _not_found(_exc):
        return _error(ApiError(404, None, "no such endpoint: see /api/v1/openapi.json"))

    @bp.errorhandler(405)
    def _method(_exc):
        return _error(ApiError(405, None, "this API is read-only: use GET"))

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, (*READ_ERRORS, SQLAlchemyError)):
            log.warning("API could not read the database: %s", exc)
            return _error(
                ApiError(503, None, "the database cannot be read just now; try again shortly")
            )
        log.exception("API request failed")
        return _error(
            ApiError(500, None, "the request could not be answered; the error has been logged")
        )

    @bp.get("/areas")
    def areas():
        cov = cache.areas()  # cached per version
        fields = {
            "code": "area_code",
            "name": "area_name",
            "region": "region",
            "families": "families",
            "annual_target": "annual_target",
            "source": "source",
            "latest_return": "return_period",
        }
        columns = [_column(cov[c]) for c in fields.values()]
        data = [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]
        return json_response({"data": data})

    @bp.get("/indicators")
    def indicator_list():
        data = [i.public() for i in indicators().values()]
        return flask.jsonify({"data": data, "meta": {"definitions_version": DEFINITIONS_VERSION}})

    @bp.get("/data")
    def data():
        known = set(cache.areas()["area_code"])  # cached per data version
        query, fmt = parse_data_query(flask.request.args, known, threshold)
        # the app's cache of engine results, keyed by data version (a load empties it)
        result = cache.result(query)
        recs = records(result.rows)
        if fmt == "csv":
            resp = flask.Response(to_csv(recs), mimetype="text/csv; charset=utf-8")
            resp.headers["Content-Disposition"] = "attachment; filename=lfo-data.csv"
            resp.headers["X-Data-As-At"] = result.meta.data_as_at or ""
            resp.headers["X-Suppression-Threshold"] = str(result.meta.threshold)
            resp.headers["X-Definitions-Version"] = result.meta.definitions_version
            return resp
        return json_response({"data": recs, "meta": result.meta.as_dict()})

    @bp.get("/openapi.json")
    def openapi():
        return flask.jsonify(openapi_document())

    server.register_blueprint(bp)

    @server.get("/healthz")
    def healthz():
        """200 while the database can be read; ``warm``: this process has made every indicator
        ahead for the current data (see ``LFO_WARM_CACHE``)."""
        try:
            with db.engine.connect() as conn:
                version = data_version(conn)
        except READ_ERRORS:
            return flask.jsonify({"status": "unavailable", "warm": False}), 503
        return flask.jsonify({"status": "ok", "warm": cache.warmed_version == version})

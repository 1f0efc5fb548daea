"""The ``/api/v1/`` routes, on the dashboard's own Flask server (``/healthz`` is in
``dashboard.web.health``; JSON errors for addresses under ``/api/`` that are no endpoint, in
``dashboard.web.errors``).

Every figure comes from the indicator engine through the app's ``IndicatorData`` (the same cache
and disclosure control as the pages), so the API can never show what the screen hides.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from dashboard.api.errors import (
    ApiError,
    being_made_response,
    database_unavailable,
    error_response,
    http_error_response,
    unavailable_response,
)
from dashboard.api.params import parse_data_query
from dashboard.api.schema import openapi_document
from dashboard.api.serialise import (
    BENCHMARK_FIELDS,
    area_records,
    json_response,
    programme_rows,
    records,
    to_csv,
    with_benchmark,
)
from dashboard.services import Services, chosen_release
from dashboard.services.database import READ_ERRORS
from dashboard.services.version_cache import BeingMade
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.protection import PlanTooLarge
from lfo.indicators.request import ROW_COLUMNS
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)


def register_api(server: flask.Flask, services: Services) -> None:
    """Attach the ``/api/v1/`` routes to a Flask server; they read through the app's
    ``services`` (the same indicator cache as the pages)."""
    bp = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")
    cache = services.routed  # each request: its release's or the live figures

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> flask.Response:
        return error_response(exc)

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> flask.Response:
        return http_error_response(exc)  # before the catch-all below: a 413 is not a 500

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception) -> flask.Response:
        if database_unavailable(exc):  # restarting, stopped, a connection lost: try again
            log.warning("API: the database is unavailable: %s", exc)
            return unavailable_response()
        if isinstance(exc, READ_ERRORS) and not isinstance(exc, SQLAlchemyError):
            log.warning("API could not read the database: %s", exc)
            return error_response(
                ApiError(503, None, "the database cannot be read just now; try again shortly")
            )
        if isinstance(exc, BeingMade):  # after a load, before its figures are made
            return being_made_response(str(exc))
        if isinstance(exc, PlanTooLarge):
            log.error("API: %s", exc)
            return error_response(ApiError(503, None, str(exc)))
        log.exception("API request failed")
        return error_response(
            ApiError(500, None, "the request could not be answered; the error has been logged")
        )

    @bp.get("/areas")
    def areas() -> flask.Response:
        return json_response({"data": area_records(cache.areas())})  # cached per version

    @bp.get("/indicators")
    def indicator_list() -> flask.Response:
        data = [i.public() for i in indicators().values()]
        return flask.jsonify({"data": data, "meta": {"definitions_version": DEFINITIONS_VERSION}})

    @bp.get("/data")
    def data() -> flask.Response:
        known = set(cache.areas()["area_code"])  # cached per data version
        query, fmt = parse_data_query(flask.request.args, known, services.threshold)
        # the app's cache of engine results, keyed by data version (a load empties it)
        result = cache.result(query)
        rows, columns = result.rows, ROW_COLUMNS
        if "benchmark" in flask.request.args:  # asked for: the rows say what they are against
            programme = rows
            if not programme_rows(rows) and not rows.empty:
                programme = cache.result(replace(query, areas=(PROGRAMME,))).rows
            rows = with_benchmark(rows, programme)
            columns = [*ROW_COLUMNS, *BENCHMARK_FIELDS]
        recs = records(rows, columns)
        release = chosen_release()
        if fmt == "csv":
            resp = flask.Response(to_csv(recs, columns), mimetype="text/csv; charset=utf-8")
            resp.headers["Content-Disposition"] = "attachment; filename=lfo-data.csv"
            resp.headers["X-Data-As-At"] = result.meta.data_as_at or ""
            resp.headers["X-Suppression-Threshold"] = str(result.meta.threshold)
            resp.headers["X-Definitions-Version"] = result.meta.definitions_version
            resp.headers["X-Release"] = "live" if release is None else release.release_id
            return resp
        meta: dict[str, object] = dict(result.meta.as_dict())
        meta["release"] = None if release is None else release.release_id  # None: live
        return json_response({"data": recs, "meta": meta})

    @bp.get("/openapi.json")
    def openapi() -> flask.Response:
        return flask.jsonify(openapi_document())

    server.register_blueprint(bp)

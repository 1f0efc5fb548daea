"""The ``/api/v1/`` routes and ``/healthz``, on the dashboard's own Flask server.

Every figure comes from the indicator engine through the app's ``IndicatorData`` (the same cache
and disclosure control as the pages), so the API can never show what the screen hides.
"""

from __future__ import annotations

import logging

import flask

from dashboard.api.errors import ApiError, error_response
from dashboard.api.params import parse_data_query
from dashboard.api.schema import openapi_document
from dashboard.api.serialise import area_records, json_response, records, to_csv
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.queries import data_version
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators

log = logging.getLogger(__name__)

Answer = flask.Response | tuple[flask.Response, int]


def register_api(server: flask.Flask, services: Services) -> None:
    """Attach the ``/api/v1/`` routes and ``/healthz`` to a Flask server; they read through the
    app's ``services`` (the same indicator cache as the pages)."""
    bp = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")
    db, cache, threshold = services.db, services.data, services.threshold

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> flask.Response:
        return error_response(exc)

    @bp.errorhandler(404)
    def _not_found(_exc: Exception) -> flask.Response:
        return error_response(ApiError(404, None, "no such endpoint: see /api/v1/openapi.json"))

    @bp.errorhandler(405)
    def _method(_exc: Exception) -> flask.Response:
        return error_response(ApiError(405, None, "this API is read-only: use GET"))

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception) -> flask.Response:
        if isinstance(exc, READ_ERRORS):
            log.warning("API could not read the database: %s", exc)
            return error_response(
                ApiError(503, None, "the database cannot be read just now; try again shortly")
            )
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
    def openapi() -> flask.Response:
        return flask.jsonify(openapi_document())

    server.register_blueprint(bp)

    @server.get("/healthz")
    def healthz() -> Answer:
        """200 while the database can be read; ``warm``: this process has made every indicator
        ahead for the current data (see ``LFO_WARM_CACHE``)."""
        try:
            with db.engine.connect() as conn:
                version = data_version(conn)
        except READ_ERRORS:
            return flask.jsonify({"status": "unavailable", "warm": False}), 503
        return flask.jsonify({"status": "ok", "warm": cache.warmed_version == version})

"""``GET /area/<gss>/profile.pdf``: the area profile as an A4 PDF for an LA lead's board
(issue 14 § 5; service.md § 7).

The address carries the page's choices (``period``, ``benchmark``, ``ci``, and the trend card's
``indicator`` and ``trend``), each checked against the server's own lists before any work: a
malformed value is a 400 page saying what is allowed, an area or period the server has no
figures for a 404 page. ``release`` is the release the gate chose (an unknown one is its 404); it is passed to
the one place the figures are read (``area_print.profile_figures``). The gate lets in whoever
may see the area profile itself (``dashboard.web.gate``).

The server builds the print document itself (``profile_html``) from the page's own presenters
and Chromium prints it (``dashboard.print_pdf``): no browser session acts for the user. One
render at a time per process, within ``LFO_PDF_TIMEOUT`` seconds; a second request meanwhile is
told to try again (503 with ``Retry-After``).
"""

from __future__ import annotations

import logging
import time
from html import escape

import flask
from werkzeug.wrappers import Response

from dashboard import urlstate
from dashboard.callbacks.area_print import NoSuchRelease, profile_figures
from dashboard.callbacks.inputs import MAX_TEXT
from dashboard.present import area_address as address
from dashboard.present import benchmark as bench
from dashboard.present import trend_by as steps
from dashboard.present.area import LATEST
from dashboard.present.confidence import CI
from dashboard.print_pdf import Busy, PdfPrinter, RenderFailed
from dashboard.services import Services, chosen_release
from dashboard.services.database import READ_ERRORS
from dashboard.web import forms, profile_html

log = logging.getLogger(__name__)

PATH = f"{address.PATH}/<gss>/profile.pdf"
SUFFIX = "/profile.pdf"
#: The address's settings and how each is read (each raises ValueError with what is allowed).
PARAMS = {
    "period": address.PERIOD,
    "benchmark": bench.BENCHMARK,
    "ci": CI,
    "indicator": address.INDICATOR,
    "trend": steps.PARAM,
}
RELEASE = "release"
RETRY_AFTER = "5"


def is_profile_pdf(path: str) -> bool:
    """Whether ``path`` is an area's profile PDF (``/area/<one segment>/profile.pdf``)."""
    head = f"{address.PATH}/"
    if not (path.startswith(head) and path.endswith(SUFFIX)):
        return False
    middle = path[len(head) : -len(SUFFIX)]
    return bool(middle) and "/" not in middle


class BadRequest(ValueError):
    """A setting of the address the server cannot use (the message says why)."""


def checked_args(args: dict[str, list[str]]) -> dict[str, str | None]:
    """The address's settings, each parsed as the page parses it; ``BadRequest`` for an
    unknown setting, one given twice, or a value not allowed."""
    out: dict[str, str | None] = dict.fromkeys([*PARAMS, RELEASE])
    for name, values in args.items():
        if name not in out:
            known = ", ".join([*PARAMS, RELEASE])
            raise BadRequest(f"'{name[:40]}' is not a setting of the profile PDF: use {known}.")
        if len(values) != 1:
            raise BadRequest(f"'{name}' is given {len(values)} times: give it once.")
        text = values[0].strip()[:MAX_TEXT]
        if name == RELEASE:
            out[name] = text
            continue
        try:
            parsed = PARAMS[name].parse(text)
        except ValueError as exc:
            raise BadRequest(f"{name}={text[:40]!r} cannot be used: {exc}.") from None
        out[name] = str(parsed)
    return out


class ProfilePdf:
    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self.printer = PdfPrinter(settings.chromium, float(settings.pdf_timeout))

    def page(self, title: str, text: str, status: int) -> Response:
        return forms.server_page(
            self.services.settings, title, f"<p>{escape(text)}</p>", status=status
        )

    def profile_pdf(self, gss: str) -> Response:
        try:
            code = urlstate.gss_code(gss[:MAX_TEXT])
        except ValueError as exc:
            return self.page("Area not found", f"'{gss[:40]}' is not an area code: {exc}.", 404)
        try:
            chosen = checked_args(flask.request.args.to_dict(flat=False))
        except BadRequest as exc:
            return self.page("The address cannot be used", str(exc), 400)
        try:
            return self._pdf(code, chosen)
        except READ_ERRORS as exc:
            log.warning("profile PDF: %s", exc)
            return self.page(
                "Not available", "The database could not be read: try again in a few minutes.", 503
            )

    def _pdf(self, code: str, chosen: dict[str, str | None]) -> Response:
        services = self.services
        areas = services.data.area_list()  # a release's own areas under a release
        if code not in set(areas["area_code"]):
            return self.page(
                "Area not found", f"There is no programme area with the code {code}.", 404
            )
        period = chosen["period"]
        if period is not None and period not in services.data.periods():
            return self.page(
                "No figures for that period",
                f"There are no figures for {period}: choose a period the area profile offers.",
                404,
            )
        started = time.perf_counter()
        try:
            figures = profile_figures(
                services,
                code,
                period or LATEST,
                chosen["ci"] or CI.default,  # type: ignore[arg-type]
                chosen["benchmark"] or bench.DEFAULT_BENCHMARK,
                chosen["indicator"] or address.INDICATOR.default,  # type: ignore[arg-type]
                chosen["trend"] or steps.DEFAULT,
                release=chosen[RELEASE],
            )
        except NoSuchRelease:
            return self.page(
                "Release not found",
                "There is no such release: see /releases for the published ones, or leave "
                "'release' out of the address.",
                404,
            )
        release = chosen_release()
        document = profile_html.document(
            figures,
            threshold=services.threshold,
            release=None if release is None else release.release_id,
        )
        try:
            pdf = self.printer.print(document)
        except Busy:
            response = self.page(
                "Busy", "Another PDF is being made just now: try again in a few seconds.", 503
            )
            response.headers["Retry-After"] = RETRY_AFTER
            return response
        except RenderFailed as exc:
            log.warning("profile PDF for %s: %s", code, exc)
            return self.page("The PDF could not be made", f"The PDF could not be made: {exc}.", 503)
        log.info("profile PDF for %s made in %.2f s", code, time.perf_counter() - started)
        shown = figures.view.period or "no-period"
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'inline; filename="area-profile-{code}-{shown}.pdf"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def register_profile_pdf(server: flask.Flask, page: ProfilePdf) -> None:
    server.add_url_rule(PATH, "lfo_profile_pdf", page.profile_pdf, methods=["GET"])

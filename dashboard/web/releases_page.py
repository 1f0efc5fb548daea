"""The releases pages, ``/releases`` (issue 14; service.md § 7). Anyone who may see published
figures (``view_releases``: signed in, or the public under ``LFO_PUBLIC``) reads them.

- ``GET /releases``: every release, newest first, with its note, data as at, who published it,
  its revisions count and links (its figures, its bulk data, its revisions as CSV); for
  programme leads a form to publish a quarter (``GET ?quarter=`` first lists the LAs whose
  returns do not cover it; ``POST /releases/publish`` queues the ``publish-release`` job, which
  the worker runs: publishing takes longer than a request may).
- ``GET /releases/<id>``: one release: how to cite it, the returns it came from, the LAs not
  covered, and its revisions (the first ``SHOWN_REVISIONS``; all in the CSV).
- ``GET /releases/<id>/bulk.zip`` and ``/releases/<id>/revisions.csv``: its frozen files.
"""

from __future__ import annotations

import csv
import io
from html import escape

import flask
import pandas as pd
from werkzeug.wrappers import Response

from dashboard.services import Services
from dashboard.services.releases import code_definitions
from dashboard.web import forms, release_choice
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.gate import require
from dashboard.web.principal import current
from lfo import jobs, release_snapshot
from lfo.access import audit
from lfo.access.policy import decide
from lfo.formula_guard import csv_row
from lfo.indicators.definitions import indicators
from lfo.indicators.queries import snapshot
from lfo.periods import Quarter, has_ended, period
from lfo.release_publish import PublishError, coverage_of, quarter_of
from lfo.releases import Release, bulk_bytes

PATH = "/releases"
PUBLISH = f"{PATH}/publish"
SHOWN_REVISIONS = 200
REVISION_COLUMNS = [c.name for c in release_snapshot.release_revisions.columns]


class ReleasesPage:
    def __init__(self, services: Services, accounts: Accounts) -> None:
        self.services = services
        self.settings = services.settings
        self.accounts = accounts

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return forms.server_page(self.settings, title, body, status=status)

    def release_or_404(self, rid: str) -> Release:
        return release_choice.named(self.services.releases, rid)

    # --- the list ------------------------------------------------------------------------------

    def list_page(self) -> Response:
        found = sorted(self.services.releases.all(), key=lambda r: r.published_at, reverse=True)
        rows = "".join(self.row(r) for r in found)
        table = (
            '<table class="table table-sm"><caption>Published releases, newest first</caption>'
            '<thead><tr><th scope="col">Release</th><th scope="col">Published</th>'
            '<th scope="col">Data as at</th><th scope="col">Note</th>'
            '<th scope="col">Downloads</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
        body = (
            "<p>A release freezes every published figure up to its quarter, as it stood when it "
            "was published: a figure quoted from a release can always be found again. Later "
            "returns revise the live figures and the next release, never this one.</p>"
            + (
                forms.scroll_box("Published releases", table)
                if found
                else "<p>No release is published yet.</p>"
            )
            + self.publish_section()
        )
        return self.page("Releases", body)

    def row(self, r: Release) -> str:
        rid = escape(r.release_id)
        as_at = "none" if r.data_as_at is None else f"{r.data_as_at:%d %B %Y %H:%M}"
        links = (
            f'<a href="/?release={rid}">Figures</a> · '
            f'<a href="{PATH}/{rid}/bulk.zip">Bulk data (zip)</a> · '
            f'<a href="{PATH}/{rid}/revisions.csv">Revisions (CSV)</a>'
        )
        return (
            f'<tr><th scope="row"><a href="{PATH}/{rid}">{rid}</a></th>'
            f"<td>{r.published_at:%d %B %Y %H:%M} UTC</td><td>{escape(as_at)}</td>"
            f"<td>{escape(r.note) or '—'}</td><td>{links}</td></tr>"
        )

    def publish_section(self) -> str:
        who = current()
        if not decide(who, "publish_release", None).allowed:
            return ""
        asked = flask.request.args.get("quarter", "")
        check = ""
        if asked:
            check = self.coverage_html(asked)
        options = "".join(
            f'<option value="{q}"{" selected" if q == asked else ""}>{escape(period(q).display)}'
            "</option>"
            for q in reversed(self.ended_quarters())
        )
        return (
            '<h2 class="h4 mt-4">Publish a release</h2>'
            f'<form method="get" action="{PATH}" class="mb-2">'
            '<label class="form-label" for="release-quarter">Quarter</label>'
            f'<select class="form-select" id="release-quarter" name="quarter">{options}</select>'
            '<button class="btn btn-secondary mt-2" type="submit">Check which LAs it covers'
            "</button></form>" + check
        )

    def ended_quarters(self) -> list[str]:
        found = [period(p) for p in self.services.live.periods()]
        return [q.label for q in found if isinstance(q, Quarter) and has_ended(q)]

    def coverage_html(self, asked: str) -> str:
        try:
            quarter = quarter_of(asked)
            with self.services.db.engine.connect() as conn:
                snapshot(conn)
                covers = coverage_of(conn, quarter)
        except PublishError as exc:
            return forms.message(str(exc))
        missing = "".join(
            f"<li>{escape(n)} ({escape(c)}): latest return {escape(p or 'none')}</li>"
            for c, n, p in covers.missing
        )
        listed = (
            f"<p>These LAs' returns do not cover {escape(quarter.label)}; the release will show "
            f"them as not available:</p><ul>{missing}</ul>"
            if missing
            else f"<p>Every LA's return covers {escape(quarter.label)}.</p>"
        )
        return (
            f'{listed}<form method="post" action="{PUBLISH}">{forms.hidden_csrf(self.accounts)}'
            f'<input type="hidden" name="quarter" value="{escape(quarter.label)}">'
            '<label class="form-label" for="release-note">Note (what this release holds, what '
            'changed)</label><textarea class="form-control" id="release-note" name="note" '
            'maxlength="2000" rows="3"></textarea>'
            f'<button class="btn btn-primary mt-2" type="submit">Publish {escape(quarter.label)}'
            "</button></form>"
        )

    def publish(self) -> Response:
        if flask.request.method == "GET":
            return self.list_page()
        forms.check_form(self.settings, self.accounts)
        who = require("publish_release", None)
        try:
            quarter: Quarter = quarter_of(flask.request.form.get("quarter", ""))
            with self.services.db.engine.connect() as conn:
                snapshot(conn)
                coverage_of(conn, quarter)  # a quarter no return covers: say so now, not later
        except PublishError as exc:
            return self.page("Releases", forms.message(str(exc)), status=400)
        note = flask.request.form.get("note", "")[:2000]
        payload = {
            "quarter": quarter.label,
            "note": note,
            "user_id": who.user_id,
            "email": who.email,
        }
        with self.accounts.engine.begin() as conn:
            job = jobs.enqueue(
                conn,
                "publish-release",
                payload,
                created_by=who.user_id,
                dedupe_key=f"publish-{quarter.label}-{note[:40]}",
            )
        body = (
            forms.message(
                f"Publishing {quarter.label} (job {job}): the worker makes it, which takes a few "
                f"minutes; it appears on this page when done.",
                kind="info",
            )
            + f'<p><a href="{PATH}">Back to the releases</a></p>'
        )
        return self.page("Publishing a release", body, status=202)

    # --- one release ---------------------------------------------------------------------------

    def revisions(self, r: Release) -> pd.DataFrame:
        """The release's revisions, from its file as the release's figures read it (opened
        once per process, not per request)."""
        with self.services.releases.data(r).db.engine.connect() as conn:
            return release_snapshot.read_revisions(conn)

    def detail_page(self, rid: str) -> Response:
        r = self.release_or_404(rid)
        changes = self.revisions(r)
        names = {i.id: i.name for i in indicators().values()}
        rows = "".join(
            f'<tr><th scope="row">{escape(names.get(c.indicator, c.indicator))}</th>'
            f"<td>{escape(c.grp)}</td><td>{escape(c.area_code)}</td><td>{escape(c.period)}</td>"
            f"<td>{escape('' if pd.isna(c.category) else str(c.category))}</td>"
            f"<td>{escape(str(c.old_value))}</td><td>{escape(str(c.new_value))}</td>"
            f"<td>{escape(c.returns)}</td></tr>"
            for c in changes.head(SHOWN_REVISIONS).itertuples()
        )
        table = (
            f'<table class="table table-sm"><caption>Figures of earlier periods revised since '
            f"the release before ({len(changes):,}; the first {SHOWN_REVISIONS} shown)</caption>"
            "<thead><tr>"
            + "".join(
                f'<th scope="col">{h}</th>'
                for h in (
                    "Indicator",
                    "Filter",
                    "Area",
                    "Period",
                    "Category",
                    "Was",
                    "Now",
                    "Changed by",
                )
            )
            + f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        covered = "".join(
            f"<li>{escape(x['area_name'])}: return for {escape(period(x['period']).display)}</li>"
            for x in r.returns
        )
        missing = "".join(f"<li>{escape(x['area_name'])}</li>" for x in r.missing)
        opened = f'<a href="/?release={escape(r.release_id)}">Open its figures</a>'
        if r.definitions_version != code_definitions():  # its figures are refused (409)
            opened = (
                f"Its figures are not shown: the service now computes under definitions version "
                f"{escape(code_definitions())}; its bulk data holds them as published"
            )
        body = (
            f"<p>{escape(r.note)}</p>"
            f"<p>Cite as: Department for Work and Pensions, Local Family Offer monitoring, release "
            f"{escape(r.release_id)} (published {r.published_at:%d %B %Y}; definitions version "
            f"{escape(r.definitions_version)}), {escape(flask.request.host_url)}?release="
            f"{escape(r.release_id)}</p>"
            f"<p>{opened} · "
            f'<a href="{PATH}/{escape(r.release_id)}/bulk.zip">Bulk data (zip)</a> · '
            f'<a href="{PATH}/{escape(r.release_id)}/revisions.csv">Revisions (CSV)</a></p>'
            f'<h2 class="h5">Returns it came from</h2><ul>{covered}</ul>'
            + (f'<h2 class="h5">LAs not covered</h2><ul>{missing}</ul>' if missing else "")
            + '<h2 class="h5">Revisions</h2>'
            + (
                forms.scroll_box("Revisions", table)
                if len(changes)
                else "<p>No published figure of an earlier period changed since the release before "
                "(or this is the first release).</p>"
            )
        )
        return self.page(f"Release {r.release_id}", body)

    def bulk(self, rid: str) -> Response:
        r = self.release_or_404(rid)
        with self.services.db.engine.connect() as conn:
            data = bulk_bytes(conn, r.release_id)
        self.audit_download(f"release {r.release_id} bulk data")
        return self.file(data, "application/zip", f"lfo-release-{r.release_id}.zip")

    def revisions_csv(self, rid: str) -> Response:
        r = self.release_or_404(rid)
        changes = self.revisions(r)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(REVISION_COLUMNS)
        for row in changes[REVISION_COLUMNS].itertuples(index=False):
            writer.writerow(csv_row(["" if pd.isna(v) else str(v) for v in row]))
        self.audit_download(f"release {r.release_id} revisions")
        return self.file(
            out.getvalue().encode("utf-8"),
            "text/csv; charset=utf-8",
            f"lfo-release-{r.release_id}-revisions.csv",
        )

    def file(self, data: bytes, mimetype: str, name: str) -> Response:
        response = flask.Response(data, mimetype=mimetype)
        response.headers["Content-Disposition"] = f"attachment; filename={name}"
        return response

    def audit_download(self, what: str) -> None:
        who = current()
        if who.local or who.anonymous:
            return
        with self.accounts.engine.begin() as conn:
            audit.record(conn, "download", "ok", obj=what, principal=who, client=client_address())


def register_releases_page(server: flask.Flask, page: ReleasesPage) -> None:
    server.add_url_rule(PATH, "lfo_releases", page.list_page, methods=["GET"])
    server.add_url_rule(PUBLISH, "lfo_release_publish", page.publish, methods=["GET", "POST"])
    server.add_url_rule(f"{PATH}/<rid>", "lfo_release", page.detail_page, methods=["GET"])
    server.add_url_rule(f"{PATH}/<rid>/bulk.zip", "lfo_release_bulk", page.bulk, methods=["GET"])
    server.add_url_rule(
        f"{PATH}/<rid>/revisions.csv",
        "lfo_release_revisions",
        page.revisions_csv,
        methods=["GET"],
    )

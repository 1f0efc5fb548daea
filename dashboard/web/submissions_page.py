"""The returns pages, ``/returns`` (issue 13 §§ 1–3; return-spec.md § 5, service.md §§ 1, 3–5):
programme and LA leads (the gate's ``view_live``), each LA then checked with ``gate.require``.

- ``GET /returns``: the submissions of the LAs the person may see (``view_submissions``), newest
  first, and the upload form (the LAs they may ``upload_return`` for, the quarters that have ended);
  ``upload.js`` sends it with a progress bar (the plain form works without script).
- ``POST /returns/upload``: the file is copied in chunks from Werkzeug's temporary file, kept under
  its canonical name (``upload_store``), and its submission, ``check-return`` job and ``upload``
  audit row are written in one transaction; 303 to its page. Over 50 MB: 413 before anything is
  kept (``limits``; the file part checked again as it is copied).
- ``GET /returns/<id>``: its state (refreshing every 3 s while checked or loaded), the check's
  summary, the findings table (``submission_report``), the report files
  (``/returns/<id>/report.xlsx`` and ``.csv``, audited ``download``), and for a valid return the
  submit form; ``POST /returns/<id>/submit`` queues one ``load-return`` job however often it is
  pressed, audited ``submit``.
"""

from __future__ import annotations

import logging
import tempfile
from html import escape
from pathlib import Path

import flask
import pandas as pd
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response

from dashboard.api.errors import http_error_response
from dashboard.present.area_address import path_for
from dashboard.settings import DashboardSettings
from dashboard.web import forms, limits, submission_report, upload_store
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.errors import reads_json
from dashboard.web.gate import RETURNS_PATH, require
from dashboard.web.principal import current
from etl.archive import MAX_FILE_BYTES
from etl.load.result import LoadError
from etl.template import write_template
from lfo import jobs, schema, submissions
from lfo.access import audit
from lfo.access.policy import Action, may
from lfo.access.roles import Principal
from lfo.periods import period
from lfo.settings import Settings
from lfo.submissions import STATE_NAMES, Submission

log = logging.getLogger(__name__)

PATH = RETURNS_PATH
UPLOAD_PATH = limits.UPLOAD_PATH
TEMPLATE_PATH = f"{RETURNS_PATH}/template.xlsx"
TEMPLATE_NAME = "LFO_return_template.xlsx"
#: On the demo database (no sign-in): what submitting a return does to it.
DEMO_NOTE = (
    "In the demo you can upload and check any return. Submitting one loads it into the demo "
    "database, which may then hold real data: from its next start it needs sign-in (or "
    "--no-sign-in), and the demo comes back when you move its database file away."
)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCRIPT = "/assets/site/upload.js"
REFRESH_SECONDS = 3
CONFIRM = "I confirm this return is complete and correct for the quarter"
MAX_ID = 2**62  # beyond any row; larger numbers are no submission (and no overflow in SQL)
TOO_LARGE = (
    f"A return must be at most {MAX_FILE_BYTES // 1024 // 1024} MB: remove unused sheets or "
    "formatting, or send it as a .zip of CSV files."
)
WORKING = frozenset({"checking", "submitted"})
SUBMITTED = frozenset({"submitted", "loaded", "rejected", "failed"})


class ReturnsPage:
    def __init__(self, settings: DashboardSettings, accounts: Accounts) -> None:
        self.settings = settings
        self.accounts = accounts
        self.findings = submission_report.FindingsCache()
        self.template_bytes: bytes | None = None

    # --- helpers -------------------------------------------------------------------------------

    def lfo_settings(self) -> Settings:
        """The shared settings (the uploads folder, the ID key file) for this database."""
        return Settings.from_env(database_url=self.settings.database_url)

    def page(self, title: str, body: str, status: int = 200, head: str = "") -> Response:
        return forms.server_page(self.settings, title, body, status=status, head=head)

    def area_names(self, *, current_only: bool = False) -> dict[str, str]:
        return self.accounts.area_names(current_only=current_only)

    def allowed(self, action: Action, codes: list[str]) -> list[str]:
        who = current()
        return [c for c in codes if may(who, action, c, public=self.settings.public)]

    def people(self, ids: set[int]) -> dict[int, str]:
        u = schema.users
        with self.accounts.engine.connect() as conn:
            rows = conn.execute(select(u.c.user_id, u.c.email).where(u.c.user_id.in_(ids)))
            return {row.user_id: row.email for row in rows}

    def client(self) -> str | None:
        return client_address()

    def submission(self, submission_id: int) -> Submission:
        found = None
        if 0 < submission_id < MAX_ID:
            with self.accounts.engine.connect() as conn:
                found = submissions.get(conn, submission_id)
        if found is None:
            raise NotFound("There is no such submission.")
        return found

    # --- /returns ------------------------------------------------------------------------------

    def list_page(self, problem: str | None = None, status: int = 200) -> Response:
        names = self.area_names()
        visible = self.allowed("view_submissions", list(names))
        with self.accounts.engine.connect() as conn:
            subs = submissions.list_submissions(conn, areas=visible)
        who = self.people({s.uploaded_by for s in subs if s.uploaded_by is not None})
        rows = "".join(
            submission_report.list_row(s, names, who, f"{PATH}/{s.submission_id}") for s in subs
        )
        listed = (
            forms.scroll_box(
                "Returns uploaded",
                '<table class="table table-sm"><caption>Returns uploaded, newest first</caption>'
                '<thead><tr><th scope="col">Local authority</th><th scope="col">Quarter</th>'
                '<th scope="col">File</th><th scope="col">State</th>'
                '<th scope="col">Errors</th><th scope="col">Warnings</th>'
                '<th scope="col">Uploaded by</th><th scope="col">Uploaded</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>",
            )
            if subs
            else "<p>No return has been uploaded yet.</p>"
        )
        demo = forms.message(DEMO_NOTE, kind="info") if self.settings.demo else ""
        body = (
            f'{forms.message(problem)}{demo}{self.upload_form()}<h2 class="h4">Returns</h2>{listed}'
        )
        return self.page("Returns", body, status, head=f'<script src="{SCRIPT}" defer></script>')

    def upload_form(self) -> str:
        names = self.area_names(current_only=True)
        codes = self.allowed("upload_return", list(names))
        if not codes:
            return ""
        areas = "".join(
            f'<option value="{escape(c)}">{escape(names[c])} ({escape(c)})</option>' for c in codes
        )
        quarters = "".join(
            f'<option value="{q.label}">{escape(upload_store.quarter_words(q))}</option>'
            for q in upload_store.period_choices()
        )
        limit = MAX_FILE_BYTES // 1024 // 1024
        return f"""<h2 class="h4">Upload a return</h2>
<form method="post" action="{UPLOAD_PATH}" enctype="multipart/form-data" class="lfo-form"
 id="upload-form" data-max-bytes="{MAX_FILE_BYTES}">{forms.hidden_csrf(self.accounts)}
<div class="mb-3"><label class="form-label" for="upload-area">Local authority</label>
<select class="form-select" id="upload-area" name="area" required>{areas}</select></div>
<div class="mb-3"><label class="form-label" for="upload-period">Quarter</label>
<select class="form-select" id="upload-period" name="period" required>{quarters}</select></div>
<div class="mb-3"><label class="form-label" for="upload-file">Return file</label>
<div class="form-text" id="upload-file-hint">An Excel workbook (.xlsx) or a .zip of CSV files, at
most {limit} MB: use <a href="{TEMPLATE_PATH}">the return template</a>.
It is checked as soon as it arrives; nothing is loaded until you submit it.</div>
<input class="form-control" id="upload-file" name="file" type="file" accept=".xlsx,.zip" required
 aria-describedby="upload-file-hint"></div>
<div id="upload-progress" hidden><label for="upload-bar">Uploading</label>
<progress id="upload-bar" max="100" value="0"></progress>
<span id="upload-percent" aria-live="polite"></span></div>
<div id="upload-problem" role="alert"></div>
<button class="btn btn-primary" type="submit">Upload and check</button></form>"""

    # --- GET /returns/template.xlsx -------------------------------------------------------------

    def template(self) -> Response:
        """The empty return workbook (``python -m etl template``'s), made once per process."""
        if self.template_bytes is None:
            with tempfile.TemporaryDirectory(prefix="lfo-template-") as folder:
                made = write_template(Path(folder) / TEMPLATE_NAME)
                self.template_bytes = made.read_bytes()
        response = Response(self.template_bytes, mimetype=XLSX_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
        return response

    # --- POST /returns/upload ------------------------------------------------------------------

    def upload(self) -> Response:
        forms.check_form(self.settings, self.accounts)  # the body is parsed here (file on disk)
        form = flask.request.form
        code = form.get("area", "")[:20].strip()
        if code not in self.area_names(current_only=True):
            return self.list_page("Choose the local authority from the list.", 400)
        who = require("upload_return", code)
        sent = flask.request.files.get("file")
        try:
            quarter = upload_store.checked_period(form.get("period", ""))
            if sent is None or not upload_store.base_name(sent.filename or ""):
                raise upload_store.UploadProblem("Choose the return's file (.xlsx or .zip).")
            original = upload_store.base_name(sent.filename or "")[:255]
            ext = upload_store.extension_of(original)
        except upload_store.UploadProblem as exc:
            return self.list_page(str(exc), 400)
        uploads = self.lfo_settings().uploads_dir
        try:
            staged = upload_store.stage(sent.stream, uploads, MAX_FILE_BYTES)
        except upload_store.TooLarge:
            log.warning(
                "upload refused: %s for %s is over %d bytes", original, code, MAX_FILE_BYTES
            )
            raise RequestEntityTooLarge(TOO_LARGE) from None
        name = upload_store.canonical_name(code, quarter, ext)
        submission_id = None
        try:
            with self.accounts.engine.begin() as conn:
                submission_id = submissions.create(
                    conn,
                    kind="upload",
                    area_code=code,
                    period=quarter.label,
                    file_name=name,
                    original_name=original,
                    sha256=staged.sha256,
                    size_bytes=staged.size_bytes,
                    user_id=who.user_id,
                    now=jobs.now_utc(),
                )
                upload_store.place(staged, uploads, submission_id, name)
                job = jobs.enqueue(
                    conn,
                    "check-return",
                    {"submission_id": submission_id},
                    dedupe_key=f"check-{submission_id}",
                    created_by=who.user_id,
                )
                submissions.set_jobs(conn, submission_id, check=job)
                obj = f"{code} {quarter.label} {name} sha256:{staged.sha256}"
                audit.record(conn, "upload", "ok", obj=obj, principal=who, client=self.client())
        except BaseException:
            upload_store.discard(staged, uploads, submission_id)
            raise
        return flask.redirect(f"{PATH}/{submission_id}", code=303)

    def too_large(self, exc: RequestEntityTooLarge) -> HTTPException | Response:
        """413: under ``/returns``, a page saying the limit and what to do."""
        path = flask.request.path
        if reads_json(path):
            return http_error_response(exc)
        if not (path == PATH or path.startswith(PATH + "/")):
            return exc
        body = forms.message(TOO_LARGE) + f'<p><a href="{PATH}">Back to the returns</a></p>'
        response = forms.page("The file is too large", body, self.settings.service_name)
        response.status_code = 413
        return response

    # --- /returns/<id> -------------------------------------------------------------------------

    def submission_page(
        self, submission_id: int, problem: str | None = None, status: int = 200
    ) -> Response:
        sub = self.submission(submission_id)
        require("view_submissions", sub.area_code)
        names = self.area_names()
        who = self.people({i for i in (sub.uploaded_by, sub.submitted_by) if i is not None})
        shown = sub.shown
        here = f"{PATH}/{sub.submission_id}"
        head = ""
        if shown in WORKING:
            head = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        body = [forms.message(problem), f'<p><a href="{PATH}">All returns</a></p>']
        body.append(submission_report.facts_html(sub, names, who))
        body.append(self.state_html(sub))
        if shown not in ("checking", "check_failed"):
            body.append(self.report_html(sub, here))
        if shown == "valid" and may(current(), "submit_return", sub.area_code):
            body.append(self.submit_form(here))
        area = names.get(sub.area_code, sub.area_code)
        title = f"Return of {area} for {period(sub.period).display}"
        return self.page(title, "".join(body), status, head=head)

    def state_html(self, sub: Submission) -> str:
        shown = sub.shown
        line = f"State: {STATE_NAMES.get(shown, shown)}."
        if shown in WORKING and sub.job_progress:
            line += f" {sub.job_progress}"
        if shown in WORKING:
            line += f" This page refreshes every {REFRESH_SECONDS} seconds."
        parts = [f'<p class="lfo-status" role="status" aria-live="polite">{escape(line)}</p>']
        reason = sub.reason
        if shown == "errors":
            parts.append(
                "<p>The return has errors, so it cannot be submitted: fix them in the file (the "
                "findings below say where) and upload the corrected return.</p>"
            )
        elif shown in ("check_failed", "rejected", "failed") and reason:
            parts.append(forms.message(f"{STATE_NAMES[shown]}: {reason}"))
        elif shown == "loaded" and reason:
            parts.append(forms.message(reason, kind="success"))
        if shown in ("loaded", "rejected", "failed"):
            link = escape(path_for(sub.area_code))
            parts.append(f'<p><a href="{link}">See the figures of this local authority</a></p>')
        return "".join(parts)

    def report_html(self, sub: Submission, here: str) -> str:
        summary = submission_report.summary_html(sub.summary, loaded=sub.shown == "loaded")
        parts = ['<h2 class="h4">Summary</h2>', summary or "<p>No summary was kept.</p>"]
        parts.append('<h2 class="h4" id="findings">Findings</h2>')
        try:
            rows = submission_report.shown_rows(self.findings_of(sub))
        except (LoadError, OSError) as exc:
            parts.append(forms.message(f"The findings could not be listed: {exc}"))
            return "".join(parts)
        if rows.empty:
            parts.append("<p>The file has no findings.</p>")
        else:
            args = dict(flask.request.args.items())
            view = submission_report.choose(rows, args)
            parts.append(submission_report.findings_html(rows, view, here))
        parts.append(
            f'<p>The whole report: <a href="{here}/report.xlsx">Excel (.xlsx)</a> · '
            f'<a href="{here}/report.csv">CSV</a></p>'
        )
        return "".join(parts)

    def upload_file(self, sub: Submission) -> Path:
        return upload_store.upload_path(
            self.lfo_settings().uploads_dir, sub.submission_id, sub.file_name
        )

    def findings_of(self, sub: Submission) -> pd.DataFrame:
        path = self.upload_file(sub)
        if not path.is_file():
            days = self.lfo_settings().rejected_retention_days
            raise OSError(
                f"the file was deleted after {days} days (retention); its counts are kept"
            )
        return self.findings.get(
            (sub.submission_id, sub.sha256),
            lambda: submission_report.checked_findings(path, self.lfo_settings()),
        )

    def submit_form(self, here: str) -> str:
        return f"""<h2 class="h4">Submit for loading</h2>
<form method="post" action="{here}/submit" class="lfo-form">{forms.hidden_csrf(self.accounts)}
<div class="form-check mb-3"><input class="form-check-input" type="checkbox" id="confirm"
 name="confirm" value="yes" required><label class="form-check-label" for="confirm">{CONFIRM}
</label></div><button class="btn btn-primary" type="submit">Submit for loading</button></form>"""

    # --- /returns/<id>/report.<fmt> ------------------------------------------------------------

    def report(self, submission_id: int, fmt: str) -> Response:
        if fmt not in ("xlsx", "csv"):
            raise NotFound("The report is an .xlsx or a .csv file.")
        sub = self.submission(submission_id)
        who = require("view_submissions", sub.area_code)
        try:
            findings = self.findings_of(sub)
        except (LoadError, OSError) as exc:
            return self.submission_page(submission_id, f"The report could not be made: {exc}", 503)
        name = f"LFO_{sub.area_code}_{sub.period}_report.{fmt}"
        data = submission_report.report_file(findings, name)
        with self.accounts.engine.begin() as conn:
            obj = f"{name} submission {sub.submission_id}"
            audit.record(conn, "download", "ok", obj=obj, principal=who, client=self.client())
        mimetype = "text/csv" if fmt == "csv" else XLSX_TYPE
        response = Response(data, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- POST /returns/<id>/submit -------------------------------------------------------------

    def submit(self, submission_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        sub = self.submission(submission_id)
        who = require("submit_return", sub.area_code)
        here = f"{PATH}/{sub.submission_id}"
        if sub.shown in SUBMITTED:  # a second click after the first went through
            return flask.redirect(here, code=303)
        if sub.shown != "valid":
            why = {
                "checking": "The return is still being checked: wait for its findings.",
                "errors": "The return has errors, so it cannot be submitted: fix them and upload "
                "the corrected return.",
            }.get(sub.shown, "The return could not be checked, so it cannot be submitted.")
            return self.submission_page(submission_id, why, 400)
        if flask.request.form.get("confirm") != "yes":
            problem = f"Tick “{CONFIRM}” to submit the return."
            return self.submission_page(submission_id, problem, 400)
        self.queue_load(sub, who)
        return flask.redirect(here, code=303)

    def queue_load(self, sub: Submission, who: Principal) -> None:
        payload = {
            "path": str(self.upload_file(sub)),
            "submission_id": sub.submission_id,
            "force": False,
        }
        with self.accounts.engine.begin() as conn:
            job = jobs.enqueue(
                conn,
                "load-return",
                payload,
                dedupe_key=f"submission-{sub.submission_id}",
                created_by=who.user_id,
            )
            moved = submissions.submit(
                conn, sub.submission_id, user_id=who.user_id, job_id=job, now=jobs.now_utc()
            )
            if moved:
                obj = f"{sub.area_code} {sub.period} {sub.file_name} submission {sub.submission_id}"
                audit.record(conn, "submit", "ok", obj=obj, principal=who, client=self.client())


def register_returns_page(server: flask.Flask, page: ReturnsPage) -> None:
    server.add_url_rule(PATH, "lfo_returns", page.list_page, methods=["GET"])
    server.add_url_rule(UPLOAD_PATH, "lfo_returns_upload", page.upload, methods=["POST"])
    server.add_url_rule(TEMPLATE_PATH, "lfo_returns_template", page.template, methods=["GET"])
    server.add_url_rule(
        f"{PATH}/<int:submission_id>", "lfo_return", page.submission_page, methods=["GET"]
    )
    server.add_url_rule(
        f"{PATH}/<int:submission_id>/report.<fmt>", "lfo_return_report", page.report
    )
    server.add_url_rule(
        f"{PATH}/<int:submission_id>/submit", "lfo_return_submit", page.submit, methods=["POST"]
    )
    server.register_error_handler(RequestEntityTooLarge, page.too_large)

"""The submissions tracker, ``/tracker`` (service.md § 5, issue 13 § 4): for the latest quarters
that have ended, each LA's status (``lfo.tracker``), whether it is late against its due date
(``lfo.due``), and who did what and when.

The gate lets programme and LA leads in (``view_live`` for every path under ``/tracker``); the
page then shows every LA to whoever may ``view_tracker`` (programme leads) and, to an LA lead,
the LAs whose submissions they may see (``view_submissions``): their own.

- ``GET /tracker``: one row per LA, one column per quarter (its due date in the header), filtered
  by ``status`` (one of ``lfo.tracker.FILTERS``) in one ``quarter`` or any;
  ``GET /tracker/csv``: the same rows as CSV, one line per LA and quarter.
- ``GET /tracker/<gss>``: one LA (``view_submissions``): its current return, every submission
  and load (each web submission linking to its report, ``/returns/<id>``), and, for programme
  leads, the earlier returns it can be rolled back to;
  ``POST /tracker/<gss>/rollback``: ``rollback_return`` (``lfo.rollback``), then back to the LA.
"""

from __future__ import annotations

import csv
import io
import logging
import threading

import flask
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web import tracker_html as html
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.gate import TRACKER_PATH, require
from dashboard.web.principal import current
from lfo import jobs, rollback, submissions, tracker
from lfo.access import audit
from lfo.access.policy import may
from lfo.access.roles import Principal
from lfo.formula_guard import csv_row
from lfo.periods import PROGRAMME_START, Quarter, today
from lfo.settings import Settings

log = logging.getLogger(__name__)

CSV_PATH = f"{TRACKER_PATH}/csv"
MAX_CODE = 12  # a GSS code is 9 characters; anything longer is not one
MAX_REASON = rollback.MAX_REASON


class TrackerPage:
    def __init__(self, settings: DashboardSettings, accounts: Accounts, core: Settings) -> None:
        self.settings = settings
        self.accounts = accounts
        self.core = core  # the archive and uploads folders, the due-date setting
        self._writer: Engine | None = None
        self._lock = threading.Lock()

    @property
    def writer(self) -> Engine:
        """The rollback's engine (``lfo.jobs.engine``): on SQLite its transaction begins by taking
        the write lock, so what it checks is still true when it writes, even beside a load."""
        with self._lock:
            if self._writer is None:
                self._writer = jobs.engine(self.settings.database_url)
            return self._writer

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return forms.server_page(self.settings, title, body, status=status)

    def area_names(self) -> dict[str, str]:
        return self.accounts.area_names()

    def shown_areas(self, who: Principal) -> list[str] | None:
        """The LAs ``who`` sees: None for every LA (programme leads), else their own."""
        if may(who, "view_tracker"):
            return None
        return [code for code in self.area_names() if may(who, "view_submissions", code)]

    def made(self, who: Principal, until: Quarter | None = None) -> tracker.Tracker:
        with self.accounts.engine.connect() as conn:
            return tracker.tracker(
                conn,
                today=today(),
                working_days=self.core.return_due_working_days,
                only=self.shown_areas(who),
                until=until,
            )

    def chosen_until(self) -> tuple[Quarter | None, str]:
        """The last quarter asked for (``until``; None: the latest that has ended), and the
        problem with it ("" for none): a quarter of the programme that has ended."""
        asked = flask.request.args.get("until", "")[:20]
        if not asked:
            return None, ""
        found = tracker.quarter_of(asked)
        latest = Quarter.containing(today()) - 1
        if found is None or not Quarter.containing(PROGRAMME_START) <= found <= latest:
            return None, (
                f"{asked!r} is not a quarter of the programme that has ended: write it like "
                f"{latest.label}, from {Quarter.containing(PROGRAMME_START).label} to "
                f"{latest.label}."
            )
        return found, ""

    def earlier_note(self, who: Principal, made: tracker.Tracker, until: Quarter | None) -> str:
        """When nothing was received in the quarters shown, a link to those of the latest
        loaded return (as in the demo, whose pilot data ends years ago)."""
        if until is not None or any(
            c is not None and c.status != "not received"
            for r in made.rows
            for c in r.cells.values()
        ):
            return ""
        with self.accounts.engine.connect() as conn:
            latest = tracker.latest_loaded(conn, self.shown_areas(who))
        if latest is None:
            return ""
        return html.earlier_note(latest)

    def chosen_filter(self, made: tracker.Tracker) -> tuple[str, str, str]:
        """The ``status`` and ``quarter`` asked for ("" for none), checked against the known
        statuses and the quarters shown, and the problem with them ("" for none)."""
        args = flask.request.args
        status = args.get("status", "")[:40]
        quarter = args.get("quarter", "")[:20]
        if status and status not in tracker.FILTERS:
            return (
                "",
                "",
                (
                    f"{status!r} is not a status the tracker knows: choose one of "
                    f"{', '.join(tracker.FILTERS)}, or every LA."
                ),
            )
        labels = [c.quarter.label for c in made.columns]
        if quarter and quarter not in labels:
            return (
                "",
                "",
                (
                    f"{quarter!r} is not one of the quarters shown: choose one of "
                    f"{', '.join(labels)}, or any quarter."
                ),
            )
        return status, quarter, ""

    # --- /tracker and /tracker/csv ---------------------------------------------------------------

    def chosen(self, who: Principal) -> tuple[tracker.Tracker, Quarter | None, str, str, str]:
        """The tracker asked for (its last quarter, status and quarter filters) and the
        problem with what was asked ("" for none)."""
        until, problem = self.chosen_until()
        made = self.made(who, until)
        status, quarter, filter_problem = self.chosen_filter(made)
        return made, until, status, quarter, problem or filter_problem

    def tracker_page(self) -> Response:
        who = current()
        made, until, status, quarter, problem = self.chosen(who)
        rows = html.filtered(made, status, quarter)
        every = may(who, "view_tracker")
        body = (
            forms.message(problem)
            + self.earlier_note(who, made, until)
            + html.tracker_body(made, rows, status, quarter, every=every, until=until)
        )
        return self.page("Submissions tracker", body, 400 if problem else 200)

    def tracker_csv(self) -> Response:
        who = current()
        made, _until, status, quarter, problem = self.chosen(who)
        if problem:
            return Response(problem + "\n", status=400, mimetype="text/plain")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(html.CSV_COLUMNS)
        lines = html.csv_lines(made, html.filtered(made, status, quarter))
        for line in lines:
            writer.writerow(csv_row(line))
        chosen = ", ".join(f"{k}={v}" for k, v in (("status", status), ("quarter", quarter)) if v)
        with self.accounts.engine.begin() as conn:
            audit.record(
                conn,
                "download",
                "ok",
                obj=f"submissions tracker CSV, {len(lines)} rows ({chosen or 'every LA'})",
                principal=who,
                client=client_address(),
            )
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="submissions-tracker.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- /tracker/<gss> ----------------------------------------------------------------------------

    def known_area(self, gss: str) -> str:
        """``gss`` if it is an LA of the areas table; NotFound saying so otherwise."""
        code = gss.strip().upper()[:MAX_CODE]
        names = self.area_names()
        if code not in names:
            raise NotFound(
                f"There is no LA with the code {code!r}: choose one from the tracker "
                f"({TRACKER_PATH})."
            )
        return code

    def area_page(self, gss: str, problem: str = "", status: int = 200) -> Response:
        code = self.known_area(gss)
        who = require("view_submissions", code)
        names = self.area_names()
        with self.accounts.engine.connect() as conn:
            made = tracker.tracker(
                conn,
                today=today(),
                working_days=self.core.return_due_working_days,
                only=[code],
            )
            current_return = tracker.current_return(conn, code)
            history = tracker.history(conn, code)
            sent = submissions.list_submissions(conn, areas=[code])
            choices = (
                rollback.candidates(conn, code, self.core.archive_dir)
                if may(who, "rollback_return", code)
                else []
            )
        done = ""
        asked = flask.request.args.get("rollback", "")[:12]
        if asked.isdigit() and any(s.submission_id == int(asked) for s in sent):
            done = forms.message(
                f"Rollback asked for (submission {asked}): the background worker loads it; "
                "its state is below.",
                kind="success",
            )
        body = (
            forms.message(problem)
            + done
            + html.area_body(
                code,
                names[code],
                made,
                current_return,
                history,
                sent,
                html.rollback_forms(code, choices, forms.hidden_csrf(self.accounts))
                if may(who, "rollback_return", code)
                else "",
            )
        )
        return self.page(f"Returns of {names[code]}", body, status)

    def rollback_post(self, gss: str) -> Response:
        forms.check_form(self.settings, self.accounts)
        code = self.known_area(gss)
        require("submit_return", code)
        who = require("rollback_return", code)
        form = flask.request.form
        load_text = form.get("load_id", "").strip()[:12]
        reason = " ".join(form.get("reason", "").split())[:MAX_REASON]
        if not load_text.isdigit():
            return self.area_page(code, "Choose a return to roll back to.", 400)
        if form.get("confirm") != "yes":
            return self.area_page(
                code,
                "Tick the box to confirm that this return is to replace the LA's current data.",
                400,
            )
        if not reason:
            return self.area_page(code, "Give the reason for the rollback (it is audited).", 400)
        try:
            made = rollback.request(
                self.writer,
                code,
                int(load_text),
                reason=reason,
                archive_dir=self.core.archive_dir,
                uploads_dir=self.core.uploads_dir,
                principal=who,
                client=client_address(),
                now=jobs.now_utc(),
            )
        except rollback.RollbackRefused as exc:
            return self.area_page(code, str(exc), 400)
        except OperationalError:
            log.exception("could not ask for the rollback of %s", code)
            busy = "The database is busy (a load, most likely): nothing was done. Try again soon."
            return self.area_page(code, busy, 503)
        return flask.redirect(f"{TRACKER_PATH}/{code}?rollback={made}", code=303)


def register_tracker_page(server: flask.Flask, page: TrackerPage) -> None:
    server.add_url_rule(TRACKER_PATH, "lfo_tracker", page.tracker_page, methods=["GET"])
    server.add_url_rule(CSV_PATH, "lfo_tracker_csv", page.tracker_csv, methods=["GET"])
    server.add_url_rule(
        f"{TRACKER_PATH}/<gss>", "lfo_tracker_area", page.area_page, methods=["GET"]
    )
    server.add_url_rule(
        f"{TRACKER_PATH}/<gss>/rollback",
        "lfo_tracker_rollback",
        page.rollback_post,
        methods=["POST"],
    )

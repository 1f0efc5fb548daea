"""The data challenges pages, ``/challenges`` (issue 13; service.md § 6). The gate lets programme
and LA leads in (``view_live``, ``SERVER_PAGES``); each page then asks ``gate.require`` for the
one LA it acts on.

- ``GET /challenges/new?indicator=&area=&period=[&intervention=|&level=]``: the figure (its value
  computed here: ``challenge_figure``) and a comment box, for those who may ``raise_challenge``
  for the area; ``POST /challenges/new`` checks the codes again, computes the value again (a
  value in the form is ignored), keeps the challenge and audits ``challenge-raised``.
- ``GET /challenges``: a programme lead's queue (open first; filtered by state and area); an LA
  lead's own LA(s)' challenges, with their answers.
- ``GET /challenges/<id>``: one challenge (programme leads, LA leads of its area) with, for
  programme leads, the answer form; ``POST /challenges/<id>/answer`` answers an open one once
  and audits ``challenge-answered``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

import flask
from sqlalchemy import Connection, select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from dashboard.present import challenges as words
from dashboard.services import Services
from dashboard.web import forms
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.challenge_figure import Figure, FigureProblem, checked_codes, computed
from dashboard.web.gate import CHALLENGES_PATH as PATH
from dashboard.web.gate import require
from dashboard.web.principal import current
from dashboard.web.tokens_page import when
from lfo import challenges, schema
from lfo.access import audit
from lfo.access.policy import decide
from lfo.indicators.definitions import indicators
from lfo.reference import load_reference
from lfo.schema_submissions import CHALLENGE_STATES

NEW = f"{PATH}/new"
ANSWER_HINTS = {
    "accepted": "Accepted: a corrected return is expected",
    "explained": "Explained: the figure is right, and the answer says why",
    "rejected": "Rejected: the figure stands",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ChallengesPage:
    def __init__(self, services: Services, accounts: Accounts) -> None:
        self.services = services
        self.settings = services.settings
        self.accounts = accounts

    # --- helpers -------------------------------------------------------------------------------

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return forms.server_page(self.settings, title, body, status=status)

    def area_names(self) -> dict[str, str]:
        return self.accounts.area_names()

    def emails(self, ids: set[int]) -> dict[int, str]:
        u = schema.users
        with self.accounts.engine.connect() as conn:
            rows = conn.execute(select(u.c.user_id, u.c.email).where(u.c.user_id.in_(ids)))
            return {r.user_id: r.email for r in rows}

    def audit(self, action: audit.AuditAction, obj: str, conn: Connection) -> None:
        """A row of the audit log in the change's own transaction (the local user of demo and
        ``--no-sign-in`` modes has no account: it is named "local user")."""
        who = current()
        audit.record(
            conn,
            action,
            "ok",
            obj=obj,
            principal=who,
            os_user="local user" if who.local else None,
            client=client_address(),
        )

    def figure_html(self, figure: Figure | challenges.Challenge, names: dict[str, str]) -> str:
        area = figure.area if isinstance(figure, Figure) else figure.area_code
        indicator = indicators().get(figure.indicator)
        interventions = {k: v.name for k, v in load_reference().interventions.items()}
        rows = (
            ("Indicator", indicator.name if indicator else figure.indicator),
            ("Area", f"{names.get(area, area)} ({area})"),
            ("Period", words.period_words(figure.period)),
            ("Filter", words.filter_words(figure.filters, interventions)),
            ("Value shown", figure.value),
        )
        cells = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
        return f'<dl class="lfo-challenge-figure">{cells}</dl>'

    def person(self, user_id: int | None, emails: dict[int, str]) -> str:
        return "local user" if user_id is None else emails.get(user_id, f"user {user_id}")

    # --- /challenges/new -----------------------------------------------------------------------

    def new_page(self) -> Response:
        post = flask.request.method == "POST"
        if post:
            forms.check_form(self.settings, self.accounts)
        values = flask.request.form if post else flask.request.args
        names = self.area_names()
        try:
            figure = checked_codes(values, set(names))
        except FigureProblem as exc:
            return self.page("Flag a figure", forms.message(str(exc)), status=400)
        require("raise_challenge", figure.area)
        try:
            figure = computed(self.services, figure)  # never the browser's value
        except FigureProblem as exc:
            return self.page("Flag a figure", forms.message(str(exc)), status=400)
        if not post:
            return self.new_form(figure, names)
        comment = values.get("comment", "")
        try:
            with self.accounts.engine.begin() as conn:
                made = challenges.raise_challenge(
                    conn,
                    indicator=figure.indicator,
                    area_code=figure.area,
                    period=figure.period,
                    filters=figure.filters,
                    value=figure.value,
                    comment=comment,
                    user_id=current().user_id,
                    now=now(),
                )
                obj = f"challenge {made}: {figure.indicator} {figure.area} {figure.period}"
                self.audit("challenge-raised", obj, conn)
        except challenges.ChallengeError as exc:
            return self.new_form(figure, names, str(exc), comment, status=400)
        return flask.redirect(f"{PATH}/{made}", code=303)

    def new_form(
        self,
        figure: Figure,
        names: dict[str, str],
        problem: str | None = None,
        comment: str = "",
        status: int = 200,
    ) -> Response:
        hidden = {
            "indicator": figure.indicator,
            "area": figure.area,
            "period": figure.period,
            **figure.filters,
        }
        fields = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in hidden.items()
        )
        invalid = ' aria-invalid="true"' if problem else ""
        body = f"""{forms.message(problem)}
<p>Say what looks wrong with this figure. A programme lead answers; you see the answer on the
<a href="{PATH}">challenges page</a>.</p>
<h2 class="h4">The figure</h2>{self.figure_html(figure, names)}
<form method="post" action="{NEW}" class="lfo-form" novalidate>{forms.hidden_csrf(self.accounts)}
{fields}<div class="mb-3"><label class="form-label" for="comment">What looks wrong</label>
<div class="form-text" id="comment-hint">For example what you expected and why. At most
{challenges.MAX_TEXT:,} characters; no personal details of families.</div>
<textarea class="form-control" id="comment" name="comment" rows="6" required
aria-describedby="comment-hint"{invalid}>{escape(comment[: challenges.MAX_TEXT + 100])}</textarea>
</div><button class="btn btn-primary" type="submit">Flag this figure</button></form>"""
        return self.page("Flag a figure", body, status)

    # --- /challenges ---------------------------------------------------------------------------

    def list_page(self) -> Response:
        who = current()
        names = self.area_names()
        args = flask.request.args
        state = args.get("state", "")[:20]
        area = args.get("area", "")[:20]
        problem = None
        if state and state not in CHALLENGE_STATES:
            problem, state = f"There is no state '{state}': choose one from the list.", ""
        if area and area not in names:
            problem, area = f"There is no programme area '{area}': choose one from the list.", ""
        if decide(who, "answer_challenge", None).allowed:
            mine: Sequence[str] | None = None
        else:
            mine = sorted(a for a in who.areas if decide(who, "raise_challenge", a).allowed)
            if not mine:
                require("raise_challenge", None)  # an LA lead with no LA: refused, audited
            if area and area not in mine:
                require("raise_challenge", area)
        with self.accounts.engine.connect() as conn:
            found = challenges.list_challenges(
                conn, areas=[area] if area else mine, state=state or None
            )
        body = forms.message(problem) + self.filter_form(state, area, names, mine)
        body += self.table(found, names)
        return self.page("Data challenges", body, 400 if problem else 200)

    def filter_form(
        self, state: str, area: str, names: dict[str, str], mine: Sequence[str] | None
    ) -> str:
        def option(value: str, label: str, chosen: str) -> str:
            picked = " selected" if value == chosen else ""
            return f'<option value="{escape(value)}"{picked}>{escape(label)}</option>'

        states = option("", "Any state", state) + "".join(
            option(s, challenges.STATE_NAMES[s], state) for s in CHALLENGE_STATES
        )
        codes = sorted(names if mine is None else mine, key=lambda c: names.get(c, c))
        areas = option("", "Every area" if mine is None else "Your areas", area) + "".join(
            option(c, names.get(c, c), area) for c in codes
        )
        intro = (
            "Figures flagged as looking wrong, open ones first. Open one to answer it."
            if mine is None
            else "Figures of your area flagged as looking wrong, by you or your colleagues, and "
            "the programme's answers. Flag a figure from its area profile."
        )
        return f"""<p>{intro}</p>
<form method="get" action="{PATH}" class="lfo-form lfo-filters">
<div class="mb-3"><label class="form-label" for="state">State</label>
<select class="form-select" id="state" name="state">{states}</select></div>
<div class="mb-3"><label class="form-label" for="area">Area</label>
<select class="form-select" id="area" name="area">{areas}</select></div>
<button class="btn btn-secondary" type="submit">Show</button></form>"""

    def table(self, found: list[challenges.Challenge], names: dict[str, str]) -> str:
        if not found:
            return "<p>No challenges match.</p>"
        catalogue = indicators()
        rows = []
        for c in found:
            name = catalogue[c.indicator].name if c.indicator in catalogue else c.indicator
            cells = (
                f'<a href="{PATH}/{c.challenge_id}">{escape(name)}</a>',
                escape(names.get(c.area_code, c.area_code)),
                escape(words.period_words(c.period)),
                escape(c.value),
                escape(challenges.STATE_NAMES[c.state]),
                when(c.raised_at),
                escape(c.answer or "—"),
            )
            rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
        head = "".join(
            f'<th scope="col">{h}</th>'
            for h in ("Indicator", "Area", "Period", "Value shown", "State", "Raised", "Answer")
        )
        return forms.scroll_box(
            "Data challenges",
            f"""<table class="table table-sm"><caption>Data challenges, open ones first, then
answered; newest first</caption><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>
</table>""",
        )

    # --- /challenges/<id> ----------------------------------------------------------------------

    def challenge_of(self, challenge_id: int) -> challenges.Challenge:
        with self.accounts.engine.connect() as conn:
            found = challenges.get(conn, challenge_id)
        if found is None:
            raise NotFound("There is no such challenge.")
        return found

    def detail_page(
        self, challenge_id: int, problem: str | None = None, answer: str = "", status: int = 200
    ) -> Response:
        c = self.challenge_of(challenge_id)
        require("raise_challenge", c.area_code)
        names = self.area_names()
        emails = self.emails({i for i in (c.raised_by, c.answered_by) if i is not None})
        answered = ""
        if not c.is_open:
            answered = f"""<h2 class="h4">The answer</h2><dl>
<dt>State</dt><dd>{escape(challenges.STATE_NAMES[c.state])}</dd>
<dt>Answer</dt><dd class="lfo-challenge-text">{escape(c.answer or "")}</dd>
<dt>Answered by</dt><dd>{escape(self.person(c.answered_by, emails))}, {when(c.answered_at)}</dd>
</dl>"""
        form = ""
        if c.is_open and decide(current(), "answer_challenge", c.area_code).allowed:
            form = self.answer_form(c, answer, bool(problem))
        body = f"""{forms.message(problem)}<p><a href="{PATH}">All challenges</a></p>
<h2 class="h4">The figure, as it was shown</h2>{self.figure_html(c, names)}
<h2 class="h4">The challenge</h2><dl>
<dt>State</dt><dd>{escape(challenges.STATE_NAMES[c.state])}</dd>
<dt>What looks wrong</dt><dd class="lfo-challenge-text">{escape(c.comment)}</dd>
<dt>Raised by</dt><dd>{escape(self.person(c.raised_by, emails))}, {when(c.raised_at)}</dd>
</dl>{answered}{form}"""
        return self.page(f"Challenge {c.challenge_id}", body, status)

    def answer_form(self, c: challenges.Challenge, answer: str, invalid: bool) -> str:
        radios = "".join(
            f"""<div class="form-check"><input class="form-check-input" type="radio" name="state"
id="state-{s}" value="{s}"{" checked" if i == 0 else ""}>
<label class="form-check-label" for="state-{s}">{escape(hint)}</label></div>"""
            for i, (s, hint) in enumerate(ANSWER_HINTS.items())
        )
        flag = ' aria-invalid="true"' if invalid else ""
        return f"""<h2 class="h4">Answer</h2>
<form method="post" action="{PATH}/{c.challenge_id}/answer" class="lfo-form" novalidate>\
{forms.hidden_csrf(self.accounts)}
<fieldset class="mb-3"><legend class="form-label fs-6">Outcome</legend>{radios}</fieldset>
<div class="mb-3"><label class="form-label" for="answer">Answer</label>
<div class="form-text" id="answer-hint">What was found and what happens next; the person who
raised it reads this. At most {challenges.MAX_TEXT:,} characters.</div>
<textarea class="form-control" id="answer" name="answer" rows="5" required
aria-describedby="answer-hint"{flag}>{escape(answer[: challenges.MAX_TEXT + 100])}</textarea>
</div><button class="btn btn-primary" type="submit">Send the answer</button></form>"""

    def answer(self, challenge_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        c = self.challenge_of(challenge_id)
        require("answer_challenge", c.area_code)
        form = flask.request.form
        state, text = form.get("state", "")[:20], form.get("answer", "")
        if not c.is_open:
            return self.detail_page(
                challenge_id,
                "This challenge has been answered already: it has one answer.",
                status=409,
            )
        try:
            with self.accounts.engine.begin() as conn:
                done = challenges.answer(
                    conn, challenge_id, state=state, text=text, user_id=current().user_id, now=now()
                )
                if done:
                    obj = (
                        f"challenge {challenge_id}: {c.indicator} {c.area_code} {c.period} {state}"
                    )
                    self.audit("challenge-answered", obj, conn)
        except challenges.ChallengeError as exc:
            return self.detail_page(challenge_id, str(exc), text, status=400)
        if not done:  # answered by someone else meanwhile
            return self.detail_page(
                challenge_id,
                "This challenge has been answered already: it has one answer.",
                status=409,
            )
        return flask.redirect(f"{PATH}/{challenge_id}", code=303)


def register_challenges_page(server: flask.Flask, page: ChallengesPage) -> None:
    server.add_url_rule(PATH, "lfo_challenges", page.list_page, methods=["GET"])
    server.add_url_rule(NEW, "lfo_challenge_new", page.new_page, methods=["GET", "POST"])
    server.add_url_rule(
        f"{PATH}/<int:challenge_id>", "lfo_challenge", page.detail_page, methods=["GET"]
    )
    server.add_url_rule(
        f"{PATH}/<int:challenge_id>/answer", "lfo_challenge_answer", page.answer, methods=["POST"]
    )

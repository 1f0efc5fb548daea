"""The data challenges pages (issue 13; service.md § 6) through the web, with the real accounts,
sign-in, gate and audit log: the figure's value computed by the server (a value in the form is
ignored, a suppressed figure keeps its symbol), every code checked, who may raise, see and
answer, the answer shown to the raiser, and the audit rows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from support.dash_client import send_callback
from support.engine_db import build_db, episode
from support.text import texts
from support.web import GATESHEAD, NEWCASTLE, small_db
from support.web_auth import (
    SAME_SITE,
    audit_rows,
    csrf_of,
    person,
    post_form,
    settings_for,
    sign_in,
)

from dashboard import ids
from dashboard.app import create_app
from dashboard.present.area import SPINE_INDICATORS
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.settings import DashboardSettings
from lfo import challenges, schema
from lfo.access.secrets import load_key
from lfo.db import writer_engine

Q1 = "2017-18_Q1"  # everyone in small_db was referred in it: Newcastle 35 people, Gateshead 12
BLACKPOOL, MANCHESTER = "E06000009", "E08000003"


def new_path(**params: str) -> str:
    return "/challenges/new?" + urlencode(params)


def parents(area: str = NEWCASTLE, period: str = Q1) -> dict[str, str]:
    return {"indicator": "reach.parents", "area": area, "period": period}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    where = tmp_path_factory.mktemp("challenges")
    engine = writer_engine(small_db(where / "lfo.db"))
    key = load_key(where / "secrets.key")
    people = {
        "la": person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,)),
        "other_la": person(engine, key, "gil@example.org", "la", areas=(GATESHEAD,)),
        "programme": person(engine, key, "pat@example.org", "programme", areas=()),
        "researcher": person(engine, key, "rae@example.org", "researcher", areas=()),
    }
    app = create_app(settings_for(engine, where))
    clients = {}
    for role, who in people.items():
        clients[role] = app.server.test_client()
        assert sign_in(clients[role], who).status_code == 303
    yield {"engine": engine, "people": people, "clients": clients}
    engine.dispose()


def raise_one(world, who: str = "la", comment: str = "Looks low", **extra: str) -> Any:
    figure = {**parents(), **extra}
    return post_form(world["clients"][who], new_path(**figure), {**figure, "comment": comment})


def challenge_id(answer: Any) -> int:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    found = re.fullmatch(r"/challenges/(\d+)", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def stored(world, ident: int) -> challenges.Challenge:
    with world["engine"].connect() as conn:
        got = challenges.get(conn, ident)
    assert got is not None
    return got


def refusals_of(world, who: str) -> list[dict[str, Any]]:
    client = world["clients"][who]
    gate = client.application.extensions["lfo_gate"]
    with world["engine"].begin() as conn:
        gate.refusals.write(conn, gate.refusals.drain())
    email = world["people"][who].email
    return [
        r
        for r in audit_rows(world["engine"])
        if r["action"] == "refused" and r["user_email"] == email
    ]


def text_of(answer: Any) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


# --- raising -----------------------------------------------------------------------------------


def test_the_form_shows_the_figure_the_server_computed(world):
    shown = world["clients"]["la"].get(new_path(**parents()))
    assert shown.status_code == 200
    words = " ".join(text_of(shown).split())
    assert "Indicator Parents referred" in words
    assert "Newcastle upon Tyne" in words and "2017-18 Q1" in words
    assert "Value shown 35" in words  # the 35 people small_db refers in the quarter
    assert 'for="comment"' in shown.get_data(as_text=True)


def test_raising_keeps_the_servers_value_not_the_forms(world):
    figure = parents()
    answer = post_form(
        world["clients"]["la"],
        new_path(**figure),
        {**figure, "comment": "Should be higher", "value": "999"},
    )
    made = stored(world, challenge_id(answer))
    assert made.value == "35" and made.comment == "Should be higher" and made.is_open
    assert (made.indicator, made.area_code, made.period, made.filters) == (
        "reach.parents",
        NEWCASTLE,
        Q1,
        {},
    )
    assert made.raised_by == world["people"]["la"].user_id
    rows = [r for r in audit_rows(world["engine"]) if r["action"] == "challenge-raised"]
    assert any(
        r["object"] == f"challenge {made.challenge_id}: reach.parents {NEWCASTLE} {Q1}"
        and r["user_email"] == "ann@example.org"
        for r in rows
    )


def test_a_filter_is_checked_against_the_indicators_choices_and_kept(world):
    no_filter = raise_one(world, intervention="tp_enhanced")  # reach.parents has no filter
    assert no_filter.status_code == 400 and "no filter" in text_of(no_filter)
    chosen = {
        "indicator": "uptake.completion",
        "area": NEWCASTLE,
        "period": "2017-18_Q2",
        "intervention": "TP_Enhanced ",
    }
    ok = post_form(world["clients"]["la"], new_path(**chosen), {**chosen, "comment": "Odd"})
    kept = stored(world, challenge_id(ok))
    assert kept.filters == {"intervention": "tp_enhanced"}
    with world["engine"].connect() as conn:
        raw = conn.execute(
            select(schema.challenges.c.filters).where(
                schema.challenges.c.challenge_id == kept.challenge_id
            )
        ).scalar_one()
    assert raw == '{"intervention":"tp_enhanced"}'


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"indicator": "reach.nothing"}, "no indicator"),
        ({"indicator": "reach.breakdown"}, "set of figures"),
        ({"area": "E99999999"}, "no programme area"),
        ({"area": "x" * 500}, "too long"),
        ({"period": "2030-31_Q5"}, "period"),
        ({"period": "1999-00_Q1"}, "before the programme"),
        ({"period": ""}, "which period"),
        ({"indicator": "reach.family_rate"}, "by financial year"),
        ({"indicator": "uptake.completion", "intervention": "nope"}, "no intervention"),
        (
            {"indicator": "uptake.completion", "level": "targeted", "intervention": "mybt"},
            "not both",
        ),
    ],
)
def test_a_bad_code_is_a_clear_400(world, change, words):
    figure = {**parents(), **change}
    for answer in (
        world["clients"]["programme"].get(new_path(**figure)),
        post_form(world["clients"]["programme"], new_path(**parents()), {**figure, "comment": "x"}),
    ):
        assert answer.status_code == 400
        assert words in text_of(answer)


def test_a_comment_is_required_and_bounded_server_side(world):
    for comment in ("  ", "x" * (challenges.MAX_TEXT + 1)):
        answer = raise_one(world, comment=comment)
        assert answer.status_code == 400
        assert "Enter a comment" in text_of(answer) or "2,000 characters" in text_of(answer)


def test_an_la_lead_of_another_la_is_refused_and_audited(world):
    before = len(refusals_of(world, "other_la"))
    assert world["clients"]["other_la"].get(new_path(**parents())).status_code == 403
    figure = parents()
    posted = post_form(
        world["clients"]["other_la"], new_path(**parents(GATESHEAD)), {**figure, "comment": "x"}
    )
    assert posted.status_code == 403
    fresh = refusals_of(world, "other_la")[before:]
    assert fresh and f"raise_challenge {NEWCASTLE}" in fresh[0]["object"]
    with world["engine"].connect() as conn:
        assert not challenges.list_challenges(conn, raised_by=world["people"]["other_la"].user_id)


def test_a_researcher_is_refused(world):
    client = world["clients"]["researcher"]
    for path in (new_path(**parents()), "/challenges", "/challenges/1"):
        assert client.get(path).status_code == 403


# --- seeing and answering -----------------------------------------------------------------------


def answer_form(client: Any, ident: int, data: dict[str, str]) -> Any:
    """Open the challenge's page and post its answer form (with its CSRF token)."""
    shown = client.get(f"/challenges/{ident}").get_data(as_text=True)
    return client.post(
        f"/challenges/{ident}/answer", data={"csrf": csrf_of(shown), **data}, headers=SAME_SITE
    )


def test_the_programme_lead_answers_and_the_raiser_sees_it(world):
    ident = challenge_id(raise_one(world, comment="Too few"))
    lead = world["clients"]["programme"]
    queue = lead.get("/challenges?state=open")
    assert queue.status_code == 200 and f"/challenges/{ident}" in queue.get_data(as_text=True)
    page = lead.get(f"/challenges/{ident}").get_data(as_text=True)
    assert "a corrected return is expected" in page and 'name="answer"' in page
    answer = answer_form(lead, ident, {"state": "accepted", "answer": "Please resubmit Q1."})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/challenges/{ident}"
    made = stored(world, ident)
    assert made.state == "accepted" and made.answer == "Please resubmit Q1."
    assert made.answered_by == world["people"]["programme"].user_id
    rows = [r for r in audit_rows(world["engine"]) if r["action"] == "challenge-answered"]
    assert any(
        r["object"].startswith(f"challenge {ident}:") and r["user_email"] == "pat@example.org"
        for r in rows
    )
    raiser = world["clients"]["la"]
    for path in (f"/challenges/{ident}", "/challenges"):
        seen = " ".join(text_of(raiser.get(path)).split())
        assert "Please resubmit Q1." in seen and "a corrected return is expected" in seen
    # answering an answered one: a clear 409, the first answer kept (a token from another page)
    csrf = csrf_of(lead.get("/challenges/new?" + urlencode(parents())).get_data(as_text=True))
    again = lead.post(
        f"/challenges/{ident}/answer",
        data={"csrf": csrf, "state": "rejected", "answer": "No"},
        headers=SAME_SITE,
    )
    assert again.status_code == 409 and "answered already" in text_of(again)
    assert stored(world, ident).state == "accepted"


def test_an_answer_needs_its_words_and_a_state(world):
    ident = challenge_id(raise_one(world))
    lead = world["clients"]["programme"]
    for data, words in (
        ({"state": "explained", "answer": " "}, "Enter an answer"),
        ({"state": "open", "answer": "x"}, "Choose accepted"),
    ):
        answer = answer_form(lead, ident, data)
        assert answer.status_code == 400 and words in text_of(answer)
    assert stored(world, ident).is_open


def test_an_la_lead_cannot_answer(world):
    ident = challenge_id(raise_one(world))
    client = world["clients"]["la"]
    page = client.get(f"/challenges/{ident}").get_data(as_text=True)
    assert 'name="answer"' not in page
    csrf = (
        csrf_of(page)
        if 'name="csrf"' in page
        else csrf_of(client.get(new_path(**parents())).get_data(as_text=True))
    )
    answer = client.post(
        f"/challenges/{ident}/answer",
        data={"csrf": csrf, "state": "explained", "answer": "Mine"},
        headers=SAME_SITE,
    )
    assert answer.status_code == 403 and stored(world, ident).is_open
    assert any("answer_challenge" in (r["object"] or "") for r in refusals_of(world, "la"))


def test_an_la_lead_sees_only_their_own_las_challenges(world):
    ident = challenge_id(raise_one(world))
    other = world["clients"]["other_la"]
    assert other.get(f"/challenges/{ident}").status_code == 403
    assert f'/challenges/{ident}"' not in other.get("/challenges").get_data(as_text=True)
    assert other.get(f"/challenges?area={NEWCASTLE}").status_code == 403
    own = world["clients"]["la"].get("/challenges").get_data(as_text=True)
    assert f'/challenges/{ident}"' in own


@pytest.mark.parametrize("query", ["state=maybe", "area=E99999999"])
def test_bad_list_filters_get_a_clear_message(world, query):
    answer = world["clients"]["programme"].get(f"/challenges?{query}")
    assert answer.status_code == 400 and "There is no" in text_of(answer)


# --- suppression, and the local user of demo mode ------------------------------------------------


@pytest.fixture(scope="module")
def suppressed_db(tmp_path_factory) -> str:
    """Gateshead with three people: some of its figures are suppressed."""
    q2 = "2017-08-15"
    return build_db(
        tmp_path_factory.mktemp("challenges-suppressed") / "lfo.db",
        {
            NEWCASTLE: [episode("completed", q2)] * 30 + [episode("dropped_out", q2)] * 5,
            GATESHEAD: [episode("completed", q2)] * 3,
            BLACKPOOL: [episode("completed", q2)] * 50,
            MANCHESTER: [episode("completed", q2)] * 40,
        },
    )


def a_suppressed_figure(url: str) -> dict[str, str]:
    """A figure of Gateshead's that the engine suppresses (found, not assumed)."""
    data = IndicatorData(Database(url), 10)
    for indicator in SPINE_INDICATORS:
        for period in (Q1, "2017-18_Q2"):
            rows = data.rows([indicator], areas=[GATESHEAD], periods=[period]).rows
            if (rows["status"] == "c").any():
                return {"indicator": indicator, "area": GATESHEAD, "period": period}
    raise AssertionError("no suppressed figure: the fixture needs fewer people")


def test_a_suppressed_figure_keeps_its_symbol_and_the_local_user_is_named(suppressed_db, tmp_path):
    figure = a_suppressed_figure(suppressed_db)
    settings = DashboardSettings(
        database_url=suppressed_db,
        warm_cache=False,
        demo=True,
        secrets_key_file=str(tmp_path / "secrets.key"),
    )
    client = create_app(settings).server.test_client()
    shown = client.get(new_path(**figure))
    assert shown.status_code == 200 and "[c]" in text_of(shown)
    answer = post_form(client, new_path(**figure), {**figure, "comment": "Hidden?", "value": "2"})
    made = stored_in(suppressed_db, challenge_id(answer))
    assert made.value == "[c]" and not any(ch.isdigit() for ch in made.value)
    assert made.raised_by is None
    page = text_of(client.get(f"/challenges/{made.challenge_id}"))
    assert "[c]" in page and "local user" in page
    engine = writer_engine(suppressed_db)
    try:
        row = [r for r in audit_rows(engine) if r["action"] == "challenge-raised"][-1]
    finally:
        engine.dispose()
    assert row["os_user"] == "local user" and row["user_id"] is None


def stored_in(url: str, ident: int) -> challenges.Challenge:
    engine = writer_engine(url)
    try:
        with engine.connect() as conn:
            got = challenges.get(conn, ident)
    finally:
        engine.dispose()
    assert got is not None
    return got


# --- beside the figures: the area profile's panel ------------------------------------------------


def panel_of(world, who: str, area: str = NEWCASTLE, period: str = Q1) -> Any:
    """The area profile's challenges panel as the callback answers ``who`` (None: nothing)."""
    answer = send_callback(
        world["clients"][who],
        [(ids.AREA_CHALLENGES, "children")],
        [
            {"id": ids.AREA_PERIOD, "property": "value", "value": period},
            {"id": ids.AREA_SHOWN, "property": "data", "value": {"code": area}},
        ],
        headers=SAME_SITE,
    )
    assert answer.status_code == 200, answer.data[:500]
    return answer.get_json()["response"][ids.AREA_CHALLENGES]["children"]


def test_open_challenges_are_marked_for_the_las_lead_and_programme_leads_only(world):
    ident = challenge_id(raise_one(world, comment="Marked?"))
    for who in ("la", "programme"):
        shown = panel_of(world, who)
        words = " ".join(texts(shown).split())
        assert "Challenge open" in words and "Parents referred" in words
        raw = json.dumps(shown)
        assert f"/challenges/{ident}" in raw
        flag = "/challenges/new?" + urlencode(parents())
        assert flag in raw  # "Flag this figure" with the page's period
    assert panel_of(world, "other_la") is None  # another LA's lead sees nothing
    assert "Flag this figure" in texts(panel_of(world, "other_la", GATESHEAD))
    # answered: no longer marked open
    lead = world["clients"]["programme"]
    for c in challenges_open(world, NEWCASTLE):
        assert answer_form(lead, c, {"state": "explained", "answer": "Fine"}).status_code == 303
    assert "Challenge open" not in texts(panel_of(world, "la"))


def test_the_panel_is_refused_to_a_researcher(world):
    answer = send_callback(
        world["clients"]["researcher"],
        [(ids.AREA_CHALLENGES, "children")],
        [
            {"id": ids.AREA_PERIOD, "property": "value", "value": Q1},
            {"id": ids.AREA_SHOWN, "property": "data", "value": {"code": NEWCASTLE}},
        ],
        headers=SAME_SITE,
    )
    assert answer.status_code == 403


def challenges_open(world, area: str) -> list[int]:
    with world["engine"].connect() as conn:
        return [c.challenge_id for c in challenges.open_for_area(conn, area)]

"""The access matrix (issue 12, "Done when"): every role × every page, callback family, download
and API endpoint, through the web with the real accounts layer, sign-in, gate and audit log.

Who: an anonymous visitor, an anonymous visitor of a public deployment (``LFO_PUBLIC=1``), a
researcher, an LA lead (Newcastle), a programme lead, and each of the three with an API token.
What each may do is written out below from docs/spec/service.md § 1, not read from
``lfo.access.policy``: the test checks the policy and the gate against the spec. Each answer is
one of: the thing itself (200, or 204 for a callback with nothing to do); "sign in" (a page
redirects to ``/sign-in``; a callback or the API answers 401 JSON); "refused" (403, JSON under
``/api/`` and for callbacks, and a ``refused`` row in the audit log naming the person).

The callback families are found from the running app (``/_dash-dependencies``): one callback of
each page, and one chart download of each page that has them, so a new page or download is in
the matrix without editing it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from support.accounts import GATESHEAD, NEWCASTLE
from support.dash_client import CALLBACK_URL, dependencies
from support.web import small_db
from support.web_auth import SAME_SITE, audit_rows, person, settings_for, sign_in

from dashboard.app import create_app
from dashboard.web.gate import DOWNLOAD_TYPE, SHELL, id_page, output_ids
from lfo.access import tokens
from lfo.access.secrets import load_key
from lfo.db import writer_engine

OK, SIGN_IN, REFUSED = "ok", "sign in", "refused"
ROLES = ("researcher", "la", "programme")
WHO = ("anonymous", "public", *ROLES)
TOKENS = tuple(f"token:{role}" for role in ROLES)

#: service.md § 1, by what a target shows. Live figures: programme and LA leads (researchers see
#: releases only; none is published yet). Data quality: programme and LA leads (the detail of
#: other LAs is hidden inside the page: test_web_auth_quality.py). Open: anyone signed in, and
#: the public. The audit log and users: programme leads. Own tokens: every signed-in user.
LIVE = {"anonymous": SIGN_IN, "public": SIGN_IN, "researcher": REFUSED, "la": OK, "programme": OK}
QUALITY = LIVE
OPEN = {"anonymous": SIGN_IN, "public": OK, "researcher": OK, "la": OK, "programme": OK}
PROGRAMME_ONLY = {
    "anonymous": SIGN_IN,
    "public": SIGN_IN,
    "researcher": REFUSED,
    "la": REFUSED,
    "programme": OK,
}
SIGNED_IN = {"anonymous": SIGN_IN, "public": SIGN_IN, "researcher": OK, "la": OK, "programme": OK}

PAGES: dict[str, dict[str, str]] = {
    "/": LIVE,
    "/reach": LIVE,
    "/uptake": LIVE,
    "/outcomes": LIVE,
    f"/area/{NEWCASTLE}": LIVE,
    f"/area/{NEWCASTLE}/profile.pdf": LIVE,  # the profile's PDF: as the profile (issue 14 § 5)
    "/quality": QUALITY,
    "/definitions": OPEN,
    "/accessibility": OPEN,
    "/no-such-page": OPEN,  # "page not found", to anyone who may see anything
    "/audit": PROGRAMME_ONLY,
    "/audit/csv": PROGRAMME_ONLY,
    "/users": PROGRAMME_ONLY,
    "/users/1": PROGRAMME_ONLY,
    "/account/tokens": SIGNED_IN,
    # the submissions tracker: programme leads every LA, an LA lead their own (Newcastle)
    "/tracker": LIVE,
    "/tracker/csv": LIVE,
    f"/tracker/{NEWCASTLE}": LIVE,
    f"/tracker/{GATESHEAD}": PROGRAMME_ONLY,
    "/challenges": LIVE,  # an LA lead sees their own LA's (test_web_challenges.py)
    f"/challenges/new?indicator=reach.parents&area={NEWCASTLE}&period=2017-18_Q1": LIVE,
    "/returns": LIVE,  # each LA then checked inside (test_web_returns.py)
    "/releases": OPEN,  # the list of releases (none published in this world)
    "/releases/publish": PROGRAMME_ONLY,  # its form (a POST queues the job)
}
API: dict[str, dict[str, str]] = {
    "/api/v1/areas": OPEN,
    "/api/v1/indicators": OPEN,
    "/api/v1/openapi.json": OPEN,
    "/api/v1/data?indicator=reach.parents": LIVE,
}
#: A callback by the page its outputs belong to (dashboard.web.gate.ID_PAGES); a chart download
#: needs what its page needs and export_figures, which every role has.
CALLBACKS: dict[str, dict[str, str]] = {
    SHELL: OPEN,
    "/": LIVE,
    "/reach": LIVE,
    "/uptake": LIVE,
    "/outcomes": LIVE,
    "/area": LIVE,
    "/quality": QUALITY,
}


def as_token(expected: dict[str, str], role: str, *, api: bool) -> str:
    """A token acts for its owner's role, under /api/ only: anywhere else it is refused."""
    return expected[role] if api else REFUSED


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """One database with figures, a person of each role signed in (each its own client) and a
    token of each; the same database served publicly for the public visitor."""
    where = tmp_path_factory.mktemp("matrix")
    engine = writer_engine(small_db(where / "lfo.db"))
    key = load_key(where / "secrets.key")
    people = {
        "researcher": person(engine, key, "rae@example.org", "researcher", areas=()),
        "la": person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,)),
        "programme": person(engine, key, "pat@example.org", "programme", areas=()),
    }
    app = create_app(settings_for(engine, where))
    public = create_app(settings_for(engine, where, public=True))
    clients = {"anonymous": app.server.test_client(), "public": public.server.test_client()}
    bearers = {}
    for role, who in people.items():
        clients[role] = app.server.test_client()
        assert sign_in(clients[role], who).status_code == 303
        with engine.begin() as conn:
            made = tokens.create_token(conn, who.user_id, f"matrix {role}")
        bearers[f"token:{role}"] = {"Authorization": f"Bearer {made.token}"}
        clients[f"token:{role}"] = app.server.test_client()
    yield {"engine": engine, "people": people, "clients": clients, "bearers": bearers}
    engine.dispose()


def answer_of(response: Any, *, json_answer: bool) -> str:
    """What an answer is (OK, SIGN_IN or REFUSED); a failure for anything else (a 500, a 404)."""
    status = response.status_code
    if status in (200, 204):
        return OK
    if status == 303:
        assert response.headers["Location"].startswith("/sign-in?next="), response.headers
        return SIGN_IN
    if json_answer:
        assert response.is_json and response.get_json()["error"], response.data[:300]
    if status == 401:
        return SIGN_IN
    if status == 403:
        return REFUSED
    raise AssertionError(f"unexpected {status}: {response.data[:300]!r}")


def refused_rows(engine: Any, email: str) -> list[dict[str, Any]]:
    return [r for r in audit_rows(engine) if r["action"] == "refused" and r["user_email"] == email]


def check(
    world: dict[str, Any], who: str, send: Any, expected: str, *, json_answer: bool, what: str
) -> None:
    """Send as ``who`` and compare with ``expected``; a refusal must be in the audit log with
    the person's address and ``what`` was asked for (the gate's tally written out first: a
    repeat within the minute is only counted in memory until then)."""
    engine = world["engine"]
    client = world["clients"][who]
    before = max((r["audit_id"] for r in audit_rows(engine)), default=0)
    got = answer_of(send(client, world["bearers"].get(who, {})), json_answer=json_answer)
    assert got == expected
    if got == REFUSED:
        gate = client.application.extensions["lfo_gate"]
        with engine.begin() as conn:
            gate.refusals.write(conn, gate.refusals.drain())
        email = world["people"][who.removeprefix("token:")].email
        fresh = [r for r in refused_rows(engine, email) if r["audit_id"] > before]
        assert fresh and what in fresh[0]["object"], f"{who}'s refusal of {what} is not audited"


# --- pages and the server's own pages ----------------------------------------------------------


def page_cases() -> list[tuple[str, str, str]]:
    cases = [(path, who, expected[who]) for path, expected in PAGES.items() for who in WHO]
    cases += [
        (path, token, as_token(expected, token.removeprefix("token:"), api=False))
        for path, expected in PAGES.items()
        for token in TOKENS
    ]
    return cases


@pytest.mark.parametrize(("path", "who", "expected"), page_cases())
def test_pages(world, path, who, expected):
    check(
        world,
        who,
        lambda client, headers: client.get(path, headers=headers),
        expected,
        json_answer=False,
        what=path.split("?")[0],
    )


def test_the_pages_of_the_matrix_are_every_page_of_the_app(world):
    """A page added to the app (or a server page to the gate) must be added to the matrix."""
    from dashboard.web.gate import PAGE_ACTIONS, SERVER_PAGES

    paths = {p.split("?")[0] for p in PAGES}
    assert {p for p in PAGE_ACTIONS if p != SHELL and not p.startswith("/area")} <= paths
    assert {prefix for prefix, _ in SERVER_PAGES} <= paths


# --- the API -----------------------------------------------------------------------------------


def api_cases() -> list[tuple[str, str, str]]:
    cases = [(path, who, expected[who]) for path, expected in API.items() for who in WHO]
    cases += [
        (path, token, as_token(expected, token.removeprefix("token:"), api=True))
        for path, expected in API.items()
        for token in TOKENS
    ]
    return cases


@pytest.mark.parametrize(("path", "who", "expected"), api_cases())
def test_api(world, path, who, expected):
    check(
        world,
        who,
        lambda client, headers: client.get(path, headers=headers),
        expected,
        json_answer=True,
        what=path.split("?")[0],
    )


def test_the_api_of_the_matrix_is_every_api_endpoint(world):
    app = world["clients"]["programme"].application
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes == {p.split("?")[0] for p in API}


# --- callbacks and downloads -------------------------------------------------------------------


def _prop(ident: str, prop: str, value: Any = None) -> dict[str, Any]:
    return {
        "id": json.loads(ident) if ident.startswith("{") else ident,
        "property": prop,
        "value": value,
    }


def _is_pattern(ident: str) -> bool:
    return ident.startswith("{") and any(w in ident for w in ('["ALL"]', '["MATCH"]', "ALLSMALLER"))


def body_of(dependency: dict[str, Any]) -> dict[str, Any]:
    """The body the browser would send, every input and state empty (None)."""
    key = dependency["output"]
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        ident, _, prop = part.split("@")[0].rpartition(".")
        outputs.append({k: v for k, v in _prop(ident, prop).items() if k != "value"})
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [_prop(i["id"], i["property"]) for i in dependency["inputs"]],
        "state": [_prop(s["id"], s["property"]) for s in dependency["state"]],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dependency["inputs"]],
    }


def families(world: dict[str, Any]) -> dict[tuple[str, bool], dict[str, Any]]:
    """One server-side callback without wildcards per (page, is a chart download)."""
    client = world["clients"]["programme"]
    found: dict[tuple[str, bool], dict[str, Any]] = {}
    for dependency in dependencies(client):
        if dependency.get("clientside_function") or any(
            _is_pattern(i["id"]) for i in dependency["inputs"] + dependency["state"]
        ):
            continue
        ids = output_ids(dependency["output"])
        page = id_page(ids[0][0])
        assert page is not None, dependency["output"]
        download = any(kind == DOWNLOAD_TYPE for _, kind in ids)
        found.setdefault((page.split("/<")[0], download), body_of(dependency))
    return found


def test_every_page_has_a_callback_family_in_the_matrix(world):
    found = families(world)
    assert {page for page, _ in found} == set(CALLBACKS)
    downloads = {page for page, download in found if download}
    assert {"/", "/reach", "/uptake", "/outcomes", "/area", "/quality"} <= downloads


@pytest.mark.parametrize("who", WHO + TOKENS)
def test_callbacks_and_downloads(world, who):
    for (page, download), body in sorted(families(world).items()):
        expected = CALLBACKS[page]
        role = who.removeprefix("token:")
        want = as_token(expected, role, api=False) if who in TOKENS else expected[who]

        def send(client, headers, body=body):
            return client.post(CALLBACK_URL, json=body, headers={**headers, **SAME_SITE})

        try:
            check(world, who, send, want, json_answer=True, what=CALLBACK_URL)
        except AssertionError as failed:
            raise AssertionError(
                f"{who} on {page} {'download' if download else 'callback'}: {failed}"
            ) from None


def test_the_audit_log_names_refusals_by_person_role_and_token_and_never_holds_a_token(world):
    engine = world["engine"]
    clients, bearers = world["clients"], world["bearers"]
    assert clients["la"].get("/users").status_code == 403
    assert clients["researcher"].get("/reach").status_code == 403
    assert clients["token:la"].get("/quality", headers=bearers["token:la"]).status_code == 403
    ann = refused_rows(engine, "ann@example.org")
    assert {r["role"] for r in ann} == {"la"} and any("/users" in r["object"] for r in ann)
    token_prefix = bearers["token:la"]["Authorization"].removeprefix("Bearer ")[:10]
    assert any(token_prefix in r["object"] and "/quality" in r["object"] for r in ann)
    rae = refused_rows(engine, "rae@example.org")
    assert {r["role"] for r in rae} == {"researcher"} and any("/reach" in r["object"] for r in rae)
    logged = json.dumps(audit_rows(engine), default=str)
    secrets = [h["Authorization"].removeprefix("Bearer ") for h in bearers.values()]
    assert secrets and not [s for s in secrets if s in logged]

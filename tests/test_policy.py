"""The one authorisation function against docs/spec/service.md § 1, as a table.

The table below is written from the spec's words (the role table, "Live and released figures",
tokens, LFO_PUBLIC), not from lfo.access.policy: each row is an action and what each kind of
principal may do, with "own" / "other" / "all" the LA the action is about (the principal's own
LA, another LA, every LA). Every role x every action x own/other/all is checked, for a signed-in
user, an API token under /api/ and outside it, and an anonymous visitor with and without
LFO_PUBLIC.
"""

from __future__ import annotations

import itertools

import pytest

from lfo.access.policy import ACTIONS, decide, may
from lfo.access.roles import ANONYMOUS, Principal

OWN, OTHER = "E08000021", "E08000037"
WHERE = {"own": OWN, "other": OTHER, "all": None}

Y, N = True, False
#: action -> (programme, la own, la other, la all, researcher, anonymous when LFO_PUBLIC=1).
#: "la all" is the action on every LA at once (obj None). Spec § 1, row by row:
SPEC: dict[str, tuple[bool, bool, bool, bool, bool, bool]] = {
    # live figures are for programme and la; researchers and anonymous see releases only
    "view_live": (Y, Y, Y, Y, N, N),
    "view_released": (Y, Y, Y, Y, Y, Y),
    # researchers: "every published figure, releases, exports, API"; public: the same
    "export_figures": (Y, Y, Y, Y, Y, Y),
    "view_releases": (Y, Y, Y, Y, Y, Y),
    "use_api": (Y, Y, Y, Y, Y, Y),
    # data quality in full: programme every LA; la their own only
    "view_quality_detail": (Y, Y, N, N, N, N),
    # ... "for other LAs only whether a return was received, and when"
    "view_quality_received": (Y, Y, Y, Y, N, N),
    # "upload and submit their own LA's returns"
    "upload_return": (Y, Y, N, N, N, N),
    "submit_return": (Y, Y, N, N, N, N),
    # "see their own submissions and reports"; the tracker is the programme's
    "view_submissions": (Y, Y, N, N, N, N),
    "view_tracker": (Y, N, N, N, N, N),
    # "rollback by a programme lead (loading an earlier return with force)" (issue 13 § 4)
    "rollback_return": (Y, N, N, N, N, N),
    # "raise a data challenge on any figure of their own LA"; programme: anything la may, any LA
    "raise_challenge": (Y, Y, N, N, N, N),
    # "resolve data challenges", "invite, change and disable users", "publish releases", audit
    "answer_challenge": (Y, N, N, N, N, N),
    "manage_users": (Y, N, N, N, N, N),
    "publish_release": (Y, N, N, N, N, N),
    "view_audit": (Y, N, N, N, N, N),
    "export_audit": (Y, N, N, N, N, N),
    # "every user can create personal API tokens"
    "manage_own_tokens": (Y, Y, Y, Y, Y, N),
}
#: What a token may be used for: reading (spec: "tokens are read-only").
WRITES = {
    "upload_return",
    "submit_return",
    "rollback_return",
    "raise_challenge",
    "answer_challenge",
    "manage_users",
    "publish_release",
    "manage_own_tokens",
}

PROGRAMME = Principal(role="programme", user_id=1, email="p@dwp.example")
LA = Principal(role="la", areas=frozenset({OWN, "E06000047"}), user_id=2, email="l@la.example")
RESEARCHER = Principal(role="researcher", user_id=3, email="r@uni.example")


def expected(role: str, action: str, where: str) -> bool:
    programme, la_own, la_other, la_all, researcher, _public = SPEC[action]
    if role == "programme":
        return programme
    if role == "la":
        return {"own": la_own, "other": la_other, "all": la_all}[where]
    return researcher


def test_the_table_covers_every_action_and_no_other():
    assert set(SPEC) == set(ACTIONS)


CASES = list(
    itertools.product(
        [("programme", PROGRAMME), ("la", LA), ("researcher", RESEARCHER)],
        sorted(SPEC),
        ["own", "other", "all"],
    )
)


@pytest.mark.parametrize(
    ("who", "action", "where"), CASES, ids=[f"{c[0][0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_a_signed_in_user(who, action, where):
    role, principal = who
    want = expected(role, action, where)
    for public in (False, True):  # LFO_PUBLIC changes nothing for a signed-in user
        decision = decide(principal, action, WHERE[where], public=public)
        assert decision.allowed is want, decision.reason
        assert may(principal, action, WHERE[where], public=public) is want
    # the same user through the web or the API: a session is not limited to /api/
    assert may(principal, action, WHERE[where], api=True) is want


@pytest.mark.parametrize(
    ("who", "action", "where"), CASES, ids=[f"{c[0][0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_an_api_token_reads_what_its_owner_may_read_and_only_under_api(who, action, where):
    role, owner = who
    token = Principal(
        role=owner.role, areas=owner.areas, user_id=owner.user_id, email=owner.email, via_token=True
    )
    want = expected(role, action, where) and action not in WRITES
    assert may(token, action, WHERE[where], api=True) is want
    assert may(token, action, WHERE[where], api=False) is False  # a page, a callback, a form


@pytest.mark.parametrize("action", sorted(SPEC))
@pytest.mark.parametrize("where", ["own", "other", "all"])
def test_an_anonymous_visitor_only_when_public(action, where):
    assert may(ANONYMOUS, action, WHERE[where], public=False) is False
    assert may(ANONYMOUS, action, WHERE[where], public=True) is SPEC[action][5]
    assert may(ANONYMOUS, action, WHERE[where], public=True, api=True) is SPEC[action][5]


@pytest.mark.parametrize("action", sorted(SPEC))
def test_a_user_with_no_role_may_do_only_what_the_public_may(action):
    nobody = Principal(role=None, user_id=9, email="x@example")
    assert may(nobody, action, OWN) is False
    assert may(nobody, action, OWN, public=True) is SPEC[action][5]


def test_an_la_lead_with_no_areas_acts_on_no_la():
    lonely = Principal(role="la", user_id=4)
    for action in ("view_quality_detail", "upload_return", "submit_return", "raise_challenge"):
        assert not may(lonely, action, OWN)
    assert may(lonely, "view_quality_received", OWN)
    assert may(lonely, "view_live")


def test_the_local_user_acts_as_a_programme_lead_but_owns_no_tokens():
    local = Principal(role="programme", local=True)
    for action in ACTIONS:
        assert may(local, action, OTHER) is (action != "manage_own_tokens")
    # the role switcher's LA lead is an LA lead
    switched = Principal(role="la", areas=frozenset({OWN}), local=True)
    assert may(switched, "view_quality_detail", OWN)
    assert not may(switched, "view_quality_detail", OTHER)


def test_a_refusal_says_why():
    assert "not one of" in decide(LA, "view_quality_detail", OTHER).reason
    assert "sign in" in decide(ANONYMOUS, "view_released").reason
    token = Principal(role="programme", user_id=1, via_token=True)
    assert "only under /api/" in decide(token, "view_live").reason
    assert "only read" in decide(token, "manage_users", api=True).reason
    assert not decide(LA, "view_audit")  # a Decision is falsy when refused
    assert not may(PROGRAMME, "drop_tables")  # type: ignore[arg-type]

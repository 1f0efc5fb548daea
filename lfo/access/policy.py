"""The one authorisation function (docs/spec/service.md § 1): ``may(principal, action, obj)``.

Every page, callback, download and API request asks ``may`` (or ``decide``, which also says why
not, for the 403 message and the audit row) before it does anything. It is pure: no database, no
request, no clock; the caller passes what it knows.

- ``principal``: who the request acts for (``lfo.access.roles.Principal``). A disabled user is
  never a principal (the caller's job); a principal with no role (anonymous, or a user whose role
  was taken away) may do only what the public may.
- ``action``: one of ``ACTIONS`` (a closed set: a misspelt action is a type error, and ``decide``
  refuses a string it does not know).
- ``obj``: the LA (GSS code) the action is about, for the area actions (``AREA_ACTIONS``); None
  means "every LA" (only a programme lead may act on every LA).
- ``public``: the deployment's ``LFO_PUBLIC`` (anonymous visitors may then see the published
  figures, exports, releases and the API, and nothing else).
- ``api``: the request is under ``/api/``. A principal that came with an API token
  (``via_token``) is refused anywhere else, and may only read (``READ_ACTIONS``).

The local user of demo and ``--no-sign-in`` modes is a principal like any other: it acts as a
programme lead unless the role switcher chose another role (the caller builds it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from lfo.access.roles import Principal

Action = Literal[
    "view_live",  # live (provisional) figures: every load at once
    "view_released",  # figures of a published release
    "export_figures",  # chart exports, bulk files of the figures a principal may see
    "view_releases",  # the list of releases and their notes
    "use_api",  # any request under /api/
    "view_quality_detail",  # an LA's findings, held-back rows, load log, file names
    "view_quality_received",  # whether an LA's return was received, and when
    "upload_return",  # upload a return for an LA
    "submit_return",  # submit an uploaded return of an LA for loading
    "view_submissions",  # an LA's submissions and their reports
    "view_tracker",  # the submissions tracker (every LA)
    "rollback_return",  # load an LA's earlier return again, with force (programme leads only)
    "raise_challenge",  # raise a data challenge on a figure of an LA
    "answer_challenge",  # answer (resolve) data challenges
    "manage_users",  # invite, change role and areas, disable, reset 2FA
    "publish_release",
    "view_audit",  # see and filter the audit log
    "export_audit",  # export the audit log as CSV
    "manage_own_tokens",  # create and revoke one's own API tokens
]
ACTIONS: tuple[Action, ...] = get_args(Action)

#: Actions about one LA: ``obj`` is its GSS code (None: every LA).
AREA_ACTIONS: frozenset[Action] = frozenset(
    {
        "view_quality_detail",
        "view_quality_received",
        "upload_return",
        "submit_return",
        "view_submissions",
        "raise_challenge",
        "rollback_return",
    }
)
#: Area actions for programme leads only (an LA lead may not do them even for their own LA).
_PROGRAMME_AREA: frozenset[Action] = frozenset({"rollback_return"})

#: What an anonymous visitor may do when the deployment is public (LFO_PUBLIC=1).
PUBLIC_ACTIONS: frozenset[Action] = frozenset(
    {"view_released", "export_figures", "view_releases", "use_api"}
)

#: What changes nothing: the only actions an API token may be used for.
READ_ACTIONS: frozenset[Action] = frozenset(
    {
        "view_live",
        "view_released",
        "export_figures",
        "view_releases",
        "use_api",
        "view_quality_detail",
        "view_quality_received",
        "view_submissions",
        "view_tracker",
        "view_audit",
        "export_audit",
    }
)

#: Programme leads may do everything, for every LA.
_PROGRAMME: frozenset[Action] = frozenset(ACTIONS)

#: An LA lead: every published and live figure; the area actions for their own LA(s) only
#: (``view_quality_received`` for every LA); their own tokens.
_LA: frozenset[Action] = (AREA_ACTIONS - _PROGRAMME_AREA) | frozenset(
    {
        "view_live",
        "view_released",
        "export_figures",
        "view_releases",
        "use_api",
        "manage_own_tokens",
    }
)
#: Of the LA lead's area actions, those allowed for any LA, not only their own.
_LA_ANY_AREA: frozenset[Action] = frozenset({"view_quality_received"})

#: A researcher: published figures (releases only), exports, the API, their own tokens.
_RESEARCHER: frozenset[Action] = frozenset(
    {"view_released", "export_figures", "view_releases", "use_api", "manage_own_tokens"}
)


@dataclass(frozen=True)
class Decision:
    """``may``'s answer with its reason (for the refusal's message and its audit row)."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def may(
    principal: Principal,
    action: Action,
    obj: str | None = None,
    *,
    public: bool = False,
    api: bool = False,
) -> bool:
    """True when ``principal`` may do ``action`` to ``obj`` (see the module docstring)."""
    return decide(principal, action, obj, public=public, api=api).allowed


def decide(
    principal: Principal,
    action: Action,
    obj: str | None = None,
    *,
    public: bool = False,
    api: bool = False,
) -> Decision:
    """``may`` with the reason: the first rule that refuses, or why it is allowed."""
    if action not in ACTIONS:
        return Decision(False, f"unknown action {action!r}")
    if principal.via_token:
        if not api:
            return Decision(False, "an API token is valid only under /api/")
        if action not in READ_ACTIONS:
            return Decision(False, "an API token may only read")
    role = principal.role
    if role is None:
        if not public:
            return Decision(False, "sign in first")
        if action in PUBLIC_ACTIONS:
            return Decision(True, "public: published figures, exports, releases and the API")
        return Decision(False, "sign in first: only the published figures are public")
    if action == "manage_own_tokens" and principal.user_id is None:
        return Decision(False, "tokens belong to a user account; the local user has none")
    if role == "programme":
        return Decision(True, "programme leads may do everything, for every LA")
    allowed = _LA if role == "la" else _RESEARCHER
    if action not in allowed:
        return Decision(False, f"the {role} role may not {action.replace('_', ' ')}")
    if role == "la" and action in AREA_ACTIONS and action not in _LA_ANY_AREA:
        if obj is None:
            return Decision(False, "an LA lead acts on their own LA(s) only, not on every LA")
        if obj not in principal.areas:
            return Decision(False, f"{obj} is not one of this LA lead's areas")
    return Decision(True, f"the {role} role may {action.replace('_', ' ')}")

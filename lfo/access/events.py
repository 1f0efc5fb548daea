"""What a state-changing account function did, for the audit log (docs/spec/service.md § 4).

Every function of ``lfo.access`` that changes an account, a session or a token, or refuses a
sign-in, returns an ``Event`` (with its result); the caller writes it to the audit log
(``lfo.access.audit``), with the client address it knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "sign-in",
    "failed sign-in",
    "lock-out",
    "sign-out",
    "invitation",
    "invitation accepted",
    "role change",
    "disable",
    "enable",
    "2FA reset",
    "SSO reset",
    "token created",
    "token revoked",
]
Outcome = Literal["ok", "refused"]


@dataclass(frozen=True)
class Event:
    """One auditable thing: who (``actor_id``; None for the command line or someone not signed
    in), what (``action``), to what (``target``: an e-mail address or a token's prefix, and the
    account's ``user_id`` when there is one), and the ``outcome``, with a short ``detail``
    (never a password, code or token)."""

    action: Action
    target: str
    outcome: Outcome = "ok"
    actor_id: int | None = None
    user_id: int | None = None
    detail: str = ""

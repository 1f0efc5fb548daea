"""Writing what an account function did (an ``lfo.access.events.Event``) to the audit log: the
one mapping of the accounts layer's actions to the audit log's, for the web pages and the
command line alike (docs/spec/service.md § 4)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from lfo.access import audit, sessions
from lfo.access.events import Action, Event
from lfo.access.roles import Principal

AUDIT_ACTION: dict[Action, audit.AuditAction] = {
    "sign-in": "sign-in",
    "failed sign-in": "failed-sign-in",
    "lock-out": "lock-out",
    "sign-out": "sign-out",
    "invitation": "invitation",
    "invitation accepted": "invitation",
    "role change": "role-change",
    "disable": "disable",
    "enable": "enable",
    "2FA reset": "2fa-reset",
    "SSO reset": "sso-reset",
    "token created": "token-created",
    "token revoked": "token-revoked",
}


def record_event(
    conn: Connection, event: Event, client: str | None = None, *, os_user: str | None = None
) -> None:
    """Write ``event`` to the audit log in the caller's transaction: by its actor (a signed-in
    user), else by ``os_user`` (the command line's operating-system user), from ``client``."""
    who: Principal | None = None
    if event.actor_id is not None:
        who = sessions.principal(conn, event.actor_id) or Principal(
            role=None, user_id=event.actor_id
        )
    detail = f"{event.action}: {event.target}" + (f" ({event.detail})" if event.detail else "")
    audit.record(
        conn,
        AUDIT_ACTION[event.action],
        event.outcome,
        obj=detail,
        principal=who,
        os_user=os_user if who is None else None,
        client=client,
    )

"""``python -m etl areas --retire GSS``: an area leaving the programme (docs/spec/service.md § 1).

In one transaction: the area is marked retired (``areas.retired_at``), so its returns are no
longer loaded (E103: ``etl.load.store.known_areas`` lists current areas only), while its history
stays (every return, figure and release of it is kept and shown); the ``la`` users whose only
area it is are disabled, which ends their sessions and stops their API tokens at once; each of
those changes and the retirement itself are written to the audit log, by the operating-system
user. Retiring an area already retired changes nothing and says so. There is no un-retire
command: an operator who retired the wrong area sets ``retired_at`` back to NULL in the database
(docs/operations.md) and enables the users again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, select, update

from lfo import schema
from lfo.access import audit, users
from lfo.access.event_log import record_event


class RetireError(ValueError):
    """The area cannot be retired (one line: what is wrong and what to do)."""


@dataclass(frozen=True)
class Retired:
    """What retiring did: the area, when it was retired, whether it was already, and the e-mail
    addresses of the users disabled."""

    code: str
    name: str
    retired_at: dt.datetime
    already: bool = False
    disabled: list[str] = field(default_factory=list)


def retire_area(engine: Engine, gss_code: str, *, now: dt.datetime | None = None) -> Retired:
    """Retire the area ``gss_code`` (module docstring)."""
    code = gss_code.strip().upper()
    a = schema.areas
    moment = now or audit.now_utc()
    with engine.begin() as conn:
        row = conn.execute(select(a.c.name, a.c.retired_at).where(a.c.gss_code == code)).first()
        if row is None:
            raise RetireError(
                f"{code!r} is not one of the programme's areas: give the GSS code of an area "
                "in the areas table (python -m etl status lists them)"
            )
        if row.retired_at is not None:
            return Retired(code, row.name, row.retired_at, already=True)
        conn.execute(update(a).where(a.c.gss_code == code).values(retired_at=moment))
        os_user = audit.os_user()
        changed = users.disable_users_of_area(conn, code, now=moment)
        for done in changed:
            record_event(conn, done.event, os_user=os_user)
        emails = [done.user.email for done in changed]
        what = f"{code} {row.name} retired: its returns are no longer loaded; " + (
            f"{len(emails)} LA user(s) disabled ({', '.join(emails)})"
            if emails
            else "no user disabled"
        )
        audit.record(conn, "areas-updated", "updated", obj=what, os_user=os_user, at=moment)
    return Retired(code, row.name, moment, disabled=emails)

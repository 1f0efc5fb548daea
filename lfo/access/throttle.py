"""Growing delays after failed sign-ins, instead of a lock-out anyone could trigger
(docs/spec/service.md § 2).

Failures are counted per e-mail address (a keyed hash of the lower-cased address: the same for
an address with no account, so it behaves exactly the same) and per client address. From the
fifth failure for an address, the next attempt must wait 1 s, then 2, 4, 8, … up to 15 minutes;
a client address has the same delays from its 20th failure (one office may share an address).
A counter restarts when its last failure is a day old, and an address's counter when its owner
signs in. The wait is returned, so the page can say "try again in N seconds".
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lfo import schema
from lfo.access.secrets import SecretsKey

Kind = Literal["address", "client"]
FREE: dict[Kind, int] = {"address": 4, "client": 19}  # failures before delays begin
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(days=1)

f = schema.sign_in_failures


def delay(kind: Kind, failures: int) -> dt.timedelta:
    """How long after the last of ``failures`` failures the next attempt must wait."""
    over = failures - FREE[kind]
    if over <= 0:
        return dt.timedelta(0)
    if over > 11:  # 2**10 s is already past the cap
        return MAX_DELAY
    return min(dt.timedelta(seconds=2 ** (over - 1)), MAX_DELAY)


def _keys(key: SecretsKey, email: str, client: str | None) -> list[tuple[Kind, str]]:
    keys: list[tuple[Kind, str]] = [("address", key.keyed_hash("address:" + email.strip().lower()))]
    if client:
        keys.append(("client", key.keyed_hash("client:" + client)))
    return keys


def wait_seconds(
    conn: Connection, key: SecretsKey, email: str, client: str | None, now: dt.datetime
) -> int:
    """Whole seconds to wait before the next attempt for ``email`` from ``client`` (0: go)."""
    wait = dt.timedelta(0)
    for kind, key_hash in _keys(key, email, client):
        row = conn.execute(
            select(f.c.failures, f.c.last_failure_at).where(
                f.c.kind == kind, f.c.key_hash == key_hash
            )
        ).first()
        if row is None or now - row.last_failure_at >= FORGET_AFTER:
            continue
        wait = max(wait, row.last_failure_at + delay(kind, row.failures) - now)
    return math.ceil(wait.total_seconds()) if wait > dt.timedelta(0) else 0


def record_failure(
    conn: Connection, key: SecretsKey, email: str, client: str | None, now: dt.datetime
) -> int:
    """Count a failure for ``email`` and ``client``; the address's failures so far."""
    count = 0
    for kind, key_hash in _keys(key, email, client):
        where = (f.c.kind == kind, f.c.key_hash == key_hash)
        row = conn.execute(select(f.c.failures, f.c.last_failure_at).where(*where)).first()
        if row is None and _inserted(conn, kind, key_hash, now):
            n = 1
        else:
            if row is None:  # another request inserted it just now
                row = conn.execute(select(f.c.failures, f.c.last_failure_at).where(*where)).one()
            n = 1 if now - row.last_failure_at >= FORGET_AFTER else row.failures + 1
            conn.execute(update(f).where(*where).values(failures=n, last_failure_at=now))
        if kind == "address":
            count = n
    return count


def _inserted(conn: Connection, kind: Kind, key_hash: str, now: dt.datetime) -> bool:
    """Insert a first failure; False when a concurrent request inserted the row first."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(f).values(kind=kind, key_hash=key_hash, failures=1, last_failure_at=now)
            )
    except IntegrityError:
        return False
    return True


def clear(conn: Connection, key: SecretsKey, email: str) -> None:
    """Forget the failures of ``email`` (its owner has signed in)."""
    kind, key_hash = _keys(key, email, None)[0]
    conn.execute(delete(f).where(f.c.kind == kind, f.c.key_hash == key_hash))

"""The web layer's handle on the accounts: a writer engine (the dashboard's ``Database`` is
read-only, while sessions, sign-in and the audit log write), the secrets key, and who a session or
a token acts for.

The session's idle clock is written at most once a minute (``lfo.access.sessions``); on SQLite that
write waits for a load in progress to commit. Here it is best-effort: it waits at most
``TOUCH_WAIT_MS``, and when the database is still locked the session is read without writing (the
clock is then written by a later request), so a page never stalls on a load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Callable
from pathlib import Path

import flask
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.access import sessions, tokens
from lfo.access.roles import Principal
from lfo.access.secrets import SecretsKey, load_key, naive_utc, token_hash
from lfo.db import BUSY_TIMEOUT_MS, writer_engine

#: How long the idle clock's write may wait for SQLite's write lock.
TOUCH_WAIT_MS = 200


class Accounts:
    """One app's writer engine and secrets key, both opened on first use (thread-safe)."""

    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._key: SecretsKey | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = writer_engine(self.settings.database_url)
            return self._engine

    @property
    def key(self) -> SecretsKey:
        with self._lock:
            if self._key is None:
                self._key = load_key(Path(self.settings.secrets_key_file))
            return self._key

    def area_names(self, *, current_only: bool = False) -> dict[str, str]:
        """Every programme area's name by GSS code, by name (``current_only``: not retired): the
        server pages' one read of the areas table, the list they check codes against."""
        a = schema.areas
        query = select(a.c.gss_code, a.c.name).order_by(a.c.name)
        if current_only:
            query = query.where(a.c.retired_at.is_(None))
        with self.engine.connect() as conn:
            return {row.gss_code: row.name for row in conn.execute(query)}

    def form_key(self) -> bytes:
        """The key that signs the forms' CSRF tokens and the pending sign-in (from the secrets
        key, for no other use)."""
        return hashlib.sha256(b"lfo web forms\0" + self.key.key).digest()

    def sign(self, *parts: str) -> str:
        """HMAC-SHA256 hex of ``parts`` with ``form_key``."""
        return hmac.new(self.form_key(), "\0".join(parts).encode(), "sha256").hexdigest()

    def session_principal(self, session_id: str, *, activity: bool) -> Principal | None:
        """Who the session is (None: unknown, expired, or the user disabled); the idle clock
        restarted when ``activity``, best-effort (module docstring)."""
        return self._best_effort(
            lambda conn: sessions.session_principal(conn, session_id, activity=activity),
            lambda conn: _read_session(conn, session_id),
        )

    def token_principal(self, token: str) -> Principal | None:
        """Who the API token acts for (None: unknown, revoked, expired, owner disabled); its
        last use written best-effort, as the session's idle clock is."""
        return self._best_effort(
            lambda conn: tokens.token_principal(conn, token),
            lambda conn: _read_token(conn, token),
        )

    def token_owner(self, token: str) -> Principal | None:
        """Who a token belongs to, for auditing its misuse (outside ``/api/``, or to write):
        nothing written (a refused request is no use of the token)."""
        with self.engine.connect() as conn:
            return _read_token(conn, token)

    def _best_effort(
        self,
        write: Callable[[Connection], Principal | None],
        read: Callable[[Connection], Principal | None],
    ) -> Principal | None:
        """``write`` waiting at most ``TOUCH_WAIT_MS`` for SQLite's write lock; else ``read``."""
        engine = self.engine
        sqlite = engine.dialect.name == "sqlite"
        try:
            with engine.begin() as conn:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {TOUCH_WAIT_MS}")
                try:
                    return write(conn)
                finally:
                    if sqlite:
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except OperationalError:  # locked by a load: read only, write nothing
            with engine.connect() as conn:
                return read(conn)

    def users_exist(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.users.c.user_id).limit(1)).first() is not None


def _read_session(conn: Connection, session_id: str) -> Principal | None:
    """``sessions.session_principal`` without any write (an expired session is not deleted)."""
    s = schema.sessions
    row = conn.execute(select(s).where(s.c.session_hash == token_hash(session_id))).first()
    moment = naive_utc(None)
    if row is None or not _alive(row.created_at, row.last_seen_at, moment):
        return None
    return sessions.principal(conn, row.user_id)


def _read_token(conn: Connection, token: str) -> Principal | None:
    """``tokens.token_principal`` without any write (its last use is not recorded)."""
    t = schema.api_tokens
    row = conn.execute(select(t).where(t.c.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or naive_utc(None) >= row.expires_at:
        return None
    return sessions.principal(conn, row.user_id, via_token=True)


def _alive(created: dt.datetime, seen: dt.datetime, moment: dt.datetime) -> bool:
    return moment - seen <= sessions.IDLE and moment - created <= sessions.ABSOLUTE


def client_address() -> str | None:
    """The client's address: the peer's, which ``dashboard.web.proxy`` (Werkzeug's ProxyFix) has
    already replaced by the one the trusted proxy forwarded (``LFO_TRUSTED_PROXIES``), for
    requests that came through it; None when the peer has none (a unix socket, no proxy trusted)."""
    return flask.request.remote_addr or None


def service_problem(settings: DashboardSettings) -> str | None:
    """Why the service cannot start in sign-in mode (None: it can): ``gunicorn`` never runs as
    the demo, so it needs ``LFO_BASE_URL`` and at least one user, or single sign-on configured
    (``LFO_OIDC_*``: then people are invited later, and sign in with their organisation)."""
    if not settings.base_url:
        return (
            "LFO_BASE_URL is not set: set it to the address users see (such as "
            "https://lfo.example.gov.uk) before starting the service"
        )
    accounts = Accounts(settings)
    try:
        if not accounts.users_exist() and not settings.sso:
            return (
                "there are no users: invite the first programme lead with `python -m dashboard "
                "users add EMAIL --role programme` (or configure single sign-on, LFO_OIDC_ISSUER, "
                "LFO_OIDC_CLIENT_ID and LFO_OIDC_CLIENT_SECRET) before starting the service"
            )
    except Exception as exc:  # noqa: BLE001 - the database itself is the problem: say so
        return f"cannot read the users from {settings.database_url}: {exc}"
    finally:
        if accounts._engine is not None:
            accounts._engine.dispose()
    return None

"""The accounts (docs/spec/service.md § 2) and the audit log (§ 4): tables of ``lfo.schema``'s
metadata, kept here so that each module reads in one sitting. Import them from ``lfo.schema``,
which re-exports them; ``lfo.schema.metadata`` holds every table.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)

from lfo.access.roles import ROLES
from lfo.schema_base import HASH_LEN, metadata

# --- the audit log (service.md § 4; lfo.access.audit) -------------------------------------------
# Append-only: triggers refuse UPDATE and DELETE (AUDIT_TRIGGERS, created with the table here and
# by revision 0003); each row's hash chains it to the row before. Users are named by id and e-mail
# as text (no foreign key), so the rows outlive a user's removal.

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),  # UTC
    Column("user_id", Integer),
    Column("user_email", Text),
    Column("os_user", Text),  # the operating-system user of a command-line action (etl load)
    Column("role", String(12)),
    Column("action", String(24), nullable=False),
    Column("object", Text),
    Column("outcome", String(24), nullable=False),
    Column("client", String(64)),  # the client's address
    Column("count", Integer, nullable=False, default=1),
    # unique: two writers can never both chain to the same row
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_log_at", "at"),
    sqlite_autoincrement=True,  # an id is never reused, even after the retention job
)

#: The append-only triggers, by dialect (the same text as revision 0003's).
AUDIT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP = 'DELETE' AND current_setting('lfo.audit_prune', true) = 'on' THEN "
        "RETURN OLD; END IF; "
        "RAISE EXCEPTION USING MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused'; "
        "END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ),
}
for _dialect, _statements in AUDIT_TRIGGERS.items():
    for _statement in _statements:
        _ddl = DDL(_statement)  # type: ignore[no-untyped-call]
        event.listen(audit_log, "after_create", _ddl.execute_if(dialect=_dialect))


# --- accounts (docs/spec/service.md § 2, docs/security.md; lfo.access) -------------------------
# Secrets are never stored: invitation tokens, session ids, API tokens and recovery codes only as
# SHA-256 hex; passwords as Argon2id; TOTP secrets encrypted with the key in LFO_SECRETS_KEY_FILE.
# Times are naive UTC.

INVITATION_PURPOSES = ("invite", "reset-2fa")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=name)


users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # lower-case
    Column("role", String(12), nullable=False),
    Column("password_hash", Text),  # Argon2id; null until the invitation is accepted
    Column("totp_secret", Text),  # encrypted (Fernet); null until enrolled
    Column("totp_last_step", BigInteger),  # the last accepted TOTP time step
    Column("oidc_iss", Text),
    Column("oidc_sub", Text),
    Column("created_at", DateTime, nullable=False),
    Column("disabled_at", DateTime),
    Column("last_sign_in_at", DateTime),
    UniqueConstraint("oidc_iss", "oidc_sub", name="uq_users_oidc"),
    _one_of("role", ROLES, "ck_users_role"),
)

user_areas = Table(
    "user_areas",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("area_code", String(9), ForeignKey("areas.gss_code"), primary_key=True),
)

invitations = Table(
    "invitations",
    metadata,
    Column("invitation_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("token_hash", String(HASH_LEN), nullable=False, unique=True),
    Column("purpose", String(10), nullable=False),
    Column("created_by", Integer, ForeignKey("users.user_id")),  # null: the command line
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
    Column("totp_secret", Text),  # encrypted: the secret offered while the link is open
    _one_of("purpose", INVITATION_PURPOSES, "ck_invitations_purpose"),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("code_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("code_hash", String(HASH_LEN), nullable=False),
    Column("used_at", DateTime),
    Index("ix_recovery_codes_user", "user_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_hash", String(HASH_LEN), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Index("ix_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("token_hash", String(HASH_LEN), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),  # shown in lists, e.g. "lfo_AbC1"
    Column("name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("last_used_at", DateTime),
    Index("ix_api_tokens_user", "user_id"),
)

# failed sign-ins per e-mail address (keyed hash of it, the same for an address with no account)
# and per client address (keyed hash too): the throttle of lfo.access.throttle
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("kind", String(7), primary_key=True),  # address / client
    Column("key_hash", String(HASH_LEN), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime, nullable=False),
)

ACCOUNT_TABLES = (
    "users",
    "user_areas",
    "invitations",
    "recovery_codes",
    "sessions",
    "api_tokens",
    "sign_in_failures",
)

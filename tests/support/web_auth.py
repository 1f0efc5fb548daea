"""Helpers for the web layer's sign-in tests: an app in sign-in mode over a new database with the
reference areas, people enrolled through the real invitation flow, forms read from the pages
(their CSRF token) and posted from this site's origin, and TOTP codes made with pyotp."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.access.secrets import SecretsKey
from support.accounts import PASSWORD, Person, enrolled

BASE = "http://localhost"  # the Flask test client's host
SAME_SITE = {"Origin": BASE}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NEXT = re.compile(r'name="next" value="([^"]*)"')


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def settings_for(engine: Engine, tmp_path: Path, **changes: Any) -> DashboardSettings:
    values: dict[str, Any] = {
        "database_url": url_of(engine),
        "warm_cache": False,
        "sign_in": True,
        "base_url": BASE,
        "secrets_key_file": str(tmp_path / "secrets.key"),
    }
    values.update(changes)
    return DashboardSettings(**values)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def person(
    engine: Engine, key: SecretsKey, email: str = "ann@example.org", role: str = "la", **kw: Any
) -> Person:
    """Someone enrolled two time steps ago (so this step's code is theirs to use once)."""
    with engine.begin() as conn:
        return enrolled(conn, key, email, role, now=now() - dt.timedelta(seconds=60), **kw)


def current_code(who: Person) -> str:
    return pyotp.TOTP(who.secret).now()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html
    return unescape(found.group(1))


def post_form(
    client: FlaskClient, page: str, data: dict[str, str], headers: dict[str, str] | None = None
) -> Any:
    """Open ``page``, then post its form with its hidden fields (from this site, unless
    ``headers`` say otherwise)."""
    shown = client.get(page).get_data(as_text=True)
    hidden = {"csrf": csrf_of(shown)}
    if found := _NEXT.search(shown):
        hidden["next"] = unescape(found.group(1))
    return client.post(
        page.split("?")[0],
        data={**hidden, **data},
        headers=SAME_SITE if headers is None else headers,
    )


def sign_in(
    client: FlaskClient, who: Person, *, code: str | None = None, password: str = PASSWORD
) -> Any:
    """Both steps; the answer of the second (or of the first when it is refused)."""
    first = post_form(client, "/sign-in", {"email": who.email, "password": password})
    if first.status_code != 303:
        return first
    return post_form(client, first.headers["Location"], {"code": code or current_code(who)})


def audit_rows(engine: Engine) -> list[dict[str, Any]]:
    a = schema.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(a).order_by(a.c.audit_id)).mappings().all()
    return [dict(r) for r in rows]


def make_app(engine: Engine, tmp_path: Path) -> Callable[..., FlaskClient]:
    def client(**changes: Any) -> FlaskClient:
        app = create_app(settings_for(engine, tmp_path, **changes))
        return app.server.test_client()

    return client

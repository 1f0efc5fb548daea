"""Single sign-on by OpenID Connect (issue 12 § 3; docs/security.md "Single sign-on"), on when
``LFO_OIDC_ISSUER``, ``LFO_OIDC_CLIENT_ID`` and ``LFO_OIDC_CLIENT_SECRET`` are all set.

- ``POST /sign-in/sso`` (the "Sign in with …" button of ``/sign-in``, with its CSRF token): a new
  ``state``, ``nonce`` and PKCE ``code_verifier`` (S256) kept in a signed cookie (``lfo_sso``, path
  ``/sign-in``, 10 minutes, tied to the form cookie), then a redirect to the provider's
  authorization endpoint (from its ``/.well-known/openid-configuration``, read once per process).
- ``GET /sign-in/sso/callback``: the ``state`` must equal the cookie's; the code is exchanged
  (with the verifier and the client secret) at the token endpoint; the ID token's signature (the
  provider's JWKS), ``iss``, ``aud``, expiry and ``nonce`` are checked (Authlib). Then
  ``lfo.access.oidc.match`` finds the invited account; with a second factor in ``amr`` the session
  starts, else our own TOTP is asked (``/sign-in/code``, the pending sign-in of
  ``dashboard.web.signin``), after enrolling one at ``/sign-in/sso/enrol`` when there is none.

The redirect URI is ``LFO_BASE_URL`` + ``/sign-in/sso/callback``. Every outcome is audited.
"""

from __future__ import annotations

import hmac
import logging
import threading
from html import escape
from typing import Any
from urllib.parse import quote

import flask
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from werkzeug.wrappers import Response

from dashboard.web import forms
from dashboard.web.gate import safe_next
from dashboard.web.principal import SESSION_COOKIE, set_session_cookie
from dashboard.web.signin import PENDING_COOKIE, PENDING_SECONDS, SignInPages
from lfo.access import oidc, sessions, totp
from lfo.access.event_log import record_event
from lfo.access.events import Event

log = logging.getLogger(__name__)

FLOW_COOKIE = "lfo_sso"
ENROL_COOKIE = "lfo_sso_enrol"
FLOW_SECONDS = 600
CALLBACK = "/sign-in/sso/callback"
TIMEOUT = 10


class SsoFailed(Exception):
    """The flow cannot complete; the message is for the audit log (the person sees FAILED)."""


class SsoPages:
    def __init__(self, pages: SignInPages) -> None:
        self.pages = pages
        self.settings = pages.settings
        self.accounts = pages.accounts
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # --- the provider --------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (read once; its ``issuer`` must be ours)."""
        with self._lock:
            if self._metadata is None:
                url = self.settings.oidc_issuer + "/.well-known/openid-configuration"
                found = requests.get(url, timeout=TIMEOUT)
                found.raise_for_status()
                data = found.json()
                if str(data.get("issuer", "")).rstrip("/") != self.settings.oidc_issuer:
                    raise SsoFailed(f"discovery names issuer {data.get('issuer')!r}")
                self._metadata = data
            return self._metadata

    def redirect_uri(self) -> str:
        return (self.settings.base_url or flask.request.host_url).rstrip("/") + CALLBACK

    def session(self) -> OAuth2Session:
        return OAuth2Session(
            self.settings.oidc_client_id,
            self.settings.oidc_client_secret,
            scope="openid email",
            redirect_uri=self.redirect_uri(),
            code_challenge_method="S256",
            default_timeout=TIMEOUT,
        )

    # --- cookies -------------------------------------------------------------------------------

    def serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.accounts.form_key(), salt=salt)

    def form_cookie(self) -> str:
        forms.csrf_token(self.accounts)  # makes the form cookie when the browser has none
        request = flask.request
        return request.cookies.get(forms.FORM_COOKIE) or str(flask.g.get("lfo_new_form_cookie"))

    def read_cookie(self, name: str, max_age: int) -> dict[str, Any] | None:
        raw = flask.request.cookies.get(name)
        if not raw:
            return None
        try:
            data: Any = self.serializer(name).loads(raw, max_age=max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        if data.get("f") != flask.request.cookies.get(forms.FORM_COOKIE, ""):
            return None
        return data

    def set_cookie(self, response: Response, name: str, data: dict[str, Any], age: int) -> None:
        value = self.serializer(name).dumps(data)
        response.set_cookie(
            name,
            value,
            max_age=age,
            httponly=True,
            samesite="Lax",
            secure=self.settings.https,
            path="/sign-in",
        )

    # --- POST /sign-in/sso ---------------------------------------------------------------------

    def start(self) -> Response:
        forms.check_form(self.settings, self.accounts)
        target = safe_next(flask.request.form.get("next"))
        try:
            endpoint = self.metadata()["authorization_endpoint"]
        except (requests.RequestException, ValueError, KeyError, SsoFailed) as exc:
            return self.refused("", f"SSO: provider unavailable ({exc.__class__.__name__})", 502)
        if forms.origin_of(endpoint) != forms.origin_of(self.settings.oidc_issuer):
            # the CSP's form-action allows the issuer's origin only (dashboard.web.headers)
            return self.refused("", "SSO: authorization endpoint not on the issuer's origin", 502)
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(48)
        url, _ = self.session().create_authorization_url(
            endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
        response = flask.redirect(url, code=303)
        flow = {"s": state, "n": nonce, "v": verifier, "next": target, "f": self.form_cookie()}
        self.set_cookie(response, FLOW_COOKIE, flow, FLOW_SECONDS)
        return response

    # --- GET /sign-in/sso/callback -------------------------------------------------------------

    def callback(self) -> Response:
        flow = self.read_cookie(FLOW_COOKIE, FLOW_SECONDS)
        args = flask.request.args
        try:
            if flow is None:
                raise SsoFailed("no sign-in under way (cookie missing, expired or forged)")
            if not hmac.compare_digest(str(args.get("state", "")), str(flow["s"])):
                raise SsoFailed("state does not match")
            if "error" in args:
                raise SsoFailed(f"provider said {args.get('error', '')[:60]}")
            claims = self.id_token_claims(str(args.get("code", "")), flow)
        except SsoFailed as exc:
            return self.refused("", f"SSO: {exc}")
        client = self.pages.client()
        with self.accounts.engine.begin() as conn:
            matched = oidc.match(conn, claims)
            record_event(conn, matched.event, client)
        if matched.user_id is None:
            return self.page_refused(matched.message or oidc.FAILED)
        target = safe_next(str(flow.get("next", "/")))
        if not matched.needs_code:
            return self.signed_in(matched.user_id, "SSO with the provider's second factor", target)
        form_cookie = self.form_cookie()
        if matched.needs_enrolment:
            response = flask.redirect(f"/sign-in/sso/enrol?next={quote(target, safe='/')}", 303)
            secret = self.accounts.key.encrypt(totp.new_secret())
            enrol = {"u": matched.user_id, "s": secret, "f": form_cookie}
            self.set_cookie(response, ENROL_COOKIE, enrol, PENDING_SECONDS)
        else:
            response = flask.redirect(f"/sign-in/code?next={quote(target, safe='/')}", 303)
            pending = self.pages.serializer().dumps({"u": matched.user_id, "f": form_cookie})
            response.set_cookie(
                PENDING_COOKIE,
                pending,
                max_age=PENDING_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=self.settings.https,
                path="/sign-in",
            )
        response.delete_cookie(FLOW_COOKIE, path="/sign-in")
        return response

    def id_token_claims(self, code: str, flow: dict[str, Any]) -> dict[str, Any]:
        """Exchange ``code`` and check the ID token (signature, iss, aud, exp, nonce)."""
        try:
            meta = self.metadata()
            token = self.session().fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=flow["v"],
            )
            jwks = requests.get(meta["jwks_uri"], timeout=TIMEOUT)
            jwks.raise_for_status()
            # the signature against the provider's keys (joserfc's recommended algorithms),
            # then the claims an ID token must carry (OpenID Connect Core § 3.1.3.7)
            decoded = jwt.decode(str(token["id_token"]), KeySet.import_key_set(jwks.json()))
            claims = decoded.claims
            JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self.settings.oidc_issuer},
                aud={"essential": True, "value": self.settings.oidc_client_id},
                nonce={"essential": True, "value": flow["n"]},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
            ).validate(claims)
        except Exception as exc:  # HTTP, a refused code, a bad signature or claim: all refused
            raise SsoFailed(f"token refused ({exc.__class__.__name__}: {str(exc)[:80]})") from exc
        return dict(claims)

    # --- /sign-in/sso/enrol --------------------------------------------------------------------

    def enrol(self) -> Response:
        data = self.read_cookie(ENROL_COOKIE, PENDING_SECONDS)
        if data is None or not isinstance(data.get("u"), int):
            return flask.redirect("/sign-in", code=303)
        secret = self.accounts.key.decrypt(str(data["s"]))
        problem = None
        if flask.request.method == "POST":
            forms.check_form(self.settings, self.accounts)
            code = flask.request.form.get("code", "")[:64]
            with self.accounts.engine.begin() as conn:
                problem, event, codes = oidc.enrol_totp(
                    conn, self.accounts.key, data["u"], secret, code, client=self.pages.client()
                )
                record_event(conn, event, self.pages.client())
            if problem is None:
                target = safe_next(flask.request.form.get("next"))
                response = self.signed_in(data["u"], "SSO; TOTP enrolled", target, codes)
                response.delete_cookie(ENROL_COOKIE, path="/sign-in")
                return response
        with self.accounts.engine.connect() as conn:
            who = sessions.principal(conn, data["u"])
        email = who.email if who is not None and who.email else ""
        target = safe_next(flask.request.values.get("next"))
        body = f"""{forms.message(problem)}
<p>Your organisation signed you in, but did not check a second factor, so this service asks
for one of its own. Add this account to an authenticator app: type the key below into it, or
give it the address that follows. Then enter the 6-digit code it shows.</p>
<p>Key: <code class="lfo-secret">{escape(secret)}</code></p>
<p>Address: <code class="lfo-secret">{escape(totp.provisioning_uri(secret, email))}</code></p>
<form method="post" action="/sign-in/sso/enrol" class="lfo-form" novalidate>\
{forms.hidden_csrf(self.accounts)}
<input type="hidden" name="next" value="{escape(target)}">
<div class="mb-3"><label class="form-label" for="code">Code from the app</label>
<input class="form-control" id="code" name="code" type="text" inputmode="numeric"
 autocomplete="one-time-code" required></div>
<button class="btn btn-primary" type="submit">Sign in</button></form>"""
        return self.pages.page("Sign in: add a second factor", body)

    # --- outcomes ------------------------------------------------------------------------------

    def signed_in(
        self, user_id: int, how: str, target: str, codes: list[str] | None = None
    ) -> Response:
        """A new session, then on to ``target``; with ``codes`` (a second factor just
        enrolled), a page that shows the recovery codes once and links to ``target``."""
        client = self.pages.client()
        with self.accounts.engine.begin() as conn:
            session_id, event = oidc.start_session(conn, user_id, how)
            record_event(conn, event, client)
            old = flask.request.cookies.get(SESSION_COOKIE)
            if session_id is not None and old:
                sessions.end_session(conn, old)
        if session_id is None:
            return self.page_refused(oidc.DISABLED)
        if codes:
            body = forms.message("Your second factor is set up.", kind="success")
            body += forms.recovery_codes(codes, target, "Continue")
            response = self.pages.page("Second factor added", body)
        else:
            response = flask.redirect(target, code=303)
        set_session_cookie(response, session_id, self.settings.https)
        response.delete_cookie(FLOW_COOKIE, path="/sign-in")
        return response

    def refused(self, target: str, detail: str, status: int = 403) -> Response:
        log.warning("single sign-on refused: %s", detail)
        with self.accounts.engine.begin() as conn:
            event = Event("failed sign-in", target, "refused", detail=detail[:200])
            record_event(conn, event, self.pages.client())
        return self.page_refused(oidc.FAILED, status)

    def page_refused(self, message: str, status: int = 403) -> Response:
        body = f'{forms.message(message)}<p><a href="/sign-in">Back to sign-in</a></p>'
        response = self.pages.page("You are not signed in", body, status)
        response.delete_cookie(FLOW_COOKIE, path="/sign-in")
        return response


def register_oidc(server: flask.Flask, pages: SsoPages) -> None:
    server.add_url_rule("/sign-in/sso", "lfo_sso_start", pages.start, methods=["POST"])
    server.add_url_rule(CALLBACK, "lfo_sso_callback", pages.callback, methods=["GET"])
    server.add_url_rule("/sign-in/sso/enrol", "lfo_sso_enrol", pages.enrol, methods=["GET", "POST"])

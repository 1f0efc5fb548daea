"""Which figures a request reads: a release, or the live figures (service.md §§ 1, 7).

Every page, callback, download and API request may name ``release=ID`` (or ``release=latest``).
The API and the pages read it from their address; a Dash callback (a POST from the page) from
the address of the page that sent it (its ``Referer``, same site only), since the page's
callbacks carry no address of their own. An id is checked against the releases table: an
unknown or malformed one is a 404 (JSON under ``/api/``), never the live figures. Without one,
whoever may see live figures (programme and LA leads) reads them; anyone else (researchers,
the public) reads the latest release, and before the first release the gate refuses them as
before. ``resolve`` runs in the gate, once per request, and keeps the answer in ``flask.g``
(``dashboard.services.RELEASE_KEY``) for ``Services.data``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import flask

from dashboard.api.errors import SaidNotFound as NotFound
from dashboard.services import LIVE_KEY, RELEASE_KEY
from dashboard.services.releases import ReleaseStore
from dashboard.web.limits import CALLBACK_PATH
from lfo.releases import LATEST, MAX_ID_LENGTH, Release, parse_id

PARAM = "release"
#: Paths whose requests never read figures (no release is looked up for them).
_NOT_FIGURES = ("/assets/", "/_dash-component-suites/", "/static/", "/healthz", "/sign-in")


def asked(request: flask.Request) -> str | None:
    """The release the request names (None: none named)."""
    if request.path == CALLBACK_PATH or request.path.startswith("/_dash-"):
        referrer = request.headers.get("Referer", "")
        parts = urlsplit(referrer)
        if not referrer or parts.netloc != request.host:
            return None
        values = parse_qs(parts.query).get(PARAM)
        return values[0] if values else None
    return request.args.get(PARAM)


def resolve(request: flask.Request, store: ReleaseStore, *, live_allowed: bool) -> Release | None:
    """The release this request reads (None: live), kept in ``flask.g``; NotFound for a release
    that does not exist."""
    flask.g.pop(RELEASE_KEY, None)
    setattr(flask.g, LIVE_KEY, live_allowed)
    if request.path.startswith(_NOT_FIGURES):
        return None
    text = asked(request)
    if text is None or text == "":
        found = None if live_allowed else store.latest()
    elif text.strip().lower() == LATEST:
        found = store.latest()
        if found is None:
            raise NotFound("No release is published yet.")
    else:
        found = named(store, text)
    setattr(flask.g, RELEASE_KEY, found)
    return found


def named(store: ReleaseStore, text: str) -> Release:
    """The release called ``text``; a 404 saying why when it is malformed or does not exist."""
    try:
        parse_id(text)
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    found = store.get(text.strip())
    if found is None:
        raise NotFound(
            f"There is no release {text.strip()[:MAX_ID_LENGTH]!r}: see /releases for the "
            "published releases."
        )
    return found

"""Request size limits and the shape of a callback's body (service.md § 3), checked before any
view runs.

- Every request: a body of at most ``MAX_BODY_BYTES`` (50 MB); more is refused with 413 before it
  is read. A return's upload (``UPLOAD_PATH``) may be ``UPLOAD_MAX_BYTES``: a 50 MB file and its
  multipart framing (the file part itself is held to 50 MB as it is copied).
- ``POST /_dash-update-component`` (every Dash callback): at most ``CALLBACK_MAX_BYTES`` (1 MB:
  the pages' real callback bodies are under 10 kB), else 413; then the body must be JSON (400
  otherwise), nested at most ``MAX_JSON_DEPTH`` levels (the pages' bodies are 6 deep; Python's own
  JSON reader fails with a 500 on a few thousand), and an object naming one of the app's callbacks,
  with as many inputs and states as it has, each a component property (Dash itself fails with a
  500 on anything else).

A request answered without reading its body (refused by a limit, or by the gate before any view)
has its body read and dropped, up to ``DRAIN_MAX_BYTES``, after the answer is written and before
the connection closes: gunicorn closes it after each answer, and a body left unread makes that
close a reset, which nginx, still sending the body, reports as its own 502 instead of the app's
answer (found by tests/test_nginx.py).

What a callback's values mean (area codes, indicators, periods) is checked by the callbacks
against the server's own lists; this module only keeps bodies Dash cannot read from reaching it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import flask
import numpy as np
import orjson
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.wrappers import Response
from werkzeug.wsgi import ClosingIterator, LimitedStream

MAX_BODY_BYTES = 50 * 1024 * 1024
CALLBACK_MAX_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
CALLBACK_PATH = "/_dash-update-component"
#: A return's upload (``dashboard.web.submissions_page``): its file may be 50 MB, so the request
#: may be that and the multipart framing and form fields around it.
UPLOAD_PATH = "/returns/upload"
UPLOAD_MAX_BYTES = MAX_BODY_BYTES + 256 * 1024
#: More than nginx lets through (``client_max_body_size 51m``, deploy/nginx/lfo.conf): a larger
#: declared body is not read (it can only come from a client that bypassed the proxy).
DRAIN_MAX_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024
#: Where ``register_drain`` leaves the body's stream for ``DrainAfterAnswer`` (None: unopened).
_BODY = "lfo.request_body"
REFUSED = "the callback request was refused: "
TOO_DEEP = f"it nests more than {MAX_JSON_DEPTH} levels deep"
#: A JSON string (with its escapes); what is left outside them is the document's structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_depth(text: bytes) -> int:
    """How deeply the JSON document ``text`` nests lists and objects (a scalar is 0, ``[]`` is 1),
    read from its brackets outside strings: linear in the size, without building anything (a walk
    over the parsed value took 0.7 s for a 1 MB body of 100,000 small lists)."""
    structure = np.frombuffer(_STRING.sub(b"", text), dtype=np.uint8)
    opens = (structure == ord("[")) | (structure == ord("{"))
    closes = (structure == ord("]")) | (structure == ord("}"))
    return int(np.cumsum(opens.astype(np.int32) - closes).max(initial=0))


def _is_prop(item: Any) -> bool:
    """A component property as the renderer names it: ``{"id": …, "property": …}``."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("property"), str)
        and isinstance(item.get("id"), str | dict)
    )


def _are_props(items: Any, count: int | None = None) -> bool:
    """A list of properties (each one, or a list of them for a pattern-matching wildcard)."""
    return (
        isinstance(items, list)
        and (count is None or len(items) == count)
        and all(_is_prop(i) or (isinstance(i, list) and all(map(_is_prop, i))) for i in items)
    )


def _outputs_fit(outputs: Any, spec: Mapping[str, Any]) -> bool:
    """Whether ``outputs`` names as many properties as the callback has outputs."""
    if spec.get("no_output"):
        return True
    declared = spec.get("output")
    if isinstance(declared, list | tuple):  # several outputs: one entry each
        return _are_props(outputs, len(declared))
    return _is_prop(outputs) or _are_props(outputs)  # one (a list for a wildcard)


def check_callback_body(data: bytes, callbacks: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise BadRequest (with a clear message) unless ``data`` is a body Dash can answer: JSON, at
    most ``MAX_JSON_DEPTH`` deep, naming one of ``callbacks`` (Dash's callback map) with as many
    inputs and states as it has, each a component property."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        too_deep = "depth" in str(exc) or "recursion" in str(exc)
        raise BadRequest(REFUSED + (TOO_DEEP if too_deep else "it is not valid JSON")) from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(REFUSED + TOO_DEEP)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise BadRequest(REFUSED + "it is not a Dash callback (an object with an output)")
    spec = callbacks.get(body["output"])
    if spec is None:
        raise BadRequest(REFUSED + "this app has no such callback")
    if "callback" not in spec:  # a clientside callback: it runs in the browser, never here
        raise BadRequest(REFUSED + "this callback runs in the browser, not on the server")
    changed = body.get("changedPropIds", [])
    if not (
        _are_props(body.get("inputs"), len(spec.get("inputs") or []))
        and _are_props(body.get("state", []), len(spec.get("state") or []))
        and _outputs_fit(body.get("outputs"), spec)
        and isinstance(changed, list)
        and all(isinstance(c, str) for c in changed)
    ):
        raise BadRequest(REFUSED + "its inputs, states or outputs are not this callback's")


def register_limits(server: flask.Flask, callbacks: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse bodies over the limits (413) and callback bodies Dash cannot answer (400) before any
    view; ``callbacks``: the app's callback map (read at each request, so complete by then)."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def _limits() -> None:
        request = flask.request
        is_callback = request.path == CALLBACK_PATH and request.method == "POST"
        if is_callback:
            request.max_content_length = CALLBACK_MAX_BYTES
        elif request.path == UPLOAD_PATH and request.method == "POST":
            request.max_content_length = UPLOAD_MAX_BYTES
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge(
                f"the request is larger than this address accepts ({limit // 1024 // 1024} MB)"
            )
        if is_callback:
            check_callback_body(request.get_data(cache=True), callbacks)


class DrainAfterAnswer:
    """WSGI middleware: once the answer has been written (when the server closes it), read and
    drop what is left of the request's body, at most ``DRAIN_MAX_BYTES`` (module docstring).
    After the answer, so a client that sent only the headers still has its 413 at once."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        answer = self.app(environ, start_response)
        return ClosingIterator(answer, lambda: drain_body(environ))


def drain_body(environ: dict[str, Any]) -> None:
    """Read what is left of the body: through the stream a view opened (it knows what was
    read), else from the start; nothing if the app never said which (``_BODY`` unset)."""
    if _BODY not in environ:
        return
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not 0 < length <= DRAIN_MAX_BYTES:
        return
    stream = environ[_BODY] or LimitedStream(environ["wsgi.input"], length)
    try:
        while stream.read(_CHUNK):
            pass
    except (OSError, ValueError, RequestEntityTooLarge):  # the client went, or its body lied
        return


def register_drain(server: flask.Flask) -> None:
    """Drain every request's unread body after its answer (``DrainAfterAnswer``)."""

    @server.after_request
    def _remember_body(response: Response) -> Response:
        request = flask.request
        opened = "stream" in request.__dict__  # Werkzeug's cached stream: (partly) read
        request.environ[_BODY] = request.stream if opened else None
        return response

    server.wsgi_app = DrainAfterAnswer(server.wsgi_app)  # type: ignore[method-assign]

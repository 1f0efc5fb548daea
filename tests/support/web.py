"""Helpers for the web layer's tests: a small database, the checks every answer must pass, a real
callback body for the app's router, and the inline scripts of a page."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from support.engine_db import build_db, episode

NEWCASTLE, GATESHEAD = "E08000021", "E08000037"
#: The callback body limit and JSON depth the spec and docs/operations.md promise.
ONE_MB = 1024 * 1024
JSON_DEPTH = 64


def small_db(path: Path) -> str:
    """Two areas with one quarter of episodes each (enough for rows in every answer)."""
    q2 = "2017-08-15"
    return build_db(
        path,
        {
            NEWCASTLE: [episode("completed", q2)] * 30 + [episode("dropped_out", q2)] * 5,
            GATESHEAD: [episode("completed", q2)] * 12,
        },
    )


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as directive → its sources."""
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def security_problems(headers: Mapping[str, str] | Any, https: bool = False) -> list[str]:
    """What the answer's headers lack of service.md § 3 (an empty list: nothing)."""
    problems = []
    csp = headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    d = csp_directives(csp)
    scripts = d.get("script-src", [])
    if not scripts or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        problems.append(f"script-src allows inline or eval, or is missing: {scripts}")
    if any(s != "'self'" and not s.startswith("'sha256-") for s in scripts):
        problems.append(f"script-src allows more than this site and hashes: {scripts}")
    if d.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if d.get("default-src") != ["'self'"] or d.get("object-src") != ["'none'"]:
        problems.append("default-src or object-src too open")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    problems += [f"{k}: {headers.get(k)!r}" for k, v in expected.items() if headers.get(k) != v]
    hsts = headers.get("Strict-Transport-Security")
    if https and not (hsts and "max-age=31536000" in hsts):
        problems.append(f"no Strict-Transport-Security: {hsts!r}")
    if not https and hsts:
        problems.append("Strict-Transport-Security over plain http")
    if not headers.get("X-Request-ID"):
        problems.append("no X-Request-ID")
    return problems


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._open is None:
            return
        attrs, self._open = self._open, None
        if attrs.get("src"):
            self.sources.append(str(attrs["src"]))
        elif attrs.get("type") in (None, "text/javascript", "application/javascript"):
            self.inline.append("".join(self._text))


def page_scripts(page_html: str) -> tuple[list[str], list[str]]:
    """The executable inline scripts of a page (their text) and the addresses of its others."""
    parser = _Scripts()
    parser.feed(page_html)
    return parser.inline, parser.sources


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def router_body(app: Any, pathname: str = "/") -> dict[str, Any]:
    """A body the browser sends to ``/_dash-update-component`` for the app's router (the
    callback whose input is the address's path and state its query), built from the app's own
    callback map so that it stays true to the app."""
    routers = [
        (output, spec)
        for output, spec in app.callback_map.items()
        if spec["inputs"] == [{"id": "url", "property": "pathname"}]
    ]
    assert routers, "the app has no router callback"
    output, spec = routers[0]
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    values = {"pathname": pathname, "search": ""}
    return {
        "output": output,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in declared],
        "inputs": [{**i, "value": values.get(i["property"])} for i in spec["inputs"]],
        "state": [{**s, "value": values.get(s["property"])} for s in spec["state"]],
        "changedPropIds": ["url.pathname"],
    }

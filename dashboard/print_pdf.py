"""A self-contained HTML document printed to an A4 PDF by headless Chromium (the area profile's
PDF, ``dashboard.web.profile_pdf``).

Chromium runs in a child process of its own session (``python -m dashboard.print_pdf``, driven
by Playwright), never in the server process: the parent waits at most ``timeout`` seconds, then
kills the child's whole process group, and kills it again after a normal exit, so no Chromium
is ever left behind by a render that hung or failed. One render at a time per server process
(``PdfPrinter``): a second request while one runs is told to try again (``Busy``), rather than
queueing Chromium processes on a two-core machine.

The document is given to Chromium with ``set_content`` (no address, no cookie, no session: the
browser acts for nobody), every request it would make is refused, and its charts are drawn by
the plotly.js the app already serves, inlined. The PDF is tagged (a structure tree for screen
readers) and has an outline from its headings, as Playwright lets Chromium make them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

#: The JavaScript flag the document sets once its charts are drawn.
DRAWN_FLAG = "window.lfoDrawn === true"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
)


class Busy(RuntimeError):
    """Another PDF is being made by this process."""


class RenderFailed(RuntimeError):
    """Chromium did not make the PDF (it failed, or took longer than the timeout)."""


class PdfPrinter:
    """Prints documents one at a time (``Busy`` when one is under way), each in a child
    process killed whole after ``timeout`` seconds."""

    def __init__(self, chromium: str, timeout: float) -> None:
        self.chromium = chromium
        self.timeout = timeout
        self._lock = threading.Lock()

    def print(self, html: str) -> bytes:
        if not self._lock.acquire(blocking=False):
            raise Busy("another PDF is being made")
        try:
            return render(html, self.chromium, self.timeout)
        finally:
            self._lock.release()


def render(
    html: str, chromium: str, timeout: float, on_start: Callable[[int], None] | None = None
) -> bytes:
    """The PDF of ``html``, made in a child process (``main``); ``RenderFailed`` on any failure.
    ``on_start``: told the child's process id (its process group's), for tests."""
    with tempfile.TemporaryDirectory(prefix="lfo-pdf-") as where:
        source, target = Path(where) / "profile.html", Path(where) / "profile.pdf"
        source.write_text(html, encoding="utf-8")
        command = [sys.executable, "-m", "dashboard.print_pdf", str(source), str(target)]
        env = {**os.environ, "LFO_CHROMIUM": chromium, "LFO_PDF_TIMEOUT": str(timeout)}
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: Chromium and all its children
        )
        if on_start is not None:
            on_start(child.pid)
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(child.pid)
            child.communicate()
            raise RenderFailed(f"Chromium took longer than {timeout:g} seconds") from None
        finally:
            _kill_group(child.pid)
        if child.returncode != 0 or not target.exists():
            why = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason given"]
            log.warning("profile PDF: the renderer failed (%s): %s", child.returncode, why[0])
            raise RenderFailed(why[0])
        return target.read_bytes()


def _kill_group(pid: int) -> None:
    """Kill every process of the child's group (the child itself, Chromium and its helpers)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def print_file(source: Path, target: Path, chromium: str, timeout_ms: float) -> None:
    """In the child: open ``source``'s HTML in Chromium, wait until its charts are drawn, and
    print it to ``target`` as a tagged A4 PDF with an outline."""
    from playwright.sync_api import sync_playwright

    html = source.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=list(CHROMIUM_ARGS), timeout=timeout_ms
        )
        try:
            context = browser.new_context(java_script_enabled=True, offline=True)
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.route("**/*", lambda route: route.abort())  # the document loads nothing
            page.set_content(html, wait_until="load")
            page.wait_for_function(DRAWN_FLAG)
            page.emulate_media(media="print")
            page.pdf(
                path=str(target),
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                tagged=True,
                outline=True,
            )
        finally:
            browser.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m dashboard.print_pdf SOURCE.html TARGET.pdf", file=sys.stderr)
        return 2
    chromium = os.environ.get("LFO_CHROMIUM") or "/usr/bin/chromium"
    timeout_ms = float(os.environ.get("LFO_PDF_TIMEOUT") or "30") * 1000
    try:
        print_file(Path(argv[0]), Path(argv[1]), chromium, timeout_ms)
    except Exception as exc:  # noqa: BLE001 (any failure: the parent reads the last line of stderr as the reason)
        print(
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

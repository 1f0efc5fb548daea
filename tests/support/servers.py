"""Real servers for the web layer's tests: ``python -m dashboard`` (werkzeug) or gunicorn started as
processes on a free loopback port, and plain HTTP requests to them (``http.client``: nothing
between the test and the socket)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def request(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """One request to ``base`` (``http://127.0.0.1:PORT``) on a new connection."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


@dataclass
class Served:
    """A server process: its base URL and the file its stderr goes to."""

    base: str
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def _env(extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LFO_WARM_CACHE="0",
        LFO_CACHE_DIR="off",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    env.update(extra)
    return env


@contextmanager
def serve_process(
    command: list[str], port: int, env: Mapping[str, str], log_dir: Path
) -> Iterator[Served]:
    """Run ``command`` (which listens on ``port``) until the block ends; fail if it never
    answers within 60 s."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"server-{port}.err"
    with open(stderr_path, "wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=_env(env), stdout=subprocess.DEVNULL, stderr=err
        )
    base = f"http://127.0.0.1:{port}"
    served = Served(base, process, stderr_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited ({process.returncode}):\n{served.stderr()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server never answered:\n{served.stderr()}") from None
                time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def gunicorn(
    database_url: str, log_dir: Path, env: Mapping[str, str] | None = None, workers: int = 1
) -> AbstractContextManager[Served]:
    """A real gunicorn serving ``dashboard.wsgi:server`` with ``deploy/gunicorn.conf.py``."""
    port = free_port()
    command = [
        GUNICORN,
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "dashboard.wsgi:server",
    ]
    return serve_process(command, port, {"LFO_DATABASE_URL": database_url, **(env or {})}, log_dir)


def dev_server(
    database_url: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> AbstractContextManager[Served]:
    """``python -m dashboard`` (werkzeug's development server) on the database, no demo;
    ``args``: more of its options (such as ``--no-sign-in``)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "dashboard",
        "--db",
        database_url,
        "--port",
        str(port),
        "--no-demo",
        *args,
    ]
    return serve_process(command, port, env or {}, log_dir)

"""A throw-away Redis server for tests: Debian's ``redis-server`` on loopback, a free port, a
temporary configuration with a password and no persistence; it can be stopped and started again
on the same port (Redis going down and coming back). If ``redis-server`` is missing the tests
fail and say to run ``scripts/install.sh``: they never skip."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from support.postgres import free_port

INSTALL_HINT = (
    "redis-server is not installed: run scripts/install.sh (installs Debian's redis-server)"
)


class RedisServer:
    """One ``redis-server`` process; ``url`` carries its password as ``LFO_REDIS_URL`` would."""

    def __init__(self, root: Path) -> None:
        program = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(program).exists():
            raise RuntimeError(INSTALL_HINT)
        self.program = program
        self.root = root
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"
        self.config = root / "redis.conf"
        self.config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f"requirepass {self.password}",
                    'save ""',
                    "appendonly no",
                    f"dir {root}",
                    "daemonize no",
                    "protected-mode yes",
                    f"logfile {root / 'redis.log'}",
                ]
            )
            + "\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([self.program, str(self.config)])
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.root / "redis.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redis-server did not start: {log}") from None
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A started server, stopped (and its folder removed) afterwards."""
    root = Path(tempfile.mkdtemp(prefix="lfo-redis-"))
    server = RedisServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

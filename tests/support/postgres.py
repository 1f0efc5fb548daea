"""A throw-away PostgreSQL cluster for tests: ``initdb`` + ``pg_ctl`` in a temporary folder.

As root the server runs as the ``postgres`` user (``initdb`` refuses root). If the PostgreSQL
binaries are missing, the fixture fails and says to run ``scripts/install.sh``: it never skips.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

INSTALL_HINT = "PostgreSQL is not installed: run scripts/install.sh (installs Debian's postgresql)"


def pg_bin() -> Path:
    """The folder of the newest installed PostgreSQL server's programs."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")


class Cluster:
    """A throw-away cluster that can be stopped and started again on the same port and data
    folder (a PostgreSQL restart, as an operator's or a package upgrade's, under a running app).

    ``open()`` runs ``initdb``, starts the server on a free port and creates the database ``lfo``;
    ``stop(mode)`` and ``start()`` stop and start the same server; ``close()`` stops it and
    removes its files."""

    def __init__(self) -> None:
        self.bindir = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="lfo-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
        self.port = 0
        self.running = False

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database ``lfo``."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/lfo"

    def open(self) -> str:
        """Make the cluster, start it and create ``lfo``; its URL."""
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
            self.root.chmod(0o700)
        _run(
            [
                str(self.bindir / "initdb"),
                *("-D", str(self.data), "-U", self.user, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C", "--no-sync"),
            ]
        )
        for attempt in range(3):  # another process may take the free port before the server does
            self.port = free_port()
            try:
                self.start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        host = ("-h", "127.0.0.1", "-p", str(self.port), "-U", self.user)
        _run([str(self.bindir / "createdb"), *host, "lfo"])
        return self.url

    def start(self) -> None:
        """Start the server (again) on its port, waiting until it accepts connections."""
        _run(
            [
                *(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30"),
                *("-l", str(self.root / "server.log"), "-o"),
                f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ]
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session at once (a restart's default),
        ``immediate`` as a crash would."""
        self.running = False
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def close(self) -> None:
        """Stop the server if it runs, and remove its files."""
        if self.running:
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A started ``Cluster`` (its ``url``), closed afterwards."""
    cluster = Cluster()
    try:
        cluster.open()
        yield cluster
    finally:
        cluster.close()


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster on a free port; yield a SQLAlchemy URL of a fresh database ``lfo``."""
    with postgres_cluster() as cluster:
        yield cluster.url


def create_database(url: str, name: str) -> str:
    """Create another database on the same server, named ``name`` and a random suffix (two
    modules that chose the same name in one run would otherwise collide); returns its URL."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"{name}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name

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


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster on a free port; yield a SQLAlchemy URL of a fresh database ``lfo``."""
    bindir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="lfo-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
        root.chmod(0o700)
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
    started = False
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        for attempt in range(3):  # another process may take the free port before the server does
            port = free_port()
            try:
                _run(
                    [
                        str(bindir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-w",
                        "-t",
                        "30",
                        "-l",
                        str(root / "server.log"),
                        "-o",
                        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off",
                        "start",
                    ]
                )
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        started = True
        _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "lfo"])
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/lfo"
    finally:
        if started:
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


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

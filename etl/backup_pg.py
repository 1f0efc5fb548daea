"""PostgreSQL's side of backup and restore: ``pg_dump --format=custom`` and ``pg_restore``.

The connection comes from the database URL, passed to the programs through libpq's environment
variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``, ``PGSSLMODE``…) and the password
through a passfile of our own (mode 0600 in a 0700 temporary folder, removed afterwards): never
on a command line, where ``ps`` shows it to every user of the machine, nor in ``PGPASSWORD``,
which ``/proc/<pid>/environ`` shows to the same user.

The programs are the newest installed (Debian's ``/usr/lib/postgresql/<major>/bin``, else the
``PATH``): ``pg_dump`` must be at least the server's version.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from lfo.db import DatabaseError

#: The URL's query parameters libpq also reads from the environment.
QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}
INSTALL_HINT = "install PostgreSQL's client programs (Debian: apt-get install postgresql-client)"


def program(name: str) -> Path:
    """``pg_dump`` or ``pg_restore``: the newest Debian-installed one, else the one on PATH."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1])
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    raise DatabaseError(f"{name} is not installed: {INSTALL_HINT}")


@contextmanager
def libpq_env(url: str) -> Iterator[dict[str, str]]:
    """The environment that points libpq at ``url``'s database, its password in a passfile that
    exists only inside the ``with`` block."""
    u = make_url(url)
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", u.host),
        ("PGPORT", None if u.port is None else str(u.port)),
        ("PGUSER", u.username),
        ("PGDATABASE", u.database),
    ):
        if value:
            env[key] = value
    for key, given in u.query.items():
        if key not in QUERY_ENV:
            raise DatabaseError(
                f"the database URL's parameter {key!r} cannot be passed to pg_dump/pg_restore "
                f"(known: {', '.join(sorted(QUERY_ENV))}): set it in ~/.pg_service.conf and use "
                "?service=NAME, or leave it out"
            )
        env[QUERY_ENV[key]] = given if isinstance(given, str) else ",".join(given)
    if u.password is None:
        yield env
        return
    folder = Path(tempfile.mkdtemp(prefix="lfo-pgpass-"))  # mode 0700
    try:
        passfile = folder / "pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"*:*:*:*:{_escaped(u.password)}\n")
        env["PGPASSFILE"] = str(passfile)
        env.pop("PGPASSWORD", None)  # it would win over the passfile
        yield env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _escaped(text: str) -> str:
    """A passfile field: ``\\`` and ``:`` escaped with a backslash."""
    return text.replace("\\", "\\\\").replace(":", "\\:")


def dump(url: str, target: Path, *, snapshot: str | None) -> None:
    """``pg_dump --format=custom`` of ``url``'s database into ``target`` (mode 0600), of the
    exported ``snapshot`` when given (the data the manifest describes, exactly)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    cmd = [str(program("pg_dump")), "--format=custom", "--no-password", f"--file={target}"]
    if snapshot is not None:
        cmd.append(f"--snapshot={snapshot}")
    with libpq_env(url) as env:
        _run(cmd, env, "pg_dump")
    os.chmod(target, 0o600)


def restore(url: str, source: Path, *, clean: bool) -> None:
    """``pg_restore`` of ``source`` into ``url``'s database, in one transaction (a failure leaves
    the database as it was); ``clean``: drop the dump's objects first (``--force``). Owners and
    grants are the restoring user's (``--no-owner --no-acl``): the target's roles may differ."""
    database = make_url(url).database
    if not database:
        raise DatabaseError("the database URL names no database: add /NAME to it")
    cmd = [
        str(program("pg_restore")),
        "--no-password",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={database}",
    ]
    if clean:
        cmd += ["--clean", "--if-exists"]
    with libpq_env(url) as env:
        _run([*cmd, str(source)], env, "pg_restore")


def _run(cmd: list[str], env: dict[str, str], name: str) -> None:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise DatabaseError(f"cannot run {name}: {exc.strerror or exc} ({INSTALL_HINT})") from exc
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        detail = "; ".join(lines[-3:]) or f"exit status {proc.returncode}"
        hint = ""
        if "version mismatch" in detail:
            hint = f" ({name} must be at least the server's version: {INSTALL_HINT})"
        raise DatabaseError(f"{name} failed: {detail}{hint}")

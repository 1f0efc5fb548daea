"""docs/operations.md "From an empty Debian machine to the service behind nginx", followed in
order on loopback (issue 15, "Done when"): a throw-away PostgreSQL, Debian's ``redis-server``,
gunicorn started from ``deploy/systemd/lfo-web.service``'s own ``ExecStart``, the worker from
``lfo-worker.service``'s, the results maker from ``lfo-results.service``'s, Debian's nginx with ``deploy/nginx/lfo.conf`` and a self-signed
certificate.

The commands are not copied here: every code block the document marks ``<!-- walkthrough: NAME
-->`` is read from it and run as written by bash, with only the production machine's names
replaced by this run's (``render``: each replaced name must still be in its block, so an edit to
the document changes what runs, and cannot leave a line untested). What the person does in the
browser (accepting the invitation, making an API token) is done here through the same library
calls the pages make."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from support.accounts import PASSWORD
from support.dumps import TODAY
from support.nginx import NAME, Stack, nginx
from support.postgres import pg_bin
from support.redis_server import redis_server
from support.returns import write_return
from support.servers import ROOT, free_port

from dashboard.services.database import Database
from dashboard.services.queries import data_version, figures_version
from dashboard.services.redis_cache import RedisResults
from dashboard.services.results_maker import AHEAD, made_key
from lfo import schema
from lfo.access import audit, invitations, tokens, totp
from lfo.access.secrets import load_key

DOC = ROOT / "docs" / "operations.md"
UNITS = ROOT / "deploy" / "systemd"
SECTION = "## From an empty Debian machine to the service behind nginx (issue 15)"
BLOCK = re.compile(r"<!-- walkthrough: ([\w-]+) -->[ \t]*\n[ \t]*```[^\n]*\n(.*?)\n[ \t]*```", re.S)
STEPS = ("postgres", "settings", "database", "load", "users", "backup")
PYTHON = ".venv/bin/python"  # every block runs the program as the walkthrough installs it
LEAD = "lead@dwp.gov.uk"


def walkthrough() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return text[start:end]


def blocks() -> dict[str, str]:
    """The marked blocks of the walkthrough, in order, their list indentation removed."""
    found: dict[str, str] = {}
    for name, body in BLOCK.findall(walkthrough()):
        assert name not in found, f"two blocks marked {name!r}"
        found[name] = "\n".join(line.strip() for line in body.splitlines())
    return found


def render(block: str, values: Mapping[str, str]) -> str:
    """``block`` with this machine's names replaced; each must be in it."""
    for old, new in values.items():
        assert old in block, f"the walkthrough's block no longer holds {old!r}:\n{block}"
        block = block.replace(old, new)
    return block


def start_block(block: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """Start a block in bash (stopping at the first failing line)."""
    return subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(name: str, process: subprocess.Popen[str]) -> str:
    """Wait for a started block or command; its standard output (it must succeed)."""
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"step {name!r} failed ({process.args}):\n{out}\n{err}"
    return out


def made_in_redis(redis_url: str, url: str, threshold: int, seconds: float = 600.0) -> None:
    """Wait until the results maker has marked the current data's figures made in Redis."""
    with Database(url).engine.connect() as conn:
        version = figures_version(data_version(conn))
    shared = RedisResults(redis_url, url)
    deadline = time.monotonic() + seconds
    while not shared.marked(version, made_key(AHEAD, threshold)):
        assert time.monotonic() < deadline, "the results maker made nothing"
        time.sleep(0.5)


def run_block(name: str, block: str, env: Mapping[str, str]) -> str:
    return finish(name, start_block(block, env))


def exec_start(unit: str, venv_program: str) -> list[str]:
    """A unit's ``ExecStart``, its program taken from this checkout's environment."""
    [line] = [x for x in (UNITS / unit).read_text().splitlines() if x.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart="))
    assert command[0] == f"/srv/lfo/.venv/bin/{venv_program}", command
    return [str(Path(sys.executable).with_name(venv_program)), *command[1:]]


def settings_file(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd's ``EnvironmentFile`` reads them (comments on their own)."""
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert key.startswith("LFO_") and " #" not in value, line
            values[key] = value
    return values


@contextmanager
def gunicorn_from_unit(env: Mapping[str, str], socket: Path, logs: Path) -> Iterator[Path]:
    command = exec_start("lfo-web.service", "gunicorn")
    bind = command.index("--bind")
    assert command[bind + 1] == "unix:/run/lfo/web.sock"
    command[bind + 1] = f"unix:{socket}"
    command[command.index("-c") + 1] = str(ROOT / "deploy" / "gunicorn.conf.py")
    stderr = logs / "gunicorn.err"
    with open(stderr, "wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stderr=err)
    try:
        yield stderr
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def healthy(stack: Stack, gunicorn_log: Path) -> dict[str, object]:
    """``/healthz`` through nginx once gunicorn answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        answer = stack.https("GET", "/healthz")
        if answer.status == 200 or time.monotonic() > deadline:
            assert answer.status == 200, (answer.status, gunicorn_log.read_text()[-3000:])
            return dict(json.loads(answer.body))
        time.sleep(0.2)


def lead_token(url: str, secrets_key: Path, link: str) -> str:
    """What the lead does in the browser: open the link, enrol, then make an API token."""
    invitation = link.rsplit("/", 1)[1]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    key = load_key(secrets_key)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            opened = invitations.open_invitation(conn, key, invitation, now=now)
            code = totp.code_at(opened.secret, totp.time_step(now))
            accepted = invitations.accept_invitation(
                conn, key, invitation, password=PASSWORD, code=code, now=now
            )
            assert accepted.problem is None, accepted.problem
            u = schema.users
            user_id = conn.execute(select(u.c.user_id).where(u.c.email == LEAD)).scalar_one()
            return tokens.create_token(conn, user_id, "walkthrough", now=now).token
    finally:
        engine.dispose()


def audit_actions(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r["action"], r["outcome"]) for r in audit.query(conn)]
    finally:
        engine.dispose()


def test_the_walkthrough_marks_each_block_it_runs_and_numbers_its_steps_in_order():
    assert tuple(blocks()) == STEPS
    numbers = [int(n) for n in re.findall(r"^ ?(\d+)\. \*\*", walkthrough(), re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 13
    for name in (
        "lfo-web.service",
        "lfo-worker.service",
        "lfo-results.service",
        "lfo-backup.timer",
    ):
        assert (UNITS / name).is_file() and name.split(".")[0] in walkthrough()


def test_from_an_empty_machine_to_the_service_behind_nginx_on_postgresql_and_redis(
    pg_url, tmp_path
):
    steps = blocks()
    server = make_url(pg_url)
    database = f"lfo_walk_{os.getpid()}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("LFO_")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), base.get("PYTHONPATH"))))

    # 4. the role and its database, as PostgreSQL's superuser
    pg_env = base | {
        "PATH": f"{pg_bin()}{os.pathsep}{base['PATH']}",
        "PGHOST": str(server.host),
        "PGPORT": str(server.port),
        "PGUSER": str(server.username),
    }
    run_block(
        "postgres",
        render(
            steps["postgres"],
            {"sudo -u postgres ": "", "--owner=lfo lfo": f"--owner=lfo {database}"},
        ),
        pg_env,
    )

    short = Path(tempfile.mkdtemp(prefix="lfo-walk-"))  # a unix socket's path is short
    try:
        with redis_server() as redis:
            https_port = free_port()
            data = tmp_path / "data"
            data.mkdir(mode=0o700)
            # 6. the settings file, with this machine's addresses
            settings = settings_file(
                render(
                    steps["settings"],
                    {
                        "postgresql+psycopg://lfo@/lfo": (
                            f"postgresql+psycopg://lfo@{server.host}:{server.port}/{database}"
                        ),
                        "redis://:CHANGE-the-redis-password@127.0.0.1:6379/0": redis.url,
                        "https://lfo.example.gov.uk": f"https://{NAME}:{https_port}",
                        "/srv/lfo/data/": f"{data}/",
                    },
                )
            )
            url = settings["LFO_DATABASE_URL"]
            # the returns' dates are the test data's; warming would only cost this test CPU
            env = base | settings | {"LFO_TODAY": TODAY, "LFO_WARM_CACHE": "0"}
            python = {PYTHON: sys.executable}

            # 7. the database, an area joining, two returns
            run_block("database", render(steps["database"], python), env)
            incoming = tmp_path / "incoming"
            write_return(incoming / "returns", period="2017-18_Q3")
            write_return(incoming / "returns", period="2017-18_Q4")
            (incoming / "areas-joining.csv").write_text(
                "gss_code,name,region,families,annual_target\n"
                "E06000059,Dorset,South West,12000,400\n",
                encoding="utf-8",
            )
            loads = python | {"/srv/lfo/incoming/": f"{incoming}/"}
            out = run_block("load", render(steps["load"], loads), env)
            assert "E08000021" in out
            assert Path(settings["LFO_ID_KEY_FILE"]).is_file()  # made by the first load

            # 8. the first programme lead
            out = run_block("users", render(steps["users"], python), env)
            [link] = re.findall(rf"https://{NAME}:{https_port}/\S+", out)
            token = lead_token(url, Path(settings["LFO_SECRETS_KEY_FILE"]), link)

            # 9.-11. the units (the worker until nothing waits), the certificate, the nginx site
            socket = short / "web.sock"
            worker = subprocess.Popen(
                [*exec_start("lfo-worker.service", "python"), "--once"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            maker = subprocess.Popen(
                exec_start("lfo-results.service", "python"),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            backups = tmp_path / "backup"
            with (
                gunicorn_from_unit(env, socket, tmp_path) as gunicorn_log,
                nginx(tmp_path / "nginx", socket, free_port(), https_port) as stack,
            ):
                # 12. check it
                health = healthy(stack, gunicorn_log)
                assert (health["status"], health["shared_cache"]) == ("ok", "ok")
                # 13. backups and retention run while the site serves
                chores = python | {"/backup/lfo": str(backups)}
                backup = start_block(render(steps["backup"], chores), env)
                assert stack.https("GET", "/api/v1/areas").status == 401
                answer = stack.https(
                    "GET", "/api/v1/areas", headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status == 200, answer.body[:500]
                areas = {a["code"]: a for a in json.loads(answer.body)["data"]}
                assert areas["E08000021"]["latest_return"] == "2017-18_Q4"
                assert areas["E06000059"]["name"] == "Dorset"
                rid = answer.header("X-Request-ID")
                lines = [x for x in gunicorn_log.read_text().splitlines() if rid and rid in x]
                assert lines and all(json.loads(x)["request_id"] == rid for x in lines)
                finish("worker", worker)
                finish("backup", backup)
                made_in_redis(redis.url, url, int(settings.get("LFO_SUPPRESSION_THRESHOLD", 10)))
                maker.terminate()  # systemd's stop: SIGTERM
                finish("results", maker)

            [made] = backups.iterdir()
            assert (made / "lfo.dump").is_file() and not (made / "keys").exists()
            done = audit_actions(url)
            assert ("backup-made", "ok") in done and ("files-pruned", "nothing due") in done
    finally:
        shutil.rmtree(short, ignore_errors=True)

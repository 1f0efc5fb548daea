"""The systemd units in deploy/systemd/ start what the project really has, and give each process
longer to stop than it may need (issue 15 § 4: "systemd units for gunicorn and the worker")."""

from __future__ import annotations

import configparser
import runpy
import shlex
from pathlib import Path

import pytest

from etl.cli import COMMANDS
from etl.worker import LEASE_SECONDS

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=True, interpolation=None)
    parsed.optionxform = str  # keys keep their case
    parsed.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parsed


@pytest.mark.parametrize("name", ["lfo-web.service", "lfo-worker.service"])
def test_each_unit_runs_as_the_service_account_with_its_settings_file(name):
    service = unit(name)["Service"]
    assert service["User"] == "lfo" and service["EnvironmentFile"] == "/etc/lfo/lfo.env"
    assert service["KillSignal"] == "SIGTERM" and service["UMask"] == "0077"
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


def test_the_web_unit_starts_gunicorn_with_the_projects_settings_and_waits_for_it():
    service = unit("lfo-web.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/.venv/bin/gunicorn")
    config = command[command.index("-c") + 1]
    assert (ROOT / config).is_file() and command[-1] == "dashboard.wsgi:server"
    settings = runpy.run_path(str(ROOT / config))
    assert int(service["TimeoutStopSec"]) > settings["graceful_timeout"]


def test_the_worker_unit_starts_the_etl_worker_and_waits_longer_than_its_lease():
    service = unit("lfo-worker.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/.venv/bin/python") and command[1:3] == ["-m", "etl"]
    assert command[3] == "worker" and "worker" in COMMANDS
    assert int(service["TimeoutStopSec"]) > LEASE_SECONDS
    assert service["Restart"] == "always"

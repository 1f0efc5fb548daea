"""The systemd units in deploy/systemd/ start what the project really has, and give each process
longer to stop than it may need (issue 15 § 4: "systemd units for gunicorn and the worker")."""

from __future__ import annotations

import configparser
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.__main__ import main as dashboard_main
from dashboard.services.indicator_data import STOP_JOIN_SECONDS
from etl.cli import COMMANDS, parse_args
from etl.worker import LEASE_SECONDS

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=True, interpolation=None)
    parsed.optionxform = str  # keys keep their case
    parsed.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parsed


@pytest.mark.parametrize("name", ["lfo-web.service", "lfo-worker.service", "lfo-results.service"])
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


def test_the_results_unit_starts_the_results_maker_and_waits_longer_than_its_stop(capsys):
    service = unit("lfo-results.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/.venv/bin/python") and command[1:] == [
        "-m",
        "dashboard",
        "make-results",
    ]
    with pytest.raises(SystemExit) as done:  # the command the unit names exists
        dashboard_main(["make-results", "--help"])
    assert done.value.code == 0 and "LFO_RESULTS_MAKER=1" in capsys.readouterr().out
    assert int(service["TimeoutStopSec"]) > STOP_JOIN_SECONDS
    assert service["ReadWritePaths"] == "/srv/lfo/data" and service["Restart"] == "always"


TIMERS = {"lfo-backup.timer": "lfo-backup.service", "lfo-retention.timer": "lfo-retention.service"}


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    """systemd's own check of each file (sections, keys, calendar specifications, that each
    command is executable), with ``/srv/lfo`` pointed at this checkout: the only change."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # systemd is in Debian's base system: its absence is a broken machine
        pytest.fail("systemd-analyze is missing: install Debian's systemd package")
    venv = Path(sys.executable).parent.parent
    names = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))
    assert set(TIMERS) | set(TIMERS.values()) <= set(names)
    for name in names:
        text = (UNITS / name).read_text(encoding="utf-8")
        text = text.replace("/srv/lfo/.venv/", f"{venv}/").replace("/srv/lfo", str(ROOT))
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("timer", sorted(TIMERS))
def test_each_timer_starts_a_oneshot_of_real_etl_commands_as_the_service_account(timer):
    schedule = unit(timer)["Timer"]
    assert schedule["Persistent"] == "true" and schedule["OnCalendar"].startswith("*-*-* ")
    assert unit(timer)["Install"]["WantedBy"] == "timers.target"
    name = TIMERS[timer]
    parsed = configparser.ConfigParser(strict=False, interpolation=None)  # several ExecStart
    parsed.optionxform = str
    text = (UNITS / name).read_text(encoding="utf-8")
    parsed.read_string(text)
    service = parsed["Service"]
    assert service["Type"] == "oneshot" and service["User"] == "lfo"
    assert service["EnvironmentFile"] == "/etc/lfo/lfo.env"
    starts = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart=")]
    assert starts
    for start in starts:
        command = shlex.split(start)
        assert command[0].endswith("/.venv/bin/python") and command[1:3] == ["-m", "etl"]
        assert command[3] in COMMANDS
        assert parse_args(command[3:]).command == command[3]  # the options are the CLI's own

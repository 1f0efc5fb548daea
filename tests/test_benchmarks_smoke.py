"""The benchmark harness still works end to end, at tiny scale (no timing is asserted).

It generates the synthetic pilot returns under benchmarks/out/ once (reused afterwards), loads
four of them, times the callbacks (recorded in Chromium), the API, the naive view and a short load
test, and writes the results and the Markdown report into tmp_path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    args = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--scale",
        "tiny",
        "-n",
        "2",
        "--users",
        "4",
        "--seconds",
        "6",
        "--results",
        str(out / "results.json"),
        "--doc",
        str(out / "benchmarks.md"),
    ]
    if not Path("/usr/bin/chromium").exists():
        args.append("--skip-browser")
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    return results["tiny"], (out / "benchmarks.md").read_text()


def test_the_load_and_its_floor_hold_the_same_rows(tiny_run):
    result, _ = tiny_run
    assert result["etl"]["outcomes"] == {"loaded": 4}
    assert result["etl"]["rows"] == result["etl_floor"]["rows"]
    assert result["etl"]["rows"]["participants"] > 0
    assert result["etl"]["peak_rss_mb"] > 0


def test_every_api_endpoint_is_timed_with_its_floor_and_no_errors(tiny_run):
    result, _ = tiny_run
    api = result["dashboard"]["api"]
    assert set(api) == {
        "/api/v1/data",
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/openapi.json",
    }
    for route, figures in api.items():
        assert figures["n"] == 2 and figures["floor"]["n"] == 2, route
        assert figures["errors"] == 0 and figures["floor"]["errors"] == 0, route


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_callbacks_recorded_in_the_browser_are_replayed_without_errors(tiny_run):
    result, _ = tiny_run
    callbacks = result["dashboard"]["callbacks"]
    timed = [v for v in callbacks.values() if "not_timed" not in v]
    assert any("update_overview" in v["callback"] for v in timed)
    assert any("update_area_spine" in v["callback"] for v in timed)
    for v in timed:
        assert v["errors"] == 0 and v["floor"]["errors"] == 0, v["callback"]
    assert set(result["dashboard"]["renders"]) == {"overview", "area profile"}


def test_naive_view_and_real_view_answer(tiny_run):
    result, _ = tiny_run
    naive = result["dashboard"]["naive"]
    assert naive["naive"]["errors"] == 0 and naive["real"]["errors"] == 0
    assert naive["naive"]["n"] == naive["real"]["n"] == 2


def test_load_during_serving_is_seen_whole_or_not_at_all(tiny_run):
    result, _ = tiny_run
    during = result["load_test"]["load_during_run"]
    assert during["exit_status"] == 0
    assert during["figures_changed"]
    assert during["checks"] > 0
    assert during["answers_half_loaded"] == 0 and during["checks_failed"] == 0
    assert result["load_test"]["requests"] > 0


def test_report_has_the_tables(tiny_run):
    _, doc = tiny_run
    assert "## Tiny scale" in doc
    for heading in ("### ETL load", "### API endpoints", "### Under load"):
        assert heading in doc


def test_gunicorn_is_installed():
    assert shutil.which("gunicorn", path=str(Path(sys.executable).parent))


def test_the_authorisation_benchmark_times_both_hooks_for_each_kind_of_request():
    """benchmarks/authorisation.py runs end to end (a few requests; the figures are for
    docs/benchmarks.md, not asserted here)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.authorisation", "--requests", "30"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and " ms |" in line]
    assert len(rows) == 4 and "refused" in rows[-1]
    assert "Goal: authorisation adds at most 2 ms p95:" in done.stdout

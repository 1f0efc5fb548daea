"""The benchmark report's goal lines (``benchmarks.report.goals``) judge what they say."""

from benchmarks.report import goals


def _etl_goal(result: dict) -> tuple[str, str, str]:
    return next(g for g in goals(result) if g[0].startswith("ETL load"))


def test_on_sqlite_the_etl_goal_needs_wall_and_cpu_within_three_times_the_floor():
    etl = {
        "etl": {"seconds": 100, "cpu_seconds": 130},
        "etl_floor": {"seconds": 40, "cpu_seconds": 40},
    }
    name, measured, met = _etl_goal(etl)
    assert "executemany" in name and "CPU 3.2×" in measured and "not met" in met


def test_on_postgresql_the_etl_goal_is_judged_on_wall_time_only():
    """COPY's work is done in the server: the floor's client used 9 s of CPU against 47 s of
    wall time, so a CPU ratio (13×) would compare the load with a client that does nothing."""
    run = {
        "database": "postgresql",
        "etl": {"seconds": 121, "cpu_seconds": 121},
        "etl_floor": {"seconds": 47.3, "cpu_seconds": 9.1},
    }
    name, measured, met = _etl_goal(run)
    assert "plain COPY" in name and "wall 2.6×" in measured and "CPU not comparable" in measured
    assert met == "met"
    slow = {**run, "etl": {"seconds": 150, "cpu_seconds": 121}}
    assert "not met" in _etl_goal(slow)[2]

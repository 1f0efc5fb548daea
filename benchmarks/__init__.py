"""Benchmark harness for the ETL, the dashboard and the API (``python -m benchmarks.run``).

Timings are printed and recorded (``benchmarks/results.json``, ``docs/benchmarks.md``), never
asserted in the test suite. Generated data and databases live under ``benchmarks/out/``.
"""

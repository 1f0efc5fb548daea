"""Synthetic returns that follow the return specification (``python -m etl generate``).

``generate.generate`` writes a run: ``sim`` simulates each area's participants, episodes and
outcomes, ``writers`` writes them as returns (through ``xlsx``, a minimal workbook writer) and
``faulty`` adds returns with known faults.
"""

"""Summary tables refreshed inside each load's transaction (filled in by the indicator engine work).

``refresh_area(conn, area_code)`` rebuilds one area's pre-aggregated rows from its current data.
The loader calls it in the same transaction that replaces the area's rows, so the summaries can never
disagree with the data.
"""

from __future__ import annotations

from sqlalchemy import Connection


def refresh_area(conn: Connection, area_code: str) -> None:
    """Rebuild the summary rows of one area (no summary tables yet: nothing to do)."""
    return None

"""A small database for indicator tests, written row by row so the right answers are known.

``build_db(path, episodes_by_area)`` creates the schema, adds one participant per episode (all
referred on 2017-04-03), stores each area's current return as 2018-19 Q4 unless given, and
rebuilds the summary tables through the same function the loader uses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert

from lfo import schema
from lfo.db import init_db, writer_engine
from lfo.indicators.summaries import refresh_area


def episode(
    status: str,
    end: str | None = None,
    *,
    intervention: str = "tp_enhanced",
    offered: str = "2017-04-20",
    start: str | None = "2017-05-01",
    planned: int | None = 6,
    attended: int | None = 6,
    sex: str = "female",
    scores: dict | None = None,
    family: str | None = None,
    referred: str = "2017-04-03",
    workless: str = "no",
) -> dict:
    """One participant with one episode (and optional outcome scores by measure)."""
    if status in ("offered", "declined"):
        start, planned, attended = None, None, None
    return dict(
        status=status,
        end=end,
        intervention=intervention,
        offered=offered,
        start=start,
        planned=planned,
        attended=attended,
        sex=sex,
        scores=scores or {},
        family=family,
        referred=referred,
        workless=workless,
    )


def build_db(
    path: Path | None,
    areas: dict[str, list[dict]],
    return_period: dict | None = None,
    *,
    url: str | None = None,
) -> str:
    """The database at ``path`` (SQLite), or at ``url`` (any backend) when given; its URL."""
    url = url or f"sqlite:///{path}"
    engine = writer_engine(url)
    init_db(engine)
    return_period = return_period or {}
    with engine.begin() as conn:
        for area, rows in areas.items():
            period = return_period.get(area, ("2018-19_Q4", dt.date(2019, 3, 31)))
            conn.execute(
                insert(schema.returns),
                [
                    dict(
                        area_code=area,
                        period=period[0],
                        period_end=period[1],
                        file_name=f"LFO_{area}_{period[0]}.zip",
                        sha256="0" * 64,
                        load_id=1,
                        loaded_at=dt.datetime(2019, 4, 15, 9, 30),
                        rows_held_back=0,
                    )
                ],
            )
            parts, eps, outs = [], [], []
            for i, r in enumerate(rows):
                pk, ek = f"{area}-p{i}", f"{area}-e{i}"
                parts.append(
                    dict(
                        participant_key=pk,
                        area_code=area,
                        family_key=f"{area}-{r['family'] or f'f{i}'}",
                        referral_date=dt.date.fromisoformat(r["referred"]),
                        referral_source="gp",
                        sex=r["sex"],
                        age_band="25-34",
                        ethnicity="white",
                        relationship_status="together",
                        workless_household=r["workless"],
                        youngest_child_age_band="2-4",
                    )
                )
                eps.append(
                    dict(
                        episode_key=ek,
                        area_code=area,
                        participant_key=pk,
                        intervention=r["intervention"],
                        offered_date=dt.date.fromisoformat(r["offered"]),
                        status=r["status"],
                        start_date=dt.date.fromisoformat(r["start"]) if r["start"] else None,
                        end_date=dt.date.fromisoformat(r["end"]) if r["end"] else None,
                        sessions_planned=r["planned"],
                        sessions_attended=r["attended"],
                        delivery_mode="online",
                    )
                )
                for measure, points in r["scores"].items():
                    for timepoint, score in points.items():
                        outs.append(
                            dict(
                                episode_key=ek,
                                measure=measure,
                                timepoint=timepoint,
                                area_code=area,
                                participant_key=pk,
                                measured_date=dt.date(2017, 5, 1),
                                score_raw=int(score),
                                score=float(score),
                            )
                        )
            conn.execute(insert(schema.participants), parts)
            conn.execute(insert(schema.episodes), eps)
            if outs:
                conn.execute(insert(schema.outcomes), outs)
            refresh_area(conn, area)
    engine.dispose()
    return url

"""The naive reference: what a typical Dash tutorial app does for one view, on every request.

The view is completion by area for a quarter (``uptake.completion``: completed episodes among
those that ended in the quarter, with Wilson 95% intervals): read the participants, episodes and
outcomes tables for all areas with ``pd.read_sql``, group with pandas, and compute the intervals
with statsmodels. It is served at ``/bench/naive`` on the same Flask server, so it is timed through
the same test client as the real view (``/api/v1/data?indicator=uptake.completion&period=...``).
"""

from __future__ import annotations

import flask
import pandas as pd
from sqlalchemy import Engine
from statsmodels.stats.proportion import proportion_confint

from lfo.periods import parse_period

ROUTE = "/bench/naive"


def completion_by_area(engine: Engine, period: str) -> list[dict]:
    with engine.connect() as conn:
        participants = pd.read_sql("SELECT * FROM participants", conn)
        episodes = pd.read_sql("SELECT * FROM episodes", conn)
        outcomes = pd.read_sql("SELECT * FROM outcomes", conn)
    del outcomes  # a tutorial app reads every table up front; this view needs two of them
    quarter = parse_period(period)
    ep = episodes.merge(participants[["participant_key", "referral_date"]], on="participant_key")
    end = pd.to_datetime(ep["end_date"])
    ended = ep[
        ep["status"].isin(["completed", "dropped_out"])
        & (end >= pd.Timestamp(quarter.start))
        & (end <= pd.Timestamp(quarter.end))
    ]
    grouped = ended.groupby("area_code").agg(
        denominator=("status", "size"),
        numerator=("status", lambda s: int((s == "completed").sum())),
    )
    lower, upper = proportion_confint(
        grouped["numerator"], grouped["denominator"], alpha=0.05, method="wilson"
    )
    grouped = grouped.assign(
        value=grouped["numerator"] / grouped["denominator"], lower=lower, upper=upper
    ).reset_index()
    return grouped.to_dict("records")


def register(server: flask.Flask, engine: Engine) -> None:
    @server.get(ROUTE)
    def naive_view():
        period = flask.request.args.get("period", "")
        return flask.jsonify({"data": completion_by_area(engine, period)})

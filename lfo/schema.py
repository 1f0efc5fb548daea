"""The one definition of the database, shared by the ETL and the dashboard.

SQLAlchemy Core, portable between SQLite (the default) and PostgreSQL. Dates are stored as DATE
(ISO text on SQLite). Participant, family and episode IDs are stored only as keyed hashes
(HMAC-SHA256 hex, see ``etl.pseudonymise``).

Tables whose names start with ``etl_`` are the ETL's bookkeeping; every other table is "data"
and is untouched by a rejected return.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from lfo.schema_base import HASH_LEN, metadata

SCHEMA_VERSION = 1

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- reference tables -------------------------------------------------------------------------

areas = Table(
    "areas",
    metadata,
    Column("gss_code", String(9), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("families", Integer, nullable=False),
    Column("annual_target", Integer, nullable=False),
    Column("imd_rank", Integer),
    Column("families_source", Text),
    Column("target_source", Text),
    Column("imd_source", Text),
    Column("source", Text, nullable=False),  # pilot / synthetic / added
    # left the programme (etl areas --retire): history kept, no more returns loaded
    Column("retired_at", DateTime),
)

interventions = Table(
    "interventions",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(20), nullable=False),
    Column("sessions_min", Integer, nullable=False),
    Column("sessions_max", Integer, nullable=False),
    Column("measures", Text, nullable=False),  # space-separated measure codes
    Column("note", Text),
    Column("sessions_source", Text),
)

measures = Table(
    "measures",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", Text, nullable=False),
    Column("construct", Text, nullable=False),
    Column("score_min", Float, nullable=False),
    Column("score_max", Float, nullable=False),
    Column("step", Float, nullable=False),
    Column("higher_is", String(10), nullable=False),  # better / worse
    Column("caseness_operator", String(2), nullable=False),  # < or >=
    Column("caseness_value", Float, nullable=False),
    Column("sd", Float),
    Column("reliability", Float),
    Column("rci", Float, nullable=False),
    Column("applies_when", Text),
    Column("source", Text),
    Column("status", Text),
)

swemwbs_conversion = Table(
    "swemwbs_conversion",
    metadata,
    Column("raw_total", Integer, primary_key=True),
    Column("metric_score", Float, nullable=False),
)

# --- current data: one return per LA -----------------------------------------------------------

returns = Table(
    "returns",
    metadata,
    Column("area_code", String(9), ForeignKey("areas.gss_code"), primary_key=True),
    Column("period", String(10), nullable=False),  # 2017-18_Q3
    Column("period_end", Date, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("load_id", Integer, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("rows_held_back", Integer, nullable=False, default=0),
)

participants = Table(
    "participants",
    metadata,
    Column("participant_key", String(HASH_LEN), primary_key=True),
    Column("area_code", String(9), nullable=False),
    Column("family_key", String(HASH_LEN), nullable=False),
    Column("referral_date", Date, nullable=False),
    Column("referral_source", String(20), nullable=False),
    Column("sex", String(12), nullable=False),
    Column("age_band", String(12), nullable=False),
    Column("ethnicity", String(12), nullable=False),
    Column("relationship_status", String(12), nullable=False),
    Column("workless_household", String(12), nullable=False),
    Column("youngest_child_age_band", String(12), nullable=False),
    Index("ix_participants_area_referral", "area_code", "referral_date"),
    Index("ix_participants_area_family", "area_code", "family_key"),
)

episodes = Table(
    "episodes",
    metadata,
    Column("episode_key", String(HASH_LEN), primary_key=True),
    Column("area_code", String(9), nullable=False),
    Column("participant_key", String(HASH_LEN), nullable=False),
    Column("intervention", String(40), nullable=False),
    Column("offered_date", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("sessions_planned", Integer),
    Column("sessions_attended", Integer),
    Column("delivery_mode", String(12), nullable=False),  # not_stated when missing
    Index("ix_episodes_area_offered", "area_code", "offered_date", "intervention"),
    Index("ix_episodes_area_end", "area_code", "end_date", "intervention"),
    Index("ix_episodes_participant", "participant_key"),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("episode_key", String(HASH_LEN), primary_key=True),
    Column("measure", String(20), primary_key=True),
    Column("timepoint", String(14), primary_key=True),
    Column("area_code", String(9), nullable=False),
    Column("participant_key", String(HASH_LEN), nullable=False),
    Column("measured_date", Date, nullable=False),
    Column("score_raw", Integer, nullable=False),  # as returned (SWEMWBS raw total)
    Column("score", Float, nullable=False),  # on the measure's scale (SWEMWBS metric)
    Index("ix_outcomes_area_measure", "area_code", "measure", "timepoint"),
)

DATA_TABLES = ("participants", "episodes", "outcomes")

# --- ETL bookkeeping -------------------------------------------------------------------------

etl_load_log = Table(
    "etl_load_log",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("area_code", String(9)),  # null when the name could not be read (E102)
    Column("period", String(10)),
    # loaded / loaded with quarantine / rejected / already loaded / forced / failed /
    # areas updated (etl areas: area_code and period null, the changes in message)
    Column("outcome", String(24), nullable=False),
    Column("participants_loaded", Integer, nullable=False, default=0),
    Column("episodes_loaded", Integer, nullable=False, default=0),
    Column("outcomes_loaded", Integer, nullable=False, default=0),
    Column("rows_held_back", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("flags", Text),  # e.g. "--force --allow-shrink"
    Column("message", Text),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Index("ix_etl_load_log_sha", "sha256"),
    Index("ix_etl_load_log_area", "area_code"),
)

etl_findings = Table(
    "etl_findings",
    metadata,
    Column("finding_id", Integer, primary_key=True, autoincrement=True),
    Column("load_id", Integer, ForeignKey("etl_load_log.load_id"), nullable=False),
    Column("area_code", String(9)),
    Column("sheet", String(20)),
    Column("row", Integer),
    Column("column", String(60)),
    Column("value", Text),  # IDs hashed, E210 values masked
    Column("code", String(4), nullable=False),
    Column("severity", String(7), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_etl_findings_load", "load_id", "code"),
)

etl_held_back = Table(
    "etl_held_back",
    metadata,
    Column("held_id", Integer, primary_key=True, autoincrement=True),
    Column("load_id", Integer, ForeignKey("etl_load_log.load_id"), nullable=False),
    Column("area_code", String(9), nullable=False),
    Column("sheet", String(20), nullable=False),
    Column("row", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", Text, nullable=False),  # JSON of the row, IDs hashed, E210 values masked
    Column("resolved", Boolean, nullable=False, default=False),
    Index("ix_etl_held_back_area", "area_code", "load_id"),
)

# --- summary tables (pre-aggregated per area at load time, see lfo.indicators.summaries) ------------------
# Each row is one area x period, where period is a quarter ("2017-18_Q3") or a financial year
# ("2017-18"). ``grp`` is an intervention code, "level:<level>" or "all". They are rebuilt for an
# area inside the transaction that replaces its data, so they always agree with it.


def _summary(name: str, *columns: Column[Any], grp: bool = True) -> Table:
    keys = [
        Column("area_code", String(9), primary_key=True),
        Column("period", String(10), primary_key=True),
    ]
    if grp:
        keys.append(Column("grp", String(40), primary_key=True))
    table = Table(name, metadata, *keys, *columns)
    Index(f"ix_{name}_period", table.c.period, table.c.area_code)
    return table


def _counts(*names: str) -> list[Column[Any]]:
    return [Column(n, Integer, nullable=False, default=0) for n in names]


def _moments(prefix: str) -> list[Column[Any]]:
    return [
        Column(f"{prefix}_n", Integer, nullable=False, default=0),
        Column(f"{prefix}_sum", Float, nullable=False, default=0.0),
        Column(f"{prefix}_sumsq", Float, nullable=False, default=0.0),
    ]


# parents referred, by breakdown ("all" / a BREAKDOWNS key) and category; grp holds the breakdown
sum_reach = Table(
    "sum_reach",
    metadata,
    Column("area_code", String(9), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("breakdown", String(30), primary_key=True),
    Column("category", String(20), primary_key=True),
    Column("parents", Integer, nullable=False),
    Index("ix_sum_reach_period", "period", "breakdown", "area_code"),
)
# families whose earliest referral is in the period
sum_families = _summary("sum_families", *_counts("families"), grp=False)
# episodes by period of offered_date
sum_offers = _summary("sum_offers", *_counts("offered", "answered", "started"))
# episodes that ended (completed or dropped_out) by period of end_date; attendance ratio moments
sum_endings = _summary("sum_endings", *_counts("ended", "completed"), *_moments("attendance"))
# participants by period of their first start_date: histogram of days from referral to first start
sum_days_to_start = Table(
    "sum_days_to_start",
    metadata,
    Column("area_code", String(9), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("days", Integer, primary_key=True),
    Column("participants", Integer, nullable=False),
    Index("ix_sum_days_to_start_period", "period", "area_code"),
)
# families with a participant whose first start is in the period; of them, two or more started
sum_both_parents = _summary("sum_both_parents", *_counts("families", "two_started"), grp=False)
# cohort of parents referred in the period: how many were offered / started / completed (by snapshot)
sum_funnel = _summary("sum_funnel", *_counts("referred", "offered", "started", "completed"))
# completed episodes by period of end_date, per measure
sum_outcomes = Table(
    "sum_outcomes",
    metadata,
    Column("area_code", String(9), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("grp", String(40), primary_key=True),
    Column("measure", String(20), primary_key=True),
    *_counts(
        "with_baseline",
        "paired",
        "improved",
        "deteriorated",
        "case_baseline",
        "recovered",
        "reliable_recovered",
    ),
    *_moments("change"),
    *_moments("fu6"),
    *_moments("fu12"),
    Index("ix_sum_outcomes_period", "period", "measure", "area_code"),
)

# data quality: per area and optional column of the current return, rows and rows with a stated
# value (an explicit not_stated counts as not stated)
sum_completeness = Table(
    "sum_completeness",
    metadata,
    Column("area_code", String(9), primary_key=True),
    Column("sheet", String(20), primary_key=True),
    Column("column", String(40), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("stated", Integer, nullable=False),
)

SUMMARY_TABLES = (
    "sum_reach",
    "sum_families",
    "sum_offers",
    "sum_endings",
    "sum_days_to_start",
    "sum_both_parents",
    "sum_funnel",
    "sum_outcomes",
    "sum_completeness",
)


# --- accounts, the audit log and jobs: in lfo.schema_access / lfo.schema_jobs, same metadata ---

from lfo.schema_access import (  # noqa: E402  (after the tables they refer to)
    ACCOUNT_TABLES,
    AUDIT_TRIGGERS,
    INVITATION_PURPOSES,
    api_tokens,
    audit_log,
    invitations,
    recovery_codes,
    sessions,
    sign_in_failures,
    user_areas,
    users,
)
from lfo.schema_jobs import JOB_STATES, JOB_TABLES, jobs  # noqa: E402
from lfo.schema_releases import RELEASE_TABLES, releases  # noqa: E402
from lfo.schema_submissions import (  # noqa: E402
    CHALLENGE_STATES,
    SUBMISSION_KINDS,
    SUBMISSION_STATES,
    SUBMISSION_TABLES,
    challenges,
    submissions,
)

__all__ = [
    "ACCOUNT_TABLES",
    "AUDIT_TRIGGERS",
    "CHALLENGE_STATES",
    "HASH_LEN",
    "INVITATION_PURPOSES",
    "JOB_STATES",
    "JOB_TABLES",
    "RELEASE_TABLES",
    "SUBMISSION_KINDS",
    "SUBMISSION_STATES",
    "SUBMISSION_TABLES",
    "api_tokens",
    "audit_log",
    "challenges",
    "invitations",
    "jobs",
    "metadata",
    "recovery_codes",
    "releases",
    "sessions",
    "sign_in_failures",
    "submissions",
    "user_areas",
    "users",
]

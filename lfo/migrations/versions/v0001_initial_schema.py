"""The schema as it was when migrations began: schema version 1, made by ``create_all`` before
issue 15 (every database made by the code before Alembic is this revision, and ``python -m etl db
upgrade`` stamps it so). Written out here, not read from ``lfo.schema``, so that it stays what it
was when ``lfo.schema`` moves on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: Every table, in an order that creates a referenced table before the tables that refer to it.
TABLES = (
    "schema_info",
    "areas",
    "interventions",
    "measures",
    "swemwbs_conversion",
    "returns",
    "participants",
    "episodes",
    "outcomes",
    "etl_load_log",
    "etl_findings",
    "etl_held_back",
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


def upgrade() -> None:
    _reference()
    _current_data()
    _bookkeeping()
    _summaries_of_use()
    _summaries_of_results()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)


def _reference() -> None:
    op.create_table(
        "schema_info",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "areas",
        sa.Column("gss_code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.Column("annual_target", sa.Integer(), nullable=False),
        sa.Column("imd_rank", sa.Integer(), nullable=True),
        sa.Column("families_source", sa.Text(), nullable=True),
        sa.Column("target_source", sa.Text(), nullable=True),
        sa.Column("imd_source", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("gss_code"),
    )
    op.create_table(
        "interventions",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("sessions_min", sa.Integer(), nullable=False),
        sa.Column("sessions_max", sa.Integer(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sessions_source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "measures",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("construct", sa.Text(), nullable=False),
        sa.Column("score_min", sa.Float(), nullable=False),
        sa.Column("score_max", sa.Float(), nullable=False),
        sa.Column("step", sa.Float(), nullable=False),
        sa.Column("higher_is", sa.String(length=10), nullable=False),
        sa.Column("caseness_operator", sa.String(length=2), nullable=False),
        sa.Column("caseness_value", sa.Float(), nullable=False),
        sa.Column("sd", sa.Float(), nullable=True),
        sa.Column("reliability", sa.Float(), nullable=True),
        sa.Column("rci", sa.Float(), nullable=False),
        sa.Column("applies_when", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "swemwbs_conversion",
        sa.Column("raw_total", sa.Integer(), nullable=False),
        sa.Column("metric_score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("raw_total"),
    )


def _current_data() -> None:
    op.create_table(
        "returns",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("rows_held_back", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.gss_code"],
        ),
        sa.PrimaryKeyConstraint("area_code"),
    )
    op.create_table(
        "participants",
        sa.Column("participant_key", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("family_key", sa.String(length=64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("referral_source", sa.String(length=20), nullable=False),
        sa.Column("sex", sa.String(length=12), nullable=False),
        sa.Column("age_band", sa.String(length=12), nullable=False),
        sa.Column("ethnicity", sa.String(length=12), nullable=False),
        sa.Column("relationship_status", sa.String(length=12), nullable=False),
        sa.Column("workless_household", sa.String(length=12), nullable=False),
        sa.Column("youngest_child_age_band", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("participant_key"),
    )
    op.create_index("ix_participants_area_family", "participants", ["area_code", "family_key"])
    op.create_index("ix_participants_area_referral", "participants", ["area_code", "referral_date"])
    op.create_table(
        "episodes",
        sa.Column("episode_key", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("participant_key", sa.String(length=64), nullable=False),
        sa.Column("intervention", sa.String(length=40), nullable=False),
        sa.Column("offered_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sessions_planned", sa.Integer(), nullable=True),
        sa.Column("sessions_attended", sa.Integer(), nullable=True),
        sa.Column("delivery_mode", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("episode_key"),
    )
    op.create_index("ix_episodes_area_end", "episodes", ["area_code", "end_date", "intervention"])
    op.create_index(
        "ix_episodes_area_offered", "episodes", ["area_code", "offered_date", "intervention"]
    )
    op.create_index("ix_episodes_participant", "episodes", ["participant_key"])
    op.create_table(
        "outcomes",
        sa.Column("episode_key", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("timepoint", sa.String(length=14), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("participant_key", sa.String(length=64), nullable=False),
        sa.Column("measured_date", sa.Date(), nullable=False),
        sa.Column("score_raw", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("episode_key", "measure", "timepoint"),
    )
    op.create_index("ix_outcomes_area_measure", "outcomes", ["area_code", "measure", "timepoint"])


def _bookkeeping() -> None:
    op.create_table(
        "etl_load_log",
        sa.Column("load_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("participants_loaded", sa.Integer(), nullable=False),
        sa.Column("episodes_loaded", sa.Integer(), nullable=False),
        sa.Column("outcomes_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_held_back", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("load_id"),
    )
    op.create_index("ix_etl_load_log_area", "etl_load_log", ["area_code"])
    op.create_index("ix_etl_load_log_sha", "etl_load_log", ["sha256"])
    op.create_table(
        "etl_findings",
        sa.Column("finding_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=True),
        sa.Column("sheet", sa.String(length=20), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(length=60), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("severity", sa.String(length=7), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["etl_load_log.load_id"],
        ),
        sa.PrimaryKeyConstraint("finding_id"),
    )
    op.create_index("ix_etl_findings_load", "etl_findings", ["load_id", "code"])
    op.create_table(
        "etl_held_back",
        sa.Column("held_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("sheet", sa.String(length=20), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["etl_load_log.load_id"],
        ),
        sa.PrimaryKeyConstraint("held_id"),
    )
    op.create_index("ix_etl_held_back_area", "etl_held_back", ["area_code", "load_id"])


def _summaries_of_use() -> None:
    op.create_table(
        "sum_reach",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("breakdown", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("parents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "breakdown", "category"),
    )
    op.create_index("ix_sum_reach_period", "sum_reach", ["period", "breakdown", "area_code"])
    op.create_table(
        "sum_families",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period"),
    )
    op.create_index("ix_sum_families_period", "sum_families", ["period", "area_code"])
    op.create_table(
        "sum_offers",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("grp", sa.String(length=40), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "grp"),
    )
    op.create_index("ix_sum_offers_period", "sum_offers", ["period", "area_code"])
    op.create_table(
        "sum_endings",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("grp", sa.String(length=40), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("attendance_n", sa.Integer(), nullable=False),
        sa.Column("attendance_sum", sa.Float(), nullable=False),
        sa.Column("attendance_sumsq", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "grp"),
    )
    op.create_index("ix_sum_endings_period", "sum_endings", ["period", "area_code"])
    op.create_table(
        "sum_days_to_start",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "days"),
    )
    op.create_index("ix_sum_days_to_start_period", "sum_days_to_start", ["period", "area_code"])


def _summaries_of_results() -> None:
    op.create_table(
        "sum_both_parents",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.Column("two_started", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period"),
    )
    op.create_index("ix_sum_both_parents_period", "sum_both_parents", ["period", "area_code"])
    op.create_table(
        "sum_funnel",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("grp", sa.String(length=40), nullable=False),
        sa.Column("referred", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "grp"),
    )
    op.create_index("ix_sum_funnel_period", "sum_funnel", ["period", "area_code"])
    op.create_table(
        "sum_outcomes",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("grp", sa.String(length=40), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("with_baseline", sa.Integer(), nullable=False),
        sa.Column("paired", sa.Integer(), nullable=False),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.Column("deteriorated", sa.Integer(), nullable=False),
        sa.Column("case_baseline", sa.Integer(), nullable=False),
        sa.Column("recovered", sa.Integer(), nullable=False),
        sa.Column("reliable_recovered", sa.Integer(), nullable=False),
        sa.Column("change_n", sa.Integer(), nullable=False),
        sa.Column("change_sum", sa.Float(), nullable=False),
        sa.Column("change_sumsq", sa.Float(), nullable=False),
        sa.Column("fu6_n", sa.Integer(), nullable=False),
        sa.Column("fu6_sum", sa.Float(), nullable=False),
        sa.Column("fu6_sumsq", sa.Float(), nullable=False),
        sa.Column("fu12_n", sa.Integer(), nullable=False),
        sa.Column("fu12_sum", sa.Float(), nullable=False),
        sa.Column("fu12_sumsq", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "period", "grp", "measure"),
    )
    op.create_index("ix_sum_outcomes_period", "sum_outcomes", ["period", "measure", "area_code"])
    op.create_table(
        "sum_completeness",
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("sheet", sa.String(length=20), nullable=False),
        sa.Column("column", sa.String(length=40), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("stated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "sheet", "column"),
    )

"""The returns pages on PostgreSQL (issue 13, "Tests for every failure above, on SQLite and on
PostgreSQL"): the upload, an LA lead refused another LA, the findings and report equal to the
CLI's, a double submit queueing one load, and a return with errors never submitted; the tests of
``test_web_returns.py`` run over a database of their own on the test PostgreSQL server."""

from __future__ import annotations

import itertools

import pytest
import test_web_returns as on_sqlite
from support.accounts import key
from support.postgres import create_database
from test_web_returns import world

from lfo.db import init_db, writer_engine

__all__ = ["key", "world"]  # fixtures

_names = itertools.count()


@pytest.fixture
def engine(pg_url):
    made = writer_engine(create_database(pg_url, f"lfo_r{next(_names)}"))
    init_db(made)
    yield made
    made.dispose()


@pytest.mark.parametrize(
    "test",
    [
        on_sqlite.test_an_upload_is_kept_under_its_canonical_name_with_its_check_queued,
        on_sqlite.test_an_la_lead_posting_another_las_code_is_refused_and_nothing_kept,
        on_sqlite.test_another_las_submission_is_refused_to_an_la_lead,
        on_sqlite.test_the_findings_and_reports_are_the_clis,
        on_sqlite.test_a_double_submit_queues_one_load,
        on_sqlite.test_a_return_with_errors_cannot_be_submitted,
    ],
    ids=lambda test: test.__name__.removeprefix("test_"),
)
def test_on_postgresql(world, test):
    assert world["engine"].dialect.name == "postgresql"
    test(world)

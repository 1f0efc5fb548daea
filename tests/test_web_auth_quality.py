"""The data-quality page's per-LA detail (service.md § 1): an LA lead sees the loads, findings and
held-back rows of their own LA(s) only, and for every LA only whether a return was received."""

from __future__ import annotations

import pytest
from support.text import texts
from test_quality import GATESHEAD, NEWCASTLE, db_url, draw

from dashboard import ids
from dashboard.app import create_app
from dashboard.settings import DashboardSettings

__all__ = ["db_url"]  # fixture
#: loads in test_quality's database: Newcastle's and Gateshead's files
NEWCASTLE_FILE = "LFO_E08000021_2018-19_Q3.zip"
GATESHEAD_FILE = "LFO_E08000037_2017-18_Q2.zip"


@pytest.fixture(scope="module")
def demo(db_url, tmp_path_factory):
    key = str(tmp_path_factory.mktemp("quality-key") / "secrets.key")
    settings = DashboardSettings(database_url=db_url, demo=True, secrets_key_file=key)
    return create_app(settings).server.test_client()


def sections(client, area: str, role: str) -> str:
    client.set_cookie("lfo_role", role)
    return texts(draw(client, area)[ids.QUALITY_CONTENT]["children"])


def test_a_programme_lead_sees_every_la_s_detail(demo):
    text = sections(demo, "all", "programme")
    assert GATESHEAD_FILE in text and NEWCASTLE_FILE in text
    assert "name not readable" in text  # a load with no area


def test_an_la_lead_sees_only_their_own_la_s_detail(demo):
    own = sections(demo, "all", f"la:{NEWCASTLE}")
    assert "✓ 2018-19 Q4" in own and "✓ 2017-18 Q2" in own  # every LA's return received
    assert NEWCASTLE_FILE in own
    assert GATESHEAD_FILE not in own and "name not readable" not in own
    other = sections(demo, GATESHEAD, f"la:{NEWCASTLE}")
    assert "Gateshead" in other and GATESHEAD_FILE not in other
    gateshead_lead = sections(demo, GATESHEAD, f"la:{GATESHEAD}")
    assert GATESHEAD_FILE in gateshead_lead

"""The definitions page and the accessibility statement, through Flask's test client."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import plotly.utils
import pytest
from support.dash_client import route
from support.text import count_type, texts

from dashboard.app import create_app
from dashboard.charts.about import about
from dashboard.present.words import status_key
from dashboard.settings import DashboardSettings
from lfo.db import init_db, writer_engine
from lfo.indicators.definitions import CAVEATS, indicators

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"
SERVICE = "Local Family Offer monitoring"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('defs') / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    return create_app(DashboardSettings(database_url=url)).server.test_client()


@pytest.fixture(scope="module")
def definitions(client) -> dict:
    return route(client, "/definitions")


def element_ids(tree: object) -> set[str]:
    found: set[str] = set()
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            found.add(props["id"])
        for v in tree.values():
            found |= element_ids(v)
    elif isinstance(tree, list):
        for v in tree:
            found |= element_ids(v)
    return found


def reference_rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    "path,title",
    [("/definitions", "Definitions and methods"), ("/accessibility", "Accessibility statement")],
)
def test_page_is_served_with_its_title(client, path, title):
    r = client.get(path)
    assert r.status_code == 200
    assert f"<title>{title} – {SERVICE}</title>" in r.get_data(as_text=True)


def test_definitions_page_has_one_h1_and_says_the_version(definitions):
    page = definitions["page-content"]["children"]
    assert count_type(page, "H1") == 1
    assert "Definitions version 2." in texts(page)


def test_every_indicator_has_an_anchor_named_by_its_id(definitions):
    anchors = element_ids(definitions["page-content"]["children"])
    missing = [i for i in indicators() if i not in anchors]
    assert missing == []
    assert "uptake.completion" in anchors


def test_every_indicator_shows_its_definition_and_interval_method(definitions):
    text = texts(definitions["page-content"]["children"])
    completion = indicators()["uptake.completion"]
    assert completion.definition in text
    assert "Wilson" in text and "Byar" in text and "Student's t" in text
    for ind in indicators().values():
        assert ind.definition in text, ind.id


def test_methods_name_funnel_limits_trend_test_and_its_threshold(definitions):
    text = texts(definitions["page-content"]["children"])
    assert "Spiegelhalter 2005" in text
    assert "Cochran–Armitage" in text
    assert "p < 0.002" in text
    assert "99.8%" in text


def test_disclosure_control_and_symbols_are_explained(definitions):
    text = texts(definitions["page-content"]["children"])
    for needle in (
        "Primary suppression",
        "Secondary suppression",
        "[c]",
        "[x]",
        "[z]",
        "LFO_SUPPRESSION_THRESHOLD",
    ):
        assert needle in text, needle


def test_every_caveat_is_shown(definitions):
    text = texts(definitions["page-content"]["children"])
    assert all(c in text for c in CAVEATS)


def test_reference_tables_show_rci_caseness_targets_and_their_sources(definitions):
    text = texts(definitions["page-content"]["children"])
    for m in reference_rows("measures.csv"):
        assert f"{m['caseness_operator']} {m['caseness_value']}" in text, m["code"]
        assert m["status"] in text and m["source"] in text
    for a in reference_rows("areas.csv"):
        assert a["name"] in text
        assert a["target_source"] in text and a["families_source"] in text
    for i in reference_rows("interventions.csv"):
        assert i["name"] in text


def test_definitions_link_to_the_indicators_api(definitions):
    links = json.dumps(definitions["page-content"]["children"])
    assert '"href": "/api/v1/indicators"' in links


def test_accessibility_page_shows_the_statement_of_docs(client):
    page = route(client, "/accessibility")["page-content"]["children"]
    assert page["props"]["children"]["type"] == "Markdown"
    markdown = page["props"]["children"]["props"]["children"]
    statement = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    assert markdown.strip() == statement.strip()
    assert len(re.findall(r"^# ", statement, re.M)) == 1  # one h1


def test_statement_follows_the_gov_uk_model(client):
    statement = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    for heading in (
        "## How accessible this dashboard is",
        "## Feedback and contact information",
        "## Reporting accessibility problems with this dashboard",
        "## Enforcement procedure",
        "## Non-accessible content",
        "### How we tested",
    ):
        assert heading in statement, heading
    assert "Equality and Human Rights Commission" in statement
    assert "Web Content Accessibility Guidelines version 2.2" in statement


def test_statement_names_the_axe_core_version_the_tests_use():
    axe = (ROOT / "tests" / "browser" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
    version = re.match(r"/\*! axe v(\S+)", axe).group(1)
    statement = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    assert f"axe-core]({'https://github.com/dequelabs/axe-core'}) {version}" in statement


def test_disclosure_control_v2_rule_what_it_hides_and_what_it_does_not(definitions):
    text = texts(definitions["page-content"]["children"])
    for needle in (
        "a financial year and its four quarters",
        "the interventions of a level and the level",
        "hides at least three",
        "an LA knows its own figures",
        "zeros last",
        "0 of 0",
        "Not protected, by design: a numerator close to its denominator",
        "On the pilot demo data",
        "at national scale",
        "version 1 rules",
    ):
        assert needle in text, needle


def hrefs(tree: object) -> list[str]:
    found: list[str] = []
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and isinstance(props.get("href"), str):
            found.append(props["href"])
        for v in tree.values():
            found += hrefs(v)
    elif isinstance(tree, list):
        for v in tree:
            found += hrefs(v)
    return found


def test_contents_at_the_top_link_to_every_indicator_and_section(definitions):
    page = definitions["page-content"]["children"]
    nav = next(c for c in page["props"]["children"] if c.get("type") == "Nav")
    links = hrefs(nav)
    assert [f"#{i}" for i in indicators()] == [h for h in links if h[1:] in indicators()]
    anchors = element_ids(page)
    assert all(h[1:] in anchors for h in links), [h for h in links if h[1:] not in anchors]
    assert "#words" in links and "#measure-swemwbs" in links


def test_every_about_panel_link_lands_on_an_anchor_of_the_page(definitions):
    anchors = element_ids(definitions["page-content"]["children"])
    panel = json.loads(json.dumps(about(list(indicators())), cls=plotly.utils.PlotlyJSONEncoder))
    targets = hrefs(panel)
    assert len(targets) == len(indicators())
    assert all(h.startswith("/definitions#") and h.split("#", 1)[1] in anchors for h in targets)


def test_word_list_of_docs_is_on_the_page_and_names_the_two_completion_figures_apart(
    definitions,
):
    page = definitions["page-content"]["children"]
    assert "words" in element_ids(page)
    text = texts(page)
    words = (ROOT / "docs" / "words.md").read_text(encoding="utf-8")
    assert "Referral-to-completion funnel, completed stage" in words
    assert "**Completion rate**" in words
    body = words.split("\n", 1)[1].strip()  # the h1 is the section's heading
    assert body.replace("## ", "### ", 1)[:200] in text
    for term in (
        "Area",
        "Programme",
        "Benchmark",
        "Statistical neighbours",
        "Period",
        "Quarter",
        "Financial year",
        "[c] Suppressed",
        "[x] Not available",
        "[z] Not applicable",
        "Interval",
        "Better, similar, worse",
        "Recent trend",
        "Reach",
        "Uptake",
        "Completion rate",
    ):
        assert f"**{term}**" in words, term


def test_symbols_on_the_page_are_the_key_of_the_charts(definitions):
    text = texts(definitions["page-content"]["children"])
    for symbol, meaning in status_key():
        assert symbol in text and meaning in text


def test_one_confidence_level_is_described(definitions):
    text = texts(definitions["page-content"]["children"])
    assert "One confidence level is used for every comparison on every page" in text
    assert "the overview grid and the needs-attention list use 99.8%" not in text

"""Links keep the release a page shows (issue 14 § 2, "permalinks carry the release"): the one rule,
``choices.with_release``, and every presenter and layout that draws a link to a figures page.
A release id in → every such link carries it; none (live figures) → none does; anything that is
not a release id is never echoed into a link. No server: hand-made rows and the pure functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from test_present_overview import BLACKPOOL, ESSEX, LUTON, NAMES, Q4, _worse_and_worsening, row

from dashboard.charts.table import plain_json
from dashboard.layouts import area as area_page
from dashboard.layouts import home_grid
from dashboard.layouts import topic as topic_page
from dashboard.present import area, area_quality
from dashboard.present import overview_grid as pg
from dashboard.present.choices import with_release
from lfo.terms import PROGRAMME

RELEASE = "2018-19_Q4-r2"
#: What a release parameter must never be echoed as (the server's ids are checked; these are not).
NOT_IDS = [
    "bogus",
    "live",
    "2018-19_Q4-r1",  # the first release of a quarter has no -r1
    "2018-19_Q4&admin=1",
    "2018-19_Q4#x",
    "<script>alert(1)</script>",
    " 2018-19_Q4",
    "2018-19_Q4 ",
    "2018-19_Q4" + "0" * 40,
    "",
]


def released(href: str) -> list[str]:
    """The ``release`` values the link's query names."""
    return parse_qs(urlsplit(href).query).get("release", [])


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/area/E06000009", f"/area/E06000009?release={RELEASE}"),
        ("/reach?indicator=parents&ci=99.8", f"/reach?indicator=parents&ci=99.8&release={RELEASE}"),
        ("/", f"/?release={RELEASE}"),
        ("?period=2018-19", f"?period=2018-19&release={RELEASE}"),  # a page's own address
        ("", f"?release={RELEASE}"),
        ("/definitions#uptake.start", f"/definitions?release={RELEASE}#uptake.start"),
        ("/area/E06000009?compare=E1,E2", f"/area/E06000009?compare=E1,E2&release={RELEASE}"),
        # a release the link already names is replaced, never doubled
        ("/?release=2017-18_Q3&ci=99.8", f"/?ci=99.8&release={RELEASE}"),
    ],
)
def test_a_link_carries_the_release(href, expected):
    assert with_release(href, RELEASE) == expected
    assert with_release(href, None) == href  # live figures: no release


def test_latest_is_kept_as_it_is_asked():
    assert with_release("/uptake", "latest") == "/uptake?release=latest"


@pytest.mark.parametrize("bad", NOT_IDS)
def test_what_is_not_a_release_id_is_never_echoed(bad):
    for href in ("/area/E06000009?period=2018-19", "/", "?ci=99.8", ""):
        assert with_release(href, bad) == href


@pytest.mark.parametrize("href", ["https://example.org/reach", "//example.org/reach", "#main"])
def test_links_off_the_site_or_within_the_page_are_left_alone(href):
    assert with_release(href, RELEASE) == href


# --- the presenters and layouts: every link a page draws to a figures page ----------------------


def hrefs(tree: Any) -> Iterator[str]:
    """Every ``href`` in a component's JSON (or in a presenter's dataclasses)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "href" and isinstance(value, str):
                yield value
            else:
                yield from hrefs(value)
    elif isinstance(tree, list | tuple):
        for item in tree:
            yield from hrefs(item)
    elif hasattr(tree, "to_plotly_json"):
        yield from hrefs(plain_json(tree))
    elif hasattr(tree, "__dataclass_fields__"):
        yield from hrefs({k: getattr(tree, k) for k in tree.__dataclass_fields__})


def assert_every_link(found: list[str], release: str | None) -> None:
    assert found, "no links drawn"
    for href in found:
        assert released(href) == ([release] if release else []), href


def grid_rows() -> pd.DataFrame:
    rows = [row(code, i) for code in NAMES for i in pg.GRID_INDICATORS]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("release", [RELEASE, None])
def test_the_home_grid_links_every_area_and_column_in_the_release(release):
    rows = grid_rows()
    table = home_grid.grid(rows, [BLACKPOOL, ESSEX, LUTON], Q4, release=release)
    found = list(hrefs(table))
    assert any(h.startswith(f"/area/{BLACKPOOL}?") for h in found)  # the area's name and cells
    assert any(h.startswith("/uptake?") for h in found)  # the column headings
    assert_every_link(found, release)
    made = home_grid.grid_rows(rows, Q4, release=release)  # the rows made once per version
    assert_every_link(list(hrefs(made)), release)


@pytest.mark.parametrize("release", [RELEASE, None])
def test_needs_attention_links_in_the_release(release):
    got = pg.attention(pg.needs_attention(_worse_and_worsening()), Q4, release=release)
    found = list(hrefs(got))
    assert len(found) == 2 + 2 * 3  # each area, and each reason's profile and topic links
    assert_every_link(found, release)


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_presenter_never_echoes_what_is_not_a_release(bad):
    got = pg.attention(pg.needs_attention(_worse_and_worsening()), Q4, release=bad)
    assert_every_link(list(hrefs(got)), None)
    assert_every_link(list(hrefs(home_grid.grid(grid_rows(), [LUTON], Q4, release=bad))), None)


@pytest.mark.parametrize("release", [RELEASE, None])
def test_the_area_profile_links_to_quality_and_other_areas_in_the_release(release):
    empty = pd.DataFrame()
    q = area_quality.area_quality(
        area.View("A", "Area A", {}, None),
        current=pd.DataFrame(columns=["period", "file_name", "loaded_at", "outcome"]),
        loads=pd.DataFrame({"outcome": []}),
        findings=pd.DataFrame(columns=["code", "title", "severity", "findings"]),
        held=pd.DataFrame({"rows": [], "unresolved": []}),
        completeness=empty,
        pooled=empty,
        paired=None,
        release=release,
    )
    assert q.link.href.startswith("/quality?area=A")
    assert_every_link([q.link.href], release)
    areas = pd.DataFrame(
        {
            "area_code": [BLACKPOOL, LUTON],
            "area_name": ["Blackpool", "Luton"],
            "region": ["North West", "East of England"],
        }
    )
    page = area_page.not_found("E99999999", areas, release)
    found = list(hrefs(page))
    paths = {h.split("?")[0] for h in found}
    assert {"/", f"/area/{BLACKPOOL}", f"/area/{LUTON}"} <= paths
    assert_every_link(found, release)


@pytest.mark.parametrize("release", [RELEASE, None])
def test_a_topic_page_links_each_area_s_profile_in_the_release(release):
    links = topic_page.profile_links([BLACKPOOL, LUTON], NAMES, release)
    found = list(hrefs(links))
    assert [h.split("?")[0] for h in found] == [f"/area/{BLACKPOOL}", f"/area/{LUTON}"]
    assert_every_link(found, release)


def test_the_programme_row_has_no_link_in_any_release():
    cell = pg.grid_cell(
        row(PROGRAMME), PROGRAMME, "Programme", "uptake.completion", Q4, release=RELEASE
    )
    assert cell.href is None

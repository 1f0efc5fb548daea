"""The area profile's PDF, ``/area/<gss>/profile.pdf`` (issue 14 § 5): an A4 PDF whose text has
the area's name, period, data as at and the area's figures as the API gives them; bad addresses
answered with a page saying why; one render at a time; no Chromium left behind."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from support.page_dbs import BLACKPOOL, build_area_db

from dashboard.app import create_app
from dashboard.present import area_address as address
from dashboard.present.area import SPINE_INDICATORS
from dashboard.present.words import fmt
from dashboard.print_pdf import PdfPrinter, RenderFailed, render
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators

PERIOD = "2018-19_Q1"
A4_POINTS = (595.28, 841.89)  # 210 mm × 297 mm


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = build_area_db(tmp_path_factory.mktemp("pdf") / "lfo.db")
    return create_app(DashboardSettings(database_url=url, warm_cache=False)).server.test_client()


@pytest.fixture(scope="module")
def profile(client):
    answer = client.get(f"/area/{BLACKPOOL}/profile.pdf?period={PERIOD}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[-500:]
    assert answer.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(answer.data))


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_every_page_is_a4_portrait(profile):
    assert len(profile.pages) >= 2
    for page in profile.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1.0)


def test_the_pdf_names_the_area_period_benchmark_level_source_and_data_as_at(client, profile):
    text = text_of(profile)
    name = client.get("/api/v1/areas").get_json()["data"]
    blackpool = next(a["name"] for a in name if a["code"] == BLACKPOOL)
    assert f"{blackpool}: area profile" in text
    assert "2018-19 Q1" in text or "April to June 2018" in text
    assert "Benchmark The programme" in text
    assert "Confidence level 95%" in text
    assert re.search(r"Data as at \d{1,2} [A-Z][a-z]+ 20\d\d", text)
    assert "Source: Department for Work and Pensions, Local Family Offer monitoring" in text
    assert "Figures marked [c] are suppressed" in text


def test_the_table_has_the_area_s_figures_as_the_api_gives_them(client, profile):
    wanted = ",".join(SPINE_INDICATORS)
    rows = client.get(f"/api/v1/data?indicator={wanted}&area={BLACKPOOL}&period={PERIOD}")
    assert rows.status_code == 200
    by_id = {r["indicator"]: r for r in rows.get_json()["data"] if r["area_code"] == BLACKPOOL}
    assert by_id, "the API gave no rows for the area"
    text = text_of(profile)
    at = text.index("The figures in a table")
    catalogue = indicators()
    checked = 0
    for ind in SPINE_INDICATORS:  # each figure in the table, in the spine's order
        row = by_id.get(ind)
        if row is None:
            continue
        expected = f"[{row['status']}]" if row["status"] else fmt(row["value"], catalogue[ind].unit)
        found = text.find(expected, at)
        assert found >= 0, f"{ind}: {expected!r} is not in the table after position {at}"
        at = found + len(expected)
        checked += 1
    assert checked >= 5
    if any(r["status"] == "c" for r in by_id.values()):
        assert "[c]" in text


def test_the_page_links_to_the_pdf_with_its_choices():
    href = address.pdf_for(BLACKPOOL, PERIOD, "99.8", "region", None, None)
    assert href == f"/area/{BLACKPOOL}/profile.pdf?period={PERIOD}&benchmark=region&ci=99.8"
    assert address.pdf_for(BLACKPOOL, "latest") == f"/area/{BLACKPOOL}/profile.pdf"


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("/area/XYZ/profile.pdf", 404, "not an area code"),
        ("/area/E06000999/profile.pdf", 404, "no programme area"),
        (f"/area/{BLACKPOOL}/profile.pdf?period=2018-19_Q9", 400, "period"),
        (f"/area/{BLACKPOOL}/profile.pdf?period=2001-02", 400, "before the programme"),
        (f"/area/{BLACKPOOL}/profile.pdf?period=2020-21", 404, "no figures for 2020-21"),
        (f"/area/{BLACKPOOL}/profile.pdf?benchmark=county", 400, "benchmark"),
        (f"/area/{BLACKPOOL}/profile.pdf?ci=50", 400, "95 or 99.8"),
        (f"/area/{BLACKPOOL}/profile.pdf?colour=red", 400, "not a setting"),
        (f"/area/{BLACKPOOL}/profile.pdf?ci=95&ci=99.8", 400, "given 2 times"),
        (f"/area/{BLACKPOOL}/profile.pdf?release=2018-19_Q4", 404, "no release"),
    ],
)
def test_a_bad_address_is_a_page_saying_why(client, query, status, says):
    answer = client.get(query)
    body = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert answer.mimetype == "text/html"
    assert says.lower() in body.lower()
    assert "Traceback" not in body


def test_a_second_pdf_while_one_is_made_is_told_to_try_again(client):
    printer = client.application.view_functions["lfo_profile_pdf"].__self__.printer
    assert printer._lock.acquire(blocking=False)  # as if a render were under way
    try:
        answer = client.get(f"/area/{BLACKPOOL}/profile.pdf?period={PERIOD}")
    finally:
        printer._lock.release()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert "try again" in answer.get_data(as_text=True)


def _group_alive(pgid: int) -> list[int]:
    """The processes still in process group ``pgid``."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


def test_a_render_that_hangs_is_stopped_and_leaves_no_chromium(tmp_path):
    started: list[int] = []
    never_drawn = "<!DOCTYPE html><html lang='en'><title>x</title><p>never drawn</p></html>"
    chromium = DashboardSettings().chromium
    with pytest.raises(RenderFailed, match="longer than"):
        render(never_drawn, chromium, 4, on_start=started.append)
    assert started and not _group_alive(started[0])


def test_one_render_at_a_time_and_a_failed_one_says_why():
    printer = PdfPrinter("/no/such/chromium", 20)
    with pytest.raises(RenderFailed):
        printer.print("<p>x</p>")
    assert printer._lock.acquire(blocking=False)  # released after the failure
    printer._lock.release()
    assert os.path.exists(DashboardSettings().chromium)

"""Chart downloads: CSV (BOM, metadata on every row), Excel read back with openpyxl, PNG text
chunks and SVG metadata holding the plotted numbers."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from dashboard import theme
from dashboard.charts import exports
from dashboard.charts.content import ChartContent
from dashboard.charts.exports.embed import png_chunk
from dashboard.charts.frame import UNITS
from lfo.indicators.definitions import CAVEATS, indicators

COMPLETION = indicators()["uptake.completion"]
NOTE = (
    "Figures for Westminster are suppressed ([c]) to protect confidentiality: they rest on "
    "fewer than 10 people or episodes."
)
#: What the test chart's figures are for (as a presenter's ``chart_export`` gives it).
CONTEXT = {
    "period": "2018-19_Q4",
    "intervention_group": "all",
    "benchmark": "programme",
    "confidence_level": "95",
}


def content(**kw) -> ChartContent:
    theme.register_template()
    table = pd.DataFrame(
        {
            "Area": ["Blackpool", "Essex", "Westminster"],
            "Value (%)": [41.23456, 72.5, None],
            "Lower limit (95% confidence interval)": [35.1, 66.0, None],
            "Upper limit (95% confidence interval)": [47.9, 78.25, None],
            "Denominator": [200, 400, None],
            "status": [None, None, "c"],
        }
    )
    table.attrs[UNITS] = {
        "Value (%)": "%",
        "Lower limit (95% confidence interval)": "%",
        "Upper limit (95% confidence interval)": "%",
        "Denominator": "count",
    }
    fig = go.Figure(go.Scatter(x=[41.23456, 72.5], y=["Blackpool", "Essex"], mode="markers"))
    base = dict(
        figure=fig,
        title="Completion by area, 2018-19 Q4",
        subtitle="All interventions; 95% confidence intervals",
        summary="Completion in Blackpool was 41%, worse than the programme's 56%.",
        table=table,
        indicator_ids=[COMPLETION.id],
        notes=[NOTE],
        data_as_at="2019-04-15T09:30:00",
        threshold=10,
        context=dict(CONTEXT),
        file_parts=["uptake.completion", "2018-19_Q4", "all", "ci95"],
    )
    base.update(kw)
    return ChartContent(**base)


# --- CSV -----------------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_starts_with_a_utf8_byte_order_mark():
    assert exports.to_csv(content()).startswith(b"\xef\xbb\xbf")


def test_csv_rows_hold_the_unrounded_plotted_numbers():
    rows = read_csv(exports.to_csv(content()))
    assert [r["area_name"] for r in rows] == ["Blackpool", "Essex", "Westminster"]
    assert float(rows[0]["Value (%)"]) == 41.23456
    assert float(rows[1]["Upper limit (95% confidence interval)"]) == 78.25


def test_csv_suppressed_cells_are_empty_with_the_status_code():
    westminster = read_csv(exports.to_csv(content()))[2]
    assert westminster["Value (%)"] == ""
    assert westminster["status"] == "c"
    assert "[c]" not in westminster.values()


def test_csv_carries_the_indicator_metadata_on_every_row():
    rows = read_csv(exports.to_csv(content()))
    assert list(rows[0])[-len(exports.METADATA_COLUMNS) :] == exports.METADATA_COLUMNS
    for r in rows:
        assert r["indicator_id"] == "uptake.completion"
        assert r["indicator_name"] == COMPLETION.name
        assert r["definition"] == COMPLETION.definition
        assert r["interval_method"] == "Wilson"
        assert r["unit"] == COMPLETION.unit
        assert r["data_as_at"] == "2019-04-15T09:30:00"
        assert r["definitions_version"] == "2"  # indicators.md v2
        assert r["suppression_threshold"] == "10"
        assert r["source"] == "Local Family Offer quarterly returns to DWP"


def test_csv_rows_say_what_they_are_then_the_numbers_then_comparison_and_status():
    rows = read_csv(exports.to_csv(content()))
    columns = list(rows[0])
    assert columns[:9] == [
        "area_code",
        "area_name",
        "period",
        "period_type",
        "intervention_group",
        "benchmark",
        "confidence_level",
        "Area",  # then the twin's own columns, as on screen
        "Value (%)",
    ]
    status_at = columns.index("status")
    assert columns[status_at - 1 : status_at + 2] == ["comparison", "status", "status_meaning"]
    for r in rows:
        assert (r["period"], r["period_type"]) == ("2018-19_Q4", "quarter")
        assert (r["intervention_group"], r["benchmark"]) == ("all", "programme")
        assert r["confidence_level"] == "95"


def test_csv_explains_the_status_on_every_row_in_the_words_of_the_status_key():
    rows = read_csv(exports.to_csv(content()))
    assert [(r["status"], r["status_meaning"]) for r in rows] == [
        ("", ""),
        ("", ""),
        ("c", "suppressed to protect confidentiality"),
    ]
    table = pd.DataFrame({"Area": ["A", "B"], "Value (%)": [None, None], "status": ["x", "z"]})
    rows = read_csv(exports.to_csv(content(table=table)))
    assert [r["status_meaning"] for r in rows] == ["not available", "not applicable"]


def test_csv_takes_the_comparison_from_the_table_and_a_financial_year_from_the_context():
    table = pd.DataFrame(
        {
            "Area": ["Blackpool", "Essex"],
            "Value (%)": [41.0, 72.0],
            "Compared with the programme": ["worse", "better"],
            "area_code": ["E06000009", "E10000012"],
            "status": [None, None],
        }
    )
    context = {"period": "2018-19", "measure": "csi4", "confidence_level": "99.8"}
    rows = read_csv(exports.to_csv(content(table=table, context=context)))
    assert [(r["area_code"], r["area_name"], r["comparison"]) for r in rows] == [
        ("E06000009", "Blackpool", "worse"),
        ("E10000012", "Essex", "better"),
    ]
    assert {(r["period"], r["period_type"], r["measure"]) for r in rows} == {
        ("2018-19", "financial_year", "csi4")
    }
    assert {(r["benchmark"], r["confidence_level"]) for r in rows} == {("", "99.8")}
    assert rows[0]["Compared with the programme"] == "worse"  # the twin's column, as it is


def test_csv_of_a_chart_of_one_area_names_it_on_every_row():
    table = pd.DataFrame(
        {
            "Area": ["All interventions", "Parenting course"],  # rows of one area
            "Value (%)": [41.0, 72.0],
            "area_code": ["all", "pc1"],  # not areas: the context's area wins
            "status": [None, None],
        }
    )
    context = {"area_code": "E06000009", "area_name": "Blackpool", "period": "2018-19_Q1"}
    rows = read_csv(exports.to_csv(content(table=table, context=context)))
    assert {(r["area_code"], r["area_name"]) for r in rows} == {("E06000009", "Blackpool")}
    assert [r["Area"] for r in rows] == ["All interventions", "Parenting course"]


def test_csv_guards_formula_like_context_too():
    rows = read_csv(exports.to_csv(content(context={"area_name": "=1+1", "area_code": "X"})))
    assert {r["area_name"] for r in rows} == {"'=1+1"}


def test_csv_of_a_multi_indicator_table_gives_each_row_its_own_metadata():
    table = pd.DataFrame(
        {"Indicator id": ["uptake.start", "uptake.completion"], "Value (%)": [60.0, 41.0]}
    )
    rows = read_csv(
        exports.to_csv(content(table=table, indicator_ids=["uptake.start", "uptake.completion"]))
    )
    assert [r["indicator_name"] for r in rows] == ["Offers taken up", "Completion"]


# --- Excel ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook():
    return load_workbook(io.BytesIO(exports.to_xlsx(content())))


def column_a(ws) -> list[str]:
    return [str(c.value) for c in ws["A"] if c.value is not None]


def test_xlsx_has_cover_contents_notes_definitions_and_table_sheets(workbook):
    assert workbook.sheetnames == ["Cover", "Contents", "Notes", "Definitions", "Table_1"]


def test_xlsx_cover_has_title_source_date_contact_copyright_and_version(workbook):
    cover = column_a(workbook["Cover"])
    assert cover[0] == "Completion by area, 2018-19 Q4"
    for expected in (
        "All interventions; 95% confidence intervals",
        "Local Family Offer quarterly returns to DWP",
        "15 April 2019",
        exports.CONTACT,
        "2",  # definitions version (indicators.md v2)
        "What the figures are for",
        "Period: 2018-19_Q4",
        "Intervention or level: all",
        "Compared with: programme",
        "Confidence level (%): 95",
    ):
        assert expected in cover
    assert any(line.startswith("© Crown copyright 2019") for line in cover)


def test_xlsx_contents_links_to_every_other_sheet(workbook):
    ws = workbook["Contents"]
    links = {c.value: c.hyperlink.location for c in ws["A"] if c.hyperlink is not None}
    assert set(links) == {"Cover", "Notes", "Definitions", "Table_1"}
    assert links["Table_1"] == "'Table_1'!A1"


def test_xlsx_notes_hold_every_note_the_metadata_the_status_key_and_the_caveats(workbook):
    ws = workbook["Notes"]
    assert [c.value for c in ws[3]] == ["Note number", "Note text"]
    texts = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert texts[0] == NOTE
    assert any(COMPLETION.definition.rstrip(".") in t for t in texts)
    assert any(t.startswith("[c] means") for t in texts)
    assert any(t.startswith("[x] means") for t in texts)
    assert any(t.startswith("[z] means") for t in texts)
    for caveat in CAVEATS:
        assert f"Caveat: {caveat}" in texts
    numbers = [r[0] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert numbers == [f"[note {k}]" for k in range(1, len(texts) + 1)]


def test_xlsx_definitions_sheet_has_one_row_per_indicator(workbook):
    rows = list(workbook["Definitions"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("Indicator id", "Name", "Definition")
    assert rows[1][:3] == (COMPLETION.id, COMPLETION.name, COMPLETION.definition)
    assert len(rows) == 2


def test_xlsx_table_has_a_title_then_numbers_as_numbers_and_c_as_text(workbook):
    ws = workbook["Table_1"]
    assert ws["A1"].value == "Completion by area, 2018-19 Q4"
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    assert rows[0] == (
        "Area",
        "Value (%)",
        "Lower limit (95% confidence interval)",
        "Upper limit (95% confidence interval)",
        "Denominator",
    )
    assert rows[1] == ("Blackpool", 41.23456, 35.1, 47.9, 200)
    assert rows[3] == ("Westminster", "[c]", "[c]", "[c]", "[c]")
    assert ws["B6"].number_format == "#,##0.0"
    assert ws["E6"].number_format == "#,##0"


def test_xlsx_table_has_no_blank_cells_a_missing_figure_without_status_is_x():
    table = pd.DataFrame({"Area": ["Essex"], "Recent trend": [None], "Value (%)": [72.5]})
    wb = load_workbook(io.BytesIO(exports.to_xlsx(content(table=table))))
    assert list(wb["Table_1"].iter_rows(min_row=6, values_only=True)) == [("Essex", "[x]", 72.5)]


def test_xlsx_table_is_an_excel_table_with_no_blank_rows_and_no_merged_cells(workbook):
    ws = workbook["Table_1"]
    assert ws.tables["Table_1"].ref == "A5:E8"
    for row in ws.iter_rows(min_row=5, max_row=8, values_only=True):
        assert row[0] is not None
    for sheet in workbook.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title


# --- images ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def png() -> bytes:
    return exports.to_image(content(), "png")


@pytest.fixture(scope="module")
def svg() -> bytes:
    return exports.to_image(content(), "svg")


def test_png_is_a_png_at_publication_size(png):
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (2400, 1400)


def test_png_text_chunks_hold_title_description_source_copyright_and_data(png):
    chunks = exports.read_png_text(png)
    assert chunks["Title"] == "Completion by area, 2018-19 Q4"
    assert COMPLETION.definition in chunks["Description"]
    assert "Data as at 15 April 2019" in chunks["Source"]
    assert chunks["Copyright"] == "© Crown copyright"
    assert chunks["Context"] == (
        "Figures for Period: 2018-19_Q4; Intervention or level: all; Compared with: programme; "
        "Confidence level (%): 95."
    )
    assert chunks["Context"] in chunks["Description"]
    data = list(csv.DictReader(io.StringIO(chunks["Data"])))
    assert float(data[0]["Value (%)"]) == 41.23456
    assert data[2]["status"] == "c"


def test_png_text_chunk_is_tEXt_for_latin1_text(png):
    assert b"tEXtTitle\x00Completion by area" in png


def test_text_outside_latin1_goes_into_an_itxt_chunk():
    plain = exports.add_png_text(
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\0" * 13),
        [("Title", "Completion – 2018–19")],
    )
    assert b"iTXt" in plain
    assert exports.read_png_text(plain)["Title"] == "Completion – 2018–19"


def test_svg_parses_as_xml_and_holds_the_title_metadata_and_numbers(svg):
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg", "lfo": "urn:lfo:chart-metadata"}
    assert root.find("s:title", ns).text == "Completion by area, 2018-19 Q4"
    assert COMPLETION.definition in root.find("s:desc", ns).text
    chart = root.find("s:metadata/lfo:chart", ns)
    assert chart.find("lfo:definitions-version", ns).text == "2"
    assert chart.find("lfo:copyright", ns).text == "© Crown copyright"
    context = {c.get("name"): c.text for c in chart.iter("{urn:lfo:chart-metadata}context")}
    assert context == CONTEXT
    assert "Period: 2018-19_Q4" in root.find("s:desc", ns).text
    fields = {f.get("name"): f.text for f in chart.iter("{urn:lfo:chart-metadata}field")}
    assert fields["Interval method"] == "Wilson"
    data = chart.find("lfo:data", ns).text
    assert "Blackpool,41.23456,35.1,47.9" in data


def test_svg_draws_the_title_subtitle_and_footer(svg):
    text = svg.decode("utf-8")
    for words in (
        "Completion by area, 2018-19 Q4",
        "All interventions; 95% confidence",
        "Source: Local Family Offer quarterly returns to DWP",
        "© Crown copyright",
        "Figures for Westminster are suppressed",
        "Figures for Period: 2018-19_Q4; Intervention or level: all",
    ):
        assert words in text, words


def test_image_format_must_be_png_or_svg():
    with pytest.raises(ValueError, match="png or svg"):
        exports.to_image(content(), "gif")


# --- formulas (issue 10: lfo.formula_guard) --------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def formula_content() -> ChartContent:
    """A chart of an area whose name a spreadsheet would read as a formula (in the table, the
    title and the summary), and a negative number, which stays a number."""
    table = pd.DataFrame(
        {"Area": [FORMULA, "+Essex", "Blackpool"], "Change": [-3.5, 2.0, 1.0], "status": [None] * 3}
    )
    return content(
        table=table,
        title=f"{FORMULA}: completion",
        summary=f"@{FORMULA} was highest.",
        notes=[],
    )


def test_csv_writes_formula_like_text_with_a_leading_apostrophe_and_numbers_as_numbers():
    rows = read_csv(exports.to_csv(formula_content()))
    assert [r["area_name"] for r in rows] == ["'" + FORMULA, "'+Essex", "Blackpool"]
    assert [r["Change"] for r in rows] == ["-3.5", "2.0", "1.0"]


def test_xlsx_writes_formula_like_text_as_text_cells_in_every_sheet():
    wb = load_workbook(io.BytesIO(exports.to_xlsx(formula_content())))
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "@")):
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    seen.add(ws.title)
    assert {"Cover", "Table_1", "Contents"} <= seen
    table = wb[exports.TABLE_SHEET]
    assert table["A6"].value == FORMULA and table["B6"].value == -3.5

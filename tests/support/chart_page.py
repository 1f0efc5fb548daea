"""A tiny Dash page holding one chart card, filled from hand-written engine rows: added to the
app's pages by the chart card's tests (Flask's test client, tests/test_chart_card.py) and its browser
test (tests/browser/test_chart_downloads.py).
"""

from __future__ import annotations

import pandas as pd
from dash import Input, html

from dashboard.charts import downloads, figures, text
from dashboard.charts.card import card_outputs, chart_card, render
from dashboard.charts.content import ChartContent
from dashboard.charts.frame import plotted_table
from dashboard.layouts import Page
from lfo.indicators.definitions import indicators

CHART = "test-chart"
TITLE = "Completion by area"
COMPLETION = indicators()["uptake.completion"]
TEST_PATH = "/chart-kit-test"
MODE = "chart-kit-test-mode"


def engine_rows() -> pd.DataFrame:
    """Rows shaped as the engine returns them (hand-written: the kit computes nothing)."""

    def row(code, name, value, lower, upper, num, den, comparison, status=None):
        return dict(
            indicator="uptake.completion",
            area_code=code,
            area_name=name,
            period="2018-19_Q4",
            category=None,
            value=value,
            lower=lower,
            upper=upper,
            numerator=num,
            denominator=den,
            comparison=comparison,
            trend=None,
            trend_judgement=None,
            status=status,
            benchmark=55.5,
            return_period="2018-19_Q4",
        )

    return pd.DataFrame(
        [
            row("E06000009", "Blackpool", 41.0, 34.4, 47.9, 82, 200, "worse"),
            row("E06000032", "Luton", 52.5, 45.6, 59.3, 105, 200, "similar"),
            row("E10000012", "Essex", 72.25, 67.7, 76.4, 289, 400, "better"),
            row("E09000033", "Westminster", None, None, None, None, None, None, "c"),
            row("programme", "Programme (all areas)", 55.5, 52.0, 58.9, 476, 800, None),
        ]
    )


def test_content(empty: bool = False) -> ChartContent:
    rows = engine_rows()
    note = text.suppression_note(rows, 10)
    return ChartContent(
        figure=figures.caterpillar(rows),
        title=f"{TITLE}, 2018-19 Q4",
        subtitle="All interventions; 95% confidence intervals",
        summary=text.describe_ranking(rows, COMPLETION),
        table=plotted_table(rows, COMPLETION),
        indicator_ids=[COMPLETION.id],
        notes=[note] if note else [],
        data_as_at="2019-04-15T09:30:00",
        empty_message="No area has a figure for the filters chosen." if empty else None,
    )


test_content.__test__ = False  # a helper, not a test


def chart_test_layout(search: str = ""):
    from dash import dcc

    return html.Div(
        [
            html.H1("Chart kit test"),
            dcc.Store(id=MODE, data="empty" if "empty" in search else "full"),
            chart_card(CHART, TITLE),
        ]
    )


def update_chart_test(mode: str) -> list:
    return render(test_content(empty=mode == "empty"), {"mode": mode})


def rebuild_chart_test(view: object) -> ChartContent:
    """The test chart built again on the server for its view key (a mode it knows)."""
    if not isinstance(view, dict) or view.get("mode") not in ("full", "empty"):
        raise ValueError("not a view of the test chart")
    return test_content(empty=view["mode"] == "empty")


def register_chart_test(app, services) -> None:
    app.callback(*card_outputs(CHART), Input(MODE, "data"))(update_chart_test)
    downloads.attach(app, CHART, rebuild_chart_test, services.threshold)


CHART_TEST_PAGE = Page(
    path=TEST_PATH,
    title="Chart kit test",
    nav_label="Chart kit test",
    layout=chart_test_layout,
    register=register_chart_test,
    in_nav=False,
)

"""The overview (home) page's callbacks as the browser calls them (``support.dash_client``), for
tests/test_overview.py and tests/test_overview_rows.py: the six controls named once. Their app and
database are the ``overview_*`` fixtures in tests/conftest.py."""

from __future__ import annotations

from typing import Any

from dashboard import ids
from dashboard.callbacks import overview as cb
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present import overview_rows as prows
from support.dash_client import post_callback

#: What the address callback sets: the controls and the messages about the address.
ADDRESS_OUTPUTS = [
    (ids.HOME_PERIOD, "value"),
    (ids.HOME_SORT, "value"),
    (ids.HOME_ORDER, "value"),
    (ids.HOME_CI, "value"),
    (ids.HOME_MESSAGES, "children"),
    (ids.HOME_BENCHMARK, "value"),
    (ids.HOME_ROWS, "data"),
]


def controls(
    period: str = po.LATEST,
    sort: str = pg.SORT_AREA,
    order: str = pg.ORDER_LOW,
    ci: str = "95",
    benchmark: str = "programme",
    rows: object = prows.ROWS_FIRST,
) -> list[dict]:
    """The controls' values as the browser sends them (a callback's inputs or state); the
    defaults are the page's own."""
    return [
        {"id": ids.HOME_PERIOD, "property": "value", "value": period},
        {"id": ids.HOME_SORT, "property": "value", "value": sort},
        {"id": ids.HOME_ORDER, "property": "value", "value": order},
        {"id": ids.HOME_CI, "property": "value", "value": ci},
        {"id": ids.HOME_BENCHMARK, "property": "value", "value": benchmark},
        {"id": ids.HOME_ROWS, "property": "data", "value": rows},
    ]


def update_overview(client, *args: Any, **kwargs: Any) -> dict:
    """The page's main callback (grid, summary, ranking chart…) for the controls given as to
    ``controls``."""
    outputs = [(o.component_id, o.component_property) for o in cb.overview_outputs()]
    return post_callback(client, outputs, controls(*args, **kwargs))


def read_address(client, search: str, **before: Any) -> dict:
    """The callback that sets the controls from the address's query ``search``; ``before`` the
    controls' values until then (as to ``controls``)."""
    address = [{"id": ids.URL, "property": "search", "value": search}]
    return post_callback(client, ADDRESS_OUTPUTS, address, controls(**before))

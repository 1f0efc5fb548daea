"""The area profile's parts at the confidence level chosen (issue 11 § 3): every better/worse
label names its level, and words written for 95% intervals say the level the figures were
computed at.

The engine computes each part at the level chosen (``ci`` in the address, as on every page:
``present.choices``); the words of some parts are written by modules that say "95% confidence
interval" (the spine, ``present.area_spine``; the trend and reach, ``present.area_charts``).
Until they take the level themselves, ``content_at_level`` and ``table_at_level`` put it into
their words. Pure: no Dash.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from dashboard.charts.content import ChartContent
from dashboard.charts.frame import UNITS
from dashboard.present.area import Link, Table
from dashboard.present.choices import with_level

_NINETY_FIVE = re.compile(r"\b95% (confidence interval)")


def words_at_level(text: str, ci: str) -> str:
    """``text`` with "95% confidence interval(s)" at the level ``ci``, and every comparison with
    the programme naming its level."""
    if ci != "95":
        text = _NINETY_FIVE.sub(lambda m: f"{ci}% {m.group(1)}", text)
    return with_level(text, ci)


def content_at_level(content: ChartContent, ci: str) -> ChartContent:
    """``content`` with its subtitle, summary, notes and table's headers and words at ``ci``."""
    if content.empty_message:
        return content
    table = content.table
    if isinstance(table, pd.DataFrame) and not table.empty:
        table = table.rename(columns=lambda c: words_at_level(c, ci) if isinstance(c, str) else c)
        for column in table.columns:
            if not pd.api.types.is_numeric_dtype(table[column]):
                table[column] = table[column].map(
                    lambda v: words_at_level(v, ci) if isinstance(v, str) else v
                )
        table.attrs = dict(content.table.attrs)
        units = table.attrs.get(UNITS)
        if isinstance(units, dict):
            table.attrs[UNITS] = {words_at_level(k, ci): v for k, v in units.items()}
    return replace(
        content,
        subtitle=words_at_level(content.subtitle, ci),
        summary=words_at_level(content.summary, ci),
        notes=[words_at_level(n, ci) for n in content.notes],
        table=table,
    )


def table_at_level(table: Table | None, ci: str) -> Table | None:
    """A part's own table twin with its headers and words at ``ci``."""
    if table is None:
        return None

    def cell(v: str | Link) -> str | Link:
        return words_at_level(v, ci) if isinstance(v, str) else v

    return replace(
        table,
        columns=[words_at_level(c, ci) for c in table.columns],
        rows=[[cell(v) for v in row] for row in table.rows],
        caption=words_at_level(table.caption, ci),
    )

"""Presenters: pure functions from the indicator engine's rows (and the dashboard's reads) to what
a page shows — chart content, tables, sentences — one module per page, plus ``words`` (how
figures, units, periods and names read). No Dash, no SQL: unit-tested without a server."""

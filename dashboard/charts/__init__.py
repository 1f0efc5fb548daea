"""The chart kit every page uses: cards, figure builders, summaries, table twins and downloads.

A page's layout holds ``card.chart_card(chart_id, title)``; its callback lists
``card.card_outputs(chart_id)`` and returns ``card.render(content, view)``, where a presenter
made the ``content.ChartContent`` with the figure from a ``figures`` builder, the summary from
``text``, and the table twin's frame from ``frame.plotted_table``; ``view`` is the chart's view
key (the codes the page chose). The page's ``register`` calls
``downloads.attach(app, chart_id, rebuild, threshold)``: the card's PNG, SVG, CSV and Excel files
are made on the server from the content ``rebuild`` builds again for the view key, and so is
the card's table twin, when the reader first opens it (``twin``).

Modules: ``content`` (``ChartContent`` and its plain-JSON form: pure data), ``figures`` (the
builders), ``text`` (plain-English summaries), ``frame`` (the table twin's frame), ``card`` (the
card's Dash components and ``render``), ``table`` (the twin as an HTML table), ``exports`` (the
files made from a ``ChartContent``), ``downloads`` (the download callbacks), ``twin`` (the table twin filled when opened).
Only ``card``, ``table``, ``twin``, ``about`` and ``downloads`` import Dash, and this package imports none of its modules, so
presenters can use the pure ones without loading Dash.
"""

"""Helpers shared by the tests (imported as ``support.<module>``; ``tests`` is on the path).

Test modules import helpers from here only: never from another test module or a conftest.

- ``returns``: small return files written as an LA would send them (``valid_tables``, ``write_return``)
- ``dumps``: database contents as plain rows and SQL, for before/after comparisons
- ``engine_db``: a small real database of hand-made episodes, loaded for the indicator engine
- ``page_dbs``: the databases the dashboard page tests (test client and browser) run on
- ``chart_page``: a tiny Dash page holding one chart card (test client and browser)
- ``dash_client``: the one Dash callback client (``post_callback``, ``send_callback``, ``route``)
- ``text``: the one text extractor for Dash component trees (``texts``), and component counts
- ``postgres``: a throw-away PostgreSQL server
- ``load_runner``: a script loading files in a separate process (the kill tests kill it)
- ``browser``: serving an app on a local port, waiting for Dash, a browsing session
- ``axe``: accessibility checks with the vendored axe-core
"""

"""Every component ID of the dashboard, in one place.

Plain IDs are module constants. Pattern-matching IDs come from small builder functions keyed by a
domain value (a page path, an area code, an indicator id), never by a list position.
"""

from __future__ import annotations

# --- shell -------------------------------------------------------------------------------------
URL = "url"
SKIP_LINK = "skip-link"
HEADER = "site-header"
NAV = "site-nav"
MAIN = "main-content"  # the skip link's target
PAGE_CONTENT = "page-content"
PAGE_TITLE = "page-title"  # a Store holding the document title of the page shown
TITLE_SINK = "page-title-sink"  # dummy output of the clientside callback that sets the title
FOOTER = "site-footer"
DATA_AS_AT = "data-as-at"

# --- home page ---------------------------------------------------------------------------------
HOME_STATE = "home-state"
HOME_LOADED = "home-loaded"

# --- data quality page (helper I) ---------------------------------------------------------------
QUALITY_STATE = "quality-state"
QUALITY_MESSAGES = "quality-messages"
QUALITY_AREA = "quality-area"
QUALITY_MEASURE = "quality-measure"
QUALITY_PERIOD = "quality-period"
QUALITY_CONTENT = "quality-content"
QUALITY_COMPLETENESS_CHART = "quality-completeness"  # chart-kit chart_id
QUALITY_PAIRED_CHART = "quality-paired"  # chart-kit chart_id

NAV_LINK_TYPE = "nav-link"


def nav_link(path: str) -> dict[str, str]:
    """The ID of the navigation link to the page at ``path``."""
    return {"type": NAV_LINK_TYPE, "path": path}

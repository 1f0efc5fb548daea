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
HOME_MESSAGES = "home-messages"  # problems with the address
HOME_DATA_MESSAGES = "home-data-messages"  # e.g. a period with no data
HOME_PERIOD = "home-period"
HOME_SORT = "home-sort"
HOME_ORDER = "home-order"
HOME_CI = "home-ci"  # the confidence level of the comparisons (issue 11)
HOME_BENCHMARK = "home-benchmark"  # what the areas are compared with (issue 11 § 6)
HOME_SUMMARY = "home-summary"
HOME_HEADLINES = "home-headlines"
HOME_GRID = "home-grid"
HOME_ATTENTION = "home-attention"
HOME_CHART = "home-ranking"  # chart-kit chart_id
HOME_NOT_SHOWN = "home-not-shown"  # a line when the ranking chart has nothing to draw
HOME_ROWS = "home-rows"  # the grid's rows: the first 50 or all (issue 11 § 12)
HOME_ROWS_LINE = "home-rows-line"  # "Showing 50 of 153 areas" (a polite live region)
HOME_ROWS_BUTTON = "home-rows-button"  # "Show all 153 areas" / "Show the first 50"

# --- data quality page (helper I) ---------------------------------------------------------------
QUALITY_STATE = "quality-state"
QUALITY_MESSAGES = "quality-messages"
QUALITY_AREA = "quality-area"
QUALITY_MEASURE = "quality-measure"
QUALITY_PERIOD = "quality-period"
QUALITY_CONTENT = "quality-content"
QUALITY_COMPLETENESS_CHART = "quality-completeness"  # chart-kit chart_id
QUALITY_PAIRED_CHART = "quality-paired"  # chart-kit chart_id
QUALITY_PAIRED_DEFINITION = "quality-paired-definition"  # link to the measure's definition
QUALITY_PAIRED_ALL = "quality-paired-all"  # table: paired completeness, areas x every measure

NAV_LINK_TYPE = "nav-link"


def nav_link(path: str) -> dict[str, str]:
    """The ID of the navigation link to the page at ``path``."""
    return {"type": NAV_LINK_TYPE, "path": path}


# --- chart kit (dashboard/charts) ----------------------------------------------------------------
#: Parts of a chart card a page callback fills (plain string IDs: ARIA attributes can point at them).
CHART_PARTS = (
    "section",
    "heading",
    "subtitle",
    "figure",
    "graph",
    "content",
    "empty",
    "summary",
    "table",
    "notes",
    "meta",
    "about",
)
#: Parts of a card's downloads (dict IDs keyed by chart_id): the dcc.Download, the view key (a
#: dcc.Store holding only what the page's callback chose: codes the server checks again) and the
#: status line.
CHART_PATTERN_PARTS = ("download", "view", "status")
CHART_DOWNLOAD_BUTTON = "chart-download-button"


def chart(chart_id: str, part: str) -> str:
    """The ID of one part (``CHART_PARTS``) of the chart card ``chart_id``."""
    return f"chart-{chart_id}-{part}"


def chart_pattern(chart_id: object, part: str) -> dict[str, object]:
    """The dict ID of the card's dcc.Download, view-key dcc.Store or download status line
    (``CHART_PATTERN_PARTS``)."""
    return {"type": f"chart-{part}", "chart": chart_id}


def chart_download_button(chart_id: object, fmt: str) -> dict[str, object]:
    """The ID of a card's download button for ``fmt`` (png, svg, csv, xlsx)."""
    return {"type": CHART_DOWNLOAD_BUTTON, "chart": chart_id, "fmt": fmt}


# --- topic pages: reach, uptake, outcomes (helper H) ---------------------------------------------
#: Parts of a topic page; ``topic_part(topic, part)`` gives "reach-indicator" and so on.
TOPIC_PARTS = (
    "state",
    "written",
    "nav",
    "messages",
    "data-messages",
    "indicator",
    "areas",  # Store: the chosen areas' codes (the picker's value)
    "quick-none",
    "quick-all",
    "quick-worse",
    "quick-region",
    "quick-neighbours",
    "region",
    "area-search",
    "area-options",
    "area-add",
    "area-status",
    "chosen",
    "filter-bar",
    "summary",
    "ci-note",
    "not-shown",
    "from",
    "to",
    "trend-by",  # radios: the trend by quarter or by financial year
    "period",
    "group",
    "measure",
    "ci",
    "char",
    "links",
)
TOPIC_AREAS_TYPE = "topic-areas"
TOPIC_AREA_REMOVE_TYPE = "topic-area-remove"


def topic_part(topic: str, part: str) -> str:
    """The ID of one control or region (``TOPIC_PARTS``) of the topic page ``topic`` (and of
    the area profile's area picker, ``AREA_PICKER``)."""
    return f"{topic}-{part}"


def topic_areas(topic: str, region: object) -> dict[str, object]:
    """The ID of a topic page's checklist of areas in one region (``region`` may be ``ALL``)."""
    return {"type": TOPIC_AREAS_TYPE, "topic": topic, "region": region}


def topic_area_remove(topic: str, code: object) -> dict[str, object]:
    """The ID of the Remove button of one chosen area of a topic page's picker or the area
    profile's (``topic``: ``AREA_PICKER``; ``code`` may be ``ALL``)."""
    return {"type": TOPIC_AREA_REMOVE_TYPE, "topic": topic, "code": code}


def topic_chart(topic: str, chart: str) -> str:
    """The chart-kit chart_id of one chart of a topic page ("reach-trend")."""
    return f"{topic}-{chart}"


# --- area profile (/area/<gss_code>, helper G2) ------------------------------------------------
AREA_STATE = "area-state"  # Store: the area code from the path and the raw query string
AREA_SHOWN = "area-shown"  # Store: the code of the area shown (the server looks up the rest)
AREA_HEADING = "area-heading"  # the page's one h1
AREA_HEADER = "area-header"  # region, the return the figures come from, data as at
AREA_MESSAGES = "area-messages"  # problems with the address
AREA_DATA_MESSAGES = "area-data-messages"  # e.g. an unknown comparison area, a period with no data
AREA_NOT_FOUND = "area-not-found"  # the friendly page for an unknown or missing area code
AREA_PROFILE = "area-profile"  # everything else (hidden when the code is unknown)
AREA_SWITCH = "area-switch"  # select: another area
AREA_SWITCH_GO = "area-switch-go"  # button: open the area selected
AREA_PERIOD = "area-period"
AREA_CI = "area-ci"  # radio items: the confidence level of the comparisons (95 or 99.8)
AREA_BENCHMARK = "area-benchmark"  # select: the benchmark (programme, neighbours, region)
#: The areas to compare with: the shared area picker (``layouts.area_picker``) of key "area",
#: its parts ``topic_part(AREA_PICKER, part)`` ("area-area-search" ...), its value the Store
#: ``AREA_COMPARE`` (the chosen codes).
AREA_PICKER = "area"
AREA_COMPARE = f"{AREA_PICKER}-areas"
AREA_INDICATOR = "area-indicator"  # radio items: the indicator of the trend chart
AREA_TREND_BY = "area-trend-by"  # radio items: the trend by quarter or financial year
AREA_BREAKDOWN = "area-breakdown"  # radio items: the characteristic of the reach chart
AREA_QUALITY = "area-quality"  # the area's own data quality
AREA_PDF_LINK = "area-pdf-link"  # link: the profile as a PDF for print, with the page's choices
AREA_CHALLENGES = "area-challenges"  # its data challenges, for those who may raise them
AREA_SPINE_CHART = "area-spine"  # chart-kit chart_ids
AREA_TREND_CHART = "area-trend"
AREA_FUNNEL_CHART = "area-funnel"
AREA_REACH_CHART = "area-reach"

"""The results made ahead, as one list for the web processes and the results maker.

Every indicator's standard results are made ahead by either; ``present.ahead.made_ahead`` adds
what a page's first draw asks for beyond them, and the topic pages named here answer their first
choice of an intervention group from results made ahead (``present.ahead.group_ahead``). The
app factory (``dashboard.app``) and the results maker (``dashboard.results_cli``) both take the
list from here, so that the maker builds it without building the app.
"""

from __future__ import annotations

from dashboard.layouts import outcomes as outcomes_page
from dashboard.layouts import uptake as uptake_page
from dashboard.present import outcomes as outcomes_present
from dashboard.present import uptake as uptake_present
from dashboard.present.ahead import made_ahead
from lfo.indicators.request import Query

#: The topic pages whose first choice of an intervention group is answered from results made
#: ahead, with their own charts.
GROUP_TOPICS = (
    (uptake_page.TOPIC, uptake_present.EXTRAS),
    (outcomes_page.TOPIC, outcomes_present.EXTRAS),
)


def made_ahead_for(threshold: int) -> list[Query]:
    """The results a served process and the results maker make ahead (``present.ahead``)."""
    return made_ahead(threshold, GROUP_TOPICS)

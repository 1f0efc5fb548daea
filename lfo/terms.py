"""Codes that mean one thing everywhere: in the database, the engine's rows, the pages and the API.

``PROGRAMME`` is the area code of the programme as a whole (every covered area pooled); it is never
a GSS code, so it cannot clash with an area. The status codes follow the Government Statistical
Service's symbols for missing values, used in every table the service publishes.
"""

from __future__ import annotations

from typing import Final

#: The area code of the programme (all covered areas pooled) in the engine's rows and the API.
PROGRAMME: Final = "programme"
#: Its name wherever areas are named: in the engine's rows, tables, charts and files.
PROGRAMME_LABEL: Final = "Programme (all areas)"

#: Why a figure is missing (GSS symbols): suppressed, not available, not applicable.
SUPPRESSED: Final = "c"
NOT_AVAILABLE: Final = "x"
NOT_APPLICABLE: Final = "z"

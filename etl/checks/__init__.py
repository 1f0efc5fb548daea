"""The checks of a return (return-spec sections 1-3, and E108/E109 against the LA's current data).

``file.check_file`` reads and checks one file (``sheets``: header and typing, ``values``: every
cell, ``rows``: rules across cells and sheets) and gives a ``CheckedReturn``; ``quarantine`` says
which rows ``--quarantine`` holds back; ``continuity`` compares a return with the LA's current data
(E108 stale, E109 shrunk); ``ahead.CheckAhead`` checks the next file in a worker process.
"""

"""The core of Local Family Offer monitoring, shared by the ETL (``etl``) and the dashboard
(``dashboard``): settings, financial-year periods, reference data, the database schema and access,
and the indicator engine with the summary tables it reads (written by the loader through
``lfo.indicators.summaries``). Nothing here imports ``etl`` or ``dashboard``."""

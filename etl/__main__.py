"""``python -m etl``: the ETL's command line (see ``etl.cli``)."""

from etl.cli import main

raise SystemExit(main())

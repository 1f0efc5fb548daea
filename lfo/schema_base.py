"""The one ``MetaData`` every table of the database belongs to (``lfo.schema``,
``lfo.schema_access``)."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
HASH_LEN = 64  # hex digest of HMAC-SHA256 / SHA-256

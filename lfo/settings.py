"""Settings from environment variables, read once into a frozen dataclass.

Every variable is documented in ``.env.example`` at the project root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
DEFAULT_DATABASE_URL = "sqlite:///data/lfo.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    archive_dir: Path = Path("data/archive")
    id_key_file: Path = Path("data/lfo-id.key")
    secrets_key_file: Path = Path("data/lfo-secrets.key")
    suppression_threshold: int = 10
    #: days the audit log keeps a row (``python -m etl audit prune``): 7 years, see .env.example
    audit_retention_days: int = 2557
    #: returns uploaded through the web, each in its own folder under its canonical name
    uploads_dir: Path = Path("data/uploads")
    #: a quarter's return is due this many working days (England) after the quarter ends
    return_due_working_days: int = 25
    #: days a rejected file (archive copy, upload) is kept (``python -m etl files prune``)
    rejected_retention_days: int = 90
    #: where each host writes out the releases' frozen files it reads (made again if deleted)
    releases_cache_dir: Path = Path("data/releases-cache")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("LFO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "archive_dir": Path(env.get("LFO_ARCHIVE_DIR") or "data/archive"),
            "id_key_file": Path(env.get("LFO_ID_KEY_FILE") or "data/lfo-id.key"),
            "secrets_key_file": Path(env.get("LFO_SECRETS_KEY_FILE") or "data/lfo-secrets.key"),
            "suppression_threshold": positive_int(
                "LFO_SUPPRESSION_THRESHOLD", env.get("LFO_SUPPRESSION_THRESHOLD") or "10"
            ),
            "audit_retention_days": positive_int(
                "LFO_AUDIT_RETENTION_DAYS", env.get("LFO_AUDIT_RETENTION_DAYS") or "2557"
            ),
            "uploads_dir": Path(env.get("LFO_UPLOADS_DIR") or "data/uploads"),
            "return_due_working_days": positive_int(
                "LFO_RETURN_DUE_WORKING_DAYS", env.get("LFO_RETURN_DUE_WORKING_DAYS") or "25"
            ),
            "rejected_retention_days": positive_int(
                "LFO_REJECTED_RETENTION_DAYS", env.get("LFO_REJECTED_RETENTION_DAYS") or "90"
            ),
            "releases_cache_dir": Path(env.get("LFO_RELEASES_CACHE_DIR") or "data/releases-cache"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def positive_int(name: str, text: str) -> int:
    """``text`` as a whole number of at least 1; ValueError naming ``name`` otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value

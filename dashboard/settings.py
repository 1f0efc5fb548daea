"""Dashboard settings from environment variables, read once into a frozen dataclass.

| variable | default | meaning |
|---|---|---|
| ``LFO_DATABASE_URL`` | ``sqlite:///data/lfo.db`` | the database (opened read-only) |
| ``LFO_SUPPRESSION_THRESHOLD`` | ``10`` | counts below this are suppressed |
| ``LFO_SERVICE_NAME`` | ``Local Family Offer monitoring`` | the name in the header and titles |
| ``LFO_WARM_CACHE`` | ``1`` | ``1``: each server process makes every indicator's results ahead, at \
start and after each load (``0``: only when asked) |
| ``LFO_CACHE_DIR`` | a private folder in the temp folder | where a server's processes share the \
results they make (0700, this user's); ``off``: not shared |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lfo.settings import DEFAULT_DATABASE_URL, positive_int

DEFAULT_SERVICE_NAME = "Local Family Offer monitoring"


@dataclass(frozen=True)
class DashboardSettings:
    database_url: str = DEFAULT_DATABASE_URL
    suppression_threshold: int = 10
    service_name: str = DEFAULT_SERVICE_NAME
    warm_cache: bool = True
    cache_dir: str = ""  # "" the default folder, "off" no sharing between processes

    @classmethod
    def from_env(cls, **overrides: object) -> DashboardSettings:
        """Read the environment; keyword overrides (not None) win, e.g. ``database_url`` from --db."""
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("LFO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "suppression_threshold": positive_int(
                "LFO_SUPPRESSION_THRESHOLD", env.get("LFO_SUPPRESSION_THRESHOLD") or "10"
            ),
            "service_name": env.get("LFO_SERVICE_NAME") or DEFAULT_SERVICE_NAME,
            "warm_cache": _flag("LFO_WARM_CACHE", env.get("LFO_WARM_CACHE") or "1"),
            "cache_dir": env.get("LFO_CACHE_DIR") or "",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}")

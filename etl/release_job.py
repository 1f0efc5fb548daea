"""The ``publish-release`` background job: a release published from the service's Releases page
(programme leads) is made by the worker, since publishing takes longer than a web request may.

Payload: {"quarter": str, "note": str, "user_id": int | null, "email": str | null} (null: the
local user of demo and ``--no-sign-in`` modes). The release's audit row names that person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lfo.access.roles import Principal
from lfo.db import reader_engine, writer_engine
from lfo.indicators.protection import PlanTooLarge
from lfo.release_publish import PublishError, publish
from lfo.settings import Settings


class PublishFailed(Exception):
    """The release could not be published (one line: why)."""


def publish_release(
    payload: dict[str, Any], settings: Settings, report: Callable[[str], None]
) -> dict[str, Any]:
    quarter, note = payload.get("quarter"), payload.get("note") or ""
    if not isinstance(quarter, str) or not isinstance(note, str):
        raise PublishFailed("the job names no quarter")
    user_id = payload.get("user_id")
    who = Principal(
        role="programme",
        user_id=user_id if isinstance(user_id, int) else None,
        email=payload.get("email") if isinstance(payload.get("email"), str) else None,
        local=not isinstance(user_id, int),
    )
    reader, writer = reader_engine(settings.database_url), writer_engine(settings.database_url)
    try:
        done = publish(
            reader,
            writer,
            quarter,
            note=note,
            threshold=settings.suppression_threshold,
            who=who,
            cache_dir=settings.releases_cache_dir,
            say=report,
        )
    except (PublishError, PlanTooLarge) as exc:
        raise PublishFailed(str(exc)) from exc
    finally:
        reader.dispose()
        writer.dispose()
    return {"release_id": done.release_id, "seconds": done.seconds}

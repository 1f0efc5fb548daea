"""Kept only while ``dashboard/callbacks/area.py`` imports ``every_pooled_completeness`` from here:
its home is now ``dashboard.present.quality_completeness``. Delete this module once that import
is changed."""

from __future__ import annotations

from dashboard.present.quality_completeness import every_pooled_completeness

__all__ = ["every_pooled_completeness"]

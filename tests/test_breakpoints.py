"""The stylesheets' breakpoints are the named ones of ``dashboard.theme`` (``PHONE``, ``NARROW``,
``SHORT``): CSS cannot import them, so every ``@media`` rule in ``dashboard/assets/site`` is read
here and each width or height it tests must be one of them ("below N" is written
``max-width: (N - 0.02)px``, Bootstrap's way; "N or more" is ``min-width: Npx``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import theme

SITE_CSS = sorted((Path(__file__).parents[1] / "dashboard" / "assets" / "site").glob("*.css"))
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_MEDIA = re.compile(r"@media([^{]*)\{")
_FEATURE = re.compile(r"\(\s*(min|max)-(width|height)\s*:\s*([0-9.]+)px\s*\)")


def media_features(css: str) -> list[tuple[str, str, float]]:
    """Every (min|max, width|height, pixels) the ``@media`` rules of ``css`` test."""
    features = []
    for prelude in _MEDIA.findall(_COMMENT.sub("", css)):
        if prelude.strip() == "print":  # a medium, not a width (print.css)
            continue
        found = _FEATURE.findall(prelude)
        if not found:
            raise ValueError(f"an @media rule this test cannot read: {prelude.strip()!r}")
        features += [(bound, side, float(px)) for bound, side, px in found]
    return features


def allowed(bound: str, side: str, px: float) -> bool:
    """Whether one media feature is a named breakpoint: "below N" or "N or more"."""
    named = sorted(theme.BREAKPOINTS.values()) if side == "width" else [theme.SHORT]
    wanted = [n - 0.02 for n in named] if bound == "max" else named
    return any(abs(px - w) < 1e-9 for w in wanted)


def test_the_breakpoints_are_bootstraps_sm_and_md():
    assert (theme.PHONE, theme.NARROW) == (576, 768)
    assert theme.BREAKPOINTS == {"phone": 576, "narrow": 768}


def test_the_reader_finds_each_feature_and_refuses_what_it_cannot_read():
    css = "/* @media (max-width: 1px) { */ @media (max-width: 575.98px), (max-height: 499.98px) {}"
    assert media_features(css) == [("max", "width", 575.98), ("max", "height", 499.98)]
    assert not allowed("max", "width", 576.0)  # "at most 576" is not "below 576"
    assert not allowed("max", "width", 991.98)  # Bootstrap's lg: not one of ours
    assert allowed("min", "width", 768.0)
    assert media_features("@media print { }") == []  # the print stylesheet: no width
    with pytest.raises(ValueError, match="cannot read"):
        media_features("@media screen and (orientation: portrait) { }")


@pytest.mark.parametrize("path", SITE_CSS, ids=lambda p: p.name)
def test_every_media_rule_uses_a_named_breakpoint(path: Path):
    features = media_features(path.read_text(encoding="utf-8"))
    wrong = [f for f in features if not allowed(*f)]
    assert not wrong, f"{path.name}: breakpoints not in dashboard.theme: {wrong}"


def test_the_stylesheets_use_both_width_breakpoints():
    features = [f for p in SITE_CSS for f in media_features(p.read_text(encoding="utf-8"))]
    assert {px for _, side, px in features if side == "width"} == {
        theme.PHONE - 0.02,
        theme.NARROW - 0.02,
    }

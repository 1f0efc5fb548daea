"""The house rules of chart summaries, as the tests check them (``dashboard.charts.text``): at
most two sentences, and every sentence that says better, worse, similar, higher or lower names
its confidence level.

Sentences are counted with a simple rule: a full stop, question or exclamation mark followed by
a space and a capital letter, a digit or a bracket ends one (a decimal point never does).
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?](?=\s+[A-Z0-9\[(])")
_COMPARED = re.compile(r"\b(better|worse|similar|higher|lower)\b")
_TREND = re.compile(r"getting (better|worse)")
_ANY_LEVEL = r"at (95|99\.8)% confidence"


def sentences(summary: str) -> list[str]:
    """The sentences of ``summary`` by the simple rule."""
    return [s for s in _END.split(summary.strip()) if s]


def assert_house_rules(summary: str, ci: float | None = None) -> None:
    """At most two sentences; every comparison with the level ``ci`` (any level the dashboard
    offers when None), every recent trend judged better or worse with 99.8%."""
    assert summary.endswith("."), summary
    said = sentences(summary)
    assert 1 <= len(said) <= 2, summary
    level = re.escape(f"at {ci:g}% confidence") if ci is not None else _ANY_LEVEL
    for sentence in said:
        if _COMPARED.search(_TREND.sub("", sentence)):
            assert re.search(level, sentence), sentence
        if _TREND.search(sentence):
            assert "at 99.8% confidence" in sentence, sentence

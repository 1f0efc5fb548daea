"""The one confidence level a reader chooses for every comparison with a benchmark (issue 11 § 3).

95% by default, 99.8% by choice; carried in the address as ``ci=95`` or ``ci=99.8`` (``CI``: the
default is left out of links), so it travels from page to page. Every "better" / "worse" the
dashboard writes states its level (``compared``). Pure: no Dash, no database.

    state = urlstate.parse_query(search, (CI, ...))
    level = checked(state.values["ci"])  # "95" or "99.8"
"""

from __future__ import annotations

from dashboard import urlstate

#: The levels a reader may choose, as they are written in the address, default first.
CI_LEVELS = ("95", "99.8")
DEFAULT_CI = "95"

#: The one line beside the choice, on every page: why a reader might choose 99.8%.
CI_NOTE = (
    "95% is the usual level. 99.8% flags only clear differences, because many comparisons are "
    "made each period (at 95%, about 1 in 20 similar areas would be flagged by chance)."
)
#: The choice's options (value as the address writes it, label), default first.
CI_OPTIONS = (("95", "95% (the usual level)"), ("99.8", "99.8% (only clear differences)"))


def parse_ci(text: str) -> str:
    """An address's ``ci`` value ("95" or "99.8"; "95.0" and "99.80" read the same)."""
    try:
        value = f"{float(text):g}"
    except ValueError:
        value = text
    if value not in CI_LEVELS:
        raise ValueError("the confidence level is 95 or 99.8")
    return value


#: The address's parameter (shared by every page that compares areas).
CI = urlstate.Param("ci", parse=parse_ci, default=DEFAULT_CI)


def checked(value: object) -> str:
    """``value`` if it is a level the reader may choose (as text or a number), else the default."""
    try:
        return parse_ci(str(value))
    except ValueError:
        return DEFAULT_CI


def level(ci: str) -> float:
    """The engine's ``ci`` argument for a chosen level."""
    return float(checked(ci))


def ci_options() -> list[dict[str, str]]:
    """The switch's options (value: the address's text)."""
    return [{"label": label, "value": value} for value, label in CI_OPTIONS]


def level_words(ci: str | float) -> str:
    """The level as a label states it: "95% intervals", "99.8% intervals"."""
    return f"{float(ci):g}% intervals"


def compared(comparison: str, ci: str, benchmark: str = "the programme") -> str:
    """A comparison stated with its level: "worse than the programme (95%)"; "similar to …"."""
    joiner = "to" if comparison == "similar" else "than"
    return f"{comparison} {joiner} {benchmark} ({checked(ci)}%)"

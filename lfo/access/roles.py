"""The three roles and the person a request acts for (docs/spec/service.md § 1).

One home for the role names: the schema's check constraint, the command line's ``--role``
choices, the authorisation function and the pages all read ``ROLES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Role = Literal["programme", "la", "researcher"]
ROLES: tuple[Role, ...] = get_args(Role)

ROLE_NAMES: dict[Role, str] = {
    "programme": "Programme lead (DWP)",
    "la": "Local authority lead",
    "researcher": "Researcher",
}


def parse_role(text: str) -> Role:
    """``text`` as a role, or ValueError naming the roles there are."""
    for role in ROLES:
        if text == role:
            return role
    raise ValueError(f"unknown role {text!r}: use one of {', '.join(ROLES)}")


@dataclass(frozen=True)
class Principal:
    """Whoever a request acts for: a signed-in user, a token's owner, or nobody (anonymous).

    ``areas`` are GSS codes and matter only for the ``la`` role. ``user_id`` is None for an
    anonymous visitor (``LFO_PUBLIC=1``) and for the local user of demo or ``--no-sign-in`` mode
    (then ``local`` is True and the role is the one the role switcher chose).
    """

    role: Role | None
    areas: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    email: str | None = None
    local: bool = False
    via_token: bool = False

    @property
    def anonymous(self) -> bool:
        return self.role is None


ANONYMOUS = Principal(role=None)

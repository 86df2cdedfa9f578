"""Staff roles: who may do what. Pure Python, shared by models, services and views."""

from __future__ import annotations

ADMIN = "admin"
MARKETER = "marketer"
OPERATOR = "operator"

ROLES: tuple[str, ...] = (ADMIN, MARKETER, OPERATOR)


class UnknownRole(ValueError):
    """A role that is not one of ``ROLES``."""


def check_role(role: str) -> str:
    """:raises UnknownRole: when ``role`` is not one of ``ROLES``."""
    if role not in ROLES:
        raise UnknownRole(role)
    return role

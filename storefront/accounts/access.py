"""Who may open a staff page: ``@roles_required("admin", "marketer")`` on the view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from storefront.domain.roles import ROLES, check_role
from storefront.extensions import db, login
from storefront.models import User
from storefront.services.accounts import user_for_session

# Every role is a staff role: customers have no accounts.
STAFF_ROLES: tuple[str, ...] = ROLES

P = ParamSpec("P")
R = TypeVar("R")


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let only logged-in users with one of ``roles`` through.

    An anonymous visitor is sent to the login page with ``?next=<this page>``; a user with
    another role gets 403. The wrapped view keeps the roles in ``required_roles``, so a test
    can check that every staff route has a guard.

    :raises UnknownRole: at decoration time, for a role that does not exist (a typo).
    :raises ValueError: when no role is given.
    """
    if not roles:
        raise ValueError("roles_required needs at least one role")
    allowed = frozenset(check_role(role) for role in roles)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorator


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the session's user, if still active and not logged out."""
    return user_for_session(db.session, session_id)

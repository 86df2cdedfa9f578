"""Staff accounts: create them, change them, and check a login.

Logins are rate-limited per e-mail address and per IP address, from the log of attempts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from hmac import compare_digest

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.domain.roles import check_role
from storefront.models import LoginAttempt, User
from storefront.models.base import utcnow
from storefront.models.users import normalise_email
from storefront.services.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidEmail,
    PasswordTooShort,
    TooManyAttempts,
    UserNotFound,
)

MIN_PASSWORD_LENGTH = 8
MAX_FAILED_ATTEMPTS = 10
ATTEMPT_WINDOW = timedelta(minutes=15)


@cache
def _dummy_hash() -> str:
    """A hash to check unknown e-mail addresses against, so they take as long as known ones."""
    return generate_password_hash("no account has this password")


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, email: str) -> User:
    """:raises UserNotFound: when no user has this e-mail address."""
    user = find_user_by_email(session, email)
    if user is None:
        raise UserNotFound(email)
    return user


def list_users(session: Session) -> list[User]:
    """Every user, active or not, by e-mail address."""
    return list(session.scalars(select(User).order_by(User.email)))


def _check_email(email: str) -> str:
    email = normalise_email(email)
    local, at, domain = email.rpartition("@")
    if not (at and local and "." in domain.strip(".")) or len(email) > 254:
        raise InvalidEmail(email)
    if any(ch.isspace() for ch in email):
        raise InvalidEmail(email)
    return email


def _check_password(password: str, minimum: int = MIN_PASSWORD_LENGTH) -> str:
    if len(password) < minimum:
        raise PasswordTooShort(minimum)
    return password


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    *,
    allow_short_password: bool = False,
) -> User:
    """Add an active user with a hashed password. The e-mail address is stored lower-cased.

    ``allow_short_password`` is for demo data only: it lifts the minimum length (an empty
    password is still refused).

    :raises InvalidEmail: when ``email`` is not shaped like an e-mail address.
    :raises UnknownRole: when ``role`` is not one of ``ROLES``.
    :raises PasswordTooShort: when the password has fewer than 8 characters.
    :raises EmailTaken: when a user already has this e-mail address (in any case).
    """
    email = _check_email(email)
    check_role(role)
    _check_password(password, 1 if allow_short_password else MIN_PASSWORD_LENGTH)
    if find_user_by_email(session, email) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        # Two creations raced; the unique constraint decided. The session needs a rollback.
        raise EmailTaken(email) from exc
    return user


def _failures_since(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> int:
    return session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    )


def authenticate(
    session: Session, email: str, password: str, ip: str, now: datetime | None = None
) -> User:
    """The active user with this e-mail address and password.

    Each attempt that is not refused for the rate limit is added to the session as a
    ``LoginAttempt``, also when this raises ``InvalidCredentials``: commit it either way, or
    failed attempts will not count.

    :raises TooManyAttempts: when the last 15 minutes saw 10 failed attempts for this e-mail
        address, or 10 from this IP address; the password is not checked then.
    :raises InvalidCredentials: for an unknown e-mail address, a wrong password or an inactive
        user alike, and in about the same time.
    """
    now = now or utcnow()
    email = normalise_email(email)
    since = now - ATTEMPT_WINDOW
    if (
        _failures_since(session, LoginAttempt.email, email, since) >= MAX_FAILED_ATTEMPTS
        or _failures_since(session, LoginAttempt.ip, ip, since) >= MAX_FAILED_ATTEMPTS
    ):
        raise TooManyAttempts
    user = find_user_by_email(session, email)
    # Check a hash even for an unknown address: the response time must not tell them apart.
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    succeeded = user is not None and user.active and password_ok
    session.add(LoginAttempt(email=email, ip=ip, succeeded=succeeded, at=now))
    session.flush()
    if not succeeded:
        raise InvalidCredentials
    return user


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a login session belongs to, from ``User.get_id()``: ``"<id>.<session token>"``.

    None when the user is gone or inactive, or the token was rotated since the login.
    """
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    # Constant-time comparison: the token is a secret.
    return user if compare_digest(user.session_token, token) else None


def set_role(session: Session, email: str, role: str) -> User:
    """Give the user another role. A change ends the user's sessions.

    :raises UserNotFound: when no user has this e-mail address.
    :raises UnknownRole: when ``role`` is not one of ``ROLES``.
    """
    check_role(role)
    user = get_user(session, email)
    if user.role != role:
        user.role = role
        user.rotate_session_token()
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> User:
    """Replace the user's password; ends the user's sessions.

    :raises UserNotFound: when no user has this e-mail address.
    :raises PasswordTooShort: when the password has fewer than 8 characters.
    """
    _check_password(password)
    user = get_user(session, email)
    user.password_hash = generate_password_hash(password)
    user.rotate_session_token()
    session.flush()
    return user


def deactivate(session: Session, email: str) -> User:
    """The user can no longer log in, and their sessions end.

    :raises UserNotFound: when no user has this e-mail address.
    """
    user = get_user(session, email)
    user.active = False
    user.rotate_session_token()
    session.flush()
    return user


def log_out_everywhere(session: Session, email: str) -> User:
    """End every session of the user, on every device.

    :raises UserNotFound: when no user has this e-mail address.
    """
    user = get_user(session, email)
    user.rotate_session_token()
    session.flush()
    return user

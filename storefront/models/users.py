"""Staff accounts and the log of login attempts that rate-limits them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from storefront.domain.roles import ROLES
from storefront.models.base import Base, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(Base):
    """A member of staff. Implements what Flask-Login expects of a user object.

    The login session stores ``get_id()``, which includes ``session_token``: rotating the token
    ends every session of the user at their next request.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Flask-Login's user interface; only loaded, active users ever reach a request.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def rotate_session_token(self) -> None:
        """End every existing login session of this user."""
        self.session_token = new_session_token()

    @validates("email")
    def _lower_case_email(self, _key: str, email: str) -> str:
        return normalise_email(email)


class LoginAttempt(Base):
    """One try at logging in, kept to limit guessing per e-mail address and per IP address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whatever was typed, lower-cased: attempts on unknown addresses count too.
    email: Mapped[str] = mapped_column(String(254))
    # Long enough for any IPv6 address in text form.
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @validates("email")
    def _lower_case_email(self, _key: str, email: str) -> str:
        return normalise_email(email)

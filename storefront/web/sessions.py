"""The signed session cookie, issued again when it changes or when it is a day old.

Flask re-signs a permanent session's cookie on every response so its expiry slides; signing
(JSON, compression, HMAC) is a good part of a small request's cost. Here the expiry still
slides, a day at a time: the cookie is sent again when the session changed or when the one the
browser holds was signed more than a day ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(days=1)


class Session(SecureCookieSession):
    # When the browser's cookie was signed; None for a new session.
    issued_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    session_class = Session

    def open_session(self, app: Flask, request: Request) -> Session | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, issued_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = issued_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued_at = getattr(session, "issued_at", None)
        return issued_at is None or datetime.now(UTC) - issued_at > REFRESH_AFTER


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

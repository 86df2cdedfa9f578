"""The signed session cookie, issued again when it changes or when it is a day old.

Flask re-signs a permanent session's cookie on every response so its expiry slides, and checks
and decodes it on every request; signing and checking (JSON, compression, HMAC) are a good part
of a small request's cost. Here the expiry still slides, a day at a time: the cookie is sent
again when the session changed or when the browser's copy was signed over a day ago. And each
worker remembers the cookies it has checked lately: the same string, byte for byte, holds the
same data, so only its age is checked again.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

from storefront.lru import LRU

REFRESH_AFTER = timedelta(days=1)
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


class Session(SecureCookieSession):
    # When the browser's cookie was signed; None for a new session.
    issued_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    session_class = Session

    def __init__(self) -> None:
        # Cookie string -> (its data, when it was signed), for cookies that passed the check.
        self._checked: LRU[str, tuple[dict[str, Any], datetime]] = LRU(4096)

    def open_session(self, app: Flask, request: Request) -> Session | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class() if app.secret_key else None
        lifetime = app.permanent_session_lifetime
        checked = self._checked.get(value)
        if checked is None:
            serializer = self.get_signing_serializer(app)
            if serializer is None:
                return None
            max_age = int(lifetime.total_seconds())
            try:
                checked = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            self._checked.put(value, checked)
        data, issued_at = checked
        if datetime.now(UTC) - issued_at > lifetime:
            return self.session_class()
        # The data may hold lists (flashed messages) that the request changes in place.
        if all(type(value) in _IMMUTABLE for value in data.values()):
            session = self.session_class(data)
        else:
            session = self.session_class(copy.deepcopy(data))
        session.issued_at = issued_at
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session.accessed:
            # Flask adds "Vary: Cookie" by parsing and writing the header again; a read session
            # is every request's case, and a look at the header is enough.
            vary_on_cookie(response)
            session.accessed = False
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued_at = getattr(session, "issued_at", None)
        return issued_at is None or datetime.now(UTC) - issued_at > REFRESH_AFTER


def vary_on_cookie(response: Response) -> None:
    vary = ", ".join(response.headers.getlist("Vary"))
    if not vary:
        response.headers["Vary"] = "Cookie"
    elif "cookie" not in (name.strip().lower() for name in vary.split(",")):
        response.headers["Vary"] = f"{vary}, Cookie"


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

"""CSRF tokens, signed once per visitor and worker.

Flask-WTF signs the session's raw token again for every page that shows a form, and checks the
signature of every token it receives. Tokens here have no time limit (``WTF_CSRF_TIME_LIMIT`` is
None), so a signed token stays valid as long as its session: each worker keeps the signed form
of its recent visitors' tokens, serves it again, and recognises it when it comes back. Any other
token goes through Flask-WTF's full check, and once it passed, it is recognised too (another
worker signed it).
"""

from __future__ import annotations

import hmac
import logging

from flask import Flask, current_app, g, request, session
from flask_wtf import csrf as flask_wtf_csrf
from flask_wtf.csrf import ValidationError, generate_csrf, same_origin, validate_csrf

from storefront.lru import LRU

logger = logging.getLogger("flask_wtf.csrf")


def _reusable_raw() -> str | None:
    """The session's raw token, when signed tokens can be reused (no time limit), else None."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return None
    return session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def visitor_token() -> str:
    """The visitor's signed CSRF token (Flask-WTF's, reused while the session's is the same)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    tokens: LRU[str, str] = current_app.extensions["csrf_tokens"]
    raw = _reusable_raw()
    if raw is not None:
        token = tokens.get(raw)
        if token is not None:
            setattr(g, field, token)
            return token
    token = generate_csrf()
    raw = _reusable_raw()  # generate_csrf has put the raw token in the session
    if raw is not None:
        tokens.put(raw, token)
    return token


def _signed_here(token: str | None) -> bool:
    """The token is the one this worker signed for the visitor's session."""
    raw = _reusable_raw()
    if not token or raw is None:
        return False
    known = current_app.extensions["csrf_tokens"].get(raw)
    return known is not None and hmac.compare_digest(known, token)


def _remember(token: str | None) -> None:
    """A token another worker signed passed the full check: recognise it from now on, as if
    signed here (a visitor's requests reach every worker)."""
    raw = _reusable_raw()
    if token and raw is not None:
        current_app.extensions["csrf_tokens"].put(raw, token)


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's protection, where a token signed here is recognised without a new check."""

    def protect(self, apply_exemptions: bool = False) -> None:
        # Flask-WTF's protect(), with the signature check skipped for a known token.
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        token = self._get_csrf_token()
        if not _signed_here(token):
            try:
                validate_csrf(token)
            except ValidationError as error:
                logger.info(error.args[0])
                self._error_response(error.args[0])
            _remember(token)
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True


def init_app(app: Flask) -> None:
    app.extensions["csrf_tokens"] = LRU(4096)
    # Templates ask for the token through this function rather than Flask-WTF's.
    app.jinja_env.globals["csrf_token"] = visitor_token

"""CSRF tokens, signed once per visitor and worker.

Flask-WTF signs the session's raw token again for every page that shows a form. Tokens here have
no time limit (``WTF_CSRF_TIME_LIMIT`` is None), so a signed token stays valid as long as its
session: each worker keeps the signed form of its recent visitors' tokens.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from storefront.web.lru import LRU


def visitor_token() -> str:
    """The visitor's signed CSRF token (Flask-WTF's, reused while the session's is the same)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    tokens: LRU[str, str] = current_app.extensions["csrf_tokens"]
    reusable = config.get("WTF_CSRF_TIME_LIMIT") is None
    raw = session.get(field)
    if reusable and raw is not None:
        token = tokens.get(raw)
        if token is not None:
            setattr(g, field, token)
            return token
    token = generate_csrf()
    if reusable:
        tokens.put(session[field], token)
    return token


def init_app(app: Flask) -> None:
    app.extensions["csrf_tokens"] = LRU(4096)
    # Templates ask for the token through this function rather than Flask-WTF's.
    app.jinja_env.globals["csrf_token"] = visitor_token

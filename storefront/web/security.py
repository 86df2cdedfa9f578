"""At the door of every request: no forged NUL character nor id beyond the database's range
gets in, and every response, from the first page on, carries the security headers.

The Content-Security-Policy depends on the page (the insurance terms' origin may be framed), so
it is set as the response is made. The other headers are the same for every response: they are
added to the WSGI header list as the response starts, which also covers static files and error
pages, at a fraction of the cost of Werkzeug's header object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, g, request
from werkzeug.routing import IntegerConverter, Map

from storefront.domain.insurance import terms_origin
from storefront.models.base import MAX_DATABASE_INTEGER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

BASE_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'none'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@lru_cache(maxsize=64)
def content_security_policy(frame_sources: tuple[str, ...] = ()) -> str:
    directives = dict(BASE_CSP)
    if frame_sources:
        directives["frame-src"] = " ".join(frame_sources)
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class IdConverter(IntegerConverter):
    """``<int:...>`` up to the largest database integer: a forged bigger id is no route (404),
    not an overflow error in the database driver (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_INTEGER)
        super().__init__(map, *args, **kwargs)


class StaticSecurityHeaders:
    """WSGI middleware: the fixed security headers, on every response that has not set its
    own value for them."""

    def __init__(self, wsgi_app: WSGIApplication, headers: tuple[tuple[str, str], ...]) -> None:
        self.wsgi_app = wsgi_app
        self.headers = tuple((name.lower(), (name, value)) for name, value in headers)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            present = {name.lower() for name, _ in headers}
            headers.extend(header for name, header in self.headers if name not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask) -> None:
    # Before any blueprint: rules bind their converters when they are added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_characters)
    app.after_request(_content_security_policy)
    production = app.config["STOREFRONT_ENV"] == "production"
    app.wsgi_app = StaticSecurityHeaders(app.wsgi_app, _STATIC_HEADERS[production])


def _refuse_nul_characters() -> None:
    """Nobody types a NUL character: one in the path, the query or a form is forged, and
    PostgreSQL cannot store it (the driver's error would read as the database being down)."""
    sources = [request.form]
    if request.environ.get("QUERY_STRING"):
        sources.append(request.args)
    if "\x00" in request.path or any(
        "\x00" in value for source in sources for values in source.listvalues() for value in values
    ):
        abort(400)


def _frame_sources() -> tuple[str, ...]:
    """The insurance terms open in a frame: allow their origin, and nothing else.

    Only what the request already loaded counts: headers never query the database (after a
    commit or a rollback the settings are expired, and the database may be what failed).
    """
    settings = g.get("insurance_settings")
    # The instance's loaded values: an expired attribute is absent, never loaded here.
    terms_url = vars(settings).get("terms_url") if settings is not None else None
    return _frame_sources_for(terms_url) if terms_url else ()


@lru_cache(maxsize=64)
def _frame_sources_for(terms_url: str) -> tuple[str, ...]:
    return (terms_origin(terms_url) or "'self'",)


def _content_security_policy(response: Response) -> Response:
    headers = response.headers
    # getlist: Werkzeug's "in" raises and catches an exception for an absent header.
    if not headers.getlist("Content-Security-Policy"):
        headers["Content-Security-Policy"] = content_security_policy(_frame_sources())
    return response


_COMMON_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Indexed by "in production": HSTS only where the shop is served over HTTPS.
_STATIC_HEADERS = (
    _COMMON_HEADERS,
    (*_COMMON_HEADERS, ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")),
)

"""Security headers on every response, from the first page on."""

from __future__ import annotations

from flask import Flask, Response, current_app, g

from storefront.domain.insurance import terms_origin

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


def content_security_policy(frame_sources: tuple[str, ...] = ()) -> str:
    directives = dict(BASE_CSP)
    if frame_sources:
        directives["frame-src"] = " ".join(frame_sources)
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)


def _frame_sources() -> tuple[str, ...]:
    """The insurance terms open in a frame: allow their origin, and nothing else."""
    settings = g.get("insurance_settings")
    if settings is None or not settings.terms_url:
        return ()
    return (terms_origin(settings.terms_url) or "'self'",)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(_frame_sources()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["STOREFRONT_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response

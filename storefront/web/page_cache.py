"""Rendered pages kept per worker, keyed by everything they show.

The cart is rendered on every change and viewed again and again; rendering it (templates,
translations, money formatting) costs far more than reading it. A view that can describe its
whole state as a hashable key (the cart as stored, the configuration's identity) renders once
per state and language, then serves the same bytes.

What is never cached: responses for signed-in staff (their pages show who they are), requests
with flashed messages waiting (they are shown once), and anything but a 200. The CSRF token is
per visitor: pages are rendered with a placeholder and the visitor's own token goes in at
serving time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session

from storefront.extensions import htmx
from storefront.lru import LRU
from storefront.web.csrf_tokens import visitor_token
from storefront.web.i18n import current_language


@dataclass(frozen=True, slots=True)
class CachedPage:
    body: bytes
    # The response's own headers that every copy carries: its content type and Vary.
    headers: tuple[tuple[str, str], ...]


_KEPT_HEADERS = frozenset({"content-type", "vary"})


class PageCache(LRU[Hashable, CachedPage]):
    """Rendered pages, and the placeholder their CSRF tokens were rendered with."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.placeholder = "csrf" + secrets.token_hex(16)
        self.placeholder_bytes = self.placeholder.encode()


def page_cache() -> PageCache:
    return current_app.extensions["page_cache"]


def _cacheable(cache: PageCache) -> bool:
    visitor = session._get_current_object()
    return cache.size > 0 and "_flashes" not in visitor and "_user_id" not in visitor


def cached_render(state: Hashable, render: Callable[[], Response]) -> Response:
    """``render()``'s response for this state, rendered once per state, page and language."""
    cache = page_cache()
    if not _cacheable(cache):
        return render()
    key = (
        request.method,
        request.full_path,
        bool(htmx),
        current_language(),
        state,
    )
    page = cache.get(key)
    if page is None:
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        own_token = g.pop(field, None)
        setattr(g, field, cache.placeholder)
        try:
            response = render()
        finally:
            g.pop(field, None)
            if own_token is not None:
                setattr(g, field, own_token)
        if response.status_code != 200 or response.direct_passthrough or "_flashes" in session:
            return _with_token(response, cache.placeholder_bytes)
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() in _KEPT_HEADERS
        )
        page = CachedPage(response.get_data(), headers)
        cache.put(key, page)
    body = page.body
    if cache.placeholder_bytes in body:
        body = body.replace(cache.placeholder_bytes, visitor_token().encode())
    return Response(body, headers=page.headers)


def _with_token(response: Response, placeholder: bytes) -> Response:
    body = response.get_data()
    if placeholder in body:
        response.set_data(body.replace(placeholder, visitor_token().encode()))
    return response


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app.config["STOREFRONT_PAGE_CACHE_SIZE"])

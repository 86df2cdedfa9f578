"""Where to send a visitor back to: only ever a page of this shop."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str:
    """A path on this shop, or the home page: never an open redirect."""
    if not target:
        return _home()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return _home()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return _home()
    return target


def _home() -> str:
    return _home_under(request.script_root)


@lru_cache(maxsize=16)
def _home_under(script_root: str) -> str:
    """The home page's path where the shop is mounted (usually one place)."""
    return url_for("catalog.index")

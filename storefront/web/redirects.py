"""Where to send a visitor back to: only ever a page of this shop."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """A path on this shop, or the home page: never an open redirect."""
    if not target:
        return url_for("catalog.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("catalog.index")
    if "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("catalog.index")
    return target

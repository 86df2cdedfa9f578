"""Public insurance routes: the insurer's image."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from storefront.extensions import db
from storefront.models import InsuranceImage

bp = Blueprint("insurance", __name__, url_prefix="/insurance")


@bp.get("/image/<int:image_id>-<digest>.webp")
def image(image_id: int, digest: str) -> Response:
    """The stored image; its URL changes with its content, so caches may keep it a year."""
    stored = db.session.get(InsuranceImage, image_id)
    if stored is None or not stored.sha256.startswith(digest):
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.set_etag(stored.sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 31536000
    response.cache_control.immutable = True
    return response.make_conditional(request)

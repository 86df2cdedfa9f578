"""The shop's request: Flask's, with the two things every form post reads made cheaper.

Every POST carries a small urlencoded form (a CSRF token and a field or two) and every visitor
sends the same cookie header again and again. Werkzeug reads both through general machinery
(stream wrappers, a parser chosen per request, a scan of every header to find the cookies) that
costs more than the parsing itself. Here a small urlencoded form is read and parsed directly,
with the same rules and results as Werkzeug's; anything else (multipart, a large or unusual
body, debug mode) goes the usual way. Parsed cookie headers are kept per worker: the same
string, byte for byte, gives the same (immutable) values.
"""

from __future__ import annotations

import io
from functools import lru_cache
from urllib.parse import parse_qsl

from flask import Request, current_app
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import parse_cookie
from werkzeug.utils import cached_property

URLENCODED = "application/x-www-form-urlencoded"
# Bodies up to this size are read at once: a form of the shop is a few hundred bytes.
SMALL_FORM = 16 * 1024
# Cookie headers up to this size are kept once parsed (a visitor's is about 200 bytes).
KEPT_COOKIE_HEADER = 1024


class ShopRequest(Request):
    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        header = self.environ.get("HTTP_COOKIE", "")
        parse = _cookies if len(header) <= KEPT_COOKIE_HEADER else _cookies.__wrapped__
        return parse(header)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        length = self._small_form_length()
        if length is None:
            super()._load_form_data()
            return
        body = self.environ["wsgi.input"].read(length)
        if len(body) < length:
            # As Werkzeug's stream does when the client stops sending mid-body.
            raise ClientDisconnected()
        try:
            items = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        except ValueError:
            items = []  # As Werkzeug's parser: an undecodable body is an empty form.
        d = self.__dict__
        d["stream"] = io.BytesIO()
        d["form"] = self.parameter_storage_class(items)
        d["files"] = self.parameter_storage_class()

    def _small_form_length(self) -> int | None:
        """The body's length when it is a small urlencoded form read as a whole, else None."""
        environ = self.environ
        if environ.get("CONTENT_TYPE") != URLENCODED or "_cached_data" in self.__dict__:
            return None
        length = environ.get("CONTENT_LENGTH", "")
        if not (length.isascii() and length.isdigit()):
            return None
        size = int(length)
        limit = self.max_content_length
        if size > SMALL_FORM or (limit is not None and size > limit) or current_app.debug:
            return None
        return size


@lru_cache(maxsize=1024)
def _cookies(header: str) -> ImmutableMultiDict[str, str]:
    return parse_cookie(header, cls=ImmutableMultiDict)

"""The shop's request reads small forms and cookies as Werkzeug does, only with less machinery."""

from __future__ import annotations

import io

import pytest
from flask import Flask, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import BadRequest
from werkzeug.test import EnvironBuilder

from storefront.web.request import SMALL_FORM, URLENCODED, ShopRequest

CHECK = Flask(__name__)
CHECK.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024


def environ(body: bytes, content_type: str = URLENCODED, **extra: str) -> dict:
    built = EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    built.update(extra)
    return built


def both_forms(body: bytes, content_type: str = URLENCODED) -> tuple[list, list]:
    with CHECK.app_context():
        ours = ShopRequest(environ(body, content_type))
        theirs = Request(environ(body, content_type))
        return list(ours.form.items(multi=True)), list(theirs.form.items(multi=True))


form_text = st.text(alphabet=st.sampled_from("ab=&+%;é 0F\x00"), max_size=60)


@settings(max_examples=300)
@given(st.one_of(form_text.map(str.encode), st.binary(max_size=60)))
def test_small_forms_parse_as_werkzeug_parses_them(body):
    ours, theirs = both_forms(body)
    assert ours == theirs


def test_other_bodies_go_werkzeugs_way():
    big = b"a=" + b"x" * SMALL_FORM
    ours, theirs = both_forms(big)
    assert ours == theirs and ours[0][1] == "x" * SMALL_FORM
    charset = "application/x-www-form-urlencoded; charset=utf-8"
    assert both_forms(b"a=1&b=%C3%A9", charset) == ([("a", "1"), ("b", "é")],) * 2
    assert both_forms(b"a=1", "text/plain") == ([], [])


def test_a_body_shorter_than_announced_is_a_bad_request():
    with CHECK.app_context():
        request = ShopRequest(environ(b"a=1", CONTENT_LENGTH="10", **{"wsgi.input": io.BytesIO()}))
        with pytest.raises(BadRequest):
            request.form  # noqa: B018 (reading the form is the test)


def test_a_form_beyond_the_content_limit_is_refused(make_app):
    app = make_app(MAX_CONTENT_LENGTH=100)
    response = app.test_client().post(
        "/cart/insurance", data="insurance=" + "y" * 200, content_type=URLENCODED
    )
    assert response.status_code == 413


def test_cookie_headers_parse_as_werkzeug_parses_them():
    short = "storefront_session=abc.def; lang=fr; other=1"
    long = "; ".join(f"c{i}=" + "v" * 30 for i in range(60))
    for header in (short, long, ""):
        with CHECK.app_context():
            ours = ShopRequest(environ(b"", HTTP_COOKIE=header)).cookies
            theirs = Request(environ(b"", HTTP_COOKIE=header)).cookies
        assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
    first = ShopRequest(environ(b"", HTTP_COOKIE=short)).cookies
    assert ShopRequest(environ(b"", HTTP_COOKIE=short)).cookies is first


def test_plain_functions_are_remembered_and_coroutine_functions_still_wrapped(make_app):
    app = make_app()

    def plain() -> str:
        return "plain"

    async def later() -> str:
        return "later"

    class Slotted:
        __slots__ = ()

        def __call__(self) -> str:
            return "slotted"

    assert app.ensure_sync(plain) is plain and plain in app._plain_functions
    assert app.ensure_sync(plain) is plain
    # Flask's own handling of coroutine functions (here: asking for its "async" extra).
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(later)
    assert later not in app._plain_functions
    slotted = Slotted()
    assert app.ensure_sync(slotted) is slotted

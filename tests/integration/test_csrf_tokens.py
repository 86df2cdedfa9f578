"""CSRF tokens: signed once per visitor and worker, recognised when they come back, and no
other visitor's token, nor a forged one, passes."""

from __future__ import annotations

from sqlalchemy import select

from storefront.models import CartLine
from tests.conftest import CSRF_RE, ShopClient
from tests.integration.helpers import add
from tests.integration.test_offer import jazz


def forge(token: str) -> str:
    """The token with one character of its signature changed. Not the last one: in base64,
    the last character's low bits are padding, so changing it may decode to the same bytes."""
    return token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]


def token_of(client) -> str:
    return CSRF_RE.search(client.get("/cart").get_data(as_text=True)).group(1)


def post_add(client, token: str, product: int):
    return client.post(
        "/cart/add", data={"csrf_token": token, "product_id": product, "quantity": 1}
    )


def lines(shop) -> list[int]:
    from storefront.extensions import db

    with shop.app_context():
        return list(db.session.scalars(select(CartLine.quantity)))


def test_the_same_token_is_served_again_and_accepted(client, shop):
    first = token_of(client)
    assert token_of(client) == first
    assert post_add(client, first, jazz(shop)).status_code == 302
    assert lines(shop) == [1]


def test_another_visitors_token_or_a_forged_one_is_refused(client, shop):
    other = ShopClient(shop.test_client())
    add(other, jazz(shop))
    theirs = token_of(other)
    mine = token_of(client)
    forged = forge(mine)
    for token in (theirs, forged, ""):
        response = post_add(client, token, jazz(shop))
        assert response.status_code == 400
    assert lines(shop) == [1]  # only the other visitor's line


def test_over_https_a_post_from_another_site_is_refused_even_with_a_known_token(client, shop):
    token = token_of(client)

    def post_from(referrer: str):
        return client.post(
            "/cart/add",
            data={"csrf_token": token, "product_id": jazz(shop), "quantity": 1},
            base_url="https://shop.test",
            headers={"Referer": referrer},
        )

    assert post_from("https://evil.example/").status_code == 400
    assert lines(shop) == []
    assert post_from("https://shop.test/cart").status_code == 302
    assert lines(shop) == [1]


def test_a_token_signed_by_another_worker_is_checked_once_then_recognised(
    client, shop, monkeypatch
):
    from storefront.web import csrf_tokens

    token = token_of(client)
    shop.extensions["csrf_tokens"] = csrf_tokens.LRU(4096)  # this worker never signed it
    checks = []
    full_check = csrf_tokens.validate_csrf
    monkeypatch.setattr(
        csrf_tokens, "validate_csrf", lambda value: checks.append(value) or full_check(value)
    )
    assert post_add(client, token, jazz(shop)).status_code == 302
    assert post_add(client, token, jazz(shop)).status_code == 302
    assert checks == [token]
    assert lines(shop) == [2]
    # A forged token is still checked in full, and refused, every time.
    forged = forge(token)
    assert post_add(client, forged, jazz(shop)).status_code == 400
    assert post_add(client, forged, jazz(shop)).status_code == 400
    assert checks == [token, forged, forged]

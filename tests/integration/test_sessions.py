"""The session cookie is sent again when the session changes or is a day old, not always."""

from __future__ import annotations

import time

import itsdangerous.timed

from tests.integration.helpers import add
from tests.integration.test_offer import jazz


def cookie_header(response) -> str | None:
    return next(
        (v for v in response.headers.getlist("Set-Cookie") if "storefront_session=" in v), None
    )


def test_an_unchanged_session_is_not_signed_again(client, shop):
    add(client, jazz(shop))
    client.get("/cart")  # shows the flashed message: the session changes
    response = client.get("/cart")
    assert cookie_header(response) is None
    assert "Cookie" in response.headers["Vary"]


def test_a_cookie_signed_over_a_day_ago_is_renewed_for_thirty_more_days(client, shop, monkeypatch):
    two_days_ago = time.time() - 2 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: two_days_ago)
    add(client, jazz(shop))
    client.get("/cart")
    monkeypatch.undo()
    renewed = cookie_header(client.get("/cart"))
    assert renewed is not None and "Expires=" in renewed
    assert cookie_header(client.get("/cart")) is None  # renewed just now
    assert "Jazz by the Lake" in client.get("/cart").get_data(as_text=True)  # same cart


def test_a_cookie_older_than_its_lifetime_or_forged_starts_a_new_session(client, shop, monkeypatch):
    long_ago = time.time() - 31 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: long_ago)
    add(client, jazz(shop))
    monkeypatch.undo()
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)
    add(client, jazz(shop))
    client.get("/cart")
    value = client.get_cookie("storefront_session", domain="shop.test").value
    client.set_cookie(
        "storefront_session",
        value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
        domain="shop.test",
    )
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_a_cookie_checked_before_still_expires_after_its_lifetime(client, shop, monkeypatch):
    from datetime import UTC, datetime, timedelta

    import storefront.web.sessions as sessions

    add(client, jazz(shop))
    assert "Jazz by the Lake" in client.get("/cart").get_data(as_text=True)  # checked, kept

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(UTC) + timedelta(days=31)

    monkeypatch.setattr(sessions, "datetime", Later)
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_a_request_adding_to_a_checked_cookies_list_leaves_the_next_one_unchanged(client, shop):
    # Each worker keeps the data of the cookies it checked. A request that adds a flashed
    # message appends to the session's list in place: the kept data must not see it.
    message = "The insurance is not available for this cart."
    form = {"csrf_token": client.csrf(), "insurance": "maybe"}
    client.post("/cart/insurance", data=form)
    one_message = client.get_cookie("storefront_session", domain="shop.test").value
    client.post("/cart/insurance", data=form)  # a second message, appended to the list
    client.set_cookie("storefront_session", one_message, domain="shop.test")
    assert client.get("/cart").get_data(as_text=True).count(message) == 1


def test_vary_names_the_cookie_once_beside_what_the_page_varies_on():
    from flask import Response

    from storefront.web.sessions import vary_on_cookie

    for before, after in (
        (None, "Cookie"),
        ("HX-Request", "HX-Request, Cookie"),
        ("HX-Request, cookie", "HX-Request, cookie"),
    ):
        response = Response("ok")
        if before:
            response.headers["Vary"] = before
        vary_on_cookie(response)
        assert response.headers.getlist("Vary") == [after]


def test_a_cached_partial_varies_on_the_cookie_and_on_htmx(client, shop):
    add(client, jazz(shop))
    client.get("/cart")
    for _ in range(2):  # rendered, then served from the worker's cache
        response = client.get("/cart/insurance", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert {v.strip() for v in response.headers["Vary"].split(",")} >= {"Cookie"}

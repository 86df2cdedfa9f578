"""Cart pages served from the worker's cache show exactly what a fresh render would."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from storefront.models import InsuranceEvent, Product
from tests.conftest import CSRF_RE, ShopClient
from tests.integration.helpers import add, staff_client
from tests.integration.test_offer import EN, FR, cart_page, choose, jazz, set_tiers


def tokens(page: str) -> set[str]:
    return set(CSRF_RE.findall(page))


def without_tokens(page: str) -> str:
    for token in tokens(page):
        page = page.replace(token, "")
    return page


def test_two_visitors_with_the_same_cart_each_get_their_own_csrf_token(client, shop):
    other = ShopClient(shop.test_client())
    for visitor in (client, other):
        add(visitor, jazz(shop))
        cart_page(visitor)  # shows the flashed "Added to your cart."
    mine, theirs = cart_page(client), cart_page(other)
    again = cart_page(client)  # served again: the same page, a fresh signature of the token
    assert without_tokens(again) == without_tokens(mine) == without_tokens(theirs)
    assert len(tokens(mine)) == 1 and len(tokens(theirs)) == 1
    assert tokens(mine) != tokens(theirs)
    placeholder = shop.extensions["page_cache"].placeholder
    assert placeholder not in mine and placeholder not in theirs
    # The token served from the cache is the visitor's own: the toggle accepts it.
    token = tokens(theirs).pop()
    response = other.post(
        "/cart/insurance",
        data={"csrf_token": token, "insurance": ["no", "yes"], "next": "/cart"},
        headers={"HX-Request": "true", **EN},
    )
    assert response.status_code == 200
    assert 'data-testid="insurance-optin" checked' in response.get_data(as_text=True)


def test_a_price_change_shows_at_the_next_view(client, shop):
    from storefront.extensions import db

    add(client, jazz(shop))
    assert "€45.00" in cart_page(client)
    with shop.app_context():
        db.session.execute(update(Product).where(Product.id == jazz(shop)).values(price_minor=5000))
        db.session.commit()
    page = cart_page(client)
    assert "€50.00" in page and "€45.00" not in page


def test_a_configuration_saved_by_another_instance_shows_at_the_next_view(client, shop, make_app):
    add(client, jazz(shop), 2)  # 94.00
    assert '<span data-testid="insurance-premium">€4.90</span>' in cart_page(client)
    set_tiers(make_app(), ("20.00", "7.00"))  # another worker or server saves new tiers
    assert '<span data-testid="insurance-premium">€7.00</span>' in cart_page(client)


def test_each_toggle_is_recorded_even_when_its_block_comes_from_the_cache(client, shop):
    from storefront.extensions import db

    add(client, jazz(shop))
    cart_page(client)
    for answer in ("yes", "no", "yes", "no"):
        block = choose(client, answer, htmx=True).get_data(as_text=True)
        assert ('data-testid="insurance-optin" checked' in block) is (answer == "yes")
    with shop.app_context():
        kinds = db.session.scalars(select(InsuranceEvent.kind).order_by(InsuranceEvent.id)).all()
    assert kinds == ["offered", "taken", "declined", "taken", "declined"]


def test_a_flashed_message_shows_once_and_the_page_after_it_has_none(client, shop):
    add(client, jazz(shop))
    cart_page(client)
    choose(client, "yes")  # without JavaScript: a redirect with a flashed message
    assert "Your insurance choice is saved." in cart_page(client)
    assert "Your insurance choice is saved." not in cart_page(client)


def test_the_same_cart_in_two_languages(client, shop):
    add(client, jazz(shop))
    assert '<html lang="fr">' in cart_page(client, FR)
    assert '<html lang="en">' in cart_page(client, EN)
    assert '<html lang="fr">' in cart_page(client, FR)


def test_signed_in_staff_see_their_own_header_and_visitors_never_do(shop):
    operator = staff_client(shop, "operator", "ops@shop.example")
    add(operator, jazz(shop))
    page = cart_page(operator)
    assert "ops@shop.example" in page and "Box office" in page
    visitor = ShopClient(shop.test_client())
    add(visitor, jazz(shop))
    assert "ops@shop.example" not in cart_page(visitor)


def test_a_quantity_change_re_renders_the_cart(client, shop):
    add(client, jazz(shop))
    cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 3})
    page = cart_page(client)
    assert re.search(r'id="line-qty-\d+" name="quantity"[^>]* value="3"', page)


def test_the_cache_can_be_switched_off(make_app, database_url):
    from storefront import demo
    from storefront.extensions import db
    from tests.conftest import _empty_tables

    _empty_tables(database_url)
    app = make_app(STOREFRONT_PAGE_CACHE_SIZE=0)
    with app.app_context():
        demo.load(db.session, "EUR")
        db.session.commit()
    client = ShopClient(app.test_client())
    add(client, jazz(app))
    assert "Jazz by the Lake" in cart_page(client) and "Jazz by the Lake" in cart_page(client)
    assert len(app.extensions["page_cache"]) == 0


def test_the_catalogue_shows_stock_and_cart_changes_at_once(client, shop):
    from storefront.extensions import db

    def catalogue() -> str:
        return client.get("/", headers=EN).get_data(as_text=True)

    jazz_id = jazz(shop)
    assert "0 items" in catalogue()
    with shop.app_context():
        db.session.execute(update(Product).where(Product.id == jazz_id).values(stock=3))
        db.session.commit()
    assert "Only 3 left" in catalogue()
    add(client, jazz_id)
    page = catalogue()
    assert "1 item" in page
    with shop.app_context():
        db.session.execute(update(Product).where(Product.id == jazz_id).values(stock=0))
        db.session.commit()
    page = catalogue()
    assert "Sold out" in page and "Only 3 left" not in page
    with shop.app_context():
        db.session.execute(update(Product).where(Product.id == jazz_id).values(active=False))
        db.session.commit()
    assert "Jazz by the Lake" not in catalogue()

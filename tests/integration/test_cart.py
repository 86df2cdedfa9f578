from sqlalchemy import select

from storefront.models import Cart, CartLine
from tests.integration.helpers import add, product_id


def cart_lines(app) -> list[tuple[int, int]]:
    from storefront.extensions import db

    with app.app_context():
        return [
            (line.product_id, line.quantity)
            for line in db.session.scalars(select(CartLine).order_by(CartLine.id))
        ]


def test_catalog_lists_families_with_prices_and_fees_for_the_locale(client):
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert "Billets" in page and "Abonnements" in page and "Bons cadeaux" in page
    assert "Jazz au bord du lac" in page
    assert "45,00\xa0€" in page
    assert "2,00\xa0€" in page


def test_catalog_in_english_formats_money_the_english_way(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "€45.00" in page
    assert "Season passes" in page


def test_add_to_cart_without_javascript_redirects_to_the_cart(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    response = add(client, jazz, 2)
    assert response.status_code == 302
    page = client.get("/cart").get_data(as_text=True)
    assert f'data-testid="cart-line" data-product-id="{jazz}"' in page
    assert cart_lines(demo_app) == [(jazz, 2)]


def test_adding_the_same_product_merges_the_line(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 2)
    add(client, jazz, 3)
    assert cart_lines(demo_app) == [(jazz, 5)]


def test_htmx_add_returns_a_status_and_the_new_badge_only(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    response = add(client, jazz, 3, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="cart-count"' in body and 'hx-swap-oob="true"' in body
    assert "3 items" in body
    assert "HX-Request" in response.headers["Vary"]


def test_cart_totals_show_fees_and_delivery_for_shipped_goods(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 2)
    add(client, product_id(demo_app, "Festival T-shirt"), 1)
    page = client.get("/cart", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # 2 x (45 + 2) + 25 + delivery 2.50
    assert '<dd data-testid="cart-total">€121.50</dd>' in page
    assert "€4.00" in page and "€2.50" in page


def test_e_tickets_only_have_free_delivery(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    page = client.get("/cart", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Free (e-tickets)" in page
    assert '<dd data-testid="cart-total">€47.00</dd>' in page


def test_htmx_quantity_change_returns_the_cart_partial_with_new_totals(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 1)
    response = client.post_form(
        f"/cart/lines/{jazz}", {"quantity": 4}, htmx=True, headers={"Accept-Language": "en"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="cart"')
    assert "<html" not in body
    assert '<dd data-testid="cart-total">€188.00</dd>' in body
    assert response.headers["Vary"].count("HX-Request") == 1
    assert cart_lines(demo_app) == [(jazz, 4)]


def test_cart_page_varies_on_hx_request_and_serves_the_full_page_without_it(client):
    response = client.get("/cart")
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in response.get_data(as_text=True)


def test_remove_a_line(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 1)
    response = client.post_form(f"/cart/lines/{jazz}/remove")
    assert response.status_code == 302
    assert cart_lines(demo_app) == []


def test_bad_quantities_get_a_message_and_change_nothing(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 2)
    for bad in ("0", "-1", "abc", "21", "", "2.5"):
        response = client.post_form(
            f"/cart/lines/{jazz}", {"quantity": bad}, htmx=True, headers={"Accept-Language": "fr"}
        )
        assert response.status_code == 422, bad
        assert "Veuillez indiquer une quantité entre 1 et 20." in response.get_data(as_text=True)
        assert cart_lines(demo_app) == [(jazz, 2)], bad


def test_bad_quantity_without_javascript_shows_the_cart_page_with_the_message(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 2)
    response = client.post_form(
        f"/cart/lines/{jazz}", {"quantity": "0"}, headers={"Accept-Language": "en"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in page and "Please enter a quantity between 1 and 20." in page
    assert cart_lines(demo_app) == [(jazz, 2)]


def test_add_beyond_twenty_per_line_is_refused(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 15)
    response = add(client, jazz, 6, htmx=True, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "At most 20 per line." in response.get_data(as_text=True)
    assert cart_lines(demo_app) == [(jazz, 15)]


def test_cannot_put_more_in_the_cart_than_the_stock(client, demo_app):
    festival = product_id(demo_app, "Summer Rock Festival: day pass")  # 10 in stock
    response = add(client, festival, 11, htmx=True, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "only 10 left" in response.get_data(as_text=True)
    assert cart_lines(demo_app) == []


def test_unknown_product_is_a_404_page_in_the_shop_style(client):
    response = add(client, 999999, 1, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'class="site-header"' in page


def test_unknown_cart_line_is_a_404(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    assert client.post_form("/cart/lines/999999", {"quantity": 2}).status_code == 404


def test_post_without_csrf_token_is_a_400_page_and_changes_nothing(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    response = client.post(
        "/cart/add", data={"product_id": jazz, "quantity": 1}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "Your session expired" in response.get_data(as_text=True)
    assert cart_lines(demo_app) == []


def test_htmx_request_carries_the_csrf_token_in_a_header(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    token = client.csrf()
    response = client.post(
        "/cart/add",
        data={"product_id": jazz, "quantity": 1},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert cart_lines(demo_app) == [(jazz, 1)]


def test_cart_survives_a_browser_restart_through_a_permanent_cookie(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    cookie = client.get_cookie("storefront_session", domain="shop.test")
    assert cookie is not None and cookie.expires is not None


def test_cart_survives_a_server_restart(demo_app, make_app):
    from tests.conftest import ShopClient

    first = ShopClient(demo_app.test_client())
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(first, jazz, 2)
    cookie = first.get_cookie("storefront_session", domain="shop.test")
    second = make_app().test_client()
    second.set_cookie("storefront_session", cookie.value, domain=cookie.domain)
    page = second.get("/cart").get_data(as_text=True)
    assert f'data-product-id="{jazz}"' in page


def test_someone_elses_cart_token_in_a_forged_cookie_is_ignored(demo_app, client):
    from storefront.extensions import db

    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    with demo_app.app_context():
        token = db.session.scalars(select(Cart.token)).one()
    other = demo_app.test_client()
    # An unsigned cookie is not a session: the forged cart reference is dropped.
    other.set_cookie("storefront_session", f'{{"cart": "{token}"}}', domain="shop.test")
    assert 'data-testid="cart-line"' not in other.get("/cart").get_data(as_text=True)

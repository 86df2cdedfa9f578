import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from storefront.models import Cart, Order, OrderLine, Payment, Product
from tests.integration.helpers import CUSTOMER, add, checkout, payment_token, product_id


def count(app, model) -> int:
    from storefront.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def place_order(client, app, *items):
    for name, quantity in items:
        add(client, product_id(app, name), quantity)
    token = payment_token(checkout(client))
    return token, client.post_form(f"/payment/demo/{token}/approve")


def test_checkout_with_an_empty_cart_sends_back_to_the_cart(client):
    response = client.get("/checkout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cart")


def test_checkout_form_errors_come_back_next_to_fields_with_values_kept(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    response = checkout(
        client,
        email="not-an-email",
        first_name="",
        city="x" * 101,
        headers={"Accept-Language": "en"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "valid e-mail address" in page
    assert 'id="first_name-error"' in page and "first name" in page
    assert 'id="city-error"' in page and "At most 100 characters." in page
    assert 'value="not-an-email"' in page and 'value="Durand"' in page
    assert 'aria-invalid="true"' in page
    assert count(demo_app, Payment) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "call me"), ("postcode", "!!"), ("country", "XX"), ("last_name", "y" * 101)],
)
def test_malformed_checkout_fields_are_refused(client, demo_app, field, value):
    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    response = checkout(client, **{field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(demo_app, Payment) == 0


def test_valid_details_open_a_payment_for_the_server_total(client, demo_app):
    add(client, product_id(demo_app, "Jazz by the Lake"), 2)
    token = payment_token(checkout(client))
    page = client.get(f"/payment/demo/{token}", headers={"Accept-Language": "en"})
    assert "€94.00" in page.get_data(as_text=True)


def test_approving_places_one_order_with_snapshot_lines(client, demo_app):
    _token, response = place_order(
        client, demo_app, ("Jazz by the Lake", 2), ("Festival T-shirt", 1)
    )
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    page = confirmation.get_data(as_text=True)
    number = re.search(r'data-testid="order-number">([A-Z0-9]+)<', page).group(1)
    assert "€121.50" in page and "Jazz by the Lake" in page
    from storefront.extensions import db

    with demo_app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert order.number == number
        assert order.total_minor == 12150 and order.delivery_minor == 250
        assert order.fees_minor == 400
        assert [(line.product_name, line.quantity) for line in order.lines] == [
            ("Jazz by the Lake", 2),
            ("Festival T-shirt", 1),
        ]
        assert order.first_name == CUSTOMER["first_name"]
        assert db.session.scalars(select(Cart.status)).one() == "ordered"


def test_order_keeps_its_prices_and_names_when_the_product_changes(client, demo_app):
    _, response = place_order(client, demo_app, ("Jazz by the Lake", 1))
    link = response.headers["Location"]
    from storefront.extensions import db

    with demo_app.app_context():
        product = db.session.get(Product, product_id(demo_app, "Jazz by the Lake"))
        product.price_minor = 99900
        product.names = {"en": "Renamed"}
        db.session.commit()
    page = client.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Jazz by the Lake" in page and "€47.00" in page and "Renamed" not in page


def test_approving_twice_or_reloading_gives_one_order(client, demo_app):
    token, first = place_order(client, demo_app, ("Jazz by the Lake", 1))
    second = client.post_form(f"/payment/demo/{token}/approve")
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    reload = client.get(f"/payment/demo/{token}")
    assert reload.headers["Location"] == first.headers["Location"]
    assert count(demo_app, Order) == 1


def test_database_refuses_a_second_order_for_the_same_payment(client, demo_app):
    from sqlalchemy.exc import IntegrityError

    from storefront.extensions import db

    place_order(client, demo_app, ("Jazz by the Lake", 1))
    with demo_app.app_context():
        order = db.session.scalars(select(Order)).one()
        clone = Order(
            **{
                c.key: getattr(order, c.key)
                for c in Order.__table__.columns
                if c.key not in ("id", "number")
            },
            number="DUPLICATE",
        )
        db.session.add(clone)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_declining_returns_to_checkout_with_the_cart_intact(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 2)
    token = payment_token(checkout(client))
    response = client.post_form(f"/payment/demo/{token}/decline", headers={"Accept-Language": "en"})
    assert response.headers["Location"].endswith("/checkout")
    page = client.get("/checkout", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The payment was declined" in page
    assert 'value="Camille"' in page
    assert "2 × Jazz by the Lake" in page
    assert count(demo_app, Order) == 0
    # A declined payment cannot be approved afterwards.
    again = client.post_form(f"/payment/demo/{token}/approve")
    assert again.headers["Location"].endswith("/checkout")
    assert count(demo_app, Order) == 0


def test_cart_changed_during_payment_is_refused_and_nothing_is_ordered(client, demo_app):
    jazz = product_id(demo_app, "Jazz by the Lake")
    add(client, jazz, 1)
    token = payment_token(checkout(client))
    add(client, jazz, 1)
    response = client.post_form(f"/payment/demo/{token}/approve")
    assert response.headers["Location"].endswith("/cart")
    assert count(demo_app, Order) == 0


def test_stock_is_taken_when_the_order_is_placed(client, demo_app):
    from storefront.extensions import db

    festival = product_id(demo_app, "Summer Rock Festival: day pass")
    place_order(client, demo_app, ("Summer Rock Festival: day pass", 3))
    with demo_app.app_context():
        assert db.session.get(Product, festival).stock == 7


def test_sold_out_meanwhile_refuses_the_order_and_writes_nothing(client, demo_app):
    from storefront.extensions import db

    festival = product_id(demo_app, "Summer Rock Festival: day pass")
    add(client, festival, 3)
    token = payment_token(checkout(client))
    with demo_app.app_context():
        db.session.get(Product, festival).stock = 2
        db.session.commit()
    response = client.post_form(f"/payment/demo/{token}/approve")
    assert response.headers["Location"].endswith("/cart")
    assert count(demo_app, Order) == 0 and count(demo_app, OrderLine) == 0
    with demo_app.app_context():
        assert db.session.get(Product, festival).stock == 2


def test_a_database_error_during_payment_shows_try_again_and_leaves_no_half_order(
    client, demo_app, monkeypatch
):
    from storefront.services import checkout as checkout_service

    add(client, product_id(demo_app, "Jazz by the Lake"), 1)
    token = payment_token(checkout(client))
    real_new_order = checkout_service._new_order

    def failing_new_order(*args, **kwargs):
        real_new_order(*args, **kwargs)
        raise OperationalError("INSERT INTO orders", {}, Exception("connection lost"))

    monkeypatch.setattr(checkout_service, "_new_order", failing_new_order)
    response = client.post_form(f"/payment/demo/{token}/approve", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "Please try again in a moment" in response.get_data(as_text=True)
    assert count(demo_app, Order) == 0 and count(demo_app, OrderLine) == 0
    monkeypatch.undo()
    retry = client.post_form(f"/payment/demo/{token}/approve")
    assert retry.status_code == 302 and "/orders/" in retry.headers["Location"]
    assert count(demo_app, Order) == 1


def test_order_link_is_signed_and_a_tampered_one_is_404(client, demo_app):
    _, response = place_order(client, demo_app, ("Jazz by the Lake", 1))
    link = response.headers["Location"]
    assert client.get(link).status_code == 200
    assert client.get(link[:-2] + "xx").status_code == 404
    from storefront.extensions import db

    with demo_app.app_context():
        number = db.session.scalars(select(Order.number)).one()
    assert client.get(f"/orders/{number}").status_code == 404


def test_a_new_cart_starts_after_the_order(client, demo_app):
    place_order(client, demo_app, ("Jazz by the Lake", 1))
    assert 'data-testid="cart-line"' not in client.get("/cart").get_data(as_text=True)

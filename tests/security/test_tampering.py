"""Tampering: forged amounts, quantities, ids, links and cookies. The server's values win.

Already covered in tests/integration: forged premium/price/family fields on an ineligible and an
eligible cart (test_offer), a configuration change during payment (test_offer), a tampered or
unsigned order link (test_checkout), an unsigned cookie naming another cart (test_cart).
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from storefront.models import Cart, Cover, Order, OrderLine, Payment
from tests.conftest import ShopClient
from tests.integration.helpers import add, checkout, payment_token, product_id, staff_client
from tests.security.helpers import EN, count, customer, latest_order, place_order, snapshot

# Every name a forger might hope the server reads an amount, a family or an id from.
FORGED = {
    "price": "0.01",
    "unit_price": "0.01",
    "unit_price_minor": "1",
    "fee": "0",
    "premium": "0.01",
    "premium_minor": "1",
    "insured_total": "999999",
    "total": "0.01",
    "amount": "0.01",
    "amount_minor": "1",
    "delivery": "0",
    "currency": "JPY",
    "family_id": "4",
    "tier": "0",
    "cover_id": "1",
    "order_id": "1",
    "cart_id": "1",
    "product_name": "Free ticket",
    "status": "approved",
}


def test_forged_amounts_ids_and_families_on_every_step_are_ignored(shop):
    client = customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    client.post_form("/cart/add", {"product_id": jazz, "quantity": 2, **FORGED})
    client.post_form("/cart/insurance", {"insurance": "no", **FORGED})
    client.post_form("/cart/insurance", {"insurance": "yes", **FORGED})
    token = payment_token(checkout(client, **FORGED))
    with shop.app_context():
        from storefront.extensions import db

        payment = db.session.scalars(select(Payment).where(Payment.token == token)).one()
        assert (payment.amount_minor, payment.currency) == (9890, "EUR")
    client.post_form(f"/payment/demo/{token}/approve", FORGED)
    order = latest_order(shop)
    # 2 x (45.00 + 2.00 booking fee) = 94.00 insured, tier "from 20": 4.90.
    assert (order.currency, order.subtotal_minor, order.fees_minor) == ("EUR", 9000, 400)
    assert (order.insurance_minor, order.total_minor) == (490, 9890)
    (line,) = order.lines
    assert (line.product_name, line.unit_price_minor, line.unit_fee_minor) == (
        "Jazz by the Lake",
        4500,
        200,
    )
    assert line.insured is True
    with shop.app_context():
        from storefront.extensions import db

        cover = db.session.scalars(select(Cover)).one()
        assert (cover.insured_total_minor, cover.premium_minor) == (9400, 490)


FORGED_QUANTITIES = ("-1", "0", "21", "1e3", "1.5", "", "abc", "9" * 30, "0x10", "NaN", "2;3")


def test_forged_quantities_are_refused_and_change_nothing(shop):
    client = customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    add(client, jazz, 1)
    before = snapshot(shop)
    for quantity in FORGED_QUANTITIES:
        form = {"product_id": jazz, "quantity": quantity}
        added = client.post_form("/cart/add", form, htmx=True, headers=EN)
        assert added.status_code == 422, quantity
        assert "Please enter a quantity between 1 and 20." in added.get_data(as_text=True)
        changed = client.post_form(f"/cart/lines/{jazz}", {"quantity": quantity}, htmx=True)
        assert changed.status_code == 422, quantity
    assert snapshot(shop) == before


def test_ids_beyond_any_database_integer_are_not_found(shop):
    client = customer(shop)
    marketer = staff_client(shop, "marketer")
    add(client, product_id(shop, "Jazz by the Lake"), 1)
    report = "/settings/catalogue/misc/insurance/report"
    for big in (2**63, 10**30):
        form = {"product_id": big, "quantity": 1}
        assert client.post_form("/cart/add", form).status_code == 404
        assert client.post_form(f"/cart/lines/{big}", {"quantity": 1}).status_code == 404
        assert client.post_form(f"/cart/lines/{big}/remove").status_code == 404
        assert client.get(f"/insurance/image/{big}-0000.webp").status_code == 404
        assert marketer.get(f"{report}/batches/{big}.csv").status_code == 404
        assert marketer.get(f"{report}?page={big}").status_code == 200


def test_someone_elses_cart_lines_cannot_be_changed_or_removed(shop):
    victim, attacker = customer(shop), customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    flute = product_id(shop, "The Magic Flute")
    add(victim, jazz, 2)
    add(attacker, flute, 1)
    before = snapshot(shop)
    assert attacker.post_form(f"/cart/lines/{jazz}", {"quantity": 20}).status_code == 404
    assert attacker.post_form(f"/cart/lines/{jazz}/remove").status_code == 404
    assert snapshot(shop) == before
    assert f'data-product-id="{jazz}"' in victim.get("/cart").get_data(as_text=True)


def test_a_session_cookie_signed_with_another_key_is_not_a_session(shop):
    victim = customer(shop)
    add(victim, product_id(shop, "Jazz by the Lake"), 1)
    with shop.app_context():
        from storefront.extensions import db

        token = db.session.scalars(select(Cart.token)).one()

    class Forged:
        secret_key = "guessed-secret"
        config = shop.config

    signer = SecureCookieSessionInterface().get_signing_serializer(Forged)
    attacker = shop.test_client()
    attacker.set_cookie("storefront_session", signer.dumps({"cart": token}), domain="shop.test")
    assert 'data-testid="cart-line"' not in attacker.get("/cart").get_data(as_text=True)
    assert attacker.post("/cart/lines/1/remove").status_code == 400  # and no CSRF token either


def test_order_links_signed_with_another_key_or_purpose_are_not_found(shop):
    link = place_order(shop, ("Jazz by the Lake", 1))
    number = latest_order(shop).number
    client = customer(shop)
    assert client.get(link).status_code == 200
    forgeries = [
        URLSafeSerializer("guessed-secret", salt="order-link").dumps(number),
        URLSafeSerializer(shop.config["SECRET_KEY"], salt="another-purpose").dumps(number),
        URLSafeSerializer(shop.config["SECRET_KEY"]).dumps(number),
        number,
    ]
    for signed in forgeries:
        response = client.get(f"/orders/{signed}")
        assert response.status_code == 404
        assert "Camille" not in response.get_data(as_text=True)


def test_made_up_payment_tokens_are_not_found_and_change_nothing(shop):
    client = customer(shop)
    add(client, product_id(shop, "Jazz by the Lake"), 1)
    checkout(client)
    before = snapshot(shop)
    for token in ("x", "0" * 32, "' OR '1'='1", "%2e%2e"):
        assert client.get(f"/payment/demo/{token}").status_code == 404
        assert client.post_form(f"/payment/demo/{token}/approve").status_code == 404
        assert client.post_form(f"/payment/demo/{token}/decline").status_code == 404
    assert snapshot(shop) == before


def test_the_box_office_changes_only_the_lines_of_the_order_it_shows(shop):
    place_order(shop, ("Jazz by the Lake", 2))
    other = latest_order(shop)
    place_order(shop, ("The Magic Flute", 1))
    shown = latest_order(shop)
    operator = staff_client(shop, "operator")
    forged = {f"qty-{line.id}": "2" for line in other.lines}
    response = operator.post_form(
        f"/box-office/orders/{shown.number}/cancel",
        {"scope": "lines", "reason": "forged", "version": "1", "cover_id": "1", **forged},
        headers=EN,
    )
    assert response.status_code == 422
    with shop.app_context():
        from storefront.extensions import db

        lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == other.id))
        assert [line.cancelled_quantity for line in lines] == [0]
        assert db.session.get(Order, other.id).status == "placed"


def test_an_approval_replayed_from_elsewhere_makes_no_second_order(shop):
    owner = customer(shop)
    add(owner, product_id(shop, "Puppet Show for Children"), 1)  # not eligible: no pop-up
    token = payment_token(checkout(owner))
    stranger = ShopClient(shop.test_client())
    response = stranger.post_form(f"/payment/demo/{token}/approve")
    assert "/orders/" in response.headers["Location"]
    assert count(shop, Order) == 1
    # Sent again by the customer: the same single order.
    again = owner.post_form(f"/payment/demo/{token}/approve")
    assert again.headers["Location"] == response.headers["Location"]
    assert count(shop, Order) == 1


def test_nul_characters_are_refused_at_the_door_and_change_nothing(shop):
    """PostgreSQL stores no NUL: a forged one must not read as "the shop is unavailable"."""
    client = customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    add(client, jazz, 1)
    marketer = staff_client(shop, "marketer")
    before = snapshot(shop)
    requests = [
        (client, "GET", "/payment/demo/%00", None),
        (client, "GET", "/cart?x=%00", None),
        (client, "POST", "/checkout", {"first_name": "Ca\x00mille", "last_name": "D"}),
        (client, "POST", "/cart/insurance", {"insurance": "yes", "next": "/\x00"}),
        (customer(shop), "POST", "/login", {"email": "mia\x00@example.com", "password": "x"}),
        (marketer, "GET", "/settings/catalogue/misc/insurance/report?start=%00", None),
        (marketer, "POST", "/settings/catalogue/misc/insurance/define", {"name_en": "\x00"}),
    ]
    for who, method, path, form in requests:
        data = None if form is None else {"csrf_token": who.csrf(), **form}
        response = who.open(path, method=method, data=data, headers=EN)
        assert response.status_code == 400, path
        assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert snapshot(shop) == before

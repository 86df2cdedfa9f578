"""The box office: finding orders, cancelling, refunding, and never refunding an insured order
by mistake (the insurer refunds it: a box-office refund would pay the customer twice)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from storefront.models import (
    Cart,
    Cover,
    CoverEvent,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    Refund,
)
from tests.conftest import ShopClient
from tests.integration.helpers import (
    add,
    checkout,
    payment_token,
    product_id,
    race,
    staff_client,
)

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
BASE = "/box-office"
WARNING = (
    "You are about to modify a file that contains a cancellation insurance. Please make sure "
    "you do not refund a ticket which might also be refunded by the "
    "<strong>insurance company</strong>."
)
JAZZ = "Jazz by the Lake"  # 45.00 + 2.00 fee, Tickets (covered)
TSHIRT = "Festival T-shirt"  # 25.00, Merchandise (not covered), shipped: +2.50 delivery


# Placing orders -------------------------------------------------------------------------------


def place_order(app, *items, insured: bool = False, **customer) -> str:
    """Place an order of ``items`` (name, quantity) as a customer would; returns its number."""
    from storefront.extensions import db

    client = ShopClient(app.test_client())
    for name, quantity in items:
        add(client, product_id(app, name), quantity)
    if insured:
        client.post_form("/cart/insurance", {"insurance": ["no", "yes"]})
    token = payment_token(checkout(client, popup="declined", **customer))
    response = client.post_form(f"/payment/demo/{token}/approve")
    assert "/orders/" in response.headers["Location"]
    with app.app_context():
        return db.session.scalars(select(Order.number).order_by(Order.id.desc())).first()


def load(app, number: str) -> Order:
    from storefront.extensions import db

    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.number == number)).one()
        order.lines, order.cover, order.payment  # noqa: B018 (load before the session ends)
        if order.cover is not None:
            for cover_event in order.cover.events:
                cover_event.lines  # noqa: B018
        db.session.expunge_all()
        return order


def refunds(app) -> list[Refund]:
    from storefront.extensions import db

    with app.app_context():
        rows = list(db.session.scalars(select(Refund).order_by(Refund.id)))
        db.session.expunge_all()
        return rows


def history(app, number: str) -> list[OrderEvent]:
    from storefront.extensions import db

    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OrderEvent).join(Order).where(Order.number == number).order_by(OrderEvent.id)
            )
        )
        db.session.expunge_all()
        return rows


def snapshot(app, number: str) -> tuple:
    """Everything a refused change must leave as it was."""
    order = load(app, number)
    return (
        order.version,
        order.status,
        order.refunded_minor,
        [(line.quantity, line.cancelled_quantity) for line in order.lines],
        order.cover.status if order.cover else None,
        len(order.cover.events) if order.cover else 0,
        len(refunds(app)),
        len(history(app, number)),
    )


def stock_of(app, name: str) -> int | None:
    from storefront.extensions import db

    with app.app_context():
        return db.session.get(Product, product_id(app, name)).stock


def form_values(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``, as the browser would send them."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form for {action}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0))) | {
        name: value
        for name, value in re.findall(
            r'<input id="[^"]*" name="(\w+)" type="hidden" value="([^"]*)"', form.group(0)
        )
    }


def order_page(client, number: str, headers=EN) -> str:
    response = client.get(f"{BASE}/orders/{number}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def refund(client, number: str, amount: str, reason="Customer could not come", headers=EN, **extra):
    page = order_page(client, number, headers)
    action = f"{BASE}/orders/{number}/refund"
    data = {**form_values(page, action), "amount": amount, "reason": reason, **extra}
    return client.post(action, data=data, headers=headers)


def cancel(client, number: str, scope="lines", reason="Customer asked", headers=EN, **quantities):
    page = order_page(client, number, headers)
    action = f"{BASE}/orders/{number}/cancel"
    data = {**form_values(page, action), "scope": scope, "reason": reason, **quantities}
    return client.post(action, data=data, headers=headers)


def line_ids(app, number: str) -> dict[str, int]:
    return {line.product_name: line.id for line in load(app, number).lines}


@pytest.fixture
def operator(shop):
    return staff_client(shop, "operator")


@pytest.fixture
def admin(shop):
    return staff_client(shop, "admin")


@pytest.fixture
def insured(shop) -> str:
    """2 x Jazz (insured, 94.00 -> premium 4.90) and a T-shirt (not covered, +2.50 delivery):
    paid 126.40."""
    return place_order(shop, (JAZZ, 2), (TSHIRT, 1), insured=True)


@pytest.fixture
def uninsured(shop) -> str:
    """2 x Jazz, insurance declined: paid 94.00."""
    return place_order(shop, (JAZZ, 2))


# Access ---------------------------------------------------------------------------------------


def boxoffice_routes(app) -> list[tuple[str, str]]:
    adapter = app.url_map.bind("shop.test")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("boxoffice."):
            path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, "ABCD2345"))
            routes.extend((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_the_box_office_has_its_routes_guarded_for_operators_and_admins(shop):
    from tests.integration.test_accounts import required_roles

    endpoints = {
        r.endpoint for r in shop.url_map.iter_rules() if r.endpoint.startswith("boxoffice.")
    }
    assert endpoints == {
        "boxoffice.index",
        "boxoffice.order",
        "boxoffice.refund",
        "boxoffice.cancel",
        "boxoffice.overrides",
    }
    for endpoint in endpoints:
        assert required_roles(shop, endpoint) == {"operator", "admin"}


def test_a_customer_is_sent_to_the_login_page_from_every_box_office_route(client, shop):
    for method, path in boxoffice_routes(shop):
        response = client.open(path, method=method, data={"csrf_token": client.csrf()})
        assert response.status_code == 302, (method, path)
        assert "/login?next=" in response.headers["Location"]


def test_a_marketer_is_refused_every_box_office_route(shop, insured):
    marketer = staff_client(shop, "marketer")
    for method, path in boxoffice_routes(shop):
        response = marketer.open(path, method=method, data={"csrf_token": marketer.csrf()})
        assert response.status_code == 403, (method, path)
    before = snapshot(shop, insured)
    response = marketer.post_form(
        f"{BASE}/orders/{insured}/cancel", {"scope": "order", "reason": "x", "version": "1"}
    )
    assert response.status_code == 403
    assert snapshot(shop, insured) == before


def test_an_operator_cannot_reach_settings_or_reports(shop, operator):
    adapter = shop.url_map.bind("shop.test")
    checked = 0
    for rule in shop.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("settings", "reports"):
            continue
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, "1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = operator.open(path, method=method, data={"csrf_token": operator.csrf()})
            assert response.status_code == 403, (method, path)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_operators_and_admins_get_the_box_office_and_its_link(shop, role):
    staff = staff_client(shop, role)
    home = staff.get("/", headers=EN).get_data(as_text=True)
    assert f'href="{BASE}">Box office</a>' in home
    page = staff.get(BASE, headers=EN)
    assert page.status_code == 200
    assert '<a href="/box-office" aria-current="page">Box office</a>' in page.get_data(as_text=True)


def test_the_link_is_not_shown_to_marketers_or_customers(shop, client):
    assert "Box office" not in client.get("/", headers=EN).get_data(as_text=True)
    marketer = staff_client(shop, "marketer")
    assert "Box office" not in marketer.get("/", headers=EN).get_data(as_text=True)


# Searching ------------------------------------------------------------------------------------


def make_orders(app, rows) -> list[str]:
    """Orders straight in the database: (number, first, last, email, created_at, insured)."""
    from storefront.extensions import db

    numbers = []
    with app.app_context():
        for number, first, last, email, created_at, is_insured in rows:
            cart = Cart(status="ordered")
            payment = Payment(
                cart=cart,
                provider="demo",
                status="approved",
                currency="EUR",
                amount_minor=5000,
                cart_fingerprint="x",
            )
            db.session.add(payment)
            db.session.flush()
            order = Order(
                number=number,
                cart_id=cart.id,
                payment=payment,
                first_name=first,
                last_name=last,
                email=email,
                phone="+41 22 000 00 00",
                street="1 rue du Rhône",
                postcode="1204",
                city="Genève",
                country="CH",
                language="fr",
                currency="EUR",
                subtotal_minor=4500,
                fees_minor=0,
                delivery_minor=0,
                insurance_minor=500 if is_insured else 0,
                total_minor=5000,
                created_at=created_at,
                lines=[
                    OrderLine(
                        product_name="Jazz",
                        family_name="Tickets",
                        quantity=1,
                        unit_price_minor=4500,
                        unit_fee_minor=0,
                        insured=is_insured,
                    )
                ],
            )
            if is_insured:
                order.cover = Cover(currency="EUR", insured_total_minor=4500, premium_minor=500)
            db.session.add(order)
            numbers.append(number)
        db.session.commit()
    return numbers


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def customers(shop):
    return make_orders(
        shop,
        [
            ("AAAA2222", "Camille", "Durand", "camille@example.com", at(1), False),
            ("BBBB3333", "Luca", "Bianchi", "luca.b@example.it", at(2), True),
            ("CCCC4444", "Anna", "Durand-Meier", "anna@example.ch", at(3, 23), False),
            ("DDDD5555", "Jean", "Martin", "jm_100%@example.fr", at(5, 0), True),
        ],
    )


def found(client, **params) -> list[str]:
    response = client.get(BASE, query_string=params, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(
        r'class="bo-number" href="/box-office/orders/(\w+)"', response.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({}, ["DDDD5555", "CCCC4444", "BBBB3333", "AAAA2222"]),
        ({"q": "bbbb3333"}, ["BBBB3333"]),
        ({"q": "CCCC"}, ["CCCC4444"]),
        ({"q": "durand"}, ["CCCC4444", "AAAA2222"]),
        ({"q": "Camille Durand"}, ["AAAA2222"]),
        ({"q": "luca.b@example.it"}, ["BBBB3333"]),
        ({"q": "@example.ch"}, ["CCCC4444"]),
        ({"q": "100%"}, ["DDDD5555"]),
        ({"q": "_"}, ["DDDD5555"]),
        ({"q": "nobody"}, []),
        ({"date_from": "2026-03-02", "date_to": "2026-03-03"}, ["CCCC4444", "BBBB3333"]),
        ({"date_from": "2026-03-05"}, ["DDDD5555"]),
        ({"date_to": "2026-03-01"}, ["AAAA2222"]),
        ({"insured": "y"}, ["DDDD5555", "BBBB3333"]),
        ({"insured": "y", "q": "luca"}, ["BBBB3333"]),
    ],
)
def test_search_by_number_name_email_date_and_insured_only(operator, customers, params, numbers):
    assert found(operator, **params) == numbers


def test_results_show_customer_total_status_and_insurance(operator, customers):
    page = operator.get(BASE, query_string={"q": "luca"}, headers=EN).get_data(as_text=True)
    row = page.split('data-testid="boxoffice-order-row"')[1]
    assert "Luca Bianchi" in row and "luca.b@example.it" in row and "€50.00" in row
    assert "Placed" in row and "Insured" in row
    assert "1 order" in page


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"date_from": "01/03/2026"}, "date_from", "Please enter a date like 2026-03-14."),
        ({"date_to": "2026-02-30"}, "date_to", "Please enter a date like 2026-03-14."),
        (
            {"date_from": "2026-03-05", "date_to": "2026-03-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"q": "x" * 101}, "q", "At most 100 characters."),
    ],
)
def test_bad_search_input_is_explained_next_to_the_field(operator, customers, params, field, text):
    response = operator.get(BASE, query_string=params, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{text}</p>' in page
    assert 'data-testid="boxoffice-order-row"' not in page


def test_search_results_are_paginated(operator, shop):
    make_orders(
        shop,
        [
            (
                f"P{i:03d}AAAA",
                "Page",
                f"Customer{i}",
                f"p{i}@example.com",
                at(1) + timedelta(minutes=i),
                False,
            )
            for i in range(30)
        ],
    )
    first = operator.get(BASE, query_string={"q": "page"}, headers=EN).get_data(as_text=True)
    assert first.count('data-testid="boxoffice-order-row"') == 25
    assert "Page 1 of 2" in first and 'rel="next" href="/box-office?page=2&amp;q=page"' in first
    second = found(operator, q="page", page=2)
    assert second == [f"P{i:03d}AAAA" for i in range(4, -1, -1)]
    assert found(operator, q="page", page=99) == second  # past the end: the last page


@pytest.mark.parametrize("page", ["abc", "-3", "0", ""])
def test_a_bad_page_number_shows_the_first_page(operator, customers, page):
    assert found(operator, page=page) == ["DDDD5555", "CCCC4444", "BBBB3333", "AAAA2222"]


def statements(app, client, path: str, **kwargs) -> list[str]:
    """The SQL statements one request runs."""
    from storefront.extensions import db

    counted: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path, **kwargs).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return counted


def test_search_takes_two_sql_statements_however_many_orders(operator, shop):
    def searching() -> int:
        run = statements(shop, operator, BASE, query_string={"q": "x"}, headers=EN)
        return len([sql for sql in run if "orders" in sql])

    make_orders(shop, [("X0001AAA", "X", "One", "x1@example.com", at(1), True)])
    few = searching()
    make_orders(
        shop,
        [(f"X{i:04d}BBB", "X", f"N{i}", f"x{i}@example.com", at(2), i % 2 == 0) for i in range(20)],
    )
    assert searching() == few == 2


def test_the_order_page_runs_the_same_few_statements_however_long_its_history(
    shop, operator, insured
):
    path = f"{BASE}/orders/{insured}"
    first = len(statements(shop, operator, path))
    ids = line_ids(shop, insured)
    cancel(operator, insured, **{f"qty-{ids[JAZZ]}": "1"})
    cancel(operator, insured, **{f"qty-{ids[TSHIRT]}": "1"})
    refund(staff_client(shop, "admin"), insured, "5.00", override="y")
    assert len(statements(shop, operator, path)) == first <= 6


def test_search_with_htmx_returns_the_region_alone(operator, customers):
    response = operator.get(
        BASE, query_string={"q": "durand"}, headers={**EN, "HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="boxoffice-search"')
    assert "HX-Request" in response.headers["Vary"]
    assert re.search(
        r'<p class="visually-hidden" role="status" id="boxoffice-search-status" '
        r'hx-swap-oob="true">\s*2 orders</p>',
        body,
    )
    restore = operator.get(
        BASE, headers={**EN, "HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.get_data(as_text=True)


# The order page and the warning ---------------------------------------------------------------


def test_an_insured_order_shows_the_warning_before_any_action(operator, insured):
    page = order_page(operator, insured)
    assert page.count('data-testid="boxoffice-insurance-warning"') == 1
    assert f"<p>{WARNING}</p>" in page
    warning = page.index("boxoffice-insurance-warning")
    assert warning < page.index(f'action="{BASE}/orders/{insured}/cancel"')
    assert warning < page.index(f'action="{BASE}/orders/{insured}/refund"')


def test_the_warning_follows_the_operators_language(operator, insured):
    page = order_page(operator, insured, headers=FR)
    assert '<html lang="fr">' in page
    assert page.count('data-testid="boxoffice-insurance-warning"') == 1


def test_an_uninsured_order_has_no_warning(operator, uninsured):
    assert "boxoffice-insurance-warning" not in order_page(operator, uninsured)


def test_the_warning_stays_once_the_cover_is_cancelled(operator, insured):
    cancel(operator, insured, scope="order")
    assert load(operator.application, insured).cover.status == "cancelled"
    assert f"<p>{WARNING}</p>" in order_page(operator, insured)


def test_the_order_page_shows_lines_fees_payment_cover_and_history(operator, insured):
    page = order_page(operator, insured)
    assert "Jazz by the Lake" in page and "Festival T-shirt" in page
    assert "Camille Durand" in page and "camille@example.com" in page
    assert '<dd data-testid="cart-total">€126.40</dd>' in page  # 94 + 25 + 2.50 + 4.90
    assert "€4.90" in page and "€2.50" in page and "€4.00" in page  # premium, delivery, fees
    assert '<dd data-testid="boxoffice-refundable">€121.50</dd>' in page  # never the premium
    assert "Insured" in page and "subscribed" in page and "Order placed and paid" in page


def test_an_unknown_order_is_404(operator):
    assert operator.get(f"{BASE}/orders/NOPE2345").status_code == 404


# Refunds --------------------------------------------------------------------------------------


def test_an_operator_refunds_an_uninsured_order_and_the_history_says_who_when_why(
    shop, operator, uninsured
):
    before = load(shop, uninsured).version
    response = refund(operator, uninsured, "20.50", reason="Seat was broken")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/orders/{uninsured}"
    order = load(shop, uninsured)
    assert order.refunded_minor == 2050 and order.version == before + 1
    (row,) = refunds(shop)
    assert (row.amount_minor, row.currency, row.reason) == (2050, "EUR", "Seat was broken")
    assert (row.user_email, row.user_role, row.override) == (
        "operator@shop.example",
        "operator",
        False,
    )
    assert row.provider == "demo" and row.provider_reference.startswith("demo-rf-")
    assert abs(row.at - datetime.now(UTC)) < timedelta(minutes=1)
    (entry,) = history(shop, uninsured)
    assert (entry.kind, entry.amount_minor, entry.reason) == ("refunded", 2050, "Seat was broken")
    page = operator.get(f"{BASE}/orders/{uninsured}", headers=EN).get_data(as_text=True)
    assert "Refund of €20.50 recorded." in page
    assert "operator@shop.example" in page and "Seat was broken" in page and "−€20.50" in page
    assert '<dd data-testid="boxoffice-refundable">€73.50</dd>' in page


def test_amounts_are_typed_in_the_operators_format(shop, operator, uninsured):
    assert refund(operator, uninsured, "12,50", headers=FR).status_code == 302
    assert refund(operator, uninsured, "1.50", headers=EN).status_code == 302
    assert load(shop, uninsured).refunded_minor == 1400


def test_refunds_add_up_to_what_was_paid_and_no_more(shop, operator, uninsured):
    assert refund(operator, uninsured, "90.00").status_code == 302
    response = refund(operator, uninsured, "4.01")
    assert response.status_code == 422
    assert "At most €4.00 can be refunded" in response.get_data(as_text=True)
    assert refund(operator, uninsured, "4.00").status_code == 302
    assert load(shop, uninsured).refunded_minor == 9400
    page = order_page(operator, uninsured)
    assert "Nothing is left to refund on this order." in page
    assert f'action="{BASE}/orders/{uninsured}/refund"' not in page


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("94.01", "At most €94.00 can be refunded"),
        ("1000", "At most €94.00 can be refunded"),
        ("-5.00", "Please enter an amount greater than zero."),
        ("0", "Please enter an amount greater than zero."),
        ("0.00", "Please enter an amount greater than zero."),
        ("abc", "Please enter an amount like 12.50, with at most 2 decimals."),
        ("", "Please enter an amount like 12.50, with at most 2 decimals."),
        ("1.234", "Please enter an amount like 12.50, with at most 2 decimals."),
        ("1e3", "Please enter an amount like 12.50, with at most 2 decimals."),
        ("NaN", "Please enter an amount like 12.50, with at most 2 decimals."),
        ("12,50", "Please enter an amount like 12.50, with at most 2 decimals."),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field_and_change_nothing(
    shop, operator, uninsured, amount, text
):
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, amount)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="refund-amount-error">{text}' in page
    assert 'aria-invalid="true"' in page
    assert snapshot(shop, uninsured) == before


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_a_refund_needs_a_reason(shop, operator, uninsured, reason):
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00", reason=reason)
    assert response.status_code == 422
    assert 'id="refund-reason-error">Please give a reason' in response.get_data(as_text=True)
    assert snapshot(shop, uninsured) == before


def test_a_reason_longer_than_500_characters_is_refused(shop, operator, uninsured):
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00", reason="x" * 501)
    assert response.status_code == 422
    assert "At most 500 characters." in response.get_data(as_text=True)
    assert snapshot(shop, uninsured) == before


def test_a_stale_refund_form_is_refused_with_a_clear_message(shop, operator, uninsured):
    page = order_page(operator, uninsured)
    action = f"{BASE}/orders/{uninsured}/refund"
    old_form = form_values(page, action)
    assert refund(operator, uninsured, "5.00", reason="first").status_code == 302
    before = snapshot(shop, uninsured)
    response = operator.post(
        action, data={**old_form, "amount": "5.00", "reason": "second"}, headers=EN
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This order was changed by someone else since you opened it. Nothing was changed" in body
    assert snapshot(shop, uninsured) == before


def test_a_double_submitted_refund_makes_one_refund(shop, operator, uninsured):
    page = order_page(operator, uninsured)
    action = f"{BASE}/orders/{uninsured}/refund"
    data = {**form_values(page, action), "amount": "10.00", "reason": "double click"}
    assert operator.post(action, data=data, headers=EN).status_code == 302
    again = operator.post(action, data=data, headers=EN)
    assert again.status_code == 409
    assert "This refund was already made: the form was sent twice." in again.get_data(as_text=True)
    assert len(refunds(shop)) == 1 and load(shop, uninsured).refunded_minor == 1000


def test_a_refund_form_without_its_key_is_refused(shop, operator, uninsured):
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00", key="")
    assert response.status_code == 422
    assert "This form is out of date. Please reload the page" in response.get_data(as_text=True)
    assert snapshot(shop, uninsured) == before


def test_a_refund_without_csrf_token_is_refused(shop, operator, uninsured):
    before = snapshot(shop, uninsured)
    page = order_page(operator, uninsured)
    data = form_values(page, f"{BASE}/orders/{uninsured}/refund")
    data.pop("csrf_token")
    response = operator.post(
        f"{BASE}/orders/{uninsured}/refund",
        data={**data, "amount": "10.00", "reason": "no token"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "Your session expired or the form was sent twice" in response.get_data(as_text=True)
    assert snapshot(shop, uninsured) == before


def test_a_provider_failure_leaves_the_order_as_it_was_and_says_so(
    shop, operator, uninsured, monkeypatch
):
    from storefront.payments import DemoProvider, PaymentProviderError

    def down(self, payment, amount, idempotency_key):
        raise PaymentProviderError("unreachable")

    monkeypatch.setattr(DemoProvider, "refund", down)
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00", reason="provider is down")
    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "The payment provider did not make the refund. Nothing was refunded" in page
    assert snapshot(shop, uninsured) == before
    # The form keeps what was typed and its key: a retry is the same refund.
    assert 'value="10.00"' in page and "provider is down" in page
    monkeypatch.undo()
    key = form_values(page, f"{BASE}/orders/{uninsured}/refund")["key"]
    retried = operator.post(
        f"{BASE}/orders/{uninsured}/refund",
        data={
            **form_values(page, f"{BASE}/orders/{uninsured}/refund"),
            "amount": "10.00",
            "reason": "provider is back",
        },
        headers=EN,
    )
    assert retried.status_code == 302
    assert [r.idempotency_key for r in refunds(shop)] == [key]


def test_an_order_paid_with_an_unknown_provider_is_not_refunded(shop, operator, uninsured):
    from storefront.extensions import db

    with shop.app_context():
        order = db.session.scalars(select(Order).where(Order.number == uninsured)).one()
        order.payment.provider = "gone"
        db.session.commit()
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00")
    assert response.status_code == 502
    assert "Nothing was refunded" in response.get_data(as_text=True)
    assert snapshot(shop, uninsured) == before


@pytest.mark.parametrize("version", ["", "abc", "999"])
def test_a_refund_form_with_a_missing_or_wrong_version_is_stale(shop, operator, uninsured, version):
    before = snapshot(shop, uninsured)
    response = refund(operator, uninsured, "10.00", version=version)
    assert response.status_code == 409
    assert snapshot(shop, uninsured) == before


def test_the_demo_provider_makes_one_refund_per_key():
    from decimal import Decimal

    from storefront.domain.money import Money
    from storefront.payments import DemoProvider, PaymentProviderError

    provider = DemoProvider()
    payment = Payment(id=7, token="t" * 20, status="approved", currency="EUR", amount_minor=1000)
    first = provider.refund(payment, Money(Decimal("5.00"), "EUR"), "k" * 20)
    assert provider.refund(payment, Money(Decimal("5.00"), "EUR"), "k" * 20) == first
    assert len(provider.refunds) == 1
    with pytest.raises(PaymentProviderError):
        provider.refund(payment, Money(Decimal("6.00"), "EUR"), "k" * 20)
    with pytest.raises(PaymentProviderError):
        provider.refund(payment, Money(Decimal("10.01"), "EUR"), "other key" * 3)
    with pytest.raises(PaymentProviderError):
        provider.refund(payment, Money(Decimal("1"), "CHF"), "third key" * 3)


# Insured orders -------------------------------------------------------------------------------


def test_an_operator_is_stopped_from_refunding_an_insured_order(shop, operator, insured):
    page = order_page(operator, insured)
    assert "Only an administrator can override." in page
    assert 'name="override"' not in page
    before = snapshot(shop, insured)
    response = refund(operator, insured, "10.00")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Refund refused: this order has a cancellation insurance" in body
    assert 'role="alert"' in body and f"<p>{WARNING}</p>" in body
    assert snapshot(shop, insured) == before


def test_an_operator_forging_the_override_field_is_refused(shop, operator, insured):
    before = snapshot(shop, insured)
    response = refund(operator, insured, "10.00", override="y")
    assert response.status_code == 403
    assert "you may not override the insurance block" in response.get_data(as_text=True)
    assert snapshot(shop, insured) == before


def test_an_admin_must_tick_the_confirmation_to_override(shop, admin, insured):
    page = order_page(admin, insured)
    assert 'name="override"' in page and "does not cover this refund" in page
    before = snapshot(shop, insured)
    response = refund(admin, insured, "10.00")
    assert response.status_code == 422
    assert 'id="refund-override-error">This order is insured: tick the confirmation' in (
        response.get_data(as_text=True)
    )
    assert snapshot(shop, insured) == before


def test_an_admin_override_needs_a_reason_too(shop, admin, insured):
    before = snapshot(shop, insured)
    response = refund(admin, insured, "10.00", reason=" ", override="y")
    assert response.status_code == 422
    assert snapshot(shop, insured) == before


def test_an_admin_overrides_with_a_reason_and_it_is_recorded_and_listed(shop, admin, insured):
    response = refund(admin, insured, "25.00", reason="T-shirt returned, not insured", override="y")
    assert response.status_code == 302
    (row,) = refunds(shop)
    assert row.override is True and row.user_role == "admin" and row.amount_minor == 2500
    assert row.reason == "T-shirt returned, not insured"
    page = order_page(admin, insured)
    event_row = page.split('data-kind="refunded override"')[1].split("</tr>")[0]
    assert "Override of the insurance block" in event_row
    assert "admin@shop.example" in event_row and "T-shirt returned, not insured" in event_row
    listing = admin.get(f"{BASE}/refund-overrides", headers=EN).get_data(as_text=True)
    assert f'href="{BASE}/orders/{insured}">{insured}</a>' in listing
    assert "€25.00" in listing and "T-shirt returned, not insured" in listing
    assert "administrator" in listing
    # Operators see the list too.
    operator = staff_client(shop, "operator")
    assert insured in operator.get(f"{BASE}/refund-overrides").get_data(as_text=True)


def test_the_premium_is_never_refunded_even_with_the_override(shop, admin, insured):
    before = snapshot(shop, insured)
    response = refund(admin, insured, "126.40", override="y")  # everything paid
    assert response.status_code == 422
    assert "At most €121.50 can be refunded" in response.get_data(as_text=True)
    assert snapshot(shop, insured) == before
    assert refund(admin, insured, "121.50", override="y").status_code == 302
    assert load(shop, insured).refunded_minor == 12150


def test_the_override_list_is_empty_at_first_and_ignores_ordinary_refunds(
    shop, operator, uninsured
):
    refund(operator, uninsured, "5.00")
    page = operator.get(f"{BASE}/refund-overrides", headers=EN).get_data(as_text=True)
    assert "No insured order has been refunded." in page


def test_the_roles_that_may_override_are_a_setting(shop, make_app, insured):
    app = make_app(STOREFRONT_REFUND_OVERRIDE_ROLES="operator")
    operator = staff_client(app, "operator")
    admin = staff_client(app, "admin")
    assert refund(admin, insured, "5.00", override="y").status_code == 403
    assert refund(operator, insured, "5.00", override="y").status_code == 302
    assert refunds(shop)[0].user_role == "operator"


def test_an_unknown_override_role_is_a_startup_error(make_app):
    with pytest.raises(ValueError, match="unknown role"):
        make_app(STOREFRONT_REFUND_OVERRIDE_ROLES="admin, boss")


def test_the_database_refuses_refunding_more_than_paid_minus_premium(shop, insured):
    from sqlalchemy.exc import IntegrityError

    from storefront.extensions import db

    with shop.app_context():
        order = db.session.scalars(select(Order).where(Order.number == insured)).one()
        order.refunded_minor = order.total_minor - order.insurance_minor + 1
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# Cancellations --------------------------------------------------------------------------------


def test_cancelling_uninsured_lines_keeps_the_rows_returns_stock_and_records_it(
    shop, operator, uninsured
):
    stock = stock_of(shop, JAZZ)
    ids = line_ids(shop, uninsured)
    response = cancel(operator, uninsured, reason="Customer ill", **{f"qty-{ids[JAZZ]}": "1"})
    assert response.status_code == 302
    order = load(shop, uninsured)
    (line,) = order.lines
    assert (line.quantity, line.cancelled_quantity) == (2, 1)
    assert order.status == "partially-cancelled" and order.refunded_minor == 0
    assert stock_of(shop, JAZZ) == stock + 1
    (entry,) = history(shop, uninsured)
    assert (entry.kind, entry.reason, entry.amount_minor) == (
        "lines-cancelled",
        "Customer ill",
        4700,
    )
    assert entry.lines == [{"line_id": line.id, "product_name": JAZZ, "quantity": 1}]
    page = order_page(operator, uninsured)
    assert "The cancellation is recorded." in page and "1 cancelled" in page
    assert "Cancelled and not yet refunded: €47.00." in page


def test_cancelling_some_covered_tickets_records_a_partial_change_on_the_cover(
    shop, operator, insured
):
    ids = line_ids(shop, insured)
    assert cancel(operator, insured, **{f"qty-{ids[JAZZ]}": "1"}).status_code == 302
    cover = load(shop, insured).cover
    assert cover.status == "active" and cover.cancelled_at is None
    assert [e.kind for e in cover.events] == ["subscribed", "partially-cancelled"]
    partial = cover.events[1]
    assert partial.reason == "Customer asked"
    assert [(line.order_line_id, line.quantity) for line in partial.lines] == [(ids[JAZZ], 1)]


def test_cancelling_only_uncovered_lines_does_not_touch_the_cover(shop, operator, insured):
    ids = line_ids(shop, insured)
    assert cancel(operator, insured, **{f"qty-{ids[TSHIRT]}": "1"}).status_code == 302
    cover = load(shop, insured).cover
    assert cover.status == "active" and [e.kind for e in cover.events] == ["subscribed"]


def test_cancelling_the_last_covered_line_cancels_the_cover(shop, operator, insured):
    ids = line_ids(shop, insured)
    response = cancel(operator, insured, reason="Event moved", **{f"qty-{ids[JAZZ]}": "2"})
    assert response.status_code == 302
    order = load(shop, insured)
    assert order.status == "partially-cancelled"  # the T-shirt is still ordered
    assert order.cover.status == "cancelled" and order.cover.cancel_reason == "Event moved"
    assert abs(order.cover.cancelled_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert [e.kind for e in order.cover.events] == ["subscribed", "cancelled"]
    page = order_page(operator, insured)
    assert "The insurance cover is cancelled; the insurer is told in the next report." in page


def test_cancelling_the_whole_insured_order_cancels_the_cover(shop, operator, insured):
    jazz_stock, tshirt_stock = stock_of(shop, JAZZ), stock_of(shop, TSHIRT)
    response = cancel(operator, insured, scope="order", reason="Customer moved abroad")
    assert response.status_code == 302
    order = load(shop, insured)
    assert order.status == "cancelled"
    assert [line.cancelled_quantity for line in order.lines] == [2, 1]
    assert (
        order.cover.status == "cancelled" and order.cover.cancel_reason == "Customer moved abroad"
    )
    cancelled = order.cover.events[-1]
    assert cancelled.kind == "cancelled"
    assert sorted(line.quantity for line in cancelled.lines) == [2]  # covered lines only
    assert (stock_of(shop, JAZZ), stock_of(shop, TSHIRT)) == (jazz_stock + 2, tshirt_stock + 1)
    (entry,) = history(shop, insured)
    assert entry.kind == "order-cancelled" and entry.amount_minor == 9400 + 2500
    page = order_page(operator, insured)
    assert f"Order {insured} is cancelled." in page and "This order is cancelled." in page
    assert 'name="scope"' not in page
    # Cancelling does not refund: the insurer does, and the block still stands.
    assert load(shop, insured).refunded_minor == 0


def test_a_cancelled_order_cannot_be_cancelled_again(shop, operator, uninsured):
    page = order_page(operator, uninsured)
    stale_form = form_values(page, f"{BASE}/orders/{uninsured}/cancel")
    assert cancel(operator, uninsured, scope="order").status_code == 302
    current = form_values(order_page(operator, uninsured), f"{BASE}/orders/{uninsured}/cancel")
    before = snapshot(shop, uninsured)
    response = operator.post(
        f"{BASE}/orders/{uninsured}/cancel",
        data={**current, "scope": "order", "reason": "again"},
        headers=EN,
    )
    assert response.status_code == 422
    assert "This order is already cancelled." in response.get_data(as_text=True)
    stale = operator.post(
        f"{BASE}/orders/{uninsured}/cancel",
        data={**stale_form, "scope": "order", "reason": "again"},
        headers=EN,
    )
    assert stale.status_code == 409
    assert snapshot(shop, uninsured) == before


@pytest.mark.parametrize(
    ("quantity", "status", "text"),
    [
        ("3", 422, "Please enter a number from 0 to 2."),
        ("-1", 422, "Please enter a number from 0 to 2."),
        ("one", 422, "Please enter a number from 0 to 2."),
        ("1.5", 422, "Please enter a number from 0 to 2."),
        ("0", 422, "Choose at least one ticket or product to cancel."),
        ("", 422, "Choose at least one ticket or product to cancel."),
    ],
)
def test_bad_cancel_quantities_are_refused_and_change_nothing(
    shop, operator, insured, quantity, status, text
):
    ids = line_ids(shop, insured)
    before = snapshot(shop, insured)
    stock = stock_of(shop, JAZZ)
    response = cancel(operator, insured, **{f"qty-{ids[JAZZ]}": quantity})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in page
    assert snapshot(shop, insured) == before and stock_of(shop, JAZZ) == stock
    if "number" in text:
        assert f'id="qty-{ids[JAZZ]}-error"' in page


def test_a_cancellation_needs_a_reason(shop, operator, insured):
    before = snapshot(shop, insured)
    response = cancel(operator, insured, scope="order", reason="  ")
    assert response.status_code == 422
    assert 'id="cancel-reason-error">Please give a reason' in response.get_data(as_text=True)
    assert snapshot(shop, insured) == before


def test_a_stale_cancel_form_is_refused(shop, operator, admin, insured):
    page = order_page(operator, insured)
    old_form = form_values(page, f"{BASE}/orders/{insured}/cancel")
    ids = line_ids(shop, insured)
    assert cancel(admin, insured, **{f"qty-{ids[TSHIRT]}": "1"}).status_code == 302
    before = snapshot(shop, insured)
    response = operator.post(
        f"{BASE}/orders/{insured}/cancel",
        data={**old_form, "scope": "order", "reason": "late"},
        headers=EN,
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert snapshot(shop, insured) == before


def test_a_cancel_form_without_a_button_choice_is_refused(shop, operator, insured):
    before = snapshot(shop, insured)
    response = cancel(operator, insured, scope="everything")
    assert response.status_code == 422
    assert snapshot(shop, insured) == before


def test_a_cancellation_without_csrf_token_is_refused(shop, operator, insured):
    before = snapshot(shop, insured)
    response = operator.post(
        f"{BASE}/orders/{insured}/cancel",
        data={"scope": "order", "reason": "x", "version": str(before[0])},
        headers=EN,
    )
    assert response.status_code == 400
    assert snapshot(shop, insured) == before


def test_lines_refunded_after_a_cancellation_show_in_the_history_in_order(
    shop, operator, uninsured
):
    ids = line_ids(shop, uninsured)
    cancel(operator, uninsured, **{f"qty-{ids[JAZZ]}": "1"})
    refund(operator, uninsured, "47.00", reason="Refund of the cancelled seat")
    assert [e.kind for e in history(shop, uninsured)] == ["lines-cancelled", "refunded"]
    page = order_page(operator, uninsured)
    assert "Cancelled and not yet refunded" not in page


# Races (PostgreSQL locks rows for real) --------------------------------------------------------


@pytest.mark.postgres
def test_two_refunds_from_one_page_at_once_make_one_refund(shop, uninsured):
    clients = [staff_client(shop, "operator", f"op{i}@shop.example") for i in range(2)]
    forms = [
        form_values(order_page(c, uninsured), f"{BASE}/orders/{uninsured}/refund") for c in clients
    ]
    responses = race(
        *(
            (
                lambda c=c, f=f: c.post(
                    f"{BASE}/orders/{uninsured}/refund",
                    data={**f, "amount": "90.00", "reason": "race"},
                )
            )
            for c, f in zip(clients, forms, strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert len(refunds(shop)) == 1 and load(shop, uninsured).refunded_minor == 9000


@pytest.mark.postgres
def test_one_refund_form_sent_twice_at_once_makes_one_refund(shop, operator, uninsured):
    data = {
        **form_values(order_page(operator, uninsured), f"{BASE}/orders/{uninsured}/refund"),
        "amount": "10.00",
        "reason": "double click",
    }
    responses = race(
        *(lambda: operator.post(f"{BASE}/orders/{uninsured}/refund", data=data) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert len(refunds(shop)) == 1 and load(shop, uninsured).refunded_minor == 1000


def test_box_office_rows_exist_for_the_cover_report(shop, operator, insured):
    """The insurer report reads cover events: a box-office cancellation is one of them."""
    from storefront.extensions import db

    cancel(operator, insured, scope="order")
    with shop.app_context():
        kinds = db.session.scalars(
            select(CoverEvent.kind).join(Cover).join(Order).where(Order.number == insured)
        ).all()
        assert kinds == ["subscribed", "cancelled"]
        assert db.session.scalar(select(func.count()).select_from(OrderEvent)) == 1


def test_box_office_pages_have_no_inline_script_style_or_handler(shop, admin, insured):
    refund(admin, insured, "5.00", override="y")
    for path in (BASE, f"{BASE}/orders/{insured}", f"{BASE}/refund-overrides"):
        response = admin.get(path, headers=EN)
        page = response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)

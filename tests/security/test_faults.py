"""Faults: the database going away, deadlocks, the mail server refusing, payments approved twice
or late.

Already covered in tests/integration: a database error while the order is written (test_checkout),
a refused SMTP connection marking nothing sent (test_report), approving twice in a row and two
approvals racing on PostgreSQL (test_checkout, test_concurrency), a cart or configuration changed
during payment (test_checkout, test_offer).
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from storefront.models import CoverEvent, InsurerBatch, Order, Payment, Product
from tests.conftest import ShopClient
from tests.integration.helpers import (
    CUSTOMER,
    add,
    checkout,
    payment_token,
    product_id,
    staff_client,
)
from tests.security.cluster import free_port
from tests.security.conftest import build_app, dispose, load_demo_shop
from tests.security.helpers import EN, count, customer, latest_order, place_order, snapshot

UNAVAILABLE = "Please try again in a moment"
UNAVAILABLE_FR = "Veuillez réessayer dans un instant"


@contextmanager
def database_down(app, after: int = 0):
    """From the ``after + 1``-th statement on, every statement fails as when the database
    server has gone: the driver's own OperationalError, as SQLAlchemy sees it from a real one."""
    from storefront.extensions import db

    with app.app_context():
        engine = db.engine
    error = engine.dialect.loaded_dbapi.OperationalError
    seen = {"statements": 0, "failed": 0}

    def fail(conn, cursor, statement, parameters, context, executemany):
        seen["statements"] += 1
        if seen["statements"] > after:
            seen["failed"] += 1
            raise error("server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def assert_unavailable_page(response, message: str = UNAVAILABLE) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert message in page
    # The shop's own page: its layout and stylesheet, and its security headers.
    assert 'class="site-header"' in page and "/static/css/shop.css" in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class Visit:
    """A customer with an insured cart and a pending payment, an older order, and staff."""

    def __init__(self, app) -> None:
        self.link = place_order(app, ("The Magic Flute", 1))
        self.buyer = customer(app)
        self.jazz = product_id(app, "Jazz by the Lake")
        add(self.buyer, self.jazz, 2)
        self.buyer.post_form("/cart/insurance", {"insurance": "yes"})
        self.token = payment_token(checkout(self.buyer))
        self.marketer = staff_client(app, "marketer")
        self.operator = staff_client(app, "operator")
        self.visitor = customer(app)
        # Tokens fetched now: during the outage, not even the home page answers.
        self.tokens = {
            id(client): client.csrf()
            for client in (self.buyer, self.marketer, self.operator, self.visitor)
        }

    def requests(self):
        """(label, client, method, path, form) of what people do in the shop."""
        b, m, o, v = self.buyer, self.marketer, self.operator, self.visitor
        return [
            ("catalogue", b, "GET", "/", None),
            ("cart", b, "GET", "/cart", None),
            ("add to cart", b, "POST", "/cart/add", {"product_id": self.jazz, "quantity": 1}),
            ("insurance choice", b, "POST", "/cart/insurance", {"insurance": "yes"}),
            ("checkout", b, "GET", "/checkout", None),
            ("checkout details", b, "POST", "/checkout", dict(CUSTOMER)),
            ("payment page", b, "GET", f"/payment/demo/{self.token}", None),
            ("order confirmation", b, "GET", self.link, None),
            ("login", v, "POST", "/login", {"email": "a@b.c", "password": "x"}),
            ("settings", m, "GET", "/settings/catalogue/misc/insurance", None),
            ("insurer report", m, "GET", "/settings/catalogue/misc/insurance/report", None),
            ("send report", m, "POST", "/settings/catalogue/misc/insurance/report/send", {}),
            ("box office", o, "GET", "/box-office", None),
        ]

    def send(self, client: ShopClient, method: str, path: str, form, headers=EN):
        if form is not None:
            form = {"csrf_token": self.tokens[id(client)], **form}
        return client.open(path, method=method, data=form, headers=headers)


@pytest.fixture
def visit(shop) -> Visit:
    return Visit(shop)


def test_while_the_database_is_away_every_page_says_so_and_then_works_again(shop, visit):
    for label, client, method, path, form in visit.requests():
        before = snapshot(shop)
        with database_down(shop) as seen:
            response = visit.send(client, method, path, form)
        assert seen["failed"] >= 1, label
        assert_unavailable_page(response)
        assert snapshot(shop) == before, label
    # The database is back: nothing to restart, the next requests just work.
    wrong = []
    for label, client, method, path, form in visit.requests():
        response = visit.send(client, method, path, form)
        if response.status_code >= 500:
            wrong.append((label, response.status_code))
    assert wrong == []
    token = payment_token(checkout(visit.buyer))  # the cart grew meanwhile: pay it as it is
    approved = visit.send(visit.buyer, "POST", f"/payment/demo/{token}/approve", {})
    assert "/orders/" in approved.headers["Location"]


def test_the_unavailable_page_is_in_the_visitors_language(shop):
    client = customer(shop)
    add(client, product_id(shop, "Jazz by the Lake"), 1)
    with database_down(shop):
        response = client.get("/cart", headers={"Accept-Language": "fr"})
    assert_unavailable_page(response, UNAVAILABLE_FR)
    assert '<html lang="fr">' in response.get_data(as_text=True)


def attempts_failing_at_every_statement(app, call):
    """Run ``call`` with the database going away at its 1st, 2nd, ... statement, until it runs
    through. After each failure: a 503, and not one row written. Returns the last response."""
    before = snapshot(app)
    for failing_at in range(1, 300):
        with database_down(app, after=failing_at - 1) as seen:
            response = call()
        if not seen["failed"]:
            return response
        assert_unavailable_page(response)
        assert snapshot(app) == before, f"half-written when statement {failing_at} failed"
    raise AssertionError("the request never ran through")


def test_an_approval_cut_off_at_any_statement_leaves_no_half_order(shop):
    client = customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    add(client, jazz, 2)
    client.post_form("/cart/insurance", {"insurance": "yes"})
    token = payment_token(checkout(client))
    csrf = client.csrf()
    with shop.app_context():
        from storefront.extensions import db

        stock = db.session.get(Product, jazz).stock
    response = attempts_failing_at_every_statement(
        shop, lambda: client.post(f"/payment/demo/{token}/approve", data={"csrf_token": csrf})
    )
    assert "/orders/" in response.headers["Location"]
    order = latest_order(shop)
    assert count(shop, Order) == 1 and order.total_minor == 9890 and len(order.lines) == 1
    with shop.app_context():
        assert db.session.get(Product, jazz).stock == stock - 2
        assert db.session.scalars(select(Payment.status)).all() == ["approved"]
        assert len(db.session.scalars(select(CoverEvent)).all()) == 1


@pytest.mark.parametrize(
    ("label", "path", "form"),
    [
        ("add to cart", "/cart/add", {"quantity": 2}),
        ("checkout details", "/checkout", CUSTOMER),
        ("insurance choice", "/cart/insurance", {"insurance": "yes"}),
    ],
)
def test_a_cart_change_cut_off_at_any_statement_writes_nothing(shop, label, path, form):
    client = customer(shop)
    jazz = product_id(shop, "Jazz by the Lake")
    if path != "/cart/add":
        add(client, jazz, 1)
    data = {"csrf_token": client.csrf(), "product_id": jazz, **form}
    response = attempts_failing_at_every_statement(shop, lambda: client.post(path, data=data))
    assert response.status_code == 302, label


def test_a_commit_that_fails_leaves_no_order(shop, monkeypatch):
    from storefront.extensions import db

    client = customer(shop)
    add(client, product_id(shop, "Puppet Show for Children"), 1)
    token = payment_token(checkout(client))
    with shop.app_context():
        dialect = db.engine.dialect
    before = snapshot(shop)

    def lost(dbapi_connection):
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dialect, "do_commit", lost)
    response = client.post_form(f"/payment/demo/{token}/approve", headers=EN)
    monkeypatch.undo()
    assert_unavailable_page(response)
    assert snapshot(shop) == before
    retry = client.post_form(f"/payment/demo/{token}/approve")
    assert "/orders/" in retry.headers["Location"] and count(shop, Order) == 1


# A real disconnection (PostgreSQL only) ------------------------------------------------------


@pytest.fixture
def named_app(make_database, tmp_path):
    """A demo shop whose connections carry their own ``application_name`` (to find them)."""
    name = f"storefront-faults-{uuid.uuid4().hex[:8]}"
    url = make_url(make_database("faults")).update_query_dict({"application_name": name})
    app = build_app(url.render_as_string(hide_password=False), tmp_path)
    load_demo_shop(app)
    app.application_name = name
    yield app
    dispose(app)


def terminate_connections(application_name: str) -> int:
    admin = create_engine(os.environ["DATABASE_URL"])
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": application_name},
        ).scalar()
    admin.dispose()
    return killed


@pytest.mark.postgres
def test_connections_killed_between_requests_are_replaced_unnoticed(named_app):
    client = customer(named_app)
    assert client.get("/").status_code == 200
    assert named_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert terminate_connections(named_app.application_name) >= 1
    # The pool pings before lending a connection: the first request after already works.
    assert client.get("/").status_code == 200
    add(client, product_id(named_app, "Jazz by the Lake"), 1)
    assert 'data-testid="cart-line"' in client.get("/cart").get_data(as_text=True)


@pytest.mark.postgres
def test_a_connection_killed_mid_approval_leaves_no_order_and_the_retry_works(named_app):
    from storefront.extensions import db

    client = customer(named_app)
    add(client, product_id(named_app, "Puppet Show for Children"), 1)
    token = payment_token(checkout(client))
    csrf = client.csrf()
    with named_app.app_context():
        engine = db.engine
    killed = []

    def kill_before_the_order(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO orders") and not killed:
            killed.append(terminate_connections(named_app.application_name))

    event.listen(engine, "before_cursor_execute", kill_before_the_order)
    try:
        response = client.post(
            f"/payment/demo/{token}/approve", data={"csrf_token": csrf}, headers=EN
        )
    finally:
        event.remove(engine, "before_cursor_execute", kill_before_the_order)
    assert killed and killed[0] >= 1
    assert_unavailable_page(response)
    assert count(named_app, Order) == 0
    retry = client.post(f"/payment/demo/{token}/approve", data={"csrf_token": csrf})
    assert "/orders/" in retry.headers["Location"]
    assert count(named_app, Order) == 1


@pytest.mark.postgres
def test_the_named_connections_are_the_apps_own(named_app):
    """``terminate_connections`` aims at this test's app only, never at other sessions."""
    client = customer(named_app)
    client.get("/")
    admin = create_engine(os.environ["DATABASE_URL"])
    with admin.connect() as conn:
        names = conn.execute(text("SELECT application_name FROM pg_stat_activity")).scalars().all()
    admin.dispose()
    assert names.count(named_app.application_name) >= 1


# The mail server refuses ---------------------------------------------------------------------


class RefusingInbox:
    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.accepted: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stage == "rcpt":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stage == "data":
            return "554 5.7.1 message refused"
        self.accepted.append(envelope)
        return "250 OK"


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_mail_server_refusing_the_report_marks_nothing_sent(shop, stage):
    place_order(shop, ("Jazz by the Lake", 1), insured=True)
    place_order(shop, ("Season pass 2027", 1), insured=True)
    inbox = RefusingInbox(stage)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        shop.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        marketer = staff_client(shop, "marketer")
        marketer.post_form("/settings/catalogue/misc/insurance/report/send")
        page = marketer.get("/settings/catalogue/misc/insurance/report", headers=EN)
        assert "was not sent" in page.get_data(as_text=True)
        from storefront.extensions import db

        with shop.app_context():
            assert db.session.scalars(select(CoverEvent.batch_id)).all() == [None, None]
            assert db.session.scalars(select(InsurerBatch.status)).all() == ["failed"]
        inbox.stage = "accept"
        marketer.post_form("/settings/catalogue/misc/insurance/report/send")
        assert len(inbox.accepted) == 1
        with shop.app_context():
            batches = db.session.scalars(select(CoverEvent.batch_id)).all()
            assert len(set(batches)) == 1 and None not in batches
    finally:
        controller.stop()


# Payment approvals twice, late, or after a change ------------------------------------------


def paying_customer(app, *items):
    client = customer(app)
    for name, quantity in items:
        add(client, product_id(app, name), quantity)
    client.post_form("/cart/insurance", {"insurance": "yes"})
    response = checkout(client)
    return client, payment_token(response)


def test_an_approval_sent_twice_makes_one_order_with_the_approved_amounts(shop):
    client, token = paying_customer(shop, ("Jazz by the Lake", 2))
    with shop.app_context():
        from storefront.extensions import db

        approved_amount = db.session.scalars(select(Payment.amount_minor)).one()
    first = client.post_form(f"/payment/demo/{token}/approve")
    second = client.post_form(f"/payment/demo/{token}/approve")
    replay = ShopClient(shop.test_client()).post_form(f"/payment/demo/{token}/approve")
    assert first.headers["Location"] == second.headers["Location"] == replay.headers["Location"]
    order = latest_order(shop)
    assert count(shop, Order) == 1
    assert order.total_minor == approved_amount == 9890 and order.insurance_minor == 490


def test_an_approval_after_the_insurance_was_dropped_is_refused_with_nothing_charged(shop):
    client, token = paying_customer(shop, ("Jazz by the Lake", 2))
    client.post_form("/cart/insurance", {"insurance": "no"})
    refused = client.post_form(f"/payment/demo/{token}/approve", headers=EN)
    assert refused.headers["Location"].endswith("/cart")
    page = client.get("/cart", headers=EN).get_data(as_text=True)
    assert "Your cart changed during payment, so nothing was charged." in page
    assert count(shop, Order) == 0


def test_an_approval_after_a_price_change_is_refused_with_nothing_charged(shop):
    client, token = paying_customer(shop, ("Jazz by the Lake", 2))
    from storefront.extensions import db

    with shop.app_context():
        db.session.get(Product, product_id(shop, "Jazz by the Lake")).price_minor = 5000
        db.session.commit()
    refused = client.post_form(f"/payment/demo/{token}/approve")
    assert refused.headers["Location"].endswith("/cart")
    assert count(shop, Order) == 0
    # Paying again charges the new price, and the premium of its tier.
    again = client.post_form(f"/payment/demo/{token}/approve")
    assert count(shop, Order) == 0 and again.headers["Location"].endswith("/cart")
    token = payment_token(checkout(client))
    client.post_form(f"/payment/demo/{token}/approve")
    order = latest_order(shop)
    assert (order.subtotal_minor, order.insurance_minor) == (10000, 990)


def test_an_approval_after_a_decline_is_refused(shop):
    client, token = paying_customer(shop, ("Jazz by the Lake", 1))
    client.post_form(f"/payment/demo/{token}/decline")
    refused = client.post_form(f"/payment/demo/{token}/approve", headers=EN)
    assert refused.headers["Location"].endswith("/checkout")
    assert "This payment was already closed" in client.get("/checkout", headers=EN).get_data(
        as_text=True
    )
    assert count(shop, Order) == 0


def approve_at_once(payments) -> list:
    """Approve (client, token, csrf) payments in threads released together."""
    import threading

    barrier, answers = threading.Barrier(len(payments), timeout=30), []

    def approve(client, token, csrf):
        barrier.wait()
        answers.append(client.post(f"/payment/demo/{token}/approve", data={"csrf_token": csrf}))

    threads = [threading.Thread(target=approve, args=payment) for payment in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


@pytest.mark.postgres
def test_approvals_taking_the_same_products_in_opposite_orders_never_deadlock(shop):
    """Stock rows are locked in one order whatever the cart's order: no 503 from a deadlock."""
    import time

    from storefront.extensions import db

    jazz, flute = product_id(shop, "Jazz by the Lake"), product_id(shop, "The Magic Flute")
    payments = []
    for first, second in ((jazz, flute), (flute, jazz)):
        client = customer(shop)
        add(client, first, 1)
        add(client, second, 1)
        client.post_form("/cart/insurance", {"insurance": "yes"})
        payments.append((client, payment_token(checkout(client)), client.csrf()))

    def hold_the_row(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE products"):
            time.sleep(0.3)  # each approval holds its first row while the other takes its own

    with shop.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", hold_the_row)
    try:
        answers = approve_at_once(payments)
    finally:
        event.remove(engine, "after_cursor_execute", hold_the_row)
    assert [a.status_code for a in answers] == [302, 302]
    assert all("/orders/" in a.headers["Location"] for a in answers)
    assert count(shop, Order) == 2

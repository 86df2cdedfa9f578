"""Several app instances on one database, as deployed behind a load balancer (PostgreSQL).

Two gunicorn processes on loopback ports share the database and the SECRET_KEY, and nothing
else: a visitor's requests may land on either, in any order.
"""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes

import pytest
from sqlalchemy import func, select

from storefront.models import CoverEvent, InsurerBatch, Order, OrderLine, Product
from tests.security.cluster import Browser, Cluster, buy, log_in

pytestmark = pytest.mark.postgres

INSURANCE = "/settings/catalogue/misc/insurance"
TIMEOUT = 60


@pytest.fixture(scope="module")
def cluster(make_database, tmp_path_factory):
    cluster = Cluster(make_database("cluster"), tmp_path_factory.mktemp("cluster"), 0.3)
    try:
        yield cluster
    finally:
        cluster.stop()


def scalar(cluster: Cluster, query):
    from storefront.extensions import db

    with cluster.app.app_context():
        return db.session.scalar(query)


def test_a_cart_started_on_one_instance_continues_on_the_other(cluster):
    a, b = cluster.ports
    jazz = cluster.product("Jazz by the Lake")
    visitor = Browser()
    assert visitor.post(a, "/cart/add", {"product_id": jazz, "quantity": 2}).status == 302
    cart = visitor.get(b, "/cart")
    assert cart.status == 200 and f'data-product-id="{jazz}"' in cart.body
    assert visitor.post(b, "/cart/insurance", {"insurance": "yes"}, htmx=True).status == 200
    assert "€4.90" in visitor.get(a, "/checkout").body
    approved = buy(visitor, [a, b], [])
    assert "/orders/" in approved.location, cluster.logs()
    for port in (a, b):
        confirmation = visitor.get(port, approved.location)
        assert confirmation.status == 200 and 'data-testid="order-insurance"' in confirmation.body


def test_a_staff_session_and_a_setting_saved_on_one_are_seen_by_the_other(cluster):
    a, b = cluster.ports
    marketer = Browser()
    log_in(marketer, a, "marketer@shop.example")
    tiers = marketer.get(b, f"{INSURANCE}/tiers")
    assert tiers.status == 200, "the login made on A holds on B"
    customer = Browser()
    jazz = cluster.product("Jazz by the Lake")
    customer.post(b, "/cart/add", {"product_id": jazz, "quantity": 1})
    assert "€4.90" in customer.get(b, "/cart").body
    version = tiers.body.split('name="version" type="hidden" value="', 1)[1].split('"', 1)[0]
    saved = marketer.post(
        a,
        f"{INSURANCE}/tiers",
        {
            "version": version,
            "tiers-0-threshold": "20.00",
            "tiers-0-kind": "fixed",
            "tiers-0-value": "6.00",
            "tiers-1-threshold": "100.00",
            "tiers-1-kind": "fixed",
            "tiers-1-value": "9.90",
            "maximum": "3000.00",
        },
    )
    assert saved.status == 302, saved.body[:500]
    # The very next request on the other instance prices with the new tiers.
    cart = customer.get(b, "/cart").body
    assert "€6.00" in cart and "€4.90" not in cart
    restore = marketer.get(b, f"{INSURANCE}/tiers").body
    version = restore.split('name="version" type="hidden" value="', 1)[1].split('"', 1)[0]
    marketer.post(
        b,
        f"{INSURANCE}/tiers",
        {
            "version": version,
            "tiers-0-threshold": "20.00",
            "tiers-0-kind": "fixed",
            "tiers-0-value": "4.90",
            "tiers-1-threshold": "100.00",
            "tiers-1-kind": "fixed",
            "tiers-1-value": "9.90",
            "tiers-2-threshold": "300.00",
            "tiers-2-kind": "percent",
            "tiers-2-value": "4.5",
            "tiers-2-minimum": "15.00",
            "maximum": "3000.00",
        },
    )
    assert "€4.90" in customer.get(a, "/cart").body


def test_concurrent_checkouts_through_both_instances_never_oversell(cluster):
    a, b = cluster.ports
    comedy = cluster.product("Stand-up Comedy Night")
    cluster.set_stock(comedy, 5)
    buyers = 12
    ready = threading.Barrier(buyers, timeout=TIMEOUT)

    def customer(index: int):
        browser = Browser()
        ports = [a, b] if index % 2 else [b, a]
        browser.post(ports[0], "/cart/add", {"product_id": comedy, "quantity": 1})
        ready.wait()  # every cart is filled before anyone pays: they all race for 5 seats
        return buy(browser, ports[1:] + ports[:1], [], insurance="no")

    with ThreadPoolExecutor(max_workers=buyers) as pool:
        replies = [f.result(timeout=TIMEOUT) for f in [pool.submit(customer, i) for i in range(12)]]
    placed = [r for r in replies if "/orders/" in r.location]
    refused = [r for r in replies if r.location.endswith("/cart")]
    assert len(placed) == 5 and len(refused) == buyers - 5, cluster.logs()
    assert scalar(cluster, select(Product.stock).where(Product.id == comedy)) == 0
    sold = scalar(
        cluster, select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == comedy)
    )
    assert sold == 5
    assert scalar(cluster, select(func.min(Product.stock))) >= 0


def rows_by_message(messages: list[bytes]) -> list[list[tuple[str, str]]]:
    """(cover id, event type) of every row of every CSV the insurer received."""
    result = []
    for raw in messages:
        message = message_from_bytes(raw)
        part = next(p for p in message.walk() if p.get_filename())
        text = part.get_payload(decode=True).decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        result.append([(row["cover_id"], row["event_type"], row["product"]) for row in reader])
    return result


def test_concurrent_report_sends_through_both_instances_put_each_event_in_one_batch(cluster):
    a, b = cluster.ports
    jazz, passes = cluster.product("Jazz by the Lake"), cluster.product("Season pass 2027")
    senders = [Browser(), Browser()]
    log_in(senders[0], a, "marketer@shop.example")
    log_in(senders[1], b, "marketer@shop.example")
    for i in range(4):
        buy(Browser(), [a, b], [(jazz, 1), (passes, 1)] if i % 2 else [(jazz, 2)], "yes")
    already = len(cluster.inbox.messages)
    start = threading.Barrier(8, timeout=TIMEOUT)

    def send(index: int):
        start.wait()
        sender, port = senders[index % 2], cluster.ports[index % 2]
        return sender.post(port, f"{INSURANCE}/report/send").status

    def order_meanwhile(index: int):
        start.wait()
        return buy(Browser(), [b, a], [(jazz, 1)], "yes").location

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, i) for i in range(6)]
        futures += [pool.submit(order_meanwhile, i) for i in range(2)]
        results = [f.result(timeout=TIMEOUT) for f in futures]
    assert results[:6] == [302] * 6 and all("/orders/" in r for r in results[6:]), results
    # A last send picks up whatever the racing orders added after the others had claimed theirs.
    last = senders[0].post(a, f"{INSURANCE}/report/send")

    from storefront.extensions import db

    with cluster.app.app_context():
        events = db.session.scalars(select(CoverEvent)).all()
        sent = db.session.scalars(select(InsurerBatch).where(InsurerBatch.status == "sent")).all()
        orders = db.session.scalar(select(func.count()).select_from(Order))
    assert orders >= 6 and len(events) >= 6
    assert last.status == 302
    assert all(event.batch_id is not None for event in events)
    assert sum(batch.event_count for batch in sent) == len(events)
    assert len(cluster.inbox.messages) > already
    received = [row for rows in rows_by_message(cluster.inbox.messages) for row in rows]
    assert len(received) == len(set(received)), "a row reached the insurer twice"
    assert len(cluster.inbox.messages) == len(sent)

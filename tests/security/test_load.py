"""A bounded load test through two instances on one database (PostgreSQL, loopback only).

``wrk`` drives customers who add to the cart, toggle the insurance, check out and pay, for
15 seconds; afterwards every accepted order must be complete and consistent. Without ``wrk``,
Python threads run the same flow.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storefront.domain.money import Money
from storefront.models import InsuranceSettings, Order, OrderLine, Payment, Product
from tests.security.cluster import Browser, Cluster, buy

pytestmark = pytest.mark.postgres

DURATION = 15  # seconds of load; the whole test stays well under a minute
CONNECTIONS = 4  # one customer at a time on each
FLOW = Path(__file__).with_name("shop_flow.lua")
PRODUCTS = (
    "Jazz by the Lake",
    "Stand-up Comedy Night",
    "Summer Rock Festival: day pass",  # 30 seats: sells out under load
    "Season pass 2027",
    "Festival T-shirt",  # merchandise: not insured, brings the delivery fee
)


@pytest.fixture(scope="module")
def cluster(make_database, tmp_path_factory):
    cluster = Cluster(make_database("load"), tmp_path_factory.mktemp("load"))
    try:
        yield cluster
    finally:
        cluster.stop()


def run_wrk(cluster: Cluster, products: list[int]) -> dict[str, int]:
    first, second = cluster.ports
    command = [
        shutil.which("wrk") or "wrk",
        "--threads",
        str(CONNECTIONS),
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{DURATION}s",
        "--timeout",
        "10s",
        "--script",
        str(FLOW),
        f"http://127.0.0.1:{first}",
        "--",
        *map(str, products),
    ]
    env = {**os.environ, "STOREFRONT_SECOND_PORT": str(second)}
    process = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=DURATION + 30, check=False
    )
    assert process.returncode == 0, process.stdout + process.stderr
    match = re.search(r"^FLOW (.*)$", process.stdout, re.MULTILINE)
    assert match, process.stdout + process.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def run_python(cluster: Cluster, products: list[int]) -> dict[str, int]:
    """The same flow without wrk: four threads of sequential customers, both instances."""
    stats: Counter[str] = Counter()
    deadline = time.monotonic() + DURATION
    lock = threading.Lock()

    def customer_after_customer(seed: int) -> None:
        rng = random.Random(seed)
        ports = cluster.ports if seed % 2 else cluster.ports[::-1]
        while time.monotonic() < deadline:
            items = [(rng.choice(products), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            reply = buy(Browser(), ports, items, rng.choice(["yes", "no", None]))
            with lock:
                stats["orders" if "/orders/" in reply.location else "refused"] += 1
                stats["server_errors"] += reply.status >= 500

    threads = [
        threading.Thread(target=customer_after_customer, args=(i,)) for i in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION + 30)
    assert not any(thread.is_alive() for thread in threads)
    return dict(stats)


def test_under_load_every_accepted_order_is_complete_and_consistent(cluster):
    from storefront.extensions import db

    products = [cluster.product(name) for name in PRODUCTS]
    cluster.set_stock(products[2], 30)
    with cluster.app.app_context():
        stock_before = dict(db.session.execute(select(Product.id, Product.stock)).all())
    stats = run_wrk(cluster, products) if shutil.which("wrk") else run_python(cluster, products)
    settle(cluster)

    assert stats["server_errors"] == 0, cluster.logs()
    assert stats.get("socket_errors", 0) == 0
    assert stats["orders"] > 10, stats
    with cluster.app.app_context():
        settings = db.session.get(InsuranceSettings, 1)
        table, covered = settings.tier_table(), set(settings.families)
        orders = db.session.scalars(select(Order)).all()
        # An approval in flight when the clock stops is placed, but its answer is not counted.
        assert stats["orders"] <= len(orders) <= stats["orders"] + CONNECTIONS
        assert any(order.cover for order in orders) and not all(order.cover for order in orders)
        sold: Counter[int] = Counter()
        for order in orders:
            check_order(order, table, covered)
            for line in order.lines:
                sold[line.product_id] += line.quantity
        lineless = select(func.count()).select_from(Order).where(~Order.lines.any())
        assert db.session.scalar(lineless) == 0
        ids = [order.id for order in orders]
        lines_of_these = select(func.count()).select_from(OrderLine)
        assert db.session.scalar(lines_of_these.where(OrderLine.order_id.in_(ids))) == sum(
            len(order.lines) for order in orders
        )
        stock_after = dict(db.session.execute(select(Product.id, Product.stock)).all())
    for product, before in stock_before.items():
        if before is not None:
            assert stock_after[product] >= 0
            assert before - stock_after[product] == sold[product], product


def settle(cluster: Cluster, timeout: float = 10) -> None:
    """Wait for requests still in flight when the load stopped: orders stop changing."""
    from storefront.extensions import db

    deadline, readings = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        with cluster.app.app_context():
            readings.append(db.session.scalar(select(func.count()).select_from(OrderLine)))
        # Unchanged for two seconds in a row: no approval is in flight any more.
        if len(readings) >= 3 and len(set(readings[-3:])) == 1:
            return
        time.sleep(1)
    raise AssertionError("orders were still being placed 10 s after the load stopped")


def check_order(order: Order, table, covered: set[int]) -> None:
    """Every amount of an order, from its own lines and the tiers in force."""
    currency = order.currency
    lines = order.lines
    assert lines, order.number
    subtotal = sum(line.quantity * line.unit_price_minor for line in lines)
    fees = sum(line.quantity * line.unit_fee_minor for line in lines)
    delivery = 250 if any(line.shipped for line in lines) else 0
    assert (order.subtotal_minor, order.fees_minor, order.delivery_minor) == (
        subtotal,
        fees,
        delivery,
    )
    assert order.total_minor == subtotal + fees + delivery + order.insurance_minor
    payment = order.payment
    assert isinstance(payment, Payment) and payment.status == "approved"
    assert payment.amount_minor == order.total_minor
    insured = sum(
        line.quantity * (line.unit_price_minor + line.unit_fee_minor)
        for line in lines
        if line.family_id in covered
    )
    if order.cover is None:
        assert order.insurance_minor == 0
        assert not any(line.insured for line in lines)
        return
    total = Money.from_minor(insured, currency)
    tier = table.tier_for(total)
    assert tier is not None and table.insurable(total) is None
    assert order.cover.insured_total_minor == insured
    assert order.cover.premium_minor == order.insurance_minor == tier.premium(total).minor
    assert order.consent is not None and order.consent.taken
    assert all(line.insured == (line.family_id in covered) for line in lines)

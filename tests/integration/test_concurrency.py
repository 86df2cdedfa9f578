"""Races between checkouts, on PostgreSQL where rows are really locked concurrently."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.models import Order, Product
from tests.conftest import ShopClient
from tests.integration.helpers import add, checkout, payment_token, product_id, race

pytestmark = pytest.mark.postgres


def test_two_checkouts_racing_for_the_last_seats_never_oversell(demo_app):
    from storefront.extensions import db

    festival = product_id(demo_app, "Summer Rock Festival: day pass")
    with demo_app.app_context():
        db.session.get(Product, festival).stock = 3
        db.session.commit()
    buyers = [ShopClient(demo_app.test_client()) for _ in range(2)]
    tokens = []
    for buyer in buyers:
        add(buyer, festival, 2)
        tokens.append(payment_token(checkout(buyer)))
    approvals = [
        (lambda b=b, t=t: b.post_form(f"/payment/demo/{t}/approve"))
        for b, t in zip(buyers, tokens, strict=False)
    ]
    responses = race(*approvals)
    placed = [r for r in responses if "/orders/" in r.headers.get("Location", "")]
    assert len(placed) == 1
    with demo_app.app_context():
        assert db.session.get(Product, festival).stock == 1
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_two_approvals_of_one_payment_at_once_make_one_order(demo_app):
    from storefront.extensions import db

    buyer = ShopClient(demo_app.test_client())
    add(buyer, product_id(demo_app, "Jazz by the Lake"), 1)
    token = payment_token(checkout(buyer))
    csrf = buyer.csrf()

    def approve():
        return buyer.client.post(f"/payment/demo/{token}/approve", data={"csrf_token": csrf})

    first, second = race(approve, approve)
    assert first.headers["Location"] == second.headers["Location"]
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1

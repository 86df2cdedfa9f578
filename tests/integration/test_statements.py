"""The cart page's SQL statements do not grow with its lines (the bench measures the rest)."""

from __future__ import annotations

import pytest

from bench.statements import count_statements
from tests.conftest import ShopClient


@pytest.fixture
def fifty_products(shop):

    from bench.catalog import add_ticket_products
    from storefront.extensions import db

    with shop.app_context():
        ids = add_ticket_products(db.session, 50)
        db.session.commit()
        return ids


def statements_for_cart(app, product_ids) -> tuple[list[int], str]:
    from storefront.extensions import db

    client = ShopClient(app.test_client())
    for product_id in product_ids:
        client.post_form("/cart/add", {"product_id": product_id, "quantity": 1})
    counts = []
    for _ in range(2):  # the first view records the offer as shown, the second only reads
        with app.app_context(), count_statements(db.engine) as seen:
            page = client.get("/cart").get_data(as_text=True)
        counts.append(seen.count)
    return counts, page


def test_cart_page_statements_are_few_and_do_not_grow_with_lines(shop, fifty_products):
    # A worker reads the insurance configuration once per version: a first cart warms it up.
    statements_for_cart(shop, fifty_products[-1:])
    one, page_one = statements_for_cart(shop, fifty_products[:1])
    fifty, page_fifty = statements_for_cart(shop, fifty_products)
    assert page_fifty.count('data-testid="cart-line"') == 50
    assert (
        'data-testid="insurance-offer"' in page_one
        and 'data-testid="insurance-offer"' in page_fifty
    )
    assert one == fifty  # first view (records the offer as shown), then a plain view
    assert fifty[1] == 1  # the cart, its lines, products, families and the configuration
    assert fifty[0] == fifty[1] + 2  # the record: one INSERT of the event, one UPDATE of the cart

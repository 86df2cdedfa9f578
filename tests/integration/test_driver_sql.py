"""Statements run on the driver's cursor behave as through SQLAlchemy's execution layer."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from bench.statements import count_statements
from storefront.models import CartLine
from storefront.services import cart_view
from storefront.services.driver_sql import DriverStatement
from tests.integration.helpers import add
from tests.integration.test_offer import cart_page, jazz


@pytest.fixture
def cart_token(client, shop) -> str:
    from storefront.extensions import db
    from storefront.models import Cart

    add(client, jazz(shop), 2)
    cart_page(client)
    with shop.app_context():
        return db.session.scalar(select(Cart.token))


def test_rows_and_their_types_are_those_of_sqlalchemy(shop, cart_token):
    from storefront.extensions import db

    query = cart_view._cart_view_query()
    with shop.app_context():
        expected = [tuple(row) for row in db.session.execute(query, {"token": cart_token})]
        rows = DriverStatement(query).run(db.session, {"token": cart_token})
    assert rows == expected
    assert [type(v) for v in rows[0]] == [type(v) for v in expected[0]]
    assert rows[0][8].tzinfo is not None  # the configuration's last change, in UTC


def test_listeners_see_the_statements(shop, cart_token):
    from storefront.extensions import db

    with shop.app_context(), count_statements(db.engine) as seen:
        view = cart_view.load_cart_view(db.session, cart_token)
        cart_view.update_cart(db.session, view, insurance_choice="yes")
        db.session.rollback()
    assert seen.count == 2
    assert seen.sql[0].startswith("SELECT") and seen.sql[1].startswith("UPDATE carts")


def test_an_update_is_visible_to_the_orm_and_kept_on_commit(shop, cart_token):
    from storefront.extensions import db
    from storefront.models import Cart

    with shop.app_context():
        cart = db.session.scalars(select(Cart)).one()
        view = cart_view.load_cart_view(db.session, cart_token)
        changed = cart_view.update_cart(db.session, view, insurance_choice="no")
        assert changed.insurance_choice == "no" and cart.insurance_choice == "no"
        db.session.commit()
    with shop.app_context():
        assert cart_view.load_cart_view(db.session, cart_token).insurance_choice == "no"


def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(shop, cart_token):
    from storefront.extensions import db

    table = CartLine.__table__
    zero = DriverStatement(
        update(table)
        .where(table.c.product_id == bindparam("product"))
        .values(quantity=bindparam("new_quantity", type_=table.c.quantity.type))
    )
    with shop.app_context():
        with pytest.raises(IntegrityError):
            zero.run(db.session, {"product": jazz(shop), "new_quantity": 0})
        db.session.rollback()
        assert db.session.scalar(select(CartLine.quantity)) == 2

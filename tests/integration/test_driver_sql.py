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


def test_on_a_core_connection_statements_share_one_transaction(shop, cart_token):
    from storefront.extensions import db

    with shop.app_context():
        with db.engine.connect() as connection:
            view = cart_view.load_cart_view(connection, cart_token)
            cart_view.update_cart(connection, view, insurance_choice="yes")
            assert connection.in_transaction()
            connection.rollback()
        assert cart_view.load_cart_view(db.session, cart_token).insurance_choice is None
        db.session.rollback()
        with db.engine.connect() as connection:
            view = cart_view.load_cart_view(connection, cart_token)
            cart_view.update_cart(connection, view, insurance_choice="yes")
            connection.commit()
        assert cart_view.load_cart_view(db.session, cart_token).insurance_choice == "yes"


def test_equal_rows_give_the_same_view_and_lines_outlive_an_answer(shop, cart_token):
    from storefront.extensions import db

    with shop.app_context():
        first = cart_view.load_cart_view(db.session, cart_token)
        assert cart_view.load_cart_view(db.session, cart_token) is first
        cart_view.update_cart(db.session, first, insurance_choice="no")
        answered = cart_view.load_cart_view(db.session, cart_token)
        db.session.rollback()
    assert answered is not first and answered.insurance_choice == "no"
    # Only the cart's own columns changed: the lines are the very same tuple.
    assert answered.lines is first.lines


def test_a_changed_line_makes_a_new_view(shop, cart_token):
    from storefront.extensions import db

    with shop.app_context():
        first = cart_view.load_cart_view(db.session, cart_token)
        db.session.execute(update(CartLine).values(quantity=3))
        changed = cart_view.load_cart_view(db.session, cart_token)
        db.session.rollback()
    assert [line.quantity for line in first.lines] == [2]
    assert [line.quantity for line in changed.lines] == [3]


def test_the_cart_pages_run_on_their_own_connection_without_the_orm_session(
    client, shop, cart_token
):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from tests.integration.test_offer import choose, events

    def visit(answer: str) -> None:
        assert 'data-testid="insurance-offer"' in cart_page(client)
        choose(client, answer, htmx=True)
        assert client.get("/").status_code == 200

    # Each state's pages rendered, and the configuration loaded, once (through the ORM).
    visit("yes")
    visit("no")
    begun = []

    def note(session, transaction, connection):
        begun.append(session)

    event.listen(Session, "after_begin", note)
    try:
        visit("yes")
    finally:
        event.remove(Session, "after_begin", note)
    assert begun == []
    # What they wrote was committed on that connection.
    assert events(shop)[-3:] == [("taken", "cart"), ("declined", "cart"), ("taken", "cart")]


def test_sqlite_workers_keep_the_cart_pages_connection_between_requests(client, shop):
    from storefront.extensions import db

    kept = shop.extensions["kept_connections"]
    with shop.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    client.get("/")
    first = list(kept._idle)
    client.get("/cart")
    if not sqlite:
        # A server may drop idle connections: each one is tested as it leaves the pool.
        assert first == [] and kept._idle == []
        return
    assert len(first) == 1 and kept._idle == first
    assert not first[0].in_transaction()


def test_a_kept_connection_is_rolled_back_and_a_broken_one_closed(shop, cart_token):
    from storefront.extensions import db
    from storefront.models import Cart
    from storefront.web.cart_session import KeptConnections

    with shop.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("connections are kept on SQLite only")
        kept = KeptConnections(db.engine, 1)
        connection = kept.take()
        connection.execute(update(Cart).values(insurance_choice="yes"))
        kept.give_back(connection)
        assert kept._idle == [connection] and not connection.in_transaction()
        assert db.session.scalar(select(Cart.insurance_choice)) is None
        assert kept.take() is connection
        # Beyond the limit, or broken: closed, never kept.
        second = kept.take()
        kept.give_back(connection)
        kept.give_back(second)
        assert kept._idle == [connection] and second.closed
        broken = kept.take()
        broken.invalidate()
        kept.give_back(broken)
        assert kept._idle == [] and broken.closed
        last = kept.take()
        kept.give_back(last)
        assert kept._idle == [last]
        # The engine disposed (the app shutting down): the kept connections are closed too.
        db.engine.dispose()
        assert kept._idle == [] and last.closed

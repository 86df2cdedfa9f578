"""The visitor's cart: a server-side row referenced by a token in the signed session cookie.

Pages read the cart as a ``CartView`` (one statement); changes to its lines load the ORM
``Cart``. The hottest routes (the catalogue, the cart page and its insurance partials) only
run the cart's own statements, so they declare ``@own_connection``: their statements run on a
Core connection of their own, without the ORM session's unit of work around them. On SQLite,
each worker keeps those connections from one request to the next instead of taking them from
the pool and giving them back every time. The active
insurance configuration is kept per worker by its identity (version and last change), which
every request reads from the database, so a change made through any instance is seen at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, g, session
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from storefront.extensions import db
from storefront.lru import LRU
from storefront.models import Cart, InsuranceSettings
from storefront.services.cart import PricedCart, find_open_cart, new_cart, price_cart
from storefront.services.cart_view import CartView, load_cart_view
from storefront.services.driver_sql import Executor
from storefront.services.insurance import active_identity, detached_settings
from storefront.services.settings import ShopSettings

SESSION_KEY = "cart"
# Idle connections a worker keeps for its own-connection routes (one per concurrent request).
KEPT_CONNECTIONS = 4
_UNSET = object()


def shop_settings() -> ShopSettings:
    return current_app.extensions["shop_settings"]


P = ParamSpec("P")
R = TypeVar("R")


def own_connection(view: Callable[P, R]) -> Callable[P, R]:
    """Run this route's cart statements on a connection of its own (see ``cart_db``).

    Only for routes that change nothing through the ORM session: the two would be separate
    transactions.
    """

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        g.own_connection = True
        return view(*args, **kwargs)

    return wrapper


class KeptConnections:
    """Core connections kept out of the pool between requests, ready for the next one.

    Taking a connection from the pool and giving it back (checks, events, a reset) costs more
    than a cart's statement. A SQLite file has no server to drop an idle connection, so a few
    are kept as they are, with no transaction open. A database server may drop them: there the
    pool tests each connection as it leaves (pre-ping), and nothing is kept.
    """

    def __init__(self, engine: Engine, size: int) -> None:
        self.engine = engine
        self.size = size if engine.dialect.name == "sqlite" else 0
        self._idle: list[Connection] = []
        event.listen(engine, "engine_disposed", self._on_dispose)

    def take(self) -> Connection:
        try:
            return self._idle.pop()
        except IndexError:
            return self.engine.connect()

    def give_back(self, connection: Connection) -> None:
        """Keep the connection, or close it: never one in a transaction or a broken one."""
        if self.size and not connection.invalidated and len(self._idle) < self.size:
            try:
                if connection.in_transaction():
                    connection.rollback()
            except SQLAlchemyError:
                connection.invalidate()
            else:
                self._idle.append(connection)
                return
        connection.close()

    def close_all(self) -> None:
        while self._idle:
            self._idle.pop().close()

    def _on_dispose(self, _engine: Engine) -> None:
        self.close_all()


def cart_db() -> Executor:
    """Where this request's cart statements run and are committed: the ORM session, or in a
    route declared ``@own_connection``, a Core connection taken on first use and given back
    (rolled back if not committed) when the request ends."""
    request_g = g._get_current_object()
    if not request_g.get("own_connection"):
        return db.session
    connection = request_g.get("connection")
    if connection is None:
        connection = request_g.connection = current_app.extensions["kept_connections"].take()
    return connection


def _close_connection(_error: BaseException | None = None) -> None:
    connection: Connection | None = g.pop("connection", None)
    if connection is not None:
        current_app.extensions["kept_connections"].give_back(connection)


def current_cart() -> Cart | None:
    """The ORM cart, for changes to its lines and for checkout."""
    if "cart" not in g:
        g.cart = find_open_cart(db.session, session.get(SESSION_KEY))
    return g.cart


def current_cart_view() -> CartView | None:
    """The cart as pages show it, read once per request."""
    request_g = g._get_current_object()
    view = request_g.get("cart_view", _UNSET)
    if view is _UNSET:
        view = request_g.cart_view = load_cart_view(cart_db(), session.get(SESSION_KEY))
    return view


def cart_for_update() -> Cart:
    """The visitor's open cart, created on first use and remembered for 30 days."""
    cart = current_cart()
    if cart is None:
        cart = new_cart(db.session)
        session[SESSION_KEY] = cart.token
        session.permanent = True
        g.cart = cart
        forget_priced_cart()
    return cart


def _settings_for(identity: tuple[int, datetime] | None) -> InsuranceSettings | None:
    """The configuration with this identity, loaded once per worker (a few kept)."""
    if identity is None:
        return None
    cache: LRU[tuple[int, datetime], InsuranceSettings] = current_app.extensions[
        "insurance_settings_cache"
    ]
    settings = cache.get(identity)
    if settings is None:
        settings = detached_settings(db.session)
        # Changed since the identity was read: use what was loaded, keep nothing.
        if settings is not None and (settings.version, settings.updated_at) == identity:
            cache.put(identity, settings)
    return settings


def insurance_settings() -> InsuranceSettings | None:
    """The active insurance configuration, once per request (None when switched off)."""
    request_g = g._get_current_object()
    settings = request_g.get("insurance_settings", _UNSET)
    if settings is _UNSET:
        view = current_cart_view()
        identity = view.insurance if view is not None else active_identity(cart_db())
        settings = request_g.insurance_settings = _settings_for(identity)
    return settings


def cart_state() -> tuple[CartView | None, tuple[int, datetime] | None]:
    """Everything the cart's pages show, as one hashable key: the cart as stored and the
    identity of the insurance configuration."""
    settings = insurance_settings()
    return current_cart_view(), (settings.version, settings.updated_at) if settings else None


def current_priced_cart() -> PricedCart | None:
    """The visitor's cart priced by the server, with its insurance offer, once per request.

    Pricing is a pure function of the cart as stored and the configuration: equal states are
    priced once per worker.
    """
    request_g = g._get_current_object()
    priced = request_g.get("priced_cart", _UNSET)
    if priced is _UNSET:
        priced = None
        if current_cart_view() is not None:
            state = cart_state()
            cache = current_app.extensions["priced_carts"]
            priced = cache.get(state)
            if priced is None:
                priced = price_cart(state[0], shop_settings().delivery_fee, insurance_settings())
                cache.put(state, priced)
        request_g.priced_cart = priced
    return priced


def cart_changed(view: CartView) -> None:
    """A change made through ``CartView`` statements: price the new view next time."""
    request_g = g._get_current_object()
    request_g.cart_view = view
    request_g.pop("priced_cart", None)


def forget_priced_cart() -> None:
    """After a change, the next read loads and prices the cart again."""
    g.pop("cart_view", None)
    g.pop("priced_cart", None)


def forget_cart() -> None:
    session.pop(SESSION_KEY, None)
    g.pop("cart", None)
    forget_priced_cart()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_connection)
    with app.app_context():
        app.extensions["kept_connections"] = KeptConnections(db.engine, KEPT_CONNECTIONS)
    app.extensions["insurance_settings_cache"] = LRU(4)
    app.extensions["priced_carts"] = LRU(app.config["STOREFRONT_PAGE_CACHE_SIZE"])

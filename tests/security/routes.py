"""Routes as ``app.url_map`` lists them, who may use them, and how to call each one."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.routing import IntegerConverter, PathConverter, Rule

from storefront.models import InsuranceSettings, InsurerBatch, Order
from tests.conftest import ShopClient
from tests.security.helpers import EN

STAFF_ROLES = ("admin", "marketer", "operator")
PUBLIC = None

# Who may use which blueprint: PUBLIC (anyone), or the staff roles that may. The single source
# of truth of these tests; a blueprint missing here fails
# ``test_routes.py::test_every_route_is_declared_in_the_access_table``.
ACCESS: dict[str, frozenset[str] | None] = {
    "": PUBLIC,  # routes outside any blueprint: the static files
    "catalog": PUBLIC,
    "cart": PUBLIC,
    "checkout": PUBLIC,
    "payment": PUBLIC,
    "orders": PUBLIC,  # signed links only (see test_tampering)
    "language": PUBLIC,
    "accounts": PUBLIC,  # the login page
    "insurance": PUBLIC,  # the insurer's image shown in the cart
    "demo_pages": PUBLIC,  # the demo insurer's terms
    "settings": frozenset({"admin", "marketer"}),
    "reports": frozenset({"admin", "marketer"}),
    "dashboard": frozenset({"admin", "marketer"}),
    "boxoffice": frozenset({"admin", "operator"}),
}

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
HTMX = {"HX-Request": "true"}


def declared(endpoint: str) -> frozenset[str] | None:
    """The roles that may use ``endpoint`` (None: public), from its (parent) blueprint.

    :raises KeyError: when no blueprint of the endpoint is declared in ``ACCESS``.
    """
    name = endpoint.rpartition(".")[0]
    while name not in ACCESS:
        if not name:
            raise KeyError(endpoint)
        name = name.rpartition(".")[0]
    return ACCESS[name]


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


@dataclass
class World:
    """A shop with something behind every route: an order, a payment, a batch, an image."""

    app: object
    staff: dict[str, ShopClient]
    buyer: ShopClient  # a cart, checkout details and a pending payment
    samples: dict[str, object] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)

    def url(self, rule: Rule) -> str:
        values = {}
        for name in rule.arguments:
            if name in self.samples:
                values[name] = self.samples[name]
            elif isinstance(rule._converters[name], IntegerConverter):
                values[name] = 1
            elif isinstance(rule._converters[name], PathConverter):
                values[name] = "css/shop.css"
            else:
                values[name] = "x"
        built = rule.build(values, append_unknown=False)
        assert built is not None, rule.rule
        return built[1]

    def client_for(self, endpoint: str) -> ShopClient:
        """Someone the route is meant for: the buyer, or a staff member with an allowed role."""
        roles = declared(endpoint)
        return self.buyer if roles is PUBLIC else self.staff[sorted(roles)[0]]


def samples_from(app, order_link: str, payment: str, product: int) -> dict[str, object]:
    """URL values that lead somewhere: the first order, the insurer's image, the first batch."""
    from storefront.extensions import db

    with app.app_context():
        order = db.session.scalars(select(Order).order_by(Order.id)).first()
        settings = db.session.get(InsuranceSettings, 1)
        batch_id = db.session.scalars(select(InsurerBatch.id).order_by(InsurerBatch.id)).first()
        return {
            "number": order.number if order else "NOORDER",
            "signed": urlsplit(order_link).path.rsplit("/", 1)[1],
            "token": payment,
            "product_id": product,
            "image_id": settings.image.id if settings and settings.image else 1,
            "digest": settings.image.sha256[:16] if settings and settings.image else "x",
            "batch_id": batch_id or 1,
            "language": "en",
            "fmt": "csv",
            "filename": "css/shop.css",
        }


def read(response):
    """The whole body read and the response closed (streamed downloads included)."""
    response.get_data()
    response.close()
    return response


def send(client: ShopClient, method: str, url: str, data: dict | None = None, **kwargs):
    """A request as its page would send it: state-changing ones with the client's CSRF token."""
    if method in STATE_CHANGING:
        data = {"csrf_token": client.csrf("/"), **(data or {})}
    headers = {**EN, **kwargs.pop("headers", {})}
    return read(client.open(url, method=method, data=data, headers=headers, **kwargs))

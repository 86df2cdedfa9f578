"""Helpers of the security suite: database snapshots, orders, HTML inspection."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import func, select

from storefront.models import Base, Order
from tests.conftest import ShopClient
from tests.integration.helpers import add, checkout, payment_token, product_id

EN = {"Accept-Language": "en"}


def snapshot(app) -> dict[str, list[str]]:
    """Every row of every table, as text: equal snapshots mean nothing was written."""
    from storefront.extensions import db

    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def count(app, model) -> int:
    from storefront.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def customer(app) -> ShopClient:
    return ShopClient(app.test_client())


def place_order(app, *items: tuple[str, int], insured: bool | None = None, **details) -> str:
    """Place an order of ``items`` (English name, quantity) as a new customer; its link."""
    client = customer(app)
    for name, quantity in items:
        add(client, product_id(app, name), quantity)
    if insured is not None:
        client.post_form("/cart/insurance", {"insurance": "yes" if insured else "no"})
    response = checkout(client, **details)
    if response.headers["Location"].endswith("/checkout/last-chance"):
        answer = "accepted" if insured else "declined"
        response = client.post_form("/checkout/last-chance", {"popup": answer})
    token = payment_token(response)
    response = client.post_form(f"/payment/demo/{token}/approve")
    assert "/orders/" in response.headers["Location"], response.headers["Location"]
    return response.headers["Location"]


def latest_order(app) -> Order:
    from storefront.extensions import db

    with app.app_context():
        order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        assert order is not None
        for line in order.lines:
            db.session.expunge(line)
        db.session.expunge(order)
        return order


class PageInspector(HTMLParser):
    """Collects what a browser would build from a page: elements, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def inspect(html: str) -> PageInspector:
    page = PageInspector()
    page.feed(html)
    page.close()
    return page


LINKS = ("href", "src", "action", "formaction", "hx-get", "hx-post")


def injected_markup(html: str) -> list[str]:
    """What in a page could run script: inline scripts, ``on*`` handlers, ``javascript:`` links,
    and elements a payload could bring (``object``, ``embed``, ``base``, ``img src=x``).
    An empty list means nothing of that kind is there."""
    found = []
    for tag, attrs in inspect(html).elements:
        if tag == "script" and not attrs.get("src"):
            found.append("inline <script>")
        if tag in ("object", "embed", "base"):
            found.append(f"<{tag}>")
        if tag == "img" and attrs.get("src") == "x":
            found.append("<img src=x>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            link = (value or "").strip().lower()
            if name in LINKS and link.startswith(("javascript:", "vbscript:", "data:text")):
                found.append(f"<{tag} {name}={value}>")
    return found


def page_text(html: str) -> str:
    """The page's text as a browser shows it (entities decoded)."""
    return "".join(inspect(html).text)

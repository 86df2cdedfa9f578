"""Small helpers shared by integration tests."""

from __future__ import annotations

from sqlalchemy import select

from storefront.models import Product

CUSTOMER = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "camille@example.com",
    "phone": "+33 1 23 45 67 89",
    "street": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
}


def product_id(app, english_name: str) -> int:
    from storefront.extensions import db

    with app.app_context():
        product = db.session.scalars(select(Product)).all()
        return next(p.id for p in product if p.names["en"] == english_name)


def add(client, pid: int, quantity: int = 1, **kwargs):
    return client.post_form("/cart/add", {"product_id": pid, "quantity": quantity}, **kwargs)


def checkout(client, **overrides):
    """Submit checkout details; returns the response (a redirect to the payment page)."""
    return client.post_form("/checkout", {**CUSTOMER, **overrides})


def payment_token(response) -> str:
    location = response.headers["Location"]
    assert "/payment/demo/" in location, location
    return location.rsplit("/", 1)[1]


STAFF_PASSWORD = "correct horse battery"


def staff_client(app, role: str = "marketer", email: str | None = None):
    """A client logged in as a new staff user with ``role``."""
    from storefront.extensions import db
    from storefront.services.accounts import create_user
    from tests.conftest import ShopClient

    email = email or f"{role}@shop.example"
    with app.app_context():
        create_user(db.session, email, STAFF_PASSWORD, role)
        db.session.commit()
    client = ShopClient(app.test_client())
    response = client.post_form("/login", {"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def race(*calls):
    """Run ``calls`` in threads released at the same moment; their results, in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results

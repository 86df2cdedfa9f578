"""The insurer report: exact rows, safe files, and batches that nothing falls out of."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from storefront.models import CoverEvent, InsurerBatch, Order, OrderLine
from tests.conftest import ShopClient
from tests.integration.helpers import add, checkout, payment_token, product_id, staff_client

BASE = "/settings/catalogue/misc/insurance/report"


def insured_order(app, *items, **customer) -> str:
    """Place an insured order of ``items`` (name, quantity); returns its number."""
    client = ShopClient(app.test_client())
    for name, quantity in items:
        add(client, product_id(app, name), quantity)
    client.post_form("/cart/insurance", {"insurance": ["no", "yes"]})
    token = payment_token(checkout(client, **customer))
    client.post_form(f"/payment/demo/{token}/approve")
    from storefront.extensions import db

    with app.app_context():
        return db.session.scalars(select(Order.number).order_by(Order.id.desc())).first()


def cancel(app, number: str, lines: dict[str, int], covered_left: bool, reason="customer asked"):
    from storefront.extensions import db
    from storefront.services.covers import record_cancellation

    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.number == number)).one()
        by_name = {line.product_name: line for line in order.lines}
        record_cancellation(
            order.cover,
            [(by_name[name], quantity) for name, quantity in lines.items()],
            reason=reason,
            covered_left=covered_left,
        )
        db.session.commit()


def rows_of(app, **period) -> list[dict[str, str]]:
    from storefront.extensions import db
    from storefront.services import report

    with app.app_context():
        data = b"".join(
            report.csv_chunks(report.report_rows(db.session, report.report_query(**period)))
        )
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def orders(shop):
    """A: 2 jazz + a T-shirt (not covered), partly cancelled; B: pass + jazz, wholly cancelled."""
    a = insured_order(shop, ("Jazz by the Lake", 2), ("Festival T-shirt", 1))
    b = insured_order(
        shop,
        ("Season pass 2027", 1),
        ("Jazz by the Lake", 1),
        first_name='=HYPERLINK("http://evil")',
        city='Paris, "15e"',
    )
    cancel(shop, a, {"Jazz by the Lake": 1}, covered_left=True)
    cancel(shop, b, {"Season pass 2027": 1, "Jazz by the Lake": 1}, covered_left=False)
    return a, b


def test_one_row_per_cover_event_and_covered_line_with_exact_sums(shop, orders):
    a, b = orders
    rows = rows_of(shop)
    assert [(r["order_number"], r["event_type"], r["product"], r["quantity"]) for r in rows] == [
        (a, "subscribed", "Jazz by the Lake", "2"),
        (b, "subscribed", "Season pass 2027", "1"),
        (b, "subscribed", "Jazz by the Lake", "1"),
        (a, "partially-cancelled", "Jazz by the Lake", "1"),
        (b, "cancelled", "Season pass 2027", "1"),
        (b, "cancelled", "Jazz by the Lake", "1"),
    ]
    first = rows[0]
    assert (first["unit_price"], first["simple_fee"], first["insured_amount"]) == (
        "45.00",
        "2.00",
        "94.00",
    )
    assert first["premium"] == "4.90" and first["currency"] == "EUR"
    assert (first["display_mode"], first["channel"]) == ("opt-in", "cart")
    assert first["product_family"] == "Tickets" and first["venue"] == "Grand Théâtre, Geneva"
    assert first["email"] == "camille@example.com" and first["country"] == "FR"
    # The premium appears once per subscription: the column sums to the premiums owed.
    assert [r["premium"] for r in rows] == ["4.90", "19.89", "0.00", "0.00", "0.00", "0.00"]
    assert sum(float(r["premium"]) for r in rows) == pytest.approx(4.90 + 19.89)
    # B insures 395.00 + 47.00 = 442.00 -> 4.5 % = 19.89; fees included, delivery never.
    assert rows[1]["insured_amount"] == "395.00" and rows[2]["insured_amount"] == "47.00"


def test_report_cells_are_formula_safe_and_rfc4180_quoted(shop, orders):
    from storefront.extensions import db
    from storefront.services import report

    with shop.app_context():
        data = b"".join(report.csv_chunks(report.report_rows(db.session, report.report_query())))
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    assert '"\'=HYPERLINK(""http://evil"")"' in text
    assert '"Paris, ""15e"""' in text
    rows = rows_of(shop)
    assert rows[1]["first_name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["phone"] == "'+33 1 23 45 67 89"


@pytest.mark.parametrize("bad", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_every_formula_start(bad):
    from storefront.services.report import neutralise

    assert neutralise(bad) == "'" + bad
    assert neutralise("plain") == "plain"


def test_xlsx_has_the_same_rows_with_typed_numbers(shop, orders):
    from openpyxl import load_workbook

    from storefront.extensions import db
    from storefront.services import report

    out = io.BytesIO()
    with shop.app_context():
        report.write_xlsx(report.report_rows(db.session, report.report_query()), out)
    out.seek(0)
    sheet = load_workbook(out, read_only=True).active
    values = list(sheet.values)
    assert list(values[0]) == list(report.COLUMNS)
    assert len(values) == 7
    row = dict(zip(report.COLUMNS, values[1], strict=True))
    assert row["quantity"] == 2 and float(row["insured_amount"]) == 94.0
    assert dict(zip(report.COLUMNS, values[2], strict=True))["first_name"].startswith("'=")


def test_the_period_filters_by_event_date(shop, orders):
    from datetime import UTC, datetime, timedelta

    from storefront.extensions import db

    with shop.app_context():
        events = db.session.scalars(select(CoverEvent).order_by(CoverEvent.id)).all()
        events[0].at = datetime(2026, 1, 10, 12, tzinfo=UTC)
        db.session.commit()
    january = rows_of(
        shop, start=datetime(2026, 1, 10, tzinfo=UTC), end=datetime(2026, 1, 11, tzinfo=UTC)
    )
    assert [(r["event_type"], r["quantity"]) for r in january] == [("subscribed", "2")]
    assert len(rows_of(shop, start=datetime.now(UTC) - timedelta(days=1))) == 5


# In the back office ---------------------------------------------------------------------------


def test_preview_download_and_access(shop, orders):
    marketer = staff_client(shop, "marketer")
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "6 rows" in page and "Jazz by the Lake" in page
    assert "&#39;=HYPERLINK" in page or "'=HYPERLINK" in page
    csv_response = marketer.get(f"{BASE}/download.csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.data.startswith(b"\xef\xbb\xbfevent_date,event_type")
    with marketer.get(f"{BASE}/download.xlsx") as xlsx:  # closing it closes the spooled file
        assert xlsx.data[:2] == b"PK"
    assert staff_client(shop, "operator").get(BASE).status_code == 403
    anonymous = ShopClient(shop.test_client()).get(BASE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_downloads_past_their_row_limits_are_refused_with_a_message(shop, orders):
    """A download is built in one request: past its limit, the page says why, nothing breaks."""
    shop.config["STOREFRONT_REPORT_XLSX_ROWS"] = 5  # the orders give 6 rows
    marketer = staff_client(shop, "marketer")
    period = "?start=2020-01-01&end=2099-12-31"
    page = marketer.get(BASE + period, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="report-download-csv"' in page
    assert 'data-testid="report-download-xlsx"' not in page
    assert "This period has 6 rows: an XLSX download holds at most 5." in page
    refused = marketer.get(f"{BASE}/download.xlsx{period}", headers={"Accept-Language": "fr"})
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(BASE + period)
    shown = marketer.get(BASE + period, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Cette période compte 6 lignes" in shown
    assert marketer.get(f"{BASE}/download.csv{period}").data.startswith(b"\xef\xbb\xbf")

    shop.config["STOREFRONT_REPORT_CSV_ROWS"] = 5
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "report-download-csv" not in page and "report-download-xlsx" not in page
    assert "This period has 6 rows: a download holds at most 5." in page
    refused = marketer.get(f"{BASE}/download.csv")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(BASE)

    shop.config["STOREFRONT_REPORT_CSV_ROWS"] = shop.config["STOREFRONT_REPORT_XLSX_ROWS"] = 6
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "report-download-csv" in page and "report-download-xlsx" in page
    assert "report-download-limit" not in page
    with marketer.get(f"{BASE}/download.xlsx") as xlsx:
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_an_xlsx_download_whose_period_outgrew_a_sheet_is_refused(shop, orders, monkeypatch):
    from storefront.services import report

    monkeypatch.setattr(report, "XLSX_MAX_ROWS", 5)
    counted = report.row_count
    counts = iter([5])  # counted before the period grew; counted again when refused
    monkeypatch.setattr(report, "row_count", lambda s, q: next(counts, None) or counted(s, q))
    marketer = staff_client(shop, "marketer")
    refused = marketer.get(f"{BASE}/download.xlsx", headers={"Accept-Language": "en"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(BASE)
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This period has 6 rows: an XLSX download holds at most 5." in page


def test_preview_period_errors_are_messages(shop):
    marketer = staff_client(shop, "marketer")
    bad = marketer.get(f"{BASE}?start=2026-13-40&end=x", headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and "date like 2026-12-31" in bad.get_data(as_text=True)
    reversed_ = marketer.get(
        f"{BASE}?start=2026-05-02&end=2026-05-01", headers={"Accept-Language": "en"}
    )
    assert reversed_.status_code == 422
    assert "must not be before" in reversed_.get_data(as_text=True)


def test_preview_is_paginated_and_swaps_in_place(shop):
    for _ in range(3):
        insured_order(shop, *[("Jazz by the Lake", 1)] * 1, ("Season pass 2027", 1))
    marketer = staff_client(shop, "marketer")
    from storefront.reports import views

    views.PAGE_SIZE, saved = 2, views.PAGE_SIZE
    try:
        response = marketer.get(f"{BASE}?page=2", headers={"HX-Request": "true"})
    finally:
        views.PAGE_SIZE = saved
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="report-preview"')
    assert "Page 2 of 3" in body and "HX-Request" in response.headers["Vary"]


def test_cli_writes_csv_and_xlsx(shop, orders, tmp_path):
    runner = shop.test_cli_runner()
    out = tmp_path / "r.csv"
    result = runner.invoke(args=["insurance", "report", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and "6 rows" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    xlsx = tmp_path / "r.xlsx"
    result = runner.invoke(
        args=[
            "insurance",
            "report",
            "--from",
            "2020-01-01",
            "--to",
            "2099-12-31",
            "--format",
            "xlsx",
            "-o",
            str(xlsx),
        ]
    )
    assert result.exit_code == 0 and xlsx.read_bytes()[:2] == b"PK"
    bad = runner.invoke(
        args=["insurance", "report", "--from", "2026-02-01", "--to", "2026-01-01", "-o", str(out)]
    )
    assert bad.exit_code != 0


def test_cli_refuses_an_xlsx_longer_than_a_sheet(shop, orders, tmp_path, monkeypatch):
    from storefront.services import report

    monkeypatch.setattr(report, "XLSX_MAX_ROWS", 5)
    runner = shop.test_cli_runner()
    xlsx = tmp_path / "r.xlsx"
    result = runner.invoke(args=["insurance", "report", "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code != 0
    assert "6 rows: an XLSX sheet holds at most 5" in result.output
    assert "--format csv" in result.output and not xlsx.exists()
    csv_file = tmp_path / "r.csv"
    result = runner.invoke(args=["insurance", "report", "--format", "csv", "-o", str(csv_file)])
    assert result.exit_code == 0 and "6 rows" in result.output


def test_cli_removes_an_xlsx_whose_period_outgrew_a_sheet(shop, orders, tmp_path, monkeypatch):
    from storefront.services import report

    monkeypatch.setattr(report, "XLSX_MAX_ROWS", 5)
    monkeypatch.setattr(report, "row_count", lambda session, query: 5)  # counted before it grew
    xlsx = tmp_path / "r.xlsx"
    result = shop.test_cli_runner().invoke(
        args=["insurance", "report", "--format", "xlsx", "-o", str(xlsx)]
    )
    assert result.exit_code != 0 and "More than 5 rows" in result.output
    assert not xlsx.exists()


# Sending --------------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_to(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="shop@shop.example")


def event_batches(app) -> list[int | None]:
    from storefront.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(CoverEvent.batch_id).order_by(CoverEvent.id)))


def test_sending_puts_every_event_in_one_batch_after_the_server_accepted_it(shop, orders, smtp):
    controller, inbox = smtp
    mail_to(shop, controller.port)
    marketer = staff_client(shop, "marketer")
    response = marketer.post_form(f"{BASE}/send", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["reports@demo-insurance.example"]
    batches = event_batches(shop)
    assert len(set(batches)) == 1 and None not in batches
    from email import message_from_bytes

    message = message_from_bytes(envelope.content)
    attachment = next(part for part in message.walk() if part.get_filename())
    sent = attachment.get_payload(decode=True)
    download = marketer.get(f"{BASE}/batches/{batches[0]}.csv")
    assert download.data == sent  # byte-identical, now and later
    from storefront.extensions import db

    with shop.app_context():
        batch = db.session.get(InsurerBatch, batches[0])
        assert (batch.status, batch.event_count, batch.row_count) == ("sent", 4, 6)
        assert batch.premium_total_minor == 490 + 1989 and batch.sent_at is not None
    again = marketer.post_form(f"{BASE}/send", headers={"Accept-Language": "en"})
    assert again.status_code == 302 and len(inbox.messages) == 1  # nothing new to send


def test_a_long_backlog_goes_out_in_batches_of_at_most_the_limit_oldest_first(shop, orders, smtp):
    controller, inbox = smtp
    mail_to(shop, controller.port)
    shop.config["STOREFRONT_REPORT_BATCH_EVENTS"] = 3  # the orders made 4 cover events
    marketer = staff_client(shop, "marketer")
    marketer.post_form(f"{BASE}/send", headers={"Accept-Language": "en"})
    first = event_batches(shop)
    assert first[:3] == [first[0]] * 3 and first[0] is not None and first[3] is None
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 more cover event is waiting: a batch holds at most 3." in page
    assert "1 cover event has not been sent yet." in page
    marketer.post_form(f"{BASE}/send", headers={"Accept-Language": "de"})
    page = marketer.get(BASE, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "wartet" not in page and "warten" not in page  # nothing left: no such message
    last = event_batches(shop)
    assert last[:3] == first[:3] and last[3] not in (None, first[0])
    assert len(inbox.messages) == 2


def test_the_command_sends_the_whole_backlog_in_batches(shop, orders, tmp_path):
    shop.config["MAIL_SERVER"] = ""
    shop.config["STOREFRONT_REPORT_BATCH_EVENTS"] = 1
    result = shop.test_cli_runner().invoke(args=["insurance", "send-report"])
    assert result.exit_code == 0 and result.output.count("events.") == 4
    assert len(set(event_batches(shop))) == 4 and None not in event_batches(shop)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 4
    result = shop.test_cli_runner().invoke(args=["insurance", "send-report"])
    assert "Nothing to send." in result.output


def test_a_refused_connection_marks_nothing_sent_and_a_retry_sends_once(shop, orders, smtp):
    controller, inbox = smtp
    mail_to(shop, _free_port())  # nobody listens there
    marketer = staff_client(shop, "marketer")
    marketer.post_form(f"{BASE}/send")
    page = marketer.get(BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "was not sent" in page and "ConnectionRefusedError" in page
    assert event_batches(shop) == [None, None, None, None]
    mail_to(shop, controller.port)
    marketer.post_form(f"{BASE}/send")
    marketer.post_form(f"{BASE}/send")
    assert len(inbox.messages) == 1
    batches = event_batches(shop)
    assert len(set(batches)) == 1 and None not in batches
    from storefront.extensions import db

    with shop.app_context():
        statuses = db.session.scalars(select(InsurerBatch.status).order_by(InsurerBatch.id))
        assert list(statuses) == ["failed", "sent"]


def test_without_a_mail_server_the_report_goes_to_the_outbox(shop, orders, tmp_path):
    shop.config["MAIL_SERVER"] = ""
    result = shop.test_cli_runner().invoke(args=["insurance", "send-report"])
    assert result.exit_code == 0 and "4 events" in result.output
    outbox = list((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and b"insurance-report-" in outbox[0].read_bytes()
    result = shop.test_cli_runner().invoke(args=["insurance", "send-report"])
    assert "Nothing to send." in result.output


def test_new_events_after_a_batch_go_into_the_next_one(shop, orders, tmp_path):
    shop.config["MAIL_SERVER"] = ""
    runner = shop.test_cli_runner()
    runner.invoke(args=["insurance", "send-report"])
    insured_order(shop, ("Jazz by the Lake", 1))
    runner.invoke(args=["insurance", "send-report"])
    batches = event_batches(shop)
    assert batches[:4] == [batches[0]] * 4 and batches[4] != batches[0]


@pytest.mark.postgres
@pytest.mark.parametrize("max_events", [None, 2])
def test_two_senders_at_once_never_put_an_event_in_two_batches(shop, orders, make_app, max_events):
    from storefront.extensions import db
    from storefront.services import report

    for _ in range(5):
        insured_order(shop, ("Jazz by the Lake", 1))
    barrier = threading.Barrier(2)
    outcomes: list = []

    def sender(name):
        app = make_app()
        with app.app_context():
            barrier.wait()

            def slow_deliver(message):
                time.sleep(0.5)
                return "test"

            try:
                batch = report.send_unsent(
                    db.session,
                    recipient="i@insurer.example",
                    sender="s@shop.example",
                    sent_by=name,
                    currency="EUR",
                    deliver=slow_deliver,
                    max_events=max_events,
                )
                db.session.commit()
                outcomes.append(batch.id)
            except report.NothingToSend:
                db.session.rollback()
                outcomes.append(None)

    threads = [threading.Thread(target=sender, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    batches = event_batches(shop)
    sent = [b for b in batches if b is not None]
    with shop.app_context():
        counted = sum(
            db.session.scalars(
                select(InsurerBatch.event_count).where(InsurerBatch.status == "sent")
            )
        )
    assert counted == len(sent)  # every claimed event in exactly one batch
    if max_events is None:
        assert len(sent) == 9 and len([o for o in outcomes if o is not None]) >= 1
    else:  # the oldest two, then (if the second sender looked after the first committed) two more
        assert None not in batches[: len(sent)] and len(sent) in (2, 4)
        assert len([o for o in outcomes if o is not None]) == len(sent) // 2


def test_order_lines_of_the_report_are_the_insured_ones_only(shop, orders):
    from storefront.extensions import db

    with shop.app_context():
        uninsured = db.session.scalars(select(OrderLine).where(OrderLine.insured.is_(False))).all()
        assert [line.product_name for line in uninsured] == ["Festival T-shirt"]
    assert all(r["product"] != "Festival T-shirt" for r in rows_of(shop))

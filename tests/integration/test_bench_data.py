"""The benchmark's bulk data, made by the database: the rows the report and dashboard read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bench.dashboard_data import load_synthetic
from bench.report_data import load_insured_lines
from storefront.models import Cart, InsuranceEvent, Order, OrderLine
from storefront.services import report


def test_insured_lines_are_report_rows(shop):
    from storefront.extensions import db

    with shop.app_context():
        assert load_insured_lines(db.session, 52) == 50  # whole orders of 5 lines
        totals = report.Totals()
        rows = [
            dict(zip(report.COLUMNS, row, strict=True))
            for row in report.report_rows(db.session, report.report_query(), totals)
        ]
    assert (totals.events, totals.rows, len(rows)) == (10, 50, 50)
    first, last = rows[0], rows[-1]
    assert (first["event_date"], first["order_number"], first["event_type"]) == (
        "2026-01-01 00:00:01",
        "B000000001",
        "subscribed",
    )
    assert (last["event_date"], last["order_date"]) == ("2026-01-01 00:00:10",) * 2
    assert [row["product"] for row in rows[:5]] == [f"Product {k}" for k in range(5)]
    assert first["last_name"] == "Durand 1" and first["venue"] == "Grand Théâtre"
    assert [row["premium"] for row in rows[:5]] == ["9.90"] + ["0.00"] * 4
    assert totals.premium_minor == 10 * 990


def test_synthetic_traffic_is_the_seeded_story(shop):
    """Exactly the events asked for, the same rows for the same seed (figures pinned from the
    row-by-row generator this one replaced), and a second load after the first."""
    from storefront.extensions import db

    with shop.app_context():
        counts = load_synthetic(db.session, 1001, start=date(2025, 1, 1))
        db.session.commit()

        def count(*where, model=InsuranceEvent):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        assert (counts.carts, counts.orders, counts.insured, counts.events) == (370, 153, 48, 1001)
        by_kind = db.session.execute(
            select(
                InsuranceEvent.kind,
                func.count(),
                func.sum(InsuranceEvent.insured_total_minor),
                func.sum(InsuranceEvent.premium_minor),
            )
            .group_by(InsuranceEvent.kind)
            .order_by(InsuranceEvent.kind)
        ).all()
        assert [tuple(row) for row in by_kind] == [
            ("offered", 370, 7305500, 279300),
            ("ordered", 152, 2780400, 114480),  # the last order's event is past the 1001st
            ("popup-accepted", 48, 1037250, 38020),
            ("popup-declined", 139, 2378600, 104610),
            ("popup-shown", 187, 3415850, 142630),
            ("taken", 105, 2377100, 80950),
        ]
        first, last = db.session.execute(
            select(func.min(InsuranceEvent.at), func.max(InsuranceEvent.at))
        ).one()
        assert first.replace(tzinfo=UTC) == datetime(2025, 1, 1, 14, 15, 15, 819429, UTC)
        assert last.replace(tzinfo=UTC) == datetime(2026, 1, 1, 0, 4, 59, tzinfo=UTC)
        assert count(model=Order) == 153 and count(Cart.status == "ordered", model=Cart) == 153
        assert count(OrderLine.insured, model=OrderLine) == 48
        assert db.session.scalar(select(func.sum(Order.total_minor))) == 2837420

        again = load_synthetic(db.session, 10, start=date(2025, 1, 1))
        db.session.commit()
        assert again.events == 10 and count() == 1011
        assert db.session.scalar(select(func.max(InsuranceEvent.id))) == 1011

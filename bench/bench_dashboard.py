"""The insurance dashboard with a million events, case by case: periods, filters, comparison,
CSV export. `make bench` (bench/run.py) measures one dashboard request at that scale; this is
the detailed breakdown, run by hand:

    .venv/bin/python -m bench.bench_dashboard            # SQLite file in a temporary folder
    BENCH_EVENTS=200000 .venv/bin/python -m bench.bench_dashboard
    BENCH_DB=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.bench_dashboard         # in a fresh schema, dropped afterwards

The baseline is the insurance settings overview: the same staff layout, login and session, and
a couple of queries. Exits with status 1 when statements per request vary with the period.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import event, text

from bench.dashboard_data import load_synthetic
from bench.run import database

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
FIRST_DAY, DAYS = date(2025, 1, 1), 365
EMAIL, PASSWORD = "bench-marketer@example.com", "bench password 1"
URL = "/settings/catalogue/misc/insurance/dashboard"
CASES = [
    ("baseline: settings overview", "/settings/catalogue/misc/insurance"),
    ("dashboard, 28 days, per day", f"{URL}?start=2025-06-01&end=2025-06-28"),
    ("dashboard, 28 days, filtered", f"{URL}?start=2025-06-01&end=2025-06-28&language=fr&family=1"),
    ("dashboard, 1 year, per day", f"{URL}?start=2025-01-01&end=2025-12-31&granularity=day"),
    (
        "dashboard, 1 year, per week, compared",
        f"{URL}?start=2025-07-01&end=2025-12-31&granularity=week"
        "&compare_start=2025-01-01&compare_end=2025-06-30",
    ),
    ("CSV export, 1 year, per day", f"{URL}/export.csv?start=2025-01-01&end=2025-12-31"),
]


def prepare(url: str):
    from storefront import create_app, demo
    from storefront.extensions import db
    from storefront.models import AuditEntry, Base
    from storefront.services.accounts import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        demo.load(db.session, app.config["STOREFRONT_CURRENCY"], FIRST_DAY)
        create_user(db.session, EMAIL, PASSWORD, "marketer")
        for month, step, changes in (
            (3, "display", {"popup": [False, True]}),
            (6, "display", {"display_mode": ["opt-in", "pre-ticked"]}),
            (9, "tiers", {"tiers": [[], []]}),
        ):
            moment = datetime(2025, month, 15, 10, tzinfo=UTC)
            db.session.add(
                AuditEntry(at=moment, user_email=EMAIL, step=step, version=month, changes=changes)
            )
        started = time.perf_counter()
        counts = load_synthetic(db.session, EVENTS, start=FIRST_DAY, days=DAYS)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
        print(
            f"loaded {counts.events:,} events, {counts.carts:,} carts, {counts.orders:,} orders "
            f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
    return app


def log_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/login", data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302, "bench login failed"
    return client


def measure(app, client, path: str) -> tuple[float, int]:
    """Median milliseconds of REPEATS requests (after one warm-up), statements per request."""
    from storefront.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[int] = []

    def count(*_args) -> None:
        statements.append(1)

    assert client.get(path).status_code == 200, path
    times = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(REPEATS):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), len(statements) // REPEATS


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, database(Path(folder)) as url:
        app = prepare(url)
        client = log_in(app)
        results = [(name, *measure(app, client, path)) for name, path in CASES]
        with app.app_context():
            from storefront.extensions import db

            db.session.remove()
            db.engine.dispose()
    baseline = results[0][1]
    print(f"\n{'case':42} {'median ms':>10} {'x baseline':>11} {'statements':>11}")
    for name, millis, statements in results:
        print(f"{name:42} {millis:10.1f} {millis / baseline:11.1f} {statements:11d}")
    dashboards = [statements for name, _, statements in results if name.startswith("dashboard")]
    uncompared = [
        count
        for name, _, count in results
        if name.startswith("dashboard") and "compared" not in name
    ]
    if len(set(uncompared)) != 1 or max(dashboards) - min(dashboards) > 2:
        print("statements per dashboard request depend on the period", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

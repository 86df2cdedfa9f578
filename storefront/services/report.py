"""The insurer report (bordereau): one row per cover event and covered product line.

Rows stream from the database in order; CSV and XLSX writers consume them without holding the
whole report in memory. Sending puts every unsent event into one new batch, marked sent only
after the mail server accepted it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from itertools import islice
from typing import IO, Any

from sqlalchemy import Select, String, func, select, type_coerce, update
from sqlalchemy.orm import Session, defer

from storefront.domain.money import currency_digits
from storefront.models import (
    Cover,
    CoverEvent,
    CoverEventLine,
    InsuranceConsent,
    InsurerBatch,
    Order,
    OrderLine,
)
from storefront.models.base import utcnow
from storefront.services.checkout import CUSTOMER_FIELDS

# Column names and order of the report (documented in the README).
COLUMNS = (
    "event_date",
    "event_type",
    "order_number",
    "order_date",
    "cover_id",
    *CUSTOMER_FIELDS,  # first_name ... country, as the checkout asks for them
    "language",
    "product",
    "product_family",
    "show_date",
    "venue",
    "quantity",
    "unit_price",
    "simple_fee",
    "insured_amount",
    "premium",
    "currency",
    "display_mode",
    "channel",
    "config_version",
)
# Text a customer or marketer typed: a spreadsheet must never read it as a formula.
_TEXT_COLUMNS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "postcode",
        "city",
        "product",
        "product_family",
        "venue",
    }
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class NothingToSend(Exception):
    """Every cover event is already in a batch."""


class TooManyRows(Exception):
    """The report has more rows than the chosen file or download may hold."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} rows, at most {limit}")
        self.rows = rows
        self.limit = limit


def neutralise(text: str) -> str:
    """Keep spreadsheets from evaluating a cell: a leading ``= + - @`` gets a quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive dates -> [start 00:00, day after end 00:00) in UTC."""
    from datetime import UTC

    low = datetime.combine(start, time(), UTC) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return low, high


def report_query(
    start: datetime | None = None, end: datetime | None = None, batch_id: int | None = None
) -> Select:
    """Rows of the report, ordered by event then line, in plain columns (minor units)."""
    query = (
        select(
            CoverEvent.id.label("event_id"),
            CoverEvent.at,
            CoverEvent.kind,
            Order.number,
            Order.created_at,
            Cover.id.label("cover_id"),
            Order.first_name,
            Order.last_name,
            Order.email,
            Order.phone,
            Order.street,
            Order.postcode,
            Order.city,
            Order.country,
            Order.language,
            OrderLine.product_name,
            OrderLine.family_name,
            OrderLine.starts_at,
            OrderLine.venue,
            CoverEventLine.quantity,
            OrderLine.unit_price_minor,
            OrderLine.unit_fee_minor,
            Cover.premium_minor,
            Cover.currency,
            InsuranceConsent.display_mode,
            InsuranceConsent.channel,
            InsuranceConsent.config_version,
        )
        .select_from(CoverEvent)
        .join(CoverEventLine, CoverEventLine.event_id == CoverEvent.id)
        .join(OrderLine, OrderLine.id == CoverEventLine.order_line_id)
        .join(Cover, Cover.id == CoverEvent.cover_id)
        .join(Order, Order.id == Cover.order_id)
        .join(InsuranceConsent, InsuranceConsent.order_id == Order.id)
        .order_by(CoverEvent.at, CoverEvent.id, CoverEventLine.id)
    )
    if start is not None:
        query = query.where(CoverEvent.at >= start)
    if end is not None:
        query = query.where(CoverEvent.at < end)
    if batch_id is not None:
        query = query.where(CoverEvent.batch_id == batch_id)
    return query


def row_count(session: Session, query: Select) -> int:
    """How many rows ``query`` (from ``report_query``) gives."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass
class Totals:
    events: int = 0
    rows: int = 0
    insured_minor: int = 0
    premium_minor: int = 0
    currency: str = ""


def _amount_formatter(digits: int) -> Callable[[int], str]:
    scale = 10**digits

    def fmt(minor: int) -> str:
        sign = "-" if minor < 0 else ""
        whole, part = divmod(abs(minor), scale)
        return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"

    return fmt


def _stamp(value: datetime | str | None, length: int = 19) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (or ``HH:MM`` with length 16), from a datetime or SQLite text."""
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite hands back its stored text: no parsing needed
        return value[:length]
    return value.isoformat(sep=" ")[:length]


def _show_date(value: datetime | str | None) -> str:
    return _stamp(value, 16)


class _Memo(dict[Any, Any]):
    """Cells made once per distinct value: amounts, show dates and product names repeat.

    Bounded: past ``limit`` values it starts again empty, so unique values cannot pile up.
    """

    def __init__(self, make: Callable[[Any], Any], limit: int = 50_000) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(key)
        return value


def report_rows(
    session: Session, query: Select, totals: Totals | None = None, chunk: int = 5000
) -> Iterator[list[str]]:
    """The report's rows as text cells, streamed from the database.

    The premium is the cover's: it is given once, on the first row of its ``subscribed``
    event, so that summing the column gives the premiums owed. ``totals`` is filled in when
    the rows have all been read.
    """
    totals = totals if totals is not None else Totals()
    # The hot loop of million-row exports: the cells of an event (customer, cover, consent) are
    # made once for all its lines, and repeated values (amounts, products) come from memos.
    raw = query.with_only_columns(
        *[
            type_coerce(column, String) if name in ("at", "created_at", "starts_at") else column
            for name, column in zip(
                query.selected_columns.keys(), query.selected_columns, strict=True
            )
        ],
        maintain_column_froms=True,
    )
    result = session.connection().execute(raw.execution_options(yield_per=chunk))
    amounts_by_currency: dict[str, _Memo] = {}
    texts = _Memo(neutralise)
    show_dates = _Memo(_show_date)
    events = rows = insured_total = premium_total = 0
    last_event = None
    subscribed = False
    head: list[str] = []
    tail: list[str] = []
    amounts = _Memo(str)
    premium = zero = ""
    try:
        for part in result.partitions():
            for (
                event_id,
                at,
                kind,
                number,
                created_at,
                cover_id,
                first_name,
                last_name,
                email,
                phone,
                street,
                postcode,
                city,
                country,
                language,
                product,
                family,
                starts_at,
                venue,
                quantity,
                price,
                fee,
                premium_minor,
                currency,
                display_mode,
                channel,
                version,
            ) in part:
                if event_id != last_event:
                    last_event = event_id
                    events += 1
                    if currency not in amounts_by_currency:
                        digits = currency_digits(currency)
                        amounts_by_currency[currency] = _Memo(_amount_formatter(digits))
                        totals.currency = currency
                    amounts = amounts_by_currency[currency]
                    zero = amounts[0]
                    subscribed = kind == "subscribed"
                    if subscribed:
                        premium_total += premium_minor
                        premium = amounts[premium_minor]
                    else:
                        premium = zero
                    head = [
                        _stamp(at),
                        kind,
                        number,
                        _stamp(created_at),
                        str(cover_id),
                        neutralise(first_name),
                        neutralise(last_name),
                        neutralise(email),
                        neutralise(phone),
                        neutralise(street),
                        neutralise(postcode),
                        neutralise(city),
                        country,
                        language,
                    ]
                    tail = [currency, display_mode, channel, str(version)]
                else:
                    premium = zero
                insured = quantity * (price + fee)
                if subscribed:
                    insured_total += insured
                rows += 1
                yield [
                    *head,
                    texts[product],
                    texts[family],
                    show_dates[starts_at],
                    texts[venue or ""],
                    str(quantity),
                    amounts[price],
                    amounts[fee],
                    amounts[insured],
                    premium,
                    *tail,
                ]
    finally:
        result.close()  # a reader that stops early (or fails) frees the server-side cursor
        totals.events += events
        totals.rows += rows
        totals.insured_minor += insured_total
        totals.premium_minor += premium_total


class _Chunks(io.StringIO):
    """A text buffer the CSV writer fills, emptied into bytes chunks as the rows stream."""

    def take(self) -> bytes:
        data = self.getvalue().encode("utf-8")
        self.seek(0)
        self.truncate()
        return data


def csv_chunks(rows: Iterable[list[str]], rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (spreadsheets detect the encoding) and RFC 4180 quoting.

    A chunk none of whose cells holds a comma, quote or line break needs no quoting: it is
    joined as is, which is what the CSV writer would write, several times faster. Any other
    chunk goes through the CSV writer.
    """
    buffer = _Chunks()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff".encode() + buffer.take()
    separators = len(COLUMNS) - 1
    rows = iter(rows)
    while chunk := list(islice(rows, rows_per_chunk)):
        count = len(chunk)
        text = "\r\n".join(map(",".join, chunk))
        if (
            text.count(",") == separators * count
            and text.count("\r") == text.count("\n") == count - 1
            and '"' not in text
        ):
            yield (text + "\r\n").encode()
        else:
            writer.writerows(chunk)
            yield buffer.take()


# XLSX -----------------------------------------------------------------------------------------

# A sheet holds 1,048,576 rows: the header, and this many report rows.
XLSX_MAX_ROWS = 1_048_575
_NUMERIC = {"quantity", "cover_id", "config_version"}
_AMOUNTS = {"unit_price", "simple_fee", "insured_amount", "premium"}


def write_xlsx(rows: Iterable[list[str]], out: IO[bytes]) -> None:
    """An XLSX in openpyxl's write-only mode: rows go to disk as they come (openpyxl's fast path
    with lxml installed).

    Quantities, ids and amounts are number cells; the rest is text. A cell is made once per
    distinct value of its kind; characters XML cannot carry become U+FFFD.

    :raises TooManyRows: past ``XLSX_MAX_ROWS`` rows (callers count them first; this catches a
        period that grew since), after writing a file of the first rows only.
    """
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("report")
    sheet.append(list(COLUMNS))
    numbers = _Memo(int)
    amounts = _Memo(Decimal)
    texts = _Memo(lambda text: ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
    cells = [
        numbers if name in _NUMERIC else amounts if name in _AMOUNTS else texts for name in COLUMNS
    ]
    rows = iter(rows)
    for row in islice(rows, XLSX_MAX_ROWS):
        sheet.append([cell[value] for cell, value in zip(cells, row, strict=True)])
    workbook.save(out)  # even when refusing: openpyxl's writer must end its XML
    if next(rows, None) is not None:
        if isinstance(rows, Generator):
            rows.close()  # report_rows frees its database cursor
        raise TooManyRows(XLSX_MAX_ROWS + 1, XLSX_MAX_ROWS)


def write_file(rows: Iterable[list[str]], fmt: str, out: IO[bytes]) -> None:
    """The rows as a whole file, ``"csv"`` or ``"xlsx"``.

    :raises TooManyRows: see ``write_xlsx``.
    """
    if fmt == "csv":
        for chunk in csv_chunks(rows):
            out.write(chunk)
    else:
        write_xlsx(rows, out)


# Sending --------------------------------------------------------------------------------------


def unsent_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(CoverEvent).where(CoverEvent.batch_id.is_(None))
        )
        or 0
    )


def send_unsent(
    session: Session,
    *,
    recipient: str,
    sender: str,
    sent_by: str,
    currency: str,
    deliver: Callable[[EmailMessage], str],
    shop_name: str = "Storefront",
    max_events: int | None = None,
) -> InsurerBatch:
    """Put the unsent cover events, oldest first and at most ``max_events`` of them, into a new
    batch and mail its CSV to the insurer.

    The events are claimed with one conditional UPDATE (``batch_id IS NULL``): a second sender
    running at the same time waits for this transaction and finds them taken. The caller commits
    only after ``deliver`` returned, i.e. once the mail server accepted the message; if it raises,
    the caller rolls back and the events are unsent again. The limit keeps an attachment within
    what mail servers accept after a long pause in sending.

    :raises NothingToSend: when no event waits.
    """
    batch = InsurerBatch(status="sent", recipient=recipient, sent_by=sent_by, currency=currency)
    session.add(batch)
    session.flush()
    unsent = CoverEvent.batch_id.is_(None)
    claim = update(CoverEvent).where(unsent)
    if max_events is not None:
        # The oldest events up to the limit, as a range of ids read first: on PostgreSQL, a
        # LIMIT subquery inside the UPDATE was seen to claim every unsent event.
        last = session.scalar(
            select(CoverEvent.id)
            .where(unsent)
            .order_by(CoverEvent.id)
            .offset(max_events - 1)
            .limit(1)
        )
        if last is not None:
            claim = claim.where(CoverEvent.id <= last)
    claimed = session.execute(
        claim.values(batch_id=batch.id).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise NothingToSend
    totals = Totals(currency=currency)
    data = b"".join(csv_chunks(report_rows(session, report_query(batch_id=batch.id), totals)))
    batch.event_count = totals.events
    batch.row_count = totals.rows
    batch.insured_total_minor = totals.insured_minor
    batch.premium_total_minor = totals.premium_minor
    batch.filename = f"insurance-report-{batch.id:06d}.csv"
    batch.data = data
    session.flush()
    message = EmailMessage()
    message["Subject"] = f"{shop_name}: cancellation insurance report {batch.id:06d}"
    message["From"] = sender
    message["To"] = recipient
    message.set_content(
        f"Cover events: {totals.events}\nRows: {totals.rows}\n"
        f"SHA-256 of the attached file: {hashlib.sha256(data).hexdigest()}\n"
    )
    message.add_attachment(data, maintype="text", subtype="csv", filename=batch.filename)
    deliver(message)
    batch.sent_at = utcnow()
    session.flush()
    return batch


def record_failure(
    session: Session, *, recipient: str, sent_by: str, currency: str, error: str
) -> InsurerBatch:
    """Keep a trace of a failed attempt (it carries no event: they stay unsent)."""
    batch = InsurerBatch(
        status="failed", recipient=recipient, sent_by=sent_by, currency=currency, error=error
    )
    session.add(batch)
    session.flush()
    return batch


def batches(session: Session, limit: int = 100) -> list[InsurerBatch]:
    query = select(InsurerBatch).options(defer(InsurerBatch.data))
    return list(session.scalars(query.order_by(InsurerBatch.id.desc()).limit(limit)))

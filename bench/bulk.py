"""Bench data made by the database itself: ``INSERT ... SELECT`` over a series or a plan table.

A million rows sent from Python cost a minute in parameter handling alone; computed by one
statement per table they take seconds. The few things SQLite and PostgreSQL spell differently
(times, zero-padding, fast loading) are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Interval,
    Select,
    String,
    Table,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import CTE, Label


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def series(name: str, first: int, last: int) -> CTE:
    """Integers ``first`` to ``last`` as column ``i``: a recursive CTE, on SQLite and PostgreSQL."""
    start = select(cast(literal(first), BigInteger).label("i")).cte(name, recursive=True)
    return start.union_all(select(start.c.i + 1).where(start.c.i < last))


def columns(**values: object) -> list[Label]:
    """Labelled select columns: SQL expressions as given, Python constants as typed literals."""
    labelled = []
    for name, value in values.items():
        if not isinstance(value, ColumnElement):
            value = null() if value is None else literal(value)
        labelled.append(value.label(name))
    return labelled


def rows(*values: tuple[object, ...], names: tuple[str, ...]) -> Select:
    """A small constant table: one ``SELECT`` of literals per row, joined by ``UNION ALL``."""
    selects = [select(*columns(**dict(zip(names, row, strict=True)))) for row in values]
    return selects[0].union_all(*selects[1:])


def insert_select(session: Session, model: type, source: Select) -> None:
    """``INSERT INTO`` the model's table the rows of ``source``, by column label."""
    session.execute(insert(model).from_select(list(source.selected_columns.keys()), source))


def insert_tuples(session: Session, table: Table, values: Iterable[tuple[object, ...]]) -> None:
    """Plain values (numbers, text, booleans, None) into ``table``, in the table's column order,
    straight through the driver: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in table.columns)
    cursor = session.connection().connection.cursor()
    try:
        if _dialect(session) == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in table.columns)
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)
    finally:
        cursor.close()


def after(
    session: Session, start: datetime, microseconds: ColumnElement[int]
) -> ColumnElement[datetime]:
    """``start`` (on a whole second) plus ``microseconds``, as a UTC time column stores it.

    On SQLite that is ``YYYY-MM-DD HH:MM:SS.ffffff`` text: the whole seconds from the Unix
    epoch (its date functions keep only milliseconds), then the fraction from the number.
    """
    if start.tzinfo is None or start.microsecond:
        raise ValueError("the start must be an aware time on a whole second")
    if _dialect(session) == "sqlite":
        seconds = int(start.timestamp()) + microseconds // 1_000_000
        whole = func.datetime(seconds, "unixepoch", type_=String)
        return whole + func.printf(".%06d", microseconds % 1_000_000, type_=String)
    naive = start.astimezone(UTC).replace(tzinfo=None)
    return literal(naive) + microseconds * literal_column("INTERVAL '1 microsecond'", Interval)


def padded(session: Session, number: ColumnElement[int], width: int) -> ColumnElement[str]:
    """``number`` as decimal text, zero-padded to ``width`` digits (``f"{number:0{width}d}"``)."""
    if _dialect(session) == "sqlite":
        return func.printf(f"%0{width}d", number, type_=String)
    return func.lpad(cast(number, String), width, "0", type_=String)


def move_sequences(session: Session, tables: Iterable[str]) -> None:
    """On PostgreSQL, after ids were given explicitly, move the id sequences past them."""
    if _dialect(session) != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )


@contextmanager
def unchecked_references(session: Session) -> Iterator[None]:
    """Foreign keys not checked row by row while bench rows that refer to each other by
    construction go in: on PostgreSQL, with a superuser, as ``pg_restore --disable-triggers``
    does (its foreign-key checks are triggers, a query per row). Elsewhere, checked as usual."""
    skip = (
        _dialect(session) == "postgresql"
        and session.scalar(text("SELECT current_setting('is_superuser')")) == "on"
    )
    if skip:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    yield  # on an error the transaction is rolled back, and the setting with it
    if skip:
        session.execute(text("SET LOCAL session_replication_role = DEFAULT"))

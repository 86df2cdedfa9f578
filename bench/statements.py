"""Counting SQL statements (a SQLAlchemy event hook used only by the benchmark and the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Statements:
    count: int = 0
    sql: list[str] = field(default_factory=list)


@contextmanager
def count_statements(engine: Engine) -> Iterator[Statements]:
    """Count the statements ``engine`` executes inside the block."""
    seen = Statements()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.count += 1
        seen.sql.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)

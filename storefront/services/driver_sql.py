"""The cart's hot statements, compiled once per database and run on the driver's cursor.

Every cart request reads the cart, and every insurance answer records an event and updates the
cart. Through SQLAlchemy's execution layer each statement costs tens of microseconds of Python
around a few microseconds of database work. Here SQLAlchemy compiles the statement once per
dialect and the column types' own processors convert the values both ways, so the SQL and the
values are exactly those SQLAlchemy would send; only the execution layer is skipped. Statements
run inside a transaction, either the ORM session's or that of a Core connection given instead
(the hottest pages skip the session's unit of work too); ``before_cursor_execute`` listeners
see them. A driver error comes back as SQLAlchemy's (``DBAPIError`` and subclasses), and a lost
connection is invalidated, as for any other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
# Where statements run: the ORM session's transaction, or a Core connection's.
Executor = Session | Connection


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # The parameter names in the order a positional driver takes them; None for named ones.
    order: tuple[str, ...] | None
    # Values of the statement's own literals ("open" in status = 'open'), processed.
    literals: Mapping[str, Any]
    # The parameters whose type converts their value, with its processor.
    processed: tuple[tuple[str, Callable[[Any], Any]], ...]
    # (column index, processor) of the result columns that need converting.
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class DriverStatement:
    """A statement whose parameters are all named bind parameters, given at each run."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            sql = self.statement.compile(dialect=dialect)
            binds = {
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for bind, name in sql.bind_names.items()
            }
            literals = {
                name: _process(binds[name], bind.value)
                for bind, name in sql.bind_names.items()
                if not bind.required and bind.callable is None and bind.value is not None
            }
            columns = getattr(self.statement, "selected_columns", ())
            processors = [
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
            ]
            compiled = _Compiled(
                sql=sql.string,
                order=tuple(sql.positiontup) if sql.positional else None,
                literals=literals,
                processed=tuple(
                    (name, processor)
                    for name, processor in binds.items()
                    if processor is not None and name not in literals
                ),
                results=tuple((i, p) for i, p in enumerate(processors) if p is not None),
            )
            self._compiled[dialect.name] = compiled
        return compiled

    def run(self, executor: Executor, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with ``params``; returns the rows, converted (none for a change)."""
        rows, dialect = self.run_raw(executor, params)
        return self.convert(rows, dialect)

    def run_raw(
        self, executor: Executor, params: Mapping[str, Any]
    ) -> tuple[list[tuple[Any, ...]], Dialect]:
        """Execute with ``params``; returns the rows as the driver gives them, and the dialect
        that ``convert`` needs."""
        if isinstance(executor, Connection):
            connection = executor
            if not connection.in_transaction():
                connection.begin()
        else:
            connection = executor.connection()
        compiled = self._compile(connection.dialect)
        values = {**params, **compiled.literals}
        for name, processor in compiled.processed:
            value = values[name]
            if value is not None:
                values[name] = processor(value)
        args: Any = values if compiled.order is None else [values[n] for n in compiled.order]
        driver = connection.connection
        cursor = driver.cursor()
        events = connection.dispatch
        try:
            if events.before_cursor_execute:  # listeners (statement counters) see them too
                events.before_cursor_execute(connection, cursor, compiled.sql, args, None, False)
            cursor.execute(compiled.sql, args)
            return (cursor.fetchall() if cursor.description else []), connection.dialect
        except connection.dialect.loaded_dbapi.Error as error:
            lost = connection.dialect.is_disconnect(error, driver, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql,
                args,
                error,
                connection.dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=connection.dialect,
            ) from error
        finally:
            cursor.close()

    def convert(self, rows: Iterable[tuple[Any, ...]], dialect: Dialect) -> list[tuple[Any, ...]]:
        """Rows from ``run_raw`` with the column types' conversions applied."""
        compiled = self._compile(dialect)
        if not compiled.results:
            return list(rows)
        converted = []
        for row in rows:
            values = list(row)
            for index, processor in compiled.results:
                values[index] = processor(values[index])
            converted.append(tuple(values))
        return converted


def _process(processor: Processor, value: Any) -> Any:
    return processor(value) if processor is not None and value is not None else value

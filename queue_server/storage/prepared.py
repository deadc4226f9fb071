"""The hot statements of a command run on the driver's cursor, compiled once per dialect.

SQLAlchemy's `Connection.execute` costs some 35-60 µs per statement above the driver (a cache
key, an execution context, a result object), and a command runs six to eight statements. A
`Prepared` statement is an ordinary Core statement, so each backend gets the SQL and paramstyle
its dialect writes (SQLite's `?`, psycopg's `%(name)s::TYPE`) and the same bind and result
processing (UTC datetimes, JSON) as through `execute`; only the compiling, keyed by the dialect
and the set of parameter names, is done once, and the statement goes straight to the cursor of
the caller's connection, inside its transaction. A driver error comes out as SQLAlchemy's own
exception, as from `execute`, and the connection is invalidated on a disconnect.

Outside a transaction (where `execute` would begin one itself) a statement takes the Core path.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect, Executable
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Select

Processor = Callable[[Any], Any] | None
_GIVEN = object()  # the parameter comes with each execution (else: the constant bound in place)


@dataclass
class _Compiled:
    """One statement as one dialect runs it with one set of parameter names."""

    sql: str
    # In the driver's order: (the name in the SQL, the execution's key, _GIVEN or the value
    # bound in the statement, the type's bind processor).
    binds: list[tuple[str, str, Any, Processor]]
    positional: bool
    result_types: list[Any]
    result_processors: list[Processor] | None = None  # known after the first execution

    def parameters(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = []
        for _, key, constant, process in self.binds:
            value = params[key] if constant is _GIVEN else constant
            values.append(value if process is None else process(value))
        if self.positional:
            return values
        return {name: value for (name, *_), value in zip(self.binds, values, strict=True)}


@dataclass(eq=False)
class Prepared:
    """A Core statement run on the DBAPI cursor of the caller's connection (see the module
    docstring). Build it once at import; `execute` is safe from any thread."""

    statement: Executable
    _by_dialect: weakref.WeakKeyDictionary[Dialect, dict[frozenset[str], _Compiled]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def _compiled(self, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
        forms = self._by_dialect.get(dialect)
        if forms is None:
            forms = self._by_dialect[dialect] = {}
        compiled = forms.get(keys)
        if compiled is None:
            compiled = forms[keys] = _compile(self.statement, dialect, keys)
        return compiled

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement with `params`; its rows (processed as `execute` would), or [] for
        a statement that returns none."""
        if not conn.in_transaction():
            result = conn.execute(self.statement, dict(params))
            return [tuple(row) for row in result] if result.returns_rows else []
        return _run(conn, self._compiled(conn.dialect, frozenset(params)), [params])

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.execute(conn, params)
        return rows[0] if rows else None

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per parameter set of `rows` (all with the same keys); it
        must return no rows."""
        if not rows:
            return
        if not conn.in_transaction():
            conn.execute(self.statement, [dict(row) for row in rows])
            return
        compiled = self._compiled(conn.dialect, frozenset(rows[0]))
        if compiled.result_types:
            raise ValueError("execute_many runs statements that return no rows")
        _run(conn, compiled, rows)


def _run(
    conn: Connection, compiled: _Compiled, executions: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """`compiled` run on the cursor of `conn` once per parameter set of `executions`; the rows
    of the last (there is one when the statement returns rows)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    parameters: Any = executions
    try:
        if len(executions) == 1:
            parameters = compiled.parameters(executions[0])
            cursor.execute(compiled.sql, parameters)
        else:
            parameters = [compiled.parameters(params) for params in executions]
            cursor.executemany(compiled.sql, parameters)
        if not compiled.result_types:
            return []
        rows = cursor.fetchall()
        processors = compiled.result_processors
        if processors is None:
            # As Core does: each column's processor as the driver describes the column.
            processors = compiled.result_processors = [
                type_._cached_result_processor(conn.dialect, description[1])
                for type_, description in zip(
                    compiled.result_types, cursor.description, strict=True
                )
            ]
        if not any(processors):
            return [tuple(row) for row in rows]
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]
    except Exception as exc:
        conn._handle_dbapi_exception(exc, compiled.sql, parameters, cursor, None)
    finally:
        cursor.close()


def _compile(statement: Executable, dialect: Dialect, keys: Iterable[str]) -> _Compiled:
    assert isinstance(statement, ClauseElement)
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys))
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError(f"{statement}: expanding or literal parameters are not prepared")
    # A column's default SQLAlchemy fills in per execution (`insert_prefetch`): a constant one
    # is bound like the statement's own constants.
    defaults = {}
    prefetch = [(c, c.default) for c in compiled.insert_prefetch]
    prefetch += [(c, c.onupdate) for c in compiled.update_prefetch]
    for column, default in prefetch:
        if default is None or not default.is_scalar:
            raise ValueError(f"{statement}: {column.key} has a default computed per row")
        defaults[column.key] = default.arg
    positional = compiled.positional
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    names = list(compiled.positiontup) if positional else list(by_name)
    escaped = compiled.escaped_bind_names
    processors = compiled._bind_processors
    binds = []
    given = set(keys)
    for name in names:
        bind = by_name[name]
        if bind.key in given:
            constant = _GIVEN
        elif name in defaults:
            constant = defaults[name]
        elif bind.required:
            raise ValueError(f"{statement}: no value for the parameter {bind.key!r}")
        else:
            constant = bind.effective_value
        binds.append((escaped.get(name, name), bind.key, constant, processors.get(name)))
    columns: Any = statement.exported_columns if isinstance(statement, Select | UpdateBase) else []
    return _Compiled(compiled.string, binds, positional, [c.type for c in columns])

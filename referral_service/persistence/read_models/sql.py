"""Date arithmetic that SQLite and PostgreSQL spell differently, as SQL functions compiled per dialect.

The report queries are written once; only these few expressions differ between the databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[int]):
    """Whole days from the first timestamp to the second (floored), NULL when either is NULL."""

    type = Integer()
    inherit_cache = True


class month_of(FunctionElement[str]):
    """'YYYY-MM' of a UTC timestamp."""

    type = String()
    inherit_cache = True


class age_in_years(FunctionElement[int]):
    """Completed years from a birth date to the date of a UTC timestamp."""

    type = Integer()
    inherit_cache = True


def _args(compiler: SQLCompiler, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(argument, **kw) for argument in element.clauses]


@compiles(days_between)
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(month_of)
def _month_of_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(compiler, element, **kw)
    return f"to_char({moment} AT TIME ZONE 'UTC', 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(compiler, element, **kw)
    return f"strftime('%Y-%m', {moment})"


@compiles(age_in_years)
def _age_postgresql(element: age_in_years, compiler: SQLCompiler, **kw: Any) -> str:
    birth, moment = _args(compiler, element, **kw)
    return f"CAST(EXTRACT(YEAR FROM age(CAST(({moment} AT TIME ZONE 'UTC') AS DATE), {birth})) AS INTEGER)"


@compiles(age_in_years, "sqlite")
def _age_sqlite(element: age_in_years, compiler: SQLCompiler, **kw: Any) -> str:
    birth, moment = _args(compiler, element, **kw)
    return (
        f"(CAST(strftime('%Y', {moment}) AS INTEGER) - CAST(strftime('%Y', {birth}) AS INTEGER)"
        f" - (strftime('%m-%d', {moment}) < strftime('%m-%d', {birth})))"
    )


def summed(condition: Any) -> Any:
    """How many rows meet the condition (SUM of CASE, the same on both databases)."""
    return func.sum(case((condition, 1), else_=0))

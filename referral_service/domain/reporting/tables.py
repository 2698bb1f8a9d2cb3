"""Report tables as they leave the domain: already suppressed, ready for HTML, CSV and JSON alike."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.reporting.definitions import ReportFilter, Stage
from referral_service.domain.suppression import SUPPRESSED, suppress_rate, suppress_table

Value = int | float | str | None  # a count, a rate or a statistic, "*" when suppressed, None when not defined


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class FigureTable:
    """One table of a report; its key names its CSV download and its entry in the JSON export."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    note: str = ""

    def column(self, key: str) -> list[Value]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def as_dicts(self) -> list[dict[str, Value]]:
        return [dict(zip((c.key for c in self.columns), row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    tables: tuple[FigureTable, ...]
    definitions: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class Report:
    """A whole commissioner report: every figure in it has been through small-number suppression."""

    filter: ReportFilter
    threshold: int
    generated_at: datetime
    sections: tuple[Section, ...]

    def table(self, key: str) -> FigureTable:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    @property
    def tables(self) -> tuple[FigureTable, ...]:
        return tuple(table for section in self.sections for table in section.tables)


def suppress_column(
    counts: Mapping[str, int], rows: Sequence[str], threshold: int
) -> tuple[dict[str, int | str], int | str]:
    """Counts that partition a shown total: primary suppression, then secondary so the total gives nothing away."""
    table = suppress_table({(row, "n"): int(counts.get(row, 0)) for row in rows}, rows, ("n",), threshold)
    return {row: table.cells[(row, "n")] for row in rows}, table.total


def suppress_pair(first: int, second: int, threshold: int) -> tuple[int | str, int | str]:
    """Two counts whose sum is shown (improved and not improved of n): both go if either must."""
    table = suppress_table({("x", "a"): first, ("x", "b"): second}, ("x",), ("a", "b"), threshold)
    return table.cells[("x", "a")], table.cells[("x", "b")]


def rate(numerator: int | str, denominator: int | str) -> float | str | None:
    """A percentage, '*' when either side is suppressed, None when there is nothing to divide by."""
    if denominator == 0:
        return None
    return suppress_rate(numerator, denominator)


def shown_mean(total: float, n: int, shown_n: int | str, digits: int = 2) -> float | str | None:
    """A mean is as disclosive as its count: suppressed with it."""
    if shown_n == SUPPRESSED:
        return SUPPRESSED
    return round(total / n, digits) if n else None


def percentile(histogram: Mapping[int, int], percent: int) -> int | None:
    """Nearest-rank percentile of values given as value -> how many (small day-count histograms from SQL)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(percent / 100 * n))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: rank is at most n")


def merge_histograms(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + count
    return merged

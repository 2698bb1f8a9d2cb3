"""Small-number suppression for published tables, applied in the domain before anything leaves it.

Primary: a count from 1 to the threshold (7 by default) is shown as `*`; zero is shown (a true
zero discloses nobody). Secondary: where a row or column total is shown, a single suppressed cell
in that line could be worked out by subtraction, so the next smallest cell in the line is
suppressed too (repeated until no line has exactly one suppressed cell). Rates whose numerator or
denominator is suppressed are suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SUPPRESSED = "*"
DEFAULT_THRESHOLD = 7


@dataclass(frozen=True)
class Table:
    """Counts by row and column, with totals; cells are ints or SUPPRESSED once suppressed."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], int | str]
    row_totals: Mapping[str, int | str]
    column_totals: Mapping[str, int | str]
    total: int | str


def _primary(value: int, threshold: int) -> int | str:
    return SUPPRESSED if 1 <= value <= threshold else value


def suppress_count(value: int, threshold: int = DEFAULT_THRESHOLD) -> int | str:
    return _primary(value, threshold)


def suppress_table(
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
) -> Table:
    """Primary and secondary suppression of a two-way table whose row, column and grand totals are shown."""
    raw = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    hidden = {key for key, value in raw.items() if 1 <= value <= threshold}
    row_totals = {r: sum(raw[(r, c)] for c in columns) for r in rows}
    column_totals = {c: sum(raw[(r, c)] for r in rows) for c in columns}
    hidden_rows = {r for r in rows if 1 <= row_totals[r] <= threshold}
    hidden_columns = {c for c in columns if 1 <= column_totals[c] <= threshold}
    changed = True
    while changed:
        changed = False
        lines = [[(r, c) for c in columns] for r in rows if r not in hidden_rows]
        lines += [[(r, c) for r in rows] for c in columns if c not in hidden_columns]
        for line in lines:
            inside = [key for key in line if key in hidden]
            if len(inside) != 1:
                continue
            # one hidden cell in a line with a shown total: hide the smallest other non-zero cell too
            candidates = sorted((raw[key], key) for key in line if key not in hidden and raw[key] > 0)
            if candidates:
                hidden.add(candidates[0][1])
                changed = True
    grand = sum(raw.values())
    return Table(
        rows=tuple(rows),
        columns=tuple(columns),
        cells={key: (SUPPRESSED if key in hidden else value) for key, value in raw.items()},
        row_totals={r: (SUPPRESSED if r in hidden_rows else v) for r, v in row_totals.items()},
        column_totals={c: (SUPPRESSED if c in hidden_columns else v) for c, v in column_totals.items()},
        total=_primary(grand, threshold),
    )


def suppress_rate(numerator: int | str, denominator: int | str, digits: int = 1) -> float | str:
    """A percentage, or SUPPRESSED when either count is suppressed (or there is nothing to divide by)."""
    if numerator == SUPPRESSED or denominator == SUPPRESSED or not isinstance(numerator, int):
        return SUPPRESSED
    if not isinstance(denominator, int) or denominator == 0:
        return SUPPRESSED
    return round(100 * numerator / denominator, digits)

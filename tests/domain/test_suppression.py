"""No count from 1 to 7 can reach a published table, directly or by subtraction from a total."""

from __future__ import annotations

import itertools
import random

import pytest

from referral_service.domain.suppression import SUPPRESSED, Table, suppress_count, suppress_rate, suppress_table


@pytest.mark.parametrize(("value", "shown"), [(0, 0), (1, "*"), (7, "*"), (8, 8), (120, 120)])
def test_primary_suppression(value: int, shown: int | str) -> None:
    assert suppress_count(value) == shown


def test_the_threshold_is_configurable() -> None:
    assert suppress_count(9, threshold=10) == SUPPRESSED
    assert suppress_count(9, threshold=5) == 9


def revealed(table: Table, rows: list[str], columns: list[str]) -> set[tuple[str, str]]:
    """Cells a reader could compute by subtracting the shown cells of a line from its shown total."""
    found = set()
    for r in rows:
        total = table.row_totals[r]
        line = [(r, c) for c in columns]
        hidden = [k for k in line if table.cells[k] == SUPPRESSED]
        if total != SUPPRESSED and len(hidden) == 1:
            found.add(hidden[0])
    for c in columns:
        total = table.column_totals[c]
        line = [(r, c) for r in rows]
        hidden = [k for k in line if table.cells[k] == SUPPRESSED]
        if total != SUPPRESSED and len(hidden) == 1:
            found.add(hidden[0])
    return found


def test_a_single_small_cell_is_protected_by_secondary_suppression() -> None:
    rows, columns = ["IMD 1-2", "IMD 3-4"], ["referred", "completed"]
    counts = {
        ("IMD 1-2", "referred"): 40,
        ("IMD 1-2", "completed"): 3,
        ("IMD 3-4", "referred"): 55,
        ("IMD 3-4", "completed"): 21,
    }
    table = suppress_table(counts, rows, columns)
    assert table.cells[("IMD 1-2", "completed")] == SUPPRESSED
    assert revealed(table, rows, columns) == set()
    assert table.row_totals["IMD 1-2"] == 43
    assert sum(1 for v in table.cells.values() if v == SUPPRESSED) >= 2


def test_random_tables_never_show_or_reveal_a_small_count() -> None:
    rng = random.Random(20261126)
    rows, columns = ["a", "b", "c"], ["x", "y", "z", "w"]
    for _ in range(300):
        counts = {(r, c): rng.choice([0, 0, 1, 2, 5, 7, 8, 9, 15, 40]) for r, c in itertools.product(rows, columns)}
        table = suppress_table(counts, rows, columns)
        shown = [*table.cells.values(), *table.row_totals.values(), *table.column_totals.values(), table.total]
        assert not any(isinstance(v, int) and 1 <= v <= 7 for v in shown)
        for key in revealed(table, rows, columns):
            assert counts[key] == 0 or counts[key] > 7, (counts, table)


def test_rates_over_suppressed_counts_are_suppressed() -> None:
    assert suppress_rate(SUPPRESSED, 40) == SUPPRESSED
    assert suppress_rate(12, SUPPRESSED) == SUPPRESSED
    assert suppress_rate(12, 0) == SUPPRESSED
    assert suppress_rate(12, 40) == 30.0

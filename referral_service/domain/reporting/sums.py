"""Summing the report's raw rows: totals, and by one equity dimension (joint cube or roll-up rows alike)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from referral_service.domain.reporting.definitions import Dimension, imd_quintile
from referral_service.domain.reporting.raw import CubeRow, RawFigures


def dimension_value(row: CubeRow, dimension: str) -> str:
    if dimension == "imd_quintile":
        return imd_quintile(row.imd_decile)
    return str(getattr(row, dimension))


def sums_by(cube: Sequence[CubeRow], key: Callable[[CubeRow], str]) -> dict[str, dict[str, float]]:
    grouped: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in cube:
        for measure, value in row.sums.items():
            grouped[key(row)][measure] += value or 0
    return grouped


def by_dimension(raw: RawFigures, dimension: Dimension) -> dict[str, dict[str, float]]:
    """Sums by each value of one equity dimension: from the joint cube, or from the roll-ups' rows for it."""
    if not raw.equity:
        return sums_by(raw.cube, lambda row: dimension_value(row, dimension.key))
    column = "imd_decile" if dimension.key == "imd_quintile" else dimension.key
    grouped: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in (row for row in raw.equity if row.dimension == column):
        value = (
            imd_quintile(row.value if isinstance(row.value, int) else None)
            if column == "imd_decile"
            else str(row.value)
        )
        for measure, figure in row.sums.items():
            grouped[value][measure] += figure or 0
    return grouped

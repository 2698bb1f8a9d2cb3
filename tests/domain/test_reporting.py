"""Report definitions and arithmetic with no database: groups, percentiles, suppression of partitions."""

from __future__ import annotations

import pytest

from referral_service.domain.reporting.definitions import age_band, ethnic_group, imd_quintile
from referral_service.domain.reporting.tables import percentile, rate, suppress_column, suppress_pair
from referral_service.domain.suppression import SUPPRESSED


@pytest.mark.parametrize(
    ("decile", "quintile"),
    [(1, "Q1 (most deprived)"), (2, "Q1 (most deprived)"), (5, "Q3"), (10, "Q5 (least deprived)"), (None, "unknown")],
)
def test_imd_quintiles_pair_deciles(decile: int | None, quintile: str) -> None:
    assert imd_quintile(decile) == quintile


def test_age_bands_and_ethnic_groups() -> None:
    assert [age_band(a) for a in (18, 24, 25, 74, 75, 101, None)] == [
        "under 25", "under 25", "25-34", "65-74", "75+", "75+", "unknown",
    ]  # fmt: skip
    assert [ethnic_group(c) for c in ("A", "c", "H", "R", "N", "S", "Z", "99", None)] == [
        "White", "White", "Asian or Asian British", "Asian or Asian British",
        "Black, Black British, Caribbean or African", "Other ethnic group", "Not stated", "unknown", "unknown",
    ]  # fmt: skip


def test_percentiles_are_nearest_rank_over_a_histogram() -> None:
    days = {0: 1, 3: 1, 5: 2, 40: 1}  # 0, 3, 5, 5, 40
    assert percentile(days, 50) == 5
    assert percentile(days, 90) == 40
    assert percentile({7: 1}, 90) == 7
    assert percentile({}, 50) is None


def test_a_partition_hides_a_second_cell_so_the_total_reveals_nothing() -> None:
    shown, total = suppress_column({"a": 3, "b": 20, "c": 50}, ("a", "b", "c"), 7)
    assert shown == {"a": SUPPRESSED, "b": SUPPRESSED, "c": 50}
    assert total == 73
    assert suppress_column({"a": 0, "b": 20}, ("a", "b"), 7) == ({"a": 0, "b": 20}, 20)


def test_improved_and_not_improved_hide_together() -> None:
    assert suppress_pair(3, 40, 7) == (SUPPRESSED, SUPPRESSED)
    assert suppress_pair(12, 40, 7) == (12, 40)
    assert rate(SUPPRESSED, 43) == SUPPRESSED
    assert rate(0, 0) is None

"""The one reader of typed dates: day, month, year, each mistake named."""

from __future__ import annotations

from datetime import date

import pytest

from referral_service.domain.dates import parse_date_parts


def test_day_month_year_is_never_read_in_us_order() -> None:
    assert parse_date_parts("3", "12", "2026") == date(2026, 12, 3)
    assert parse_date_parts(" 03 ", "02", "2026") == date(2026, 2, 3)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "12", "2026"), "The date must include a day"),
        (("3", "", ""), "The date must include a month and a year"),
        (("3", "Dec", "2026"), "The date must be written in numbers"),
        (("3", "12", "26"), "The date must have a year of four numbers"),
        (("31", "2", "2026"), "The date must be a real date"),
        (("٣", "12", "2026"), "The date must be written in numbers"),
    ],
)
def test_each_mistake_is_named(parts: tuple[str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date_parts(*parts)

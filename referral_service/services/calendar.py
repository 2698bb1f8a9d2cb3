"""Bank holidays for England and Wales (the holidays package), for working-day deadlines."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


@cache
def bank_holidays() -> holidays.HolidayBase:
    """England's bank holidays, which Wales shares (Scotland and Northern Ireland have others)."""
    return holidays.country_holidays("GB", subdiv="ENG", years=range(2020, date.today().year + 3))  # noqa: DTZ011

"""How a provider is doing beside its area: the same definitions and suppression as the reports.

The area is every provider in the deployment together, so no other provider's own figures are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from referral_service.domain.reporting.raw import MonthlyFigures
from referral_service.domain.reporting.tables import Column, FigureTable, Value, merge_histograms, percentile, rate
from referral_service.domain.suppression import SUPPRESSED, suppress_count

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def months_between(start: date, end: date) -> list[str]:
    """Every month ('YYYY-MM') from the one holding `start` to the one holding `end`, empty ones included."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(month: str) -> str:
    """'2026-04' as 'April 2026'."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str


MEASURES = (
    Measure("offered", "Referrals offered to the provider"),
    Measure("response", "Median days from offer to answer"),
    Measure("acceptance", "Accepted (% of offered)"),
    Measure("attended", "Started (first session attended)"),
    Measure("dna", "Missed sessions (% of booked)"),
    Measure("completion", "Completed (% of those who started)"),
    Measure("contact", "Median days from referral to first contact"),
    Measure("attendance", "Median days from referral to first session"),
)


def _median(histogram: Mapping[int, int], threshold: int) -> Value:
    n = sum(histogram.values())
    if suppress_count(n, threshold) == SUPPRESSED:
        return SUPPRESSED
    return percentile(histogram, 50)


def _figures(counts: Mapping[str, int], waits: Mapping[str, Mapping[int, int]], threshold: int) -> dict[str, Value]:
    shown = {key: suppress_count(int(counts.get(key, 0)), threshold) for key in ("offered", "accepted", "attended")}
    shown["completed"] = suppress_count(int(counts.get("completed", 0)), threshold)
    attended, missed = int(counts.get("sessions_attended", 0)), int(counts.get("sessions_missed", 0))
    return {
        "offered": shown["offered"],
        "response": _median(waits.get("response", {}), threshold),
        "acceptance": rate(shown["accepted"], shown["offered"]),
        "attended": shown["attended"],
        "dna": rate(suppress_count(missed, threshold), suppress_count(attended + missed, threshold)),
        "completion": rate(shown["completed"], shown["attended"]),
        "contact": _median(waits.get("contact", {}), threshold),
        "attendance": _median(waits.get("attendance", {}), threshold),
    }


def _by_month(figures: MonthlyFigures, month: str | None) -> tuple[dict[str, int], dict[str, dict[int, int]]]:
    """The counts and wait histograms of one month, or (None) of every month together."""
    counts: dict[str, int] = {}
    for key_month, values in figures.counts.items():
        if month is None or key_month == month:
            for key, value in values.items():
                counts[key] = counts.get(key, 0) + value
    waits = {
        wait: merge_histograms(
            [{days: n} for (key_month, days), n in histogram.items() if month is None or key_month == month]
        )
        for wait, histogram in figures.waits.items()
    }
    return counts, waits


def performance_tables(
    ours: MonthlyFigures, area: MonthlyFigures, *, start: date, end: date, threshold: int
) -> tuple[FigureTable, ...]:
    """The whole period side by side, then each month side by side (every month, empty ones too)."""
    mine, theirs = _figures(*_by_month(ours, None), threshold), _figures(*_by_month(area, None), threshold)
    summary = FigureTable(
        "performance",
        "The whole period",
        (
            Column("measure", "Measure"),
            Column("ours", "Your organisation"),
            Column("area", "All providers in the area"),
        ),
        tuple((measure.label, mine[measure.key], theirs[measure.key]) for measure in MEASURES),
    )
    tables = [summary]
    for key, title, figures in (
        ("performance-ours", "Your organisation by month", ours),
        ("performance-area", "All providers in the area by month", area),
    ):
        rows = []
        for month in months_between(start, end):
            values = _figures(*_by_month(figures, month), threshold)
            rows.append((month_label(month), *(values[measure.key] for measure in MEASURES)))
        columns = (Column("month", "Month referred"), *(Column(m.key, m.label) for m in MEASURES))
        tables.append(FigureTable(key, title, columns, tuple(rows)))
    return tuple(tables)

"""Reminder effect: the did-not-attend rate of booked sessions whose patient was reminded, and of
those who were not, so commissioners can see what the reminders are worth."""

from __future__ import annotations

from referral_service.domain.reporting.raw import RawFigures
from referral_service.domain.reporting.tables import Column, FigureTable, rate
from referral_service.domain.suppression import suppress_table

REMINDED, NOT_REMINDED = "reminded", "not-reminded"
ROWS = {REMINDED: "Reminder sent", NOT_REMINDED: "No reminder sent"}
OUTCOMES = ("attended", "missed")


def reminder_effect_table(raw: RawFigures, threshold: int) -> FigureTable:
    """Sessions, attended, missed and DNA rate by reminder, suppressed as one two-way table (row,
    column and grand totals shown, so a hidden cell cannot be worked out by subtraction)."""
    table = suppress_table(raw.reminder_effect, tuple(ROWS), OUTCOMES, threshold)
    rows = tuple(
        (
            label,
            table.row_totals[key],
            table.cells[(key, "attended")],
            table.cells[(key, "missed")],
            rate(table.cells[(key, "missed")], table.row_totals[key]),
        )
        for key, label in ROWS.items()
    )
    everyone = (
        "All booked sessions",
        table.total,
        table.column_totals["attended"],
        table.column_totals["missed"],
        rate(table.column_totals["missed"], table.total),
    )
    return FigureTable(
        "reminder-effect",
        "Did-not-attend rate with and without a session reminder",
        (
            Column("group", "Sessions"),
            Column("sessions", "Booked sessions on the register"),
            Column("attended", "Attended"),
            Column("missed", "Missed (did not attend)"),
            Column("dna_percent", "DNA rate % (missed / sessions)"),
        ),
        (*rows, everyone),
        note=(
            "Booked sessions marked attended or missed, for referrals received in the period. A reminder counts "
            "as sent when the text or email reached the phone company or mail server (sent or delivered); "
            "one withheld for want of consent, or not delivered, does not."
        ),
    )

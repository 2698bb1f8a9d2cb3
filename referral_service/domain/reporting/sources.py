"""Uptake by referral source: GP referrals and self-referrals side by side, so a commissioner sees
whether people who refer themselves start and finish as often as those their GP refers."""

from __future__ import annotations

from referral_service.domain.reporting.definitions import REFERRAL_SOURCES
from referral_service.domain.reporting.raw import RawFigures
from referral_service.domain.reporting.tables import Column, FigureTable, rate, suppress_column

STAGES = ("referred", "offered", "attended", "completed")


def by_source_table(raw: RawFigures, threshold: int) -> FigureTable:
    """Each stage's count per source, suppressed as a column whose total the funnel shows: when one
    source's count is hidden, so is the other's, so subtraction gives neither away."""
    sources = [source for source, _ in REFERRAL_SOURCES]
    shown = {
        stage: suppress_column({s: int(raw.by_source.get(s, {}).get(stage, 0)) for s in sources}, sources, threshold)[0]
        for stage in STAGES
    }
    rows = tuple(
        (
            label,
            *(shown[stage][source] for stage in STAGES),
            rate(shown["attended"][source], shown["referred"][source]),
        )
        for source, label in REFERRAL_SOURCES
    )
    return FigureTable(
        "by-source",
        "Uptake by referral source",
        (
            Column("source", "Referral source"),
            *(Column(stage, label) for stage, label in zip(STAGES, STAGE_LABELS, strict=True)),
            Column("uptake_percent", "Uptake % (attended of referred)"),
        ),
        rows,
        note="Self-referrals come from the public form; GP referrals from practices' systems.",
    )


STAGE_LABELS = ("Referred", "Offered a place", "Attended", "Completed")

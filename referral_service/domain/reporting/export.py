"""The versioned JSON export an ICB can pool across services (documented in docs/reports.md).

Bump VERSION's minor number when tables or columns are added, its major number when any
existing key changes meaning or goes away.
"""

from __future__ import annotations

from typing import Any

from referral_service.domain.reporting.tables import Report
from referral_service.domain.suppression import SUPPRESSED

SCHEMA = "referral-service-report"
VERSION = "1.3"  # 1.1: the compare-practices and compare-providers tables; 1.2: reminder-effect; 1.3: by-source


def export_document(report: Report, *, publisher: str) -> dict[str, Any]:
    """The whole report as plain JSON values; suppressed cells stay the string '*'."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "publisher": publisher,
        "generated_at": report.generated_at.isoformat(),
        "filter": report.filter.as_query(),
        "suppression": {"threshold": report.threshold, "marker": SUPPRESSED, "applies_to": "counts 1 to threshold"},
        "tables": {
            table.key: {
                "title": table.title,
                "section": section.key,
                "columns": [{"key": column.key, "label": column.label} for column in table.columns],
                "rows": table.as_dicts(),
                "note": table.note,
            }
            for section in report.sections
            for table in section.tables
        },
        "definitions": {
            section.key: {
                stage.key: {"label": stage.label, "definition": stage.definition} for stage in section.definitions
            }
            for section in report.sections
            if section.definitions
        },
    }

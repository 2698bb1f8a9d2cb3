"""The report pages, one per section, each table's CSV and the versioned JSON export."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup
from marshmallow import ValidationError

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.dates import PARTS, parse_date_parts
from referral_service.domain.reporting.definitions import PATHWAY_LABELS, ReportFilter
from referral_service.domain.reporting.export import SCHEMA, VERSION, export_document
from referral_service.domain.reporting.tables import FigureTable, Report
from referral_service.reports.charts import Series, columns, horizontal_bars, lines
from referral_service.schemas.reports import describe_errors, parse_report_filter
from referral_service.services.errors import Invalid
from referral_service.services.reports import commissioner_report, report_filter_choices
from referral_service.web.auth import require_roles
from referral_service.web.context import service_context, unit_of_work

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
READERS = (UserRole.COMMISSIONER, UserRole.ADMIN)
PAGES = {  # URL -> report section
    "uptake": "funnel",
    "waits": "waits",
    "outcomes": "outcomes",
    "equity": "equity",
    "gaps": "gaps",
    "quality": "quality",
}


def _arguments() -> dict[str, str]:
    """The query, with a date typed in the three-box date input read into `from` and `to` (the
    CSV and JSON links carry them as ISO dates, as their contract says)."""
    arguments = request.args.to_dict()
    for name, what in (("from", "The start date"), ("to", "The end date")):
        parts = [arguments.pop(f"{name}-{part}", "") for part in PARTS]
        if any(parts):
            try:
                arguments[name] = parse_date_parts(*parts, what=what).isoformat()
            except ValueError as error:
                abort(400, f"The report filter is not right: {error}.")
    return arguments


def _filter() -> ReportFilter:
    try:
        return parse_report_filter(_arguments(), today=utcnow().date())
    except ValidationError as error:
        abort(400, describe_errors(error))


def _report(report_filter: ReportFilter) -> Report:
    try:
        with unit_of_work() as uow:
            return commissioner_report(
                uow, report_filter, threshold=service_context().settings.suppression_threshold, now=utcnow()
            )
    except Invalid as error:
        abort(400, f"The report filter is not right: {error.message}.")


def _charts(report: Report, section: str) -> dict[str, Markup]:
    """Charts where people would rather look than read, keyed by the table they draw."""
    charts: dict[str, Markup] = {}
    if section == "funnel":
        table = report.table("uptake")
        stages = table.rows[:13]
        charts["uptake"] = horizontal_bars(
            "Referrals reaching each stage", [str(r[0]) for r in stages], [r[1] for r in stages]
        )
    elif section == "waits":
        table = report.table("waits-by-month")
        months = [str(m) for m in table.column("month")]
        series = [
            Series(label, table.column(key))
            for key, label in (
                ("offer", "to offer"),
                ("contact", "to first contact"),
                ("attendance", "to first attendance"),
            )
        ]
        charts["waits-by-month"] = lines("Median days from referral, by month referred", months, series, unit="")
    elif section == "outcomes":
        table = report.table("outcomes")
        charts["outcomes"] = horizontal_bars(
            "Share with a meaningful improvement",
            [str(m) for m in table.column("measure")],
            table.column("improved_percent"),
            unit="%",
        )
    elif section == "equity":
        for table in report.section("equity").tables:
            charts[table.key] = columns(
                f"Uptake (first attendance) as % of referred, {table.title.lower()}",
                [str(g) for g in table.column("group")],
                table.column("uptake_percent"),
                unit="%",
            )
    elif section == "gaps":
        area = report.table("gaps-by-area")
        charts["gaps-by-area"] = horizontal_bars(
            "Referrals no service could take, by postcode district",
            [str(a) for a in area.column("group")][:-1],
            area.column("referrals")[:-1],
        )
        month = report.table("gaps-by-month")
        charts["gaps-by-month"] = lines(
            "Referrals no service could take, by month",
            [str(m) for m in month.column("month")][:-1],
            [Series("all reasons", month.column("all")[:-1])],
        )
    return charts


def _page(page: str) -> str:
    report_filter = _filter()
    report = _report(report_filter)
    with unit_of_work() as uow:
        choices = report_filter_choices(uow)
    section = report.section(PAGES[page])
    return render_template(
        "reports/section.html",
        page=page,
        pages=PAGES,
        report=report,
        section=section,
        charts=_charts(report, section.key),
        choices=choices,
        pathway_labels=PATHWAY_LABELS,
        query=report_filter.as_query(),
        schema=SCHEMA,
        version=VERSION,
    )


@bp.get("/")
@require_roles(*READERS)
def index() -> str:
    return _page("uptake")


@bp.get("/<any(uptake, waits, outcomes, equity, gaps, quality):page>")
@require_roles(*READERS)
def section_page(page: str) -> str:
    return _page(page)


def _csv(table: FigureTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    writer.writerows(["" if value is None else value for value in row] for row in table.rows)
    return out.getvalue()


@bp.get("/<string:key>.csv")
@require_roles(*READERS)
def table_csv(key: str) -> Response:
    report_filter = _filter()
    report = _report(report_filter)
    try:
        table = report.table(key)
    except KeyError:
        abort(404)
    name = f"{key}_{report_filter.start.isoformat()}_{report_filter.end.isoformat()}.csv"
    return Response(_csv(table), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export.json")
@require_roles(*READERS)
def export() -> Response:
    report = _report(_filter())
    document = export_document(report, publisher=service_context().settings.ods_code)
    return Response(json.dumps(document, indent=1), mimetype="application/json")

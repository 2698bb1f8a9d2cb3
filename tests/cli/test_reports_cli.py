"""`deprivation load`, `pcns load`, `demo generate` and `reports refresh` as a deployment uses them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from referral_service.config import PROJECT_ROOT
from referral_service.domain.clock import utcnow
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.persistence.models import Patient, PracticePcn, Referral, ReferralEvent, ReferralTask
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from referral_service.services.reports import commissioner_report
from tests.factories import incoming

LOOKUPS = PROJECT_ROOT / "deprivation" / "demo"


def test_deprivation_load_gives_patients_their_decile(
    runner: FlaskCliRunner,
    uow: UnitOfWork,
    refer: Callable[..., ReferralReceipt],
) -> None:
    postcode, lsoa = (LOOKUPS / "postcode_lsoa.csv").read_text().splitlines()[1].split(",")
    decile = dict(line.split(",") for line in (LOOKUPS / "lsoa_imd.csv").read_text().splitlines()[1:])[lsoa]
    refer(incoming(postcode=postcode.lower()))
    result = runner.invoke(
        args=[
            "deprivation",
            "load",
            "--postcodes",
            str(LOOKUPS / "postcode_lsoa.csv"),
            "--imd",
            str(LOOKUPS / "lsoa_imd.csv"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 patients now have an IMD decile" in result.output
    with uow:
        patient = uow.session.scalars(select(Patient)).one()
        assert (patient.lsoa_code, patient.imd_decile) == (lsoa, int(decile))


def test_a_bad_lookup_file_is_refused_with_its_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "imd.csv"
    bad.write_text("LSOA code (2021),Index of Multiple Deprivation (IMD) Decile\nE01999001,4\nE01999002,eleven\n")
    result = runner.invoke(
        args=["deprivation", "load", "--postcodes", str(LOOKUPS / "postcode_lsoa.csv"), "--imd", str(bad)]
    )
    assert result.exit_code != 0
    assert "imd.csv line 3: the IMD decile must be 1 to 10, not 'eleven'" in result.output


def test_pcns_load(runner: FlaskCliRunner, uow: UnitOfWork) -> None:
    result = runner.invoke(args=["pcns", "load", str(LOOKUPS / "practice_pcns.csv")])
    assert result.exit_code == 0, result.output
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(PracticePcn)) == 12


def test_demo_generate_writes_a_plausible_history_the_reports_read(
    runner: FlaskCliRunner,
    uow: UnitOfWork,
    directory: None,
) -> None:
    result = runner.invoke(args=["demo", "generate", "--referrals", "400", "--seed", "5", "--batch-size", "150"])
    assert result.exit_code == 0, result.output
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 400
        kinds = set(uow.session.scalars(select(ReferralEvent.event_type).distinct()))
        today = utcnow().date()
        report = commissioner_report(uow, ReportFilter(today - timedelta(days=600), today), threshold=0, now=utcnow())
    assert {"received", "offered", "accepted", "contact", "attend", "dna", "complete", "drop-out"} <= kinds
    funnel = {row[0]: row[1] for row in report.table("uptake").rows}
    assert funnel["Referred"] == 400
    assert 0.65 <= int(funnel["Accepted"]) / int(funnel["Offered"]) <= 1  # type: ignore[arg-type]
    assert 0.3 <= int(funnel["Completed"]) / int(funnel["First attendance"]) <= 0.75  # type: ignore[arg-type]
    result = runner.invoke(args=["reports", "refresh", "--full"])
    assert result.exit_code == 0 and "400 referrals summarised" in result.output


def test_a_settled_history_has_ended_before_today_and_is_written_once(
    runner: FlaskCliRunner,
    uow: UnitOfWork,
    directory: None,
) -> None:
    arguments = ["demo", "generate", "--referrals", "150", "--settled-days", "180", "--unless-present"]
    assert runner.invoke(args=arguments).exit_code == 0
    again = runner.invoke(args=arguments)
    assert again.exit_code == 0 and "nothing written" in again.output
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 150
        newest = uow.session.scalar(select(func.max(Referral.received_at)))
        open_offers = uow.session.scalar(
            select(func.count()).select_from(ReferralTask).where(ReferralTask.business_status == "offered")
        )
    assert newest is not None and newest <= utcnow() - timedelta(days=180)
    assert open_offers == 0  # nothing left in a provider's inbox


def test_a_second_history_adds_to_the_first(
    runner: FlaskCliRunner,
    uow: UnitOfWork,
    directory: None,
) -> None:
    """The README's `demo generate --referrals N` after `make run` (which wrote one already) adds N more;
    the same seed again never repeats the ids it wrote the first time."""
    first = runner.invoke(args=["demo", "generate", "--referrals", "120", "--settled-days", "180"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "generate", "--referrals", "80"])
    assert second.exit_code == 0, second.output
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 200

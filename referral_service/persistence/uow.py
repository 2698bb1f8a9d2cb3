"""The unit of work: one transaction per request, job item or CLI command, and the only commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.read_models.reading import ReportReadModel
from referral_service.persistence.repositories.access import AccessRepository
from referral_service.persistence.repositories.account_links import AccountLinkRepository
from referral_service.persistence.repositories.accreditation import AccreditationRepository
from referral_service.persistence.repositories.areas import AreaRepository
from referral_service.persistence.repositories.capacity import CapacityRepository
from referral_service.persistence.repositories.casework import CaseworkRepository
from referral_service.persistence.repositories.directory import DirectoryRepository
from referral_service.persistence.repositories.directory_changes import DirectoryChangesRepository
from referral_service.persistence.repositories.kept import KEPT
from referral_service.persistence.repositories.lookups import LookupRepository
from referral_service.persistence.repositories.notifications import NotificationRepository
from referral_service.persistence.repositories.outbox import OutboxRepository
from referral_service.persistence.repositories.progress import ProgressRepository
from referral_service.persistence.repositories.referrals import ReferralRepository
from referral_service.persistence.repositories.schedule import ScheduleRepository
from referral_service.persistence.repositories.synthetic import SyntheticRepository


class UnitOfWork:
    """Commits when the block finishes, rolls back when it raises.

    Services and repositories receive a unit of work and never commit; the entry point (a view,
    a job item, a CLI command) owns the transaction's scope.
    """

    session: Session
    directory: DirectoryRepository
    areas: AreaRepository
    access: AccessRepository
    accreditation: AccreditationRepository
    account_links: AccountLinkRepository
    referrals: ReferralRepository
    capacity: CapacityRepository
    outbox: OutboxRepository
    notifications: NotificationRepository
    progress: ProgressRepository
    schedule: ScheduleRepository
    lookups: LookupRepository
    reports: ReportReadModel
    synthetic: SyntheticRepository
    casework: CaseworkRepository
    directory_changes: DirectoryChangesRepository

    def __init__(
        self, session_factory: SessionFactory, *, on_enter: Callable[[UnitOfWork], None] | None = None
    ) -> None:
        """`on_enter` runs first inside the transaction: a request's authentication shares the
        view's transaction instead of paying for one of its own."""
        self._session_factory = session_factory
        self._on_enter = on_enter

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.session.begin()
        self.directory = DirectoryRepository(self.session)
        self.areas = AreaRepository(self.session)
        self.access = AccessRepository(self.session)
        self.accreditation = AccreditationRepository(self.session)
        self.account_links = AccountLinkRepository(self.session)
        self.referrals = ReferralRepository(self.session)
        self.capacity = CapacityRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        self.progress = ProgressRepository(self.session)
        self.schedule = ScheduleRepository(self.session)
        self.lookups = LookupRepository(self.session)
        self.reports = ReportReadModel(self.session)
        self.synthetic = SyntheticRepository(self.session)
        self.casework = CaseworkRepository(self.session)
        self.directory_changes = DirectoryChangesRepository(self.session)
        if self._on_enter is not None:
            try:
                self._on_enter(self)
            except BaseException:
                self.session.rollback()
                self.session.close()
                raise
        return self

    @contextmanager
    def writes_held(self) -> Iterator[None]:
        """Reads inside do not flush what is pending (SQLAlchemy's autoflush): new rows are written
        by the next explicit flush, together and in their final state, instead of INSERT then UPDATE."""
        with self.session.no_autoflush:
            yield

    def schema_revisions(self) -> frozenset[str]:
        """Ping the database and read the migration revisions it is stamped with."""
        return migrations.schema_revisions(self.session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.info.pop(KEPT, None)
            self.session.close()

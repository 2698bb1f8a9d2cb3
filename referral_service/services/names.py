"""The directory's names for its ids, so pages say "Exercise referral" where a reason stored
"mvl-exercise-referral" (see `domain.wording.reword`)."""

from __future__ import annotations

from referral_service.persistence.uow import UnitOfWork


def directory_names(uow: UnitOfWork) -> dict[str, str]:
    """Provider and service ids to their names; a service's name says whose it is, as ids are unique."""
    options = uow.reports.filter_options()
    providers = dict(options.providers)
    return {**providers, **dict(options.services)}

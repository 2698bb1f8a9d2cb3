"""The Task state machine of a referral (HL7 Gravity SDOH referral management, interop.md §4).

Task.status moves only along these edges; anything else is refused with the reason. Reasons are
required where the standard requires them: rejected, cancelled, on-hold and failed.
"""

from __future__ import annotations

from collections.abc import Mapping

from referral_service.domain.errors import InvalidTransition
from referral_service.domain.referral import TaskStatus

S = TaskStatus

TASK_TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    S.DRAFT: frozenset({S.REQUESTED}),
    S.REQUESTED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.ENTERED_IN_ERROR: frozenset(),
}
REASON_REQUIRED: frozenset[TaskStatus] = frozenset({S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED})
TERMINAL: frozenset[TaskStatus] = frozenset(status for status, targets in TASK_TRANSITIONS.items() if not targets)


def check_task_transition(current: TaskStatus, target: TaskStatus, reason: str | None = None) -> None:
    """Raise InvalidTransition unless `current -> target` is an edge of the machine (with its reason).

    entered-in-error is reachable from every state: a Task that should never have existed.
    """
    if target is S.ENTERED_IN_ERROR and current is not S.ENTERED_IN_ERROR:
        return
    if target not in TASK_TRANSITIONS[current]:
        raise InvalidTransition(f"a Task that is {current.value} cannot become {target.value}")
    if target in REASON_REQUIRED and not (reason and reason.strip()):
        raise InvalidTransition(f"a Task becoming {target.value} needs a reason")


def is_current(status: TaskStatus) -> bool:
    """Still open: the referrer may cancel it, a provider may act on it."""
    return status not in TERMINAL

"""The Task state machine of a referral (HL7 Gravity SDOH referral management, interop.md §4).

Task.status moves only along these edges; anything else is refused with the reason. Reasons are
required where the standard requires them: rejected, cancelled, on-hold and failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

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


class BusinessStatus(StrEnum):
    """Where a referral stands. Before acceptance, our codes; from acceptance on, BSeR's."""

    TRIAGE = "triage"
    OFFERED = "offered"
    WAITLISTED = "waitlisted"
    LINK_WORKER = "link-worker"
    ACCEPTED = "3.0"  # BSeR: Service Request Accepted
    DECLINED = "4.0"  # BSeR: Service Request Declined (closed with no provider)
    EVENT_SCHEDULED = "5.1.1"  # BSeR: contact made, sessions booked
    EVENT_UNATTENDED = "5.1.2"  # BSeR: did not attend
    EVENT_COMPLETED = "5.1.4"  # BSeR: a session attended
    CANCELLED = "6.0"  # BSeR: Service Request Fulfillment Cancelled
    COMPLETED = "7.0"  # BSeR: Service Request Fulfillment Completed
    DROPPED_OUT = "dropped-out"  # ours: started but did not finish


class Action(StrEnum):
    OFFER = "offer"
    WAITLIST = "waitlist"
    TO_LINK_WORKER = "to-link-worker"
    RETRIAGE = "retriage"  # the offer was declined or expired: choose again
    PLACE = "place"  # a link worker places the referral by hand (with an override reason)
    REASSESS = "reassess"  # the referrer sent new facts: a referral in the queue is triaged again
    ACCEPT = "accept"
    CONTACT = "contact"
    ATTEND = "attend"
    DNA = "dna"
    COMPLETE = "complete"
    DROP_OUT = "drop-out"
    CANCEL = "cancel"  # by the referrer, or after the patient withdrew
    CLOSE = "close"  # a link worker closes a referral nobody can take


State = tuple[TaskStatus, BusinessStatus]
B = BusinessStatus
WAITING = frozenset({(S.REQUESTED, B.TRIAGE), (S.REQUESTED, B.WAITLISTED), (S.REQUESTED, B.LINK_WORKER)})
STARTED = frozenset(
    {(S.ACCEPTED, B.ACCEPTED)}
    | {(S.IN_PROGRESS, b) for b in (B.EVENT_SCHEDULED, B.EVENT_UNATTENDED, B.EVENT_COMPLETED)}
)
OPEN = WAITING | {(S.REQUESTED, B.OFFERED)} | STARTED

# action -> (states it may start from, the state it leads to, whether a reason is required)
ACTIONS: Mapping[Action, tuple[frozenset[State], State, bool]] = {
    Action.OFFER: (frozenset({(S.REQUESTED, B.TRIAGE), (S.REQUESTED, B.WAITLISTED)}), (S.REQUESTED, B.OFFERED), False),
    Action.WAITLIST: (frozenset({(S.REQUESTED, B.TRIAGE)}), (S.REQUESTED, B.WAITLISTED), False),
    Action.TO_LINK_WORKER: (frozenset({(S.REQUESTED, B.TRIAGE)}), (S.REQUESTED, B.LINK_WORKER), True),
    Action.RETRIAGE: (frozenset({(S.REQUESTED, B.OFFERED)}), (S.REQUESTED, B.TRIAGE), True),
    Action.PLACE: (frozenset({(S.REQUESTED, B.LINK_WORKER)}), (S.REQUESTED, B.OFFERED), True),
    Action.REASSESS: (frozenset({(S.REQUESTED, B.LINK_WORKER)}), (S.REQUESTED, B.TRIAGE), True),
    Action.ACCEPT: (frozenset({(S.REQUESTED, B.OFFERED)}), (S.ACCEPTED, B.ACCEPTED), False),
    Action.CONTACT: (STARTED, (S.IN_PROGRESS, B.EVENT_SCHEDULED), False),
    Action.ATTEND: (STARTED, (S.IN_PROGRESS, B.EVENT_COMPLETED), False),
    Action.DNA: (STARTED, (S.IN_PROGRESS, B.EVENT_UNATTENDED), False),
    Action.COMPLETE: (STARTED, (S.COMPLETED, B.COMPLETED), False),
    Action.DROP_OUT: (STARTED, (S.FAILED, B.DROPPED_OUT), True),
    Action.CANCEL: (OPEN, (S.CANCELLED, B.CANCELLED), True),
    Action.CLOSE: (frozenset({(S.REQUESTED, B.LINK_WORKER)}), (S.REJECTED, B.DECLINED), True),
}


def next_state(current: State, action: Action, reason: str | None = None) -> State:
    """The state an action leads to from `current`, or InvalidTransition saying why not.

    Every resulting Task.status change is also an edge of the Gravity machine above.
    """
    sources, target, needs_reason = ACTIONS[action]
    if current not in sources:
        status, business = current
        raise InvalidTransition(f"cannot {action.value} a referral whose Task is {status.value} ({business.value})")
    if needs_reason and not (reason and reason.strip()):
        raise InvalidTransition(f"{action.value} needs a reason")
    if target[0] is not current[0]:
        check_task_transition(current[0], target[0], reason or "not needed")
    return target


def provider_action(status: TaskStatus, business: str | None) -> Action:
    """What a provider's Task update means (FHIR PATCH/PUT from its own system), or why not.

    in-progress takes its step from businessStatus: 5.1.1 contact made (the default), 5.1.4 a
    session attended, 5.1.2 did not attend.
    """
    if status is S.IN_PROGRESS:
        steps: dict[str | None, Action] = {
            None: Action.CONTACT,
            B.EVENT_SCHEDULED.value: Action.CONTACT,
            B.EVENT_COMPLETED.value: Action.ATTEND,
            B.EVENT_UNATTENDED.value: Action.DNA,
        }
        if business not in steps:
            raise InvalidTransition(f"in-progress takes businessStatus 5.1.1, 5.1.4 or 5.1.2, not {business}")
        return steps[business]
    by_status = {
        S.ACCEPTED: Action.ACCEPT,
        S.REJECTED: Action.RETRIAGE,  # a decline: the referral is offered elsewhere
        S.COMPLETED: Action.COMPLETE,
        S.FAILED: Action.DROP_OUT,
        S.CANCELLED: Action.CANCEL,
    }
    if status not in by_status:
        raise InvalidTransition(f"a provider cannot set a Task to {status.value}")
    return by_status[status]


OUR_BUSINESS_STATUS_SYSTEM = "https://referral-service.example.org/fhir/CodeSystem/referral-business-status"
BSER_BUSINESS_STATUS_SYSTEM = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"


def business_status_system(code: str) -> str:
    """Our codes (before acceptance, and dropped-out) or BSeR's numbered ones (fhir_profiles/)."""
    return BSER_BUSINESS_STATUS_SYSTEM if code[:1].isdigit() else OUR_BUSINESS_STATUS_SYSTEM

"""The event table: every event type means something, and every material one says what the referrer receives."""

from __future__ import annotations

from referral_service.domain.events import EVENTS, MESSAGES, EventType, MessageKind, Milestone, read_as
from referral_service.domain.lifecycle import Action


def test_every_event_type_has_an_entry() -> None:
    assert set(EVENTS) == set(EventType)


def test_every_message_kind_is_sent_by_some_event() -> None:
    assert set(MESSAGES) == set(MessageKind)
    assert all(MESSAGES[kind].narrative for kind in MessageKind)


def test_material_events_name_their_message() -> None:
    material = {event for event, meaning in EVENTS.items() if meaning.material}
    assert material == {
        EventType.WAITLISTED,
        EventType.TO_LINK_WORKER,
        EventType.ACCEPTED,
        EventType.CLOSED,
        EventType.INFORMATION_REQUESTED,
        EventType.ATTEND,
        EventType.DNA,
        EventType.COMPLETE,
        EventType.DROP_OUT,
        EventType.CANCELLED,
        EventType.CANCELLED_BY_REFERRER,
        EventType.CANCELLED_BY_PROVIDER,
    }
    assert all((m.message or m.first_message) is not None for m in EVENTS.values() if m.material)


def test_a_link_worker_close_is_closed_not_a_provider_decline() -> None:
    """Closing (no service can take it) and a provider declining its offer are different news."""
    assert EVENTS[EventType.CLOSED].message is not None
    assert EVENTS[EventType.CLOSED].message.kind is MessageKind.CLOSED
    assert EVENTS[EventType.DECLINED].message is None  # the referral is offered elsewhere
    assert MessageKind.CLOSED != MessageKind.SENT_TO_LINK_WORKER  # a decline with nowhere else to go


def test_lifecycle_steps_recorded_under_their_action_name_are_event_types() -> None:
    """`transition` records a step without its own event type under the action's name."""
    for action in (Action.CONTACT, Action.ATTEND, Action.DNA, Action.COMPLETE, Action.DROP_OUT):
        assert EventType(action.value) in EVENTS


def test_every_milestone_is_read_from_some_event() -> None:
    assert all(read_as(milestone) for milestone in Milestone)
    assert read_as(Milestone.CANCELLATION) == (
        EventType.CANCELLED,
        EventType.CANCELLED_BY_REFERRER,
        EventType.CANCELLED_BY_PROVIDER,
    )

"""The referral lifecycle: every allowed transition lands where it should; every other is refused."""

from __future__ import annotations

import itertools

import pytest

from referral_service.domain.errors import InvalidTransition
from referral_service.domain.lifecycle import (
    ACTIONS,
    TASK_TRANSITIONS,
    Action,
    BusinessStatus,
    State,
    check_task_transition,
    next_state,
)
from referral_service.domain.referral import TaskStatus

ALL_STATES: list[State] = list(itertools.product(TaskStatus, BusinessStatus))
PAIRS = [(state, action) for state in ALL_STATES for action in Action]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s[0].value}/{s[1].value}-{a.value}" for s, a in PAIRS])
def test_every_action_from_every_state(state: State, action: Action) -> None:
    sources, target, _ = ACTIONS[action]
    if state in sources:
        assert next_state(state, action, reason="because") == target
    else:
        with pytest.raises(InvalidTransition, match=f"cannot {action.value}"):
            next_state(state, action, reason="because")


@pytest.mark.parametrize("action", [a for a, (_, _, needs) in ACTIONS.items() if needs])
def test_actions_that_need_a_reason_refuse_without_one(action: Action) -> None:
    source = sorted(ACTIONS[action][0])[0]
    with pytest.raises(InvalidTransition, match="needs a reason"):
        next_state(source, action, reason=" ")


TASK_PAIRS = list(itertools.product(TaskStatus, TaskStatus))


@pytest.mark.parametrize(("current", "target"), TASK_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in TASK_PAIRS])
def test_the_gravity_task_machine(current: TaskStatus, target: TaskStatus) -> None:
    allowed = target in TASK_TRANSITIONS[current] or (
        target is TaskStatus.ENTERED_IN_ERROR and current is not TaskStatus.ENTERED_IN_ERROR
    )
    if allowed:
        check_task_transition(current, target, reason="because")
    else:
        with pytest.raises(InvalidTransition):
            check_task_transition(current, target, reason="because")


@pytest.mark.parametrize("target", [TaskStatus.REJECTED, TaskStatus.CANCELLED, TaskStatus.ON_HOLD, TaskStatus.FAILED])
def test_gravity_requires_a_reason_for_these(target: TaskStatus) -> None:
    current = TaskStatus.REQUESTED if target in TASK_TRANSITIONS[TaskStatus.REQUESTED] else TaskStatus.ACCEPTED
    with pytest.raises(InvalidTransition, match="needs a reason"):
        check_task_transition(current, target, reason=None)


def test_every_action_target_is_a_legal_task_move_from_each_source() -> None:
    for sources, target, _ in ACTIONS.values():
        for source in sources:
            if source[0] is not target[0]:
                check_task_transition(source[0], target[0], reason="because")

"""Outcome measure scoring: SWEMWBS against the published Rasch table, ONS4 kept item by item."""

from __future__ import annotations

import pytest

from referral_service.domain.outcomes import (
    SWEMWBS_ITEMS,
    MeasureError,
    score_measure,
    swemwbs_metric_score,
)
from referral_service.domain.progress import OutcomeInstrument


@pytest.mark.parametrize(
    ("raw", "metric"),
    [(7, 7.00), (8, 9.51), (14, 15.32), (21, 19.25), (22, 19.98), (28, 25.03), (34, 32.55), (35, 35.00)],
)
def test_swemwbs_conversion_matches_the_published_table_at_its_ends_and_middle(raw: int, metric: float) -> None:
    assert swemwbs_metric_score(raw) == metric


def test_the_swemwbs_table_rises_with_every_raw_point() -> None:
    scores = [swemwbs_metric_score(raw) for raw in range(7, 36)]
    assert scores == sorted(scores) and len(set(scores)) == 29


@pytest.mark.parametrize("raw", [6, 36, 0])
def test_raw_totals_outside_7_to_35_are_refused(raw: int) -> None:
    with pytest.raises(MeasureError):
        swemwbs_metric_score(raw)


def test_a_swemwbs_form_is_scored_from_its_seven_answers() -> None:
    answers = {name: 3 for name, _ in SWEMWBS_ITEMS}  # raw 21
    scored = score_measure(OutcomeInstrument.SWEMWBS, answers)
    assert scored.score == 19.25
    assert scored.items == {name: 3.0 for name, _ in SWEMWBS_ITEMS}


def test_a_swemwbs_answer_of_six_names_its_item() -> None:
    answers = {name: 3 for name, _ in SWEMWBS_ITEMS} | {"relaxed": 6}
    with pytest.raises(MeasureError) as caught:
        score_measure(OutcomeInstrument.SWEMWBS, answers)
    assert caught.value.field == "relaxed"


def test_ons4_items_are_kept_separately_and_never_summed() -> None:
    scored = score_measure(
        OutcomeInstrument.ONS4, {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 4}
    )
    assert scored.score is None
    assert scored.items == {"life_satisfaction": 6.0, "worthwhile": 7.0, "happiness": 5.0, "anxiety": 4.0}


@pytest.mark.parametrize("answer", [-1, 11, 5.5])
def test_ons4_answers_are_whole_numbers_from_0_to_10(answer: float) -> None:
    with pytest.raises(MeasureError) as caught:
        score_measure(
            OutcomeInstrument.ONS4, {"life_satisfaction": answer, "worthwhile": 7, "happiness": 5, "anxiety": 4}
        )
    assert caught.value.field == "life_satisfaction"


def test_a_missing_answer_is_named() -> None:
    with pytest.raises(MeasureError) as caught:
        score_measure(OutcomeInstrument.ONS4, {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5})
    assert caught.value.field == "anxiety"


def test_blood_pressure_needs_diastolic_below_systolic() -> None:
    assert score_measure(OutcomeInstrument.BLOOD_PRESSURE, {"systolic": 132, "diastolic": 84}).items == {
        "systolic": 132.0,
        "diastolic": 84.0,
    }
    with pytest.raises(MeasureError):
        score_measure(OutcomeInstrument.BLOOD_PRESSURE, {"systolic": 80, "diastolic": 90})

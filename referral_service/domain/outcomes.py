"""Outcome measures: what each instrument asks, how it is scored, and what counts as improvement.

Providers record measures at the start and end of a programme; the referrer's outcome report and
the commissioners' reports read them back. Scoring lives here so both read the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from referral_service.domain.progress import OutcomeInstrument

# SWEMWBS raw total (7 items scored 1-5) to metric score, from the Rasch conversion table published
# by Warwick Medical School with the scale (Stewart-Brown et al., Health Qual Life Outcomes 2009;
# 7:15). Raw totals are ordinal: only converted scores may be averaged or differenced.
SWEMWBS_METRIC: Mapping[int, float] = MappingProxyType(
    {
        7: 7.00,
        8: 9.51,
        9: 11.25,
        10: 12.40,
        11: 13.33,
        12: 14.08,
        13: 14.75,
        14: 15.32,
        15: 15.84,
        16: 16.36,
        17: 16.88,
        18: 17.43,
        19: 17.98,
        20: 18.59,
        21: 19.25,
        22: 19.98,
        23: 20.73,
        24: 21.54,
        25: 22.35,
        26: 23.21,
        27: 24.11,
        28: 25.03,
        29: 26.02,
        30: 27.03,
        31: 28.13,
        32: 29.31,
        33: 30.70,
        34: 32.55,
        35: 35.00,
    }
)

SWEMWBS_ITEMS: tuple[tuple[str, str], ...] = (
    ("optimistic", "I've been feeling optimistic about the future"),
    ("useful", "I've been feeling useful"),
    ("relaxed", "I've been feeling relaxed"),
    ("dealing_with_problems", "I've been dealing with problems well"),
    ("thinking_clearly", "I've been thinking clearly"),
    ("close_to_others", "I've been feeling close to other people"),
    ("own_mind", "I've been able to make up my own mind about things"),
)
SWEMWBS_ANSWERS: tuple[tuple[int, str], ...] = (
    (1, "None of the time"),
    (2, "Rarely"),
    (3, "Some of the time"),
    (4, "Often"),
    (5, "All of the time"),
)

# ONS4 personal wellbeing: four questions answered 0-10, reported item by item, never summed.
# For anxiety a lower answer is better.
ONS4_ITEMS: tuple[tuple[str, str], ...] = (
    ("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
    ("worthwhile", "Overall, to what extent do you feel the things you do in your life are worthwhile?"),
    ("happiness", "Overall, how happy did you feel yesterday?"),
    (
        "anxiety",
        "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', "
        "overall, how anxious did you feel yesterday?",
    ),
)
QUESTIONS: Mapping[str, str] = MappingProxyType(dict(ONS4_ITEMS) | dict(SWEMWBS_ITEMS))


@dataclass(frozen=True)
class Improvement:
    """What change counts as meaningful for one reported figure, and where that threshold comes from."""

    threshold: float
    lower_is_better: bool
    source: str


# Individual meaningful change for SWEMWBS is 1-3 metric points (Shah et al., Health Qual Life
# Outcomes 2018;16:239); we count 3, the upper end, so "improved" means beyond measurement error.
# ONS4 has no published minimal important difference; a whole point on the 0-10 scale is the
# convention in social prescribing evaluations. Activity: 30 more minutes a week is NICE PH54's
# line between inactive and not.
IMPROVEMENTS: Mapping[str, Improvement] = MappingProxyType(
    {
        "swemwbs": Improvement(3.0, False, "Shah et al. 2018 (1-3 points; upper end used)"),
        "ons4.life_satisfaction": Improvement(1.0, False, "one point on the 0-10 scale"),
        "ons4.worthwhile": Improvement(1.0, False, "one point on the 0-10 scale"),
        "ons4.happiness": Improvement(1.0, False, "one point on the 0-10 scale"),
        "ons4.anxiety": Improvement(1.0, True, "one point on the 0-10 scale (lower is better)"),
        "activity-minutes": Improvement(30.0, False, "30 minutes a week (NICE PH54's inactivity line)"),
    }
)


class MeasureError(ValueError):
    """An answer outside what the instrument allows; `field` names the item at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def swemwbs_metric_score(raw_total: int) -> float:
    """The Rasch-converted score for a raw SWEMWBS total of 7-35."""
    if raw_total not in SWEMWBS_METRIC:
        raise MeasureError("swemwbs", f"a SWEMWBS raw total must be 7 to 35, not {raw_total}")
    return SWEMWBS_METRIC[raw_total]


def _whole_number(field: str, value: float, low: int, high: int) -> int:
    if value != int(value) or not low <= value <= high:
        raise MeasureError(field, f"{field.replace('_', ' ')} must be a whole number from {low} to {high}")
    return int(value)


def _number(field: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise MeasureError(field, f"{field.replace('_', ' ')} must be between {low:g} and {high:g}")
    return float(value)


@dataclass(frozen=True)
class ScoredMeasure:
    instrument: OutcomeInstrument
    items: dict[str, float]
    score: float | None


def score_measure(instrument: OutcomeInstrument, answers: Mapping[str, float | None]) -> ScoredMeasure:
    """Check every answer against the instrument and compute its score (None where it has none)."""

    def required(name: str) -> float:
        value = answers.get(name)
        if value is None:
            question = QUESTIONS.get(name)
            message = f"answer '{question}'" if question else f"enter the {name.replace('_', ' ')}"
            raise MeasureError(name, message)
        return value

    if instrument is OutcomeInstrument.ONS4:
        items = {name: float(_whole_number(name, required(name), 0, 10)) for name, _ in ONS4_ITEMS}
        return ScoredMeasure(instrument, items, None)
    if instrument is OutcomeInstrument.SWEMWBS:
        items = {name: float(_whole_number(name, required(name), 1, 5)) for name, _ in SWEMWBS_ITEMS}
        return ScoredMeasure(instrument, items, swemwbs_metric_score(int(sum(items.values()))))
    if instrument is OutcomeInstrument.ACTIVITY_MINUTES:
        minutes = float(_whole_number("minutes", required("minutes"), 0, 7 * 24 * 60))
        return ScoredMeasure(instrument, {"minutes": minutes}, minutes)
    if instrument is OutcomeInstrument.WEIGHT:
        weight = _number("weight_kg", required("weight_kg"), 20, 400)
        return ScoredMeasure(instrument, {"weight_kg": weight}, weight)
    if instrument is OutcomeInstrument.BMI:
        bmi = _number("bmi", required("bmi"), 10, 100)
        return ScoredMeasure(instrument, {"bmi": bmi}, bmi)
    if instrument is OutcomeInstrument.BLOOD_PRESSURE:
        systolic = float(_whole_number("systolic", required("systolic"), 50, 300))
        diastolic = float(_whole_number("diastolic", required("diastolic"), 30, 200))
        if diastolic >= systolic:
            raise MeasureError("diastolic", "diastolic pressure must be lower than systolic")
        return ScoredMeasure(instrument, {"systolic": systolic, "diastolic": diastolic}, None)
    raise MeasureError("instrument", f"unknown instrument {instrument}")

"""Why a service was not assessed: the first reason in assess()'s order, and only the reasons the
patient's known facts can test; what triage's explanation counts under `left_out`."""

from __future__ import annotations

from referral_service.domain.left_out import Standing, left_out_by_reason, reason_left_out


def service(
    n: int, *, accredited: bool = True, districts: str = "SK4", ages: tuple[float | None, float | None] = (None, None)
) -> Standing:
    return Standing(n, accredited, frozenset(districts.split()), *ages)


def test_the_first_reason_that_applies_is_given_in_assess_order() -> None:
    everything_wrong = service(1, accredited=False, districts="M20", ages=(80, None))
    assert reason_left_out(everything_wrong, district="SK4", age=65) == "not accredited"
    assert (
        reason_left_out(service(2, districts="M20", ages=(80, None)), district="SK4", age=65) == "outside the catchment"
    )
    assert reason_left_out(service(3, ages=(80, None)), district="SK4", age=65) == "outside the age range"
    assert reason_left_out(service(4, ages=(18, 64)), district="SK4", age=65) == "outside the age range"


def test_age_limits_are_inclusive_and_a_service_that_could_take_the_patient_has_no_reason() -> None:
    assert reason_left_out(service(1, ages=(65, 65)), district="SK4", age=65) is None
    assert reason_left_out(service(2, districts="M20 SK4"), district="SK4", age=65) is None


def test_a_fact_the_referral_lacks_rules_nothing_out() -> None:
    far_and_old = service(1, districts="M20", ages=(80, None))
    assert reason_left_out(far_and_old, district=None, age=None) is None
    assert reason_left_out(far_and_old, district=None, age=65) == "outside the age range"
    assert reason_left_out(service(2, accredited=False), district=None, age=None) == "not accredited"


def test_the_rest_is_counted_by_reason_leaving_out_those_shown() -> None:
    pathway = [
        service(1, accredited=False),
        service(2, accredited=False),
        service(3, districts="M20"),
        service(4, ages=(80, None)),
        service(5),  # a candidate: counted nowhere
    ]
    counts = left_out_by_reason(pathway, district="SK4", age=65, shown=[2])
    assert counts == {"not accredited": 1, "outside the catchment": 1, "outside the age range": 1}

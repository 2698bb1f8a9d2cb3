"""A handful of demo referrals from the demo practice, so a newcomer after `make run` finds work in
the provider's inbox and the link-worker queue. `demo seed` sends them
as FHIR ServiceRequests through the real FHIR intake (`fhir/demo_referrals.py`), as a GP system would.

The patients are invented; their NHS numbers are in the 999 range, which is never issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nhs_number import calculate_checksum  # type: ignore[attr-defined]

from referral_service.persistence.uow import UnitOfWork

SNOMED = "http://snomed.info/sct"
EXERCISE = "390893007"  # Referral to physical activity program
SOCIAL_PRESCRIBING = "871731000000106"  # Referral to social prescribing service
HYPERTENSION, TYPE_2_DIABETES, DEPRESSION = "38341003", "44054006", "35489007"


@dataclass(frozen=True)
class DemoPatient:
    given: str
    family: str
    born: date
    sex: str
    postcode: str
    ethnicity: str
    pathway: str
    conditions: tuple[str, ...]
    bp: tuple[float, float] | None
    bmi: float | None
    activity: float | None


DEMO_PATIENTS = (
    DemoPatient(
        "Alex", "Morgan", date(1968, 4, 12), "female", "SK4 1AA", "A", EXERCISE, (HYPERTENSION,), (146, 88), 31.2, 20
    ),
    DemoPatient(
        "Priya", "Shah", date(1975, 9, 3), "female", "SK4 2BB", "H", EXERCISE, (TYPE_2_DIABETES,), (138, 84), 33.0, 30
    ),
    DemoPatient(
        "Tom", "Walsh", date(1959, 1, 22), "male", "SK4 3CC", "A", EXERCISE, (HYPERTENSION,), (182, 112), 29.5, 10
    ),  # blood pressure too high for any exercise service: a person decides
    DemoPatient(
        "Mo", "Khan", date(1981, 6, 30), "male", "SK4 4DD", "J", EXERCISE, (HYPERTENSION,), (142, 86), 30.4, 15
    ),
    DemoPatient(
        "Ruth", "Green", date(1972, 3, 17), "female", "SK4 5EE", "C", EXERCISE, (TYPE_2_DIABETES,), None, None, 15
    ),  # no blood pressure or BMI sent: a person asks the practice for them
    DemoPatient(
        "Jean",
        "Evans",
        date(1948, 11, 5),
        "female",
        "SK1 3AW",
        "A",
        SOCIAL_PRESCRIBING,
        (DEPRESSION,),
        None,
        None,
        None,
    ),
)


def demo_nhs_number(index: int) -> str:
    """A number with a valid Modulus 11 check digit in the never-issued 999 range."""
    serial = 100000 + index
    while True:
        stem = f"999{serial:06d}"
        check = calculate_checksum(stem)
        if check is not None and check < 10:
            return stem + str(check)
        serial += 1000


def demo_phone(index: int) -> str:
    return f"0161 496 0{index:03d}"  # Ofcom's drama range: never a real number


def demo_referrals_sent(uow: UnitOfWork) -> bool:
    """Whether the demo referrals are there already (`demo seed` sends them once)."""
    return uow.referrals.patient_by_nhs_number(demo_nhs_number(0)) is not None

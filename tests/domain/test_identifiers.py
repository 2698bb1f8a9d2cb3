from datetime import date

import pytest

from referral_service.domain.directory import Accreditation, postcode_district
from referral_service.domain.identifiers import is_ods_code, is_postcode, is_postcode_district, sctid_problem


@pytest.mark.parametrize(
    "code",
    ["38341003", "44054006", "4557003", "390893007", "871731000000106", "771491000000104", "1024941000000100"],
)
def test_real_snomed_concept_ids_are_well_formed(code: str) -> None:
    assert sctid_problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("38341004", "check digit"),
        ("012345", "6 to 18 digits"),
        ("12345", "6 to 18 digits"),
        ("1234567890123456789", "6 to 18 digits"),
        ("38341O03", "6 to 18 digits"),
        ("1000000000000121", "partition"),  # partition 12: a relationship id, not a concept
    ],
)
def test_malformed_snomed_ids_say_why(code: str, why: str) -> None:
    problem = sctid_problem(code)
    assert problem is not None
    assert why in problem


@pytest.mark.parametrize(("postcode", "district"), [("SK1 3TA", "SK1"), ("sk12 1ab", "SK12"), ("M1 1AE", "M1")])
def test_postcode_district_is_the_outward_code(postcode: str, district: str) -> None:
    assert postcode_district(postcode) == district


def test_postcode_shapes() -> None:
    assert is_postcode("SK1 3TA")
    assert is_postcode("sk13ta")
    assert not is_postcode("SK1")
    assert is_postcode_district("SK12")
    assert not is_postcode_district("SK1 3TA")
    assert is_ods_code("P88001")
    assert is_ods_code("RYE")
    assert not is_ods_code("p8-8001")


def test_accreditation_is_valid_up_to_and_including_its_last_day() -> None:
    accreditation = Accreditation("Local quality standard", valid_from=date(2024, 4, 1), valid_until=date(2027, 3, 31))
    assert accreditation.is_valid_on(date(2027, 3, 31))
    assert not accreditation.is_valid_on(date(2027, 4, 1))
    assert not accreditation.is_valid_on(date(2024, 3, 31))

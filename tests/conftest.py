"""The suite's fixtures live in tests/fixtures/ and are registered here, once, for every test."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.directory",
    "tests.fixtures.api_clients",
    "tests.fixtures.referrals",
    "tests.fixtures.fhir",
    "tests.fixtures.portal",
    "tests.fixtures.committed",
    "tests.fixtures.notify",
    "tests.fixtures.notifications",
    "tests.fixtures.smtp",
    "tests.fixtures.conformance",
]

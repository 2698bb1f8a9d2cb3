"""Report fixtures: the service-level fixtures (directory, GP, refer) reused from tests/services."""

from tests.services.conftest import directory, gp, refer, set_places  # noqa: F401  (fixtures)

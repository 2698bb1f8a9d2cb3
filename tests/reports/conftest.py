"""Report fixtures: the service-level fixtures (directory, GP, refer) and the portal's signed-in users."""

from tests.portal.conftest import people  # noqa: F401  (fixture)
from tests.services.conftest import directory, gp, refer, set_places  # noqa: F401  (fixtures)

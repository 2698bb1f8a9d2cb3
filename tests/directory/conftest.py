"""Directory fixtures: the demo directory loaded, and helpers to change a service's places."""

from __future__ import annotations

from tests.fhir.conftest import gp_token  # noqa: F401  (fixture)
from tests.services.conftest import directory, set_places  # noqa: F401  (fixtures)

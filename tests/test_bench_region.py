"""`make bench` makes its regional directory in memory; it must be the region its files would hold.

The files are what `providers load` reads (`bench/run.py --providers-load`); the in-memory copies are
what the bench writes in bulk. If the two drifted apart, the bench would time a different directory
from the one it says.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench/ is not a package

from regional_directory import region_providers, write_region

from referral_service.schemas.directory import read_directory


def test_the_region_made_in_memory_is_the_region_its_files_hold(tmp_path: Path) -> None:
    write_region(tmp_path / "region", 150)
    reading = read_directory(tmp_path / "region")

    assert reading.problems == []
    made = region_providers(150)
    assert sum(len(provider.services) for provider in made) == 150
    assert [provider.slug for provider in made] == [provider.slug for provider in reading.providers]
    assert made == reading.providers
    # the copies differ from one another where the files do: ids, names and drawn catchments
    assert len({provider.identifiers for provider in made}) == len(made)
    assert len({service.catchment_districts for provider in made for service in provider.services}) > 10

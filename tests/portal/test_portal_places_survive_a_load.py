"""Places a provider sets in the portal are the provider's: `providers load` keeps them, while it
still applies everything the directory files own (issue 14: 10 places went back to 40 after an
unrelated edit)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask.testing import FlaskClient, FlaskCliRunner

from tests.fixtures.portal import People, sign_in, submit

DEMO = Path(__file__).resolve().parents[2] / "providers" / "demo"
PLACES_BOX = re.compile(r'id="places-(\d+)" name="places"[^>]*value="(\d+)"')
SERVICE = "mvl-exercise-referral"
OLD_NAME = "12-week exercise referral programme (SK1-SK5)"
NEW_NAME = "Twelve-week exercise referral programme (SK1-SK5)"


def _places_on_the_page(client: FlaskClient) -> tuple[str, list[tuple[int, int]]]:
    """The capacity page, and each pool's (id, places) as its box shows them, first service first."""
    page = client.get("/portal/capacity").get_data(as_text=True)
    return page, [(int(pool), int(places)) for pool, places in PLACES_BOX.findall(page)]


def _set_places(client: FlaskClient, pool_id: int, places: int) -> None:
    response = submit(client, "/portal/capacity", {"places": str(places)}, f"/portal/capacity/{pool_id}")
    assert response.status_code == 302, response.get_data(as_text=True)


def _demo_copy(tmp_path: Path, *replacements: tuple[str, str], provider: str = "mersey-vale-leisure") -> Path:
    """The demo directory with one provider's file edited, as a directory officer would."""
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    target = copy / f"{provider}.yaml"
    text = target.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    target.write_text(text)
    return copy


def test_places_set_in_the_portal_are_kept_by_the_next_load(
    client: FlaskClient, runner: FlaskCliRunner, people: People, tmp_path: Path
) -> None:
    sign_in(client, people.provider)
    _, [(pool_id, places), *_] = _places_on_the_page(client)
    assert places == 40  # as the file seeds it
    _set_places(client, pool_id, 10)

    result = runner.invoke(args=["providers", "load", str(_demo_copy(tmp_path, (OLD_NAME, NEW_NAME)))])

    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output  # the unrelated edit is a change to the service
    assert f"kept 10 places set in the portal for {SERVICE} (the file says 40)" in result.output
    page, [(same_pool, kept), *_] = _places_on_the_page(client)
    assert (same_pool, kept) == (pool_id, 10)
    assert NEW_NAME in page  # what the file owns is applied


def test_a_pool_the_portal_never_changed_follows_the_file(
    client: FlaskClient, runner: FlaskCliRunner, people: People, tmp_path: Path
) -> None:
    sign_in(client, people.provider)
    copy = _demo_copy(tmp_path, ("      places: 40\n", "      places: 30\n"))

    result = runner.invoke(args=["providers", "load", str(copy)])

    assert result.exit_code == 0, result.output
    assert "kept" not in result.output
    _, [(_, places), *_] = _places_on_the_page(client)
    assert places == 30


def test_each_cohort_intake_is_owned_on_its_own_and_a_new_one_is_seeded_from_the_file(
    client: FlaskClient, runner: FlaskCliRunner, people: People, tmp_path: Path
) -> None:
    sign_in(client, people.other_provider)
    _, pools = _places_on_the_page(client)
    assert [places for _, places in pools] == [16, 16, 16, 16]  # Goyt Valley Active's four intakes
    (first_intake, _), *others = pools
    _set_places(client, first_intake, 8)
    copy = _demo_copy(
        tmp_path,
        ("      places: 16 ", "      places: 20 "),
        ("2027-09-27]", "2027-09-27, 2027-12-06]"),
        provider="goyt-valley-active",
    )

    result = runner.invoke(args=["providers", "load", str(copy)])

    assert result.exit_code == 0, result.output
    assert "kept 8 places set in the portal for gva-exercise-referral (intake 2027-01-11) (the file says 20)" in (
        result.output
    )
    _, after = _places_on_the_page(client)
    assert after[0] == (first_intake, 8)
    assert after[1:4] == [(pool, 20) for pool, _ in others]  # never changed in the portal: the file's
    assert after[4][1] == 20  # the new intake, seeded from the file

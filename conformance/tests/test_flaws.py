"""Each check fails on the flaw it is there to catch, and passes on the same server without it."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
import requests

from conformance.checks import ALL_CHECKS, SCENARIO_CHECKS
from conformance.results import Result
from conformance.runner import Options, run
from conformance.tests.broken_server import BASE, FLAWS, Running, write_document

# The flaw each check is there to catch (a flaw may trip other checks too; this is the one named).
CAUGHT_BY = {
    "crash_on_bad_input": "not_a_server_error",
    "accepts_anything": "negative_data_rejection",
    "list_wrapped": "response_schema_conformance",
    "plain_errors": "content_type_conformance",
    "no_location": "tmf_create_returns_resource",
    "wrong_total_count": "tmf_paging",
    "fields_ignored": "tmf_fields_projection",
    "filter_ignored": "tmf_filter_matches",
    "sort_ignored": "tmf_sort_order",
    "offset_ignored": "tmf_paging",
    "patch_replaces": "tmf_merge_patch",
    "delete_keeps": "tmf_delete_then_gone",
    "bad_timestamps": "tmf_timestamps",
    "created_200": "status_code_conformance",
    "count_not_a_number": "response_headers_conformance",
    "retrieve_renames": "tmf_create_returns_resource",
}
ALSO_CAUGHT = {  # the semantic checks named by the issue for these flaws, besides the contract one
    "list_wrapped": "tmf_list_is_array",
    "plain_errors": "tmf_error_body",
    "delete_keeps": "tmf_resource_lifecycle",
    "created_200": "tmf_create_returns_resource",
    "count_not_a_number": "tmf_list_is_array",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return write_document(tmp_path_factory.mktemp("broken"))


@pytest.fixture
def broken(request: pytest.FixtureRequest) -> Iterator[Running]:
    """The broken server with the test's flaws, holding three categories to list, sort and page."""
    with Running(set(request.param)) as server:
        for name in ("Gamma", "Alpha", "Beta"):
            requests.post(f"{server.url}{BASE}/category", json={"name": name}, timeout=5)
        yield server


def check_run(server: Running, spec: pathlib.Path, checks: tuple[str, ...]) -> Result:
    options = Options(
        api="tmf620",
        base_url=server.url + BASE,
        spec=str(spec),
        max_examples=8,
        seed=7,
        checks=checks,
    )
    return run(options)


@pytest.mark.parametrize("broken", [()], indirect=True)
def test_a_sound_server_passes_every_check_and_each_check_verified_something(
    broken: Running, spec: pathlib.Path
) -> None:
    result = check_run(broken, spec, tuple(ALL_CHECKS))
    assert result.passed, [f"{f.check}: {f.message}" for f in result.findings] + result.errors
    verified = {
        check for checks in result.tallies.values() for check, t in checks.items() if t.passed
    }
    # The category server takes no orders and keeps no products.
    applicable = set(ALL_CHECKS) - {"tmf_order_lifecycle", "tmf_product_from_order"}
    assert applicable <= verified, applicable - verified


@pytest.mark.parametrize(
    ("broken", "check"),
    [((flaw,), check) for flaw, check in CAUGHT_BY.items()]
    + [((flaw,), check) for flaw, check in ALSO_CAUGHT.items()],
    indirect=["broken"],
    ids=[f"{f}-{c}" for f, c in [*CAUGHT_BY.items(), *ALSO_CAUGHT.items()]],
)
def test_each_flaw_is_named_by_its_check_with_a_curl_line(
    broken: Running, spec: pathlib.Path, check: str
) -> None:
    result = check_run(broken, spec, (check,))
    assert not result.passed
    named = [f for f in result.findings if f.check == check]
    assert named, f"{check} did not catch {broken.server.flaws}"
    if check not in SCENARIO_CHECKS:
        assert named[0].curl.startswith("curl "), named[0].curl
    assert named[0].message


def test_every_flaw_is_covered() -> None:
    assert set(CAUGHT_BY) == set(FLAWS)

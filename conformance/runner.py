"""One conformance run: Schemathesis' engine with our checks, then our scenarios."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import requests
import schemathesis
from schemathesis.config import HealthCheck, SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.generation import GenerationMode

import conformance.listing
import conformance.tmf630  # noqa: F401  (registers the other TMF630 checks)
from conformance import probe, scenarios
from conformance.checks import ALL_CHECKS, SCENARIO_CHECKS, SEMANTIC_CHECKS
from conformance.results import Finding, Result
from conformance.spec import Document

DEFAULT_PHASES = ("examples", "fuzzing", "stateful")
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")


class UsageError(Exception):
    """The run cannot start: a bad option or a server that does not answer (exit code 2)."""


@dataclass(frozen=True)
class Options:
    """Everything a run is told by the command line."""

    api: str
    base_url: str  # the server root plus the API's base path
    spec: str
    max_examples: int = 25
    seed: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    checks: tuple[str, ...] = tuple(ALL_CHECKS)
    workers: int = 1
    timeout: float = 10.0
    phases: tuple[str, ...] = DEFAULT_PHASES
    offering_id: str | None = None
    catalog_url: str | None = None  # TMF620 base URL, where the order scenario finds an offering
    ordering_url: str | None = None  # TMF622 base URL, where the inventory scenario orders


Progress = Callable[[str, int, int], None]
"""Told (what is running, done, total) as the run goes."""


def run(options: Options, progress: Progress | None = None) -> Result:
    """Run every selected check against the server and gather what they found."""
    document = _validate(options)
    _reachable(options)
    probe.configure(document, options.headers, options.timeout)
    result = Result(api=options.api, url=options.base_url, checks=list(options.checks))
    started = time.monotonic()
    if document.has_operation("/productOrder", "post") and not options.offering_id:
        options = replace(options, offering_id=_offering(options))
    engine_checks = [c for c in options.checks if c not in SCENARIO_CHECKS]
    if engine_checks:
        _run_engine(options, document, engine_checks, result, progress or _quiet)
    for name in options.checks:
        if name in SCENARIO_CHECKS:
            scenarios.run(name, options, document, result)
    result.elapsed = time.monotonic() - started
    return result


def _offering(options: Options) -> str | None:
    """The offering orders are placed for, found in (or added to) the server's catalog; None
    when there is none (the order scenario then reports why)."""
    try:
        return scenarios.offering_to_order(options)
    except (scenarios.StepFailed, probe.ProbeError):
        return None


def _with_examples(options: Options, document: Document) -> dict[str, Any]:
    """The document with a valid order as the example of order creation (when there is an
    offering to order): the examples phase then places a real order, and the stateful phase
    follows its links, where generated orders alone would all be refused."""
    raw = copy.deepcopy(document.raw)
    if options.offering_id and not document.is_swagger2:
        operation = raw.get("paths", {}).get("/productOrder", {}).get("post", {})
        body = operation.get("requestBody", {})
        media = body.get("content", {}) if "$ref" not in body else {}
        if "application/json" in media:
            media["application/json"]["example"] = scenarios.order_body(options.offering_id)
    return raw


def _run_engine(
    options: Options, document: Document, checks: list[str], result: Result, progress: Progress
) -> None:
    config = SchemathesisConfig()
    config.update(seed=options.seed, max_failures=None)
    project = config.projects.override
    project.update(
        base_url=options.base_url,
        headers=options.headers,
        workers=options.workers,
        request_timeout=options.timeout,
        # Hypothesis' health checks judge the data generator (slow or filtered generation of the
        # deeply nested order body), not the server: they would fail runs for nothing it did.
        suppress_health_check=[HealthCheck.all],
    )
    project.phases.update(phases=list(options.phases))
    project.checks.update(included_check_names=checks)
    modes = [GenerationMode.POSITIVE]
    if "negative_data_rejection" in checks:
        modes.append(GenerationMode.NEGATIVE)
    # No example database: a run depends on its seed only and leaves no .hypothesis folder behind.
    project.generation.update(max_examples=options.max_examples, modes=modes, database="none")
    schema = schemathesis.openapi.from_dict(_with_examples(options, document), config=config)
    total = len(schema) * len([p for p in options.phases if p != "stateful"])
    done = 0
    phase = ""
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            phase = event.phase.name.value
            progress(phase, done, total)
        elif isinstance(event, events.ScenarioFinished):
            if event.phase.value != "stateful":
                done += 1
            _record(event, result)
            progress(f"{phase}: {event.recorder.label}", done, total)
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise UsageError(f"the run stopped: {event.exception}")
    if not result.tallies:
        result.errors.append("Schemathesis checked no operation: nothing was tested")


def _record(event: events.ScenarioFinished, result: Result) -> None:
    """Tally every check of a finished scenario by the operation its case belongs to."""
    recorder = event.recorder
    for case_id, nodes in recorder.checks.items():
        case = recorder.cases.get(case_id)
        operation = case.value.operation.label if case is not None else recorder.label
        for node in nodes:
            if node.status == Status.SUCCESS:
                if node.name in SEMANTIC_CHECKS and not probe.settings().did_apply(
                    node.name, case_id
                ):
                    continue  # nothing to verify in this case (e.g. the sort check on a POST)
                result.tally(operation, node.name).passed += 1
            elif node.status == Status.FAILURE and node.failure_info is not None:
                result.tally(operation, node.name).failed += 1
                failure = node.failure_info.failure
                result.add(
                    Finding(
                        check=node.name,
                        operation=operation,
                        title=str(failure.title),
                        message=str(failure.message or failure.title),
                        curl=_curl(node.failure_info.code_sample),
                    )
                )


def _curl(code_sample: str) -> str:
    """The curl line of Schemathesis' reproduction sample (it may add prose around it)."""
    lines = [line for line in code_sample.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("curl ")), None)
    return "\n".join(lines[start:]) if start is not None else code_sample.strip()


def _validate(options: Options) -> Document:
    """The run's document, once every option is known to be usable."""
    unknown = [c for c in options.checks if c not in ALL_CHECKS]
    if unknown:
        raise UsageError(f"unknown check(s) {unknown}; known: {', '.join(ALL_CHECKS)}")
    bad_phases = [p for p in options.phases if p not in ALL_PHASES]
    if bad_phases:
        raise UsageError(f"unknown phase(s) {bad_phases}; known: {', '.join(ALL_PHASES)}")
    if options.max_examples < 1 or options.workers < 1 or options.timeout <= 0:
        raise UsageError("--max-examples and --workers must be at least 1, --timeout above 0")
    try:
        return Document.load(options.spec)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the OpenAPI document {options.spec}: {error}") from None


def _reachable(options: Options) -> None:
    """Fail early and clearly when nothing answers at the URL."""
    try:
        requests.get(options.base_url, headers=options.headers, timeout=options.timeout)
    except requests.RequestException as error:
        reason = error.__class__.__name__
        raise UsageError(f"no server answers at {options.base_url} ({reason})") from None


def _quiet(what: str, done: int, total: int) -> None:
    """The progress sink when nobody watches."""

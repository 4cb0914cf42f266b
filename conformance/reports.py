"""JUnit XML for CI systems and Markdown for people, from one run's Result."""

from __future__ import annotations

import pathlib
from xml.etree import ElementTree as ET

from conformance.checks import ALL_CHECKS
from conformance.results import Finding, Result


def junit(results: list[Result], path: str | pathlib.Path) -> None:
    """One test suite per API, one test case per check per operation, failures with a curl line."""
    suites = ET.Element("testsuites", name="tmf-conformance")
    for result in results:
        cases = [
            (op, check, tally)
            for op, checks in sorted(result.tallies.items())
            for check, tally in checks.items()
        ]
        failing = [case for case in cases if case[2].failed]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{result.api} {result.url}",
            tests=str(len(cases) + len(result.errors)),
            failures=str(len(failing)),
            errors=str(len(result.errors)),
            time=f"{result.elapsed:.2f}",
        )
        for operation, check, tally in cases:
            case = ET.SubElement(suite, "testcase", classname=operation, name=check)
            found = _findings(result, operation, check)
            if tally.failed:
                failure = ET.SubElement(
                    case, "failure", message=found[0].message.splitlines()[0] if found else check
                )
                failure.text = (
                    "\n\n".join(_text(f) for f in found) or f"{tally.failed} failing case(s)"
                )
            else:
                ET.SubElement(
                    case, "system-out"
                ).text = f"{tally.passed} case(s) passed: {ALL_CHECKS.get(check, '')}"
        for number, error in enumerate(result.errors, 1):
            case = ET.SubElement(suite, "testcase", classname="run", name=f"error {number}")
            ET.SubElement(case, "error", message=error.splitlines()[0]).text = error
    ET.indent(suites)
    pathlib.Path(path).write_bytes(ET.tostring(suites, encoding="utf-8", xml_declaration=True))


def markdown(results: list[Result], path: str | pathlib.Path) -> None:
    """A report grouped by operation with pass/fail counts and each failure's reproduction."""
    lines = ["# TMF conformance report", ""]
    for result in results:
        passed, failed = result.totals()
        verdict = "PASSED" if result.passed else "FAILED"
        ran = {check for checks in result.tallies.values() for check in checks}
        idle = [c for c in result.checks if c not in ran]
        lines += [
            f"## {result.api} at {result.url}: {verdict}",
            "",
            f"{passed} checks passed, {failed} failed, {len(result.findings)} distinct finding(s), "
            f"{len(result.errors)} error(s), {result.elapsed:.0f} s.",
            "",
            "| Check | What it verifies |",
            "|---|---|",
            *(f"| `{c}` | {ALL_CHECKS.get(c, '')} |" for c in result.checks if c in ran),
            "",
        ]
        if idle:
            lines += [f"Nothing to verify here for: {', '.join(f'`{c}`' for c in idle)}.", ""]
        for operation, checks in sorted(result.tallies.items()):
            lines += [f"### {operation}", "", "| Check | Passed | Failed |", "|---|---:|---:|"]
            lines += [f"| `{c}` | {t.passed} | {t.failed} |" for c, t in sorted(checks.items())]
            lines.append("")
            for finding in (f for f in result.findings if f.operation == operation):
                lines += [
                    f"**{finding.check}** failed: {finding.message}",
                    "",
                    "```sh",
                    finding.curl,
                    "```",
                    "",
                ]
        if result.errors:
            lines += ["### Errors", "", *(f"- {error}" for error in result.errors), ""]
    pathlib.Path(path).write_text("\n".join(lines), encoding="utf-8")


def _findings(result: Result, operation: str, check: str) -> list[Finding]:
    return [f for f in result.findings if f.operation == operation and f.check == check]


def _text(finding: Finding) -> str:
    return f"{finding.title}\n{finding.message}\n\nReproduce with:\n{finding.curl}"

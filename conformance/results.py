"""What a run found: pass/fail counts per operation and check, and each distinct failure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One distinct failure, with the request that reproduces it."""

    check: str
    operation: str
    title: str
    message: str
    curl: str


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0


@dataclass
class Result:
    """The outcome of one run against one API."""

    api: str
    url: str
    checks: list[str]
    tallies: dict[str, dict[str, Tally]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def tally(self, operation: str, check: str) -> Tally:
        return self.tallies.setdefault(operation, {}).setdefault(check, Tally())

    def add(self, finding: Finding) -> None:
        """Keep one finding per operation, check and message: repeats add nothing."""
        key = (finding.operation, finding.check, finding.message)
        if all((f.operation, f.check, f.message) != key for f in self.findings):
            self.findings.append(finding)

    @property
    def passed(self) -> bool:
        return not self.findings and not self.errors

    def failed_checks(self) -> set[str]:
        return {finding.check for finding in self.findings}

    def totals(self) -> tuple[int, int]:
        """(passed, failed) over every operation and check."""
        passed = sum(t.passed for checks in self.tallies.values() for t in checks.values())
        failed = sum(t.failed for checks in self.tallies.values() for t in checks.values())
        return passed, failed

"""Collects parse findings, one per code, so hostile input cannot flood the verdict."""

from __future__ import annotations

from trustcheck.verdict import JSON, Finding, Severity

# Every limit finding ends with this sentence: a bound was reached, which is a
# fact about the input and not evidence of fraud by itself.
LIMIT_NOTE = "This describes the input; on its own it is not evidence of fraud."


class Report:
    """Accumulates findings; repeated codes are merged into one with a ``count``."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[str, tuple[Severity, str, dict[str, JSON], int]] = {}

    def add(self, code: str, severity: Severity, message: str, **evidence: JSON) -> None:
        """Record a finding; a second one with the same code only bumps its count."""
        seen = self._items.get(code)
        if seen is None:
            self._items[code] = (severity, message, dict(evidence), 1)
        else:
            self._items[code] = (seen[0], seen[1], seen[2], seen[3] + 1)

    def limit(self, code: str, message: str, **evidence: JSON) -> None:
        """Record that a parsing bound was reached (severity low)."""
        self.add(code, Severity.LOW, f"{message} {LIMIT_NOTE}", **evidence)

    def has(self, code: str) -> bool:
        return code in self._items

    def findings(self) -> tuple[Finding, ...]:
        out = []
        for code, (severity, message, evidence, count) in self._items.items():
            if count > 1:
                evidence = {**evidence, "count": count}
            out.append(Finding(code, severity, message, evidence))
        return tuple(out)

"""Turn an :class:`~trustcheck.message.Sms` into a :class:`~trustcheck.verdict.Verdict`."""

from __future__ import annotations

from datetime import datetime

from trustcheck.advice import advise
from trustcheck.message import Sms
from trustcheck.registry import Registry
from trustcheck.verdict import Finding, Policy, Severity, Verdict, summarize

__all__ = ["verify_sms"]


def verify_sms(
    sms: Sms,
    *,
    registry: Registry,
    policy: Policy,
    templates: object | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Verify one SMS against the registry; ``templates`` and ``now`` are optional context."""
    del templates, now
    findings: list[Finding] = []
    if sms.foreign_origin:
        findings.append(Finding(
            "sms.foreign_origin", Severity.INFO,
            f"The carrier marked this SMS as sent from abroad ({', '.join(sms.labels)}).",
            {"labels": list(sms.labels)},
        ))
    status, score = policy.decide(findings)
    language = "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in sms.body) else "en"
    del registry
    return Verdict(
        status=status,
        score=score,
        kind="sms",
        findings=tuple(findings),
        summary=summarize(status, findings),
        advice=advise(status, brand=None, language=language, sms_country=sms.country),
    )

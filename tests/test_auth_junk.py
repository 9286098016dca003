"""The trusted receiver's spam verdict (auth/junk.py), as data tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trustcheck import Policy, Status, Verifier
from trustcheck.auth.junk import microsoft_junk_finding
from trustcheck.dns import StaticResolver
from trustcheck.verdict import Finding, Severity

DATE = "Tue, 3 Dec 2024 10:00:00 +0000"
EDGE = ("Received", "from mail.sender.example (203.0.113.9) by "
        "BN8NAM12FT012.mail.protection.outlook.com (10.13.182.1) with Microsoft SMTP "
        f"Server id 15.20.1; {DATE}")
INNER = ("Received", "from BN8NAM12FT012.mail.protection.outlook.com (2603:10b6::1) by "
         f"CY5PR01MB0001.namprd01.prod.outlook.com with HTTPS; {DATE}")
OTHER = ("Received", f"from a.example (203.0.113.9) by mx.example.net with ESMTP; {DATE}")
SCL = "X-MS-Exchange-Organization-SCL"
REPORT = "X-Forefront-Antispam-Report"
DELIVERY = "X-Microsoft-Antispam-Mailbox-Delivery"


JUNK_CASES = [
    # (id, headers, expected severity or None)
    ("no-verdict-headers", [INNER, EDGE], None),
    ("scl-1-clean", [INNER, EDGE, (SCL, "1")], None),
    ("scl-minus-1-bypass", [INNER, EDGE, (SCL, "-1")], None),
    ("scl-5-spam", [INNER, EDGE, (SCL, "5")], Severity.LOW),
    ("scl-6-spam", [INNER, EDGE, (SCL, " 6 ")], Severity.LOW),
    ("scl-9-high-confidence", [INNER, EDGE, (SCL, "9")], Severity.MEDIUM),
    ("report-spm", [INNER, EDGE, (REPORT, "CIP:203.0.113.9;CTRY:US;SFV:SPM;SCL:5;CAT:SPM;")],
     Severity.LOW),
    ("report-phish", [INNER, EDGE, (REPORT, "CIP:203.0.113.9;SFV:SPM;SCL:5;CAT:PHSH;")],
     Severity.MEDIUM),
    ("report-folded", [INNER, EDGE, (REPORT, "CIP:203.0.113.9;\r\n\tSFV:SPM;\r\n\tSCL:8;")],
     Severity.MEDIUM),
    ("report-clean", [INNER, EDGE, (REPORT, "CIP:203.0.113.9;SFV:NSPM;SCL:1;CAT:NONE;")], None),
    ("bulk-is-not-junk", [INNER, EDGE, (REPORT, "SFV:BLK;SCL:1;CAT:BULK;")], None),
    ("junk-folder", [INNER, EDGE, (DELIVERY, "ucf:0;jmr:0;auth:1;dest:J;OFR:SpamFilterAuthJ;"
                                             "ENG:(1)(2);RF:JunkEmail;")], Severity.LOW),
    ("inbox-folder", [INNER, EDGE, (DELIVERY, "ucf:0;jmr:0;auth:1;dest:I;ENG:(1);")], None),
    ("scl-garbage", [INNER, EDGE, (SCL, "high")], None),
    # Another tenant's verdict, kept aside by Exchange: not this receiver's.
    ("untrusted-copy", [INNER, EDGE, ("X-Forefront-Antispam-Report-Untrusted",
                                      "SFV:SPM;SCL:9;CAT:HPHSH;")], None),
    # Without an Exchange Online edge nothing says Microsoft filtered this message.
    ("no-microsoft-hop", [OTHER, (SCL, "9")], None),
    # The topmost copy is the last receiver's verdict.
    ("topmost-wins-clean", [INNER, EDGE, (SCL, "1"), (SCL, "9")], None),
    ("topmost-wins-junk", [INNER, EDGE, (SCL, "9"), (SCL, "1")], Severity.MEDIUM),
]


@pytest.mark.parametrize(("headers", "expected"), [c[1:] for c in JUNK_CASES],
                         ids=[c[0] for c in JUNK_CASES])
def test_microsoft_junk_finding(headers: list[tuple[str, str]],
                                expected: Severity | None) -> None:
    found = microsoft_junk_finding(headers)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.code, found.severity) == ("receiver.junk", expected)
        assert found.evidence["receiver"] == "microsoft-365"


def _message(*extra: str, body: str = "Hello, see you at lunch.") -> bytes:
    lines = [
        f"Received: {INNER[1]}",
        "Authentication-Results: spf=pass (sender IP is 203.0.113.9) "
        "smtp.mailfrom=sender.example; dkim=none (message not signed) header.d=none; "
        "dmarc=pass action=none header.from=sender.example;compauth=pass reason=100",
        f"Received: {EDGE[1]}",
        *extra,
        "From: Ann <ann@sender.example>",
        "To: bob@receiver.example",
        "Subject: lunch",
        f"Date: {DATE}",
        "Message-ID: <1@sender.example>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
    ]
    return "\r\n".join(lines).encode()


def _verifier(*, trust: bool = True, policy: Policy | None = None) -> Verifier:
    return Verifier(resolver=StaticResolver({}, default="TIMEOUT"), trust_microsoft_365=trust,
                    policy=policy, clock=lambda: datetime(2024, 12, 3, 12, tzinfo=UTC))



VERDICT_CASES = [
    # (id, extra headers, body, trust Microsoft 365, expected status, has finding)
    ("clean-inbox", [], "Hello, see you at lunch.", True, Status.UNVERIFIED, False),
    ("junk-alone-is-a-cue", [f"{SCL}: 9"], "Hello, see you at lunch.", True,
     Status.UNVERIFIED, True),
    ("not-read-without-trust", [f"{SCL}: 9"], "Hello, see you at lunch.", False,
     Status.UNVERIFIED, False),
]


@pytest.mark.parametrize(("extra", "body", "trust", "status", "has"),
                         [c[1:] for c in VERDICT_CASES], ids=[c[0] for c in VERDICT_CASES])
def test_verdict_reads_receiver_junk(extra: list[str], body: str, trust: bool, status: Status,
                                     has: bool) -> None:
    verdict = _verifier(trust=trust).verify(_message(*extra, body=body))
    assert verdict.status is status
    assert ("receiver.junk" in verdict.codes()) is has


def test_junk_tips_a_weak_cue_into_suspicious() -> None:
    weak = ("You have been selected: claim your free gift card at "
            "https://gifts.example.net/claim")
    plain = _verifier().verify(_message(body=weak))
    junked = _verifier().verify(_message(f"{SCL}: 9", body=weak))
    assert plain.status is Status.UNVERIFIED
    assert junked.status is Status.SUSPICIOUS
    assert junked.score > plain.score


def test_junk_never_makes_phishing_by_itself() -> None:
    # The policy scores a finding set where the receiver's verdict is what crosses
    # phishing_at: the status stays suspicious, phishing needs our own evidence.
    policy = Policy()
    findings = [
        Finding("lure.credential", Severity.MEDIUM, "lure", {}),
        Finding("link.off_brand", Severity.LOW, "link", {}),
        Finding("content.address_greeting", Severity.LOW, "greeting", {}),
        Finding("auth.unauthenticated", Severity.LOW, "unauthenticated", {}),
        Finding("content.image_only", Severity.LOW, "image", {}),
        Finding("header.message_id_by_receiver", Severity.LOW, "message-id", {}),
    ]
    _, score_without = policy.decide(findings)
    junk = Finding("receiver.junk", Severity.MEDIUM, "junk", {})
    status, score = policy.decide([*findings, junk])
    assert score_without < policy.phishing_at <= score
    assert status is Status.SUSPICIOUS
    assert _verifier(policy=Policy.from_mapping(
        {"weights": {"receiver.junk@medium": 0.0}})).policy.weight(junk) == 0.0

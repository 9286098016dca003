"""Brand domain + authentication outcome -> brand findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustcheck import Registry, Status, Verifier
from trustcheck.brandcheck import _role_address
from trustcheck.dns import StaticResolver

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Registry.default().merge(Registry.load(ROOT / "fixtures" / "registry" / "brands"))
OFFLINE = Verifier(registry=REGISTRY, resolver=StaticResolver({}, default="TIMEOUT"))


@pytest.mark.parametrize(
    ("address", "role"),
    [
        ("no-reply@examplepay.example", True),
        ("noreply@x.example", True),
        ("do_not_reply@x.example", True),
        ("billing-kr@x.example", True),
        ("receipts@x.example", True),
        ("customerservice@x.example", True),
        ("Security.Alerts@x.example", True),
        ("jane.doe@x.example", False),
        ("edumazet@x.example", False),
        ("infoline.person@x.example", False),
        ("", False),
        ("not-an-address", False),
    ],
)
def test_role_address(address: str, role: bool) -> None:
    assert _role_address(address) is role


# (From header, subject, expected severity of brand.unverifiable, expected status)
UNVERIFIABLE = [
    ("Example Pay <receipts@examplepay.example>", "Your receipt", "medium", Status.SUSPICIOUS),
    ("Minji Kim <minji.kim@examplepay.example>", "Re: lunch", "low", Status.UNVERIFIED),
    ("Minji Kim <minji.kim@examplepay.example>", "Your Example Pay receipt", "medium",
     Status.SUSPICIOUS),
    ("Example Pay Security <minji.kim@examplepay.example>", "hello", "medium",
     Status.SUSPICIOUS),
]


@pytest.mark.parametrize(("from_", "subject", "severity", "status"), UNVERIFIABLE)
def test_unverifiable_brand_mail(from_: str, subject: str, severity: str,
                                 status: Status) -> None:
    raw = f"From: {from_}\r\nTo: a@example.net\r\nSubject: {subject}\r\n\r\nHi\r\n".encode()
    verdict = OFFLINE.verify(raw, now=datetime(2026, 11, 23, tzinfo=UTC))
    found = [f for f in verdict.findings if f.code == "brand.unverifiable"]
    assert [f.severity.value for f in found] == [severity]
    assert verdict.status is status, verdict.summary


M365 = Verifier(registry=REGISTRY, resolver=StaticResolver({}, default="TIMEOUT"),
                trust_microsoft_365=True)
RELAY = (ROOT / "fixtures" / "messages" / "m365_tenant_relay.eml").read_bytes()


@pytest.mark.parametrize(
    ("first_hop_dmarc", "brand_code"),
    [
        ("dmarc=fail", "brand.spoofed_domain"),  # passed only after relaying: laundered
        ("dmarc=pass", "brand.authenticated"),  # ordinary forwarding, what ARC is for
    ],
)
def test_brand_pass_after_tenant_relay(first_hop_dmarc: str, brand_code: str) -> None:
    raw = RELAY.replace(b"sender.example", b"examplepay.example")
    if first_hop_dmarc == "dmarc=pass":
        raw = raw.replace(b"dmarc=fail", b"dmarc=pass")
    verdict = M365.verify(raw, now=datetime(2026, 11, 23, tzinfo=UTC))
    codes = verdict.codes()
    assert brand_code in codes, verdict.summary
    assert ("auth.original_fail" in codes) is (first_hop_dmarc == "dmarc=fail")

"""The whole verifier through dnspython against the real authoritative server (NSD on loopback).

Same messages as the offline tests, but every SPF, DKIM key, DMARC and BIMI lookup
crosses a socket: what a gateway does in production.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustcheck import Envelope, Registry, Status, Verifier
from trustcheck.dns import CachingResolver

from .conftest import DnsServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "fixtures" / "messages"
REGISTRY = Registry.default().merge(Registry.load(ROOT / "fixtures" / "registry" / "brands"))
EXAMPLEPAY_MX = Envelope(ip="198.51.100.25", helo="mx.examplepay.example",
                         mail_from="bounces@examplepay.example")

# (message file, envelope, expected status, expected spf, dkim, dmarc words)
CASES = [
    ("examplepay-receipt.eml", EXAMPLEPAY_MX, Status.AUTHENTIC, "pass", ["pass"], "pass"),
    ("examplepay-receipt-tampered.eml", EXAMPLEPAY_MX, Status.AUTHENTIC, "pass", ["fail"],
     "pass"),
    ("examplepay-receipt.eml",
     Envelope(ip="203.0.113.9", helo="bulk.example.test", mail_from="x@example.test"),
     Status.AUTHENTIC, "fail", ["pass"], "pass"),
    ("examplepay-receipt-tampered.eml",
     Envelope(ip="203.0.113.9", helo="bulk-sender.example.org",
              mail_from="bounces@examplepay.example"),
     Status.IMPERSONATION, "fail", ["fail"], "fail"),
]


@pytest.fixture(scope="module")
def verifier(dns_server: DnsServer) -> Verifier:
    resolver = CachingResolver(nameservers=[dns_server.host], port=dns_server.port,
                               timeout=0.5, lifetime=1.0)
    return Verifier(registry=REGISTRY, resolver=resolver, authserv_id="mx.example.net")


@pytest.mark.parametrize(("name", "envelope", "status", "spf", "dkim", "dmarc"), CASES)
def test_verify_through_real_dns(verifier: Verifier, name: str, envelope: Envelope,
                                 status: Status, spf: str, dkim: list[str], dmarc: str) -> None:
    verdict = verifier.verify((MESSAGES / name).read_bytes(), envelope=envelope)
    auth = verdict.auth
    assert auth.spf is not None
    assert auth.dmarc is not None
    assert (auth.spf.result.value, [d.result.value for d in auth.dkim], auth.dmarc.result.value) \
        == (spf, dkim, dmarc)
    assert verdict.status is status, verdict.summary
    assert verdict.brand == "example-pay"
    header = verdict.authentication_results("mx.example.net")
    assert header.startswith("mx.example.net;")
    assert f"dmarc={dmarc}" in header


def test_dns_timeout_is_temperror_never_phishing(verifier: Verifier) -> None:
    """A sender domain whose DNS does not answer: temperror, and no phishing verdict from it."""
    raw = (b"From: Billing <billing@slow.example.test>\r\nTo: a@example.net\r\n"
           b"Subject: invoice\r\n\r\nSee attached.\r\n")
    verdict = verifier.verify(raw, envelope=Envelope(ip="192.0.2.7", helo="mx.slow.example.test",
                                                     mail_from="billing@slow.example.test"))
    assert verdict.auth.spf is not None
    assert verdict.auth.spf.result.value == "temperror"
    assert verdict.auth.dmarc is not None
    assert verdict.auth.dmarc.result.value == "temperror"
    assert "auth.temperror" in verdict.codes()
    assert verdict.status is not Status.PHISHING

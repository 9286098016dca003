"""The public surface is a contract: pin it so a change is a decision, not an accident."""

from __future__ import annotations

import trustcheck
import trustcheck.dns

EXPORTED = [
    "ConfigError",
    "DNSFixtureError",
    "Envelope",
    "Finding",
    "InputError",
    "MessageParseError",
    "Policy",
    "Registry",
    "RegistryError",
    "Severity",
    "Sms",
    "Status",
    "TrustcheckError",
    "Verdict",
    "Verifier",
    "__version__",
    "verify_message",
]


def test_exported_members() -> None:
    assert sorted(trustcheck.__all__) == sorted(EXPORTED)
    for name in EXPORTED:
        assert hasattr(trustcheck, name), name


def test_dns_contract_names() -> None:
    for name in ("Answer", "Outcome", "Resolver", "StaticResolver"):
        assert name in trustcheck.dns.__all__


def test_error_tree() -> None:
    from trustcheck import errors

    assert issubclass(errors.InputError, errors.TrustcheckError)
    assert issubclass(errors.InputError, ValueError)
    assert issubclass(errors.MessageParseError, errors.InputError)
    for cls in (errors.ConfigError, errors.RegistryError, errors.DNSFixtureError):
        assert issubclass(cls, errors.TrustcheckError)
        assert issubclass(cls, ValueError)


def test_contract_call_shapes() -> None:
    """The calls design.md promises, with the keyword names it promises."""
    from trustcheck.auth import check_spf
    from trustcheck.dns import StaticResolver

    r = StaticResolver({"example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"],
                                        "A": ["192.0.2.1"]},
                        "slow.example": "TIMEOUT"})
    assert check_spf(ip="192.0.2.1", mail_from="a@example.com", helo="mx.example.com",
                     resolver=r).result.value == "pass"
    assert check_spf(ip="198.51.100.1", mail_from="a@example.com", helo="mx.example.com",
                     resolver=r).result.value == "fail"
    assert check_spf(ip="192.0.2.1", mail_from="a@slow.example", helo="mx.example.com",
                     resolver=r).result.value == "temperror"
    verifier = trustcheck.Verifier(resolver=StaticResolver({}, default="TIMEOUT"),
                                   trusted_authserv_ids=["mx.example.net"],
                                   trust_microsoft_365=False)
    verdict = verifier.verify(b"From: a@example.com\r\n\r\nhi\r\n",
                              envelope=trustcheck.Envelope(ip="203.0.113.5", helo="mx.example",
                                                           mail_from="a@b.example"))
    assert verdict.status in set(trustcheck.Status)
    assert verdict.auth.spf is not None
    assert verdict.auth.spf.result.value == "temperror"

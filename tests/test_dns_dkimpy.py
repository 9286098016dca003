"""The dkimpy dnsfunc adapter: record choice, outcomes, and a real dkimpy verify."""

from __future__ import annotations

import base64
from typing import Any

import dkim
import nacl.signing
import pytest

from trustcheck.auth.results import AuthWord
from trustcheck.dns import Outcome, StaticResolver
from trustcheck.dns.dkimpy import DkimDnsLookup, dkim_dnsfunc

KEY = "s1._domainkey.example.com"

ZONE: dict[str, Any] = {
    KEY: {"TXT": [["v=DKIM1; k=rsa; ", "p=MIIB"]]},
    "multi._domainkey.example.com": {"TXT": ["google-site-verification=x", "k=rsa; p=KEY"]},
    "v1._domainkey.example.com": {"TXT": ["junk", "v=DKIM1; k=ed25519; h=sha256"]},
    "junk._domainkey.example.com": {"TXT": ["first", "second"]},
    "raw._domainkey.example.com": {"TXT": [[b"p=\xff"]]},
    "slow._domainkey.example.com": "TIMEOUT",
    "bad._domainkey.example.com": "SERVFAIL",
    "nokey._domainkey.example.com": {"A": ["192.0.2.1"]},
}


@pytest.mark.parametrize(
    ("name", "expected", "outcome", "word"),
    [
        (b"s1._domainkey.example.com.", b"v=DKIM1; k=rsa; p=MIIB", Outcome.ANSWER, None),
        (b"S1._DOMAINKEY.example.com", b"v=DKIM1; k=rsa; p=MIIB", Outcome.ANSWER, None),
        ("s1._domainkey.example.com.", b"v=DKIM1; k=rsa; p=MIIB", Outcome.ANSWER, None),
        (b"multi._domainkey.example.com.", b"k=rsa; p=KEY", Outcome.ANSWER, None),
        (b"v1._domainkey.example.com.", b"v=DKIM1; k=ed25519; h=sha256", Outcome.ANSWER, None),
        (b"junk._domainkey.example.com.", b"first", Outcome.ANSWER, None),
        (b"raw._domainkey.example.com.", b"p=\xff", Outcome.ANSWER, None),
        (b"slow._domainkey.example.com.", None, Outcome.TIMEOUT, AuthWord.TEMPERROR),
        (b"bad._domainkey.example.com.", None, Outcome.SERVFAIL, AuthWord.TEMPERROR),
        (b"nokey._domainkey.example.com.", None, Outcome.NODATA, AuthWord.PERMERROR),
        (b"gone._domainkey.example.com.", None, Outcome.NXDOMAIN, AuthWord.PERMERROR),
        (b"\xff\xfe._domainkey.example.com.", None, Outcome.NXDOMAIN, AuthWord.PERMERROR),
    ],
)
def test_lookup_table(
    name: bytes | str, expected: bytes | None, outcome: Outcome, word: AuthWord | None
) -> None:
    lookup = dkim_dnsfunc(StaticResolver(ZONE))
    assert lookup(name, timeout=5) == expected
    assert lookup.last_outcome is outcome
    assert lookup.outcome(name) is outcome
    assert lookup.word(name) is word


def test_unasked_name_has_no_outcome() -> None:
    lookup = DkimDnsLookup(StaticResolver(ZONE))
    assert lookup.last_outcome is None
    assert lookup.outcome(b"s1._domainkey.example.com.") is None
    assert lookup.word(b"s1._domainkey.example.com.") is None


class _Refusing:
    def resolve(self, name: str, rdtype: str) -> Any:
        raise ValueError("malformed")


def test_resolver_value_error_is_a_missing_key() -> None:
    lookup = DkimDnsLookup(_Refusing())
    assert lookup(b"x._domainkey.example.com.") is None
    assert lookup.word(b"x._domainkey.example.com.") is AuthWord.PERMERROR


# -- through dkimpy itself --------------------------------------------------

MESSAGE = (
    b"From: Example Pay <receipts@example.com>\r\n"
    b"To: you@example.net\r\n"
    b"Subject: Your receipt\r\n"
    b"Date: Sun, 22 Nov 2026 04:00:00 +0000\r\n"
    b"Message-ID: <1@example.com>\r\n"
    b"\r\n"
    b"Thank you for your payment of 10.00 USD.\r\n"
)


def _signed() -> tuple[bytes, str]:
    key = nacl.signing.SigningKey(b"\x01" * 32)  # fixed seed: deterministic test data
    signature = dkim.sign(
        MESSAGE,
        b"s1",
        b"example.com",
        base64.b64encode(bytes(key)),
        signature_algorithm=b"ed25519-sha256",
        include_headers=[b"from", b"to", b"subject", b"date"],
    )
    public = base64.b64encode(bytes(key.verify_key)).decode()
    return signature + MESSAGE, f"v=DKIM1; k=ed25519; p={public}"


@pytest.mark.parametrize(
    ("entry", "verified", "word"),
    [
        ("KEY", True, None),
        ("TIMEOUT", False, AuthWord.TEMPERROR),
        ("SERVFAIL", False, AuthWord.TEMPERROR),
        ("NXDOMAIN", False, AuthWord.PERMERROR),
    ],
)
def test_dkimpy_verify_through_the_adapter(
    entry: str, verified: bool, word: AuthWord | None
) -> None:
    message, record = _signed()
    zone: dict[str, Any] = {KEY: {"TXT": [record]} if entry == "KEY" else entry}
    lookup = dkim_dnsfunc(StaticResolver(zone))
    assert dkim.verify(message, dnsfunc=lookup) is verified
    assert lookup.word(f"{KEY}.") is word

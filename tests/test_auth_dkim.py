"""verify_dkim edge cases, as a table: every row signs a message, serves keys, checks words.

Signatures are made here with dkimpy's own header hashing and RSA code (not
trustcheck's), so a shared bug cannot make a row pass by itself.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dkim
import nacl.signing
import pytest
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import RSASSA_PKCS1_v1_5_sign, parse_pem_private_key

from trustcheck.auth.dkim import DkimResult, verify_dkim
from trustcheck.auth.results import AuthWord
from trustcheck.dns import StaticResolver
from trustcheck.errors import InputError

ROOT = Path(__file__).parent.parent
DKIMPY = Path(__file__).parent / "data" / "conformance" / "dkim" / "dkimpy"
RSA1024 = (DKIMPY / "test.private").read_bytes()
RSA1024_PUB = (DKIMPY / "test.txt").read_text().strip()
ED_SEED = (DKIMPY / "ed25519test.key").read_text().strip()
ED_PUB = (DKIMPY / "ed25519test.dns").read_text().strip()
RSA512 = (ROOT / "fixtures" / "dkim" / "rsa512.pem").read_bytes()
RSA512_PUB = (
    "v=DKIM1; k=rsa; p=" + (ROOT / "fixtures" / "dkim" / "rsa512.pub.b64").read_text().strip()
)

NOW = 1_700_000_000
MESSAGE = (
    b"From: Shop <receipts@example.com>\r\n"
    b"To: customer@example.net\r\n"
    b"Subject: Your receipt\r\n"
    b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    b"\r\n"
    b"Thank you for your order.\r\n"
    b"Total: 12.00 EUR\r\n"
)
ZONE: dict[str, Any] = {
    "rsa._domainkey.example.com": {"TXT": [RSA1024_PUB]},
    "ed._domainkey.example.com": {"TXT": [ED_PUB]},
    "small._domainkey.example.com": {"TXT": [RSA512_PUB]},
    "slow._domainkey.example.com": "TIMEOUT",
    "broken._domainkey.example.com": "SERVFAIL",
    "revoked._domainkey.example.com": {"TXT": ["v=DKIM1; k=rsa; p="]},
    "edkey._domainkey.example.com": {"TXT": [ED_PUB]},
    "shaonly._domainkey.example.com": {"TXT": [RSA1024_PUB + "; h=sha1"]},
}


@dataclass
class Sig:
    """One signature to add: which key, which tags, and what to break."""

    selector: str = "rsa"
    algorithm: str = "rsa-sha256"
    key: bytes | str = RSA1024
    extra: dict[str, str] = field(default_factory=dict)
    h: str = "from:to:subject:date"
    length: bool = False
    tamper_b: bool = False


def _sign(message: bytes, sig: Sig) -> bytes:
    headers, body = dkim.rfc822_parse(message)
    canon = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    cbody = canon.canonicalize_body(body)
    tags = [("v", "1"), ("a", sig.algorithm), ("c", "relaxed/relaxed"), ("d", "example.com")]
    tags += [("s", sig.selector), ("h", sig.h)]
    if sig.length:
        tags.append(("l", str(len(cbody))))
    hash_name = sig.algorithm.split("-")[1]
    bh = base64.b64encode(hashlib.new(hash_name, cbody).digest()).decode()
    tags += [*sig.extra.items(), ("bh", bh), ("b", "")]
    value = " " + "; ".join(f"{k}={v}" for k, v in tags)
    hasher = hashlib.new(hash_name)
    include = [n.encode() for n in sig.h.split(":")]
    dkim.hash_headers(
        hasher,
        canon,
        canon.canonicalize_headers(headers),
        include,
        (b"DKIM-Signature", value.encode()),
        None,
    )
    if sig.algorithm.startswith("ed25519"):
        seed = base64.b64decode(sig.key)
        raw = nacl.signing.SigningKey(seed).sign(hasher.digest()).signature
    else:
        assert isinstance(sig.key, bytes)
        raw = bytes(RSASSA_PKCS1_v1_5_sign(hasher, parse_pem_private_key(sig.key)))
    b64 = base64.b64encode(raw).decode()
    if sig.tamper_b:
        b64 = ("A" if b64[0] != "A" else "B") + b64[1:]
    return f"DKIM-Signature:{value}{b64}\r\n".encode() + message


def _verify(sigs: list[Sig], *, append: bytes = b"", now: float = NOW) -> tuple[DkimResult, ...]:
    message = MESSAGE
    # Sign bottom-up as relays do: the first Sig ends up topmost.
    for sig in reversed(sigs):
        message = _sign(message, sig)
    return verify_dkim(message + append, resolver=StaticResolver(ZONE), now=now)


CASES = [
    # id, signatures, appended body, expected words, expected reason fragment
    ("rsa-pass", [Sig()], b"", ["pass"], None),
    ("ed25519-pass", [Sig("ed", "ed25519-sha256", ED_SEED)], b"", ["pass"], None),
    ("good-then-bad", [Sig(), Sig(tamper_b=True)], b"", ["pass", "fail"], "did not verify"),
    (
        "bad-then-good",
        [Sig(tamper_b=True), Sig("ed", "ed25519-sha256", ED_SEED)],
        b"",
        ["fail", "pass"],
        "did not verify",
    ),
    ("one-key-times-out", [Sig(), Sig("slow")], b"", ["pass", "temperror"], "timeout"),
    ("key-servfail", [Sig("broken")], b"", ["temperror"], "servfail"),
    ("key-missing", [Sig("nokey")], b"", ["permerror"], "no key"),
    ("key-revoked", [Sig("revoked")], b"", ["fail"], "revoked"),
    ("key-type-mismatch", [Sig("edkey")], b"", ["fail"], "does not match"),
    ("key-h-excludes-sha256", [Sig("shaonly")], b"", ["fail"], "h= does not allow"),
    (
        "expired-x",
        [Sig(extra={"t": str(NOW - 90_000), "x": str(NOW - 3_600)})],
        b"",
        ["permerror"],
        "expired",
    ),
    (
        "x-still-valid",
        [Sig(extra={"t": str(NOW - 60), "x": str(NOW + 3_600)})],
        b"",
        ["pass"],
        None,
    ),
    ("future-t", [Sig(extra={"t": str(NOW + 2 * 86_400)})], b"", ["permerror"], "future"),
    (
        "x-before-t",
        [Sig(extra={"t": str(NOW - 10), "x": str(NOW - 20)})],
        b"",
        ["permerror"],
        "earlier than t=",
    ),
    ("rsa-512-bit", [Sig("small", key=RSA512)], b"", ["permerror"], "too small"),
    ("rsa-sha1", [Sig(algorithm="rsa-sha1")], b"", ["permerror"], "RFC 8301"),
    (
        "body-modified",
        [Sig()],
        b"Pay now at http://evil.example/\r\n",
        ["fail"],
        "body hash mismatch",
    ),
    ("l-tag-appended", [Sig(length=True)], b"Pay now at http://evil.example/\r\n", ["pass"], None),
    ("from-not-signed", [Sig(h="to:subject")], b"", ["permerror"], "From field not signed"),
    ("identity-outside-d", [Sig(extra={"i": "@evil.example"})], b"", ["permerror"], "i= domain"),
    ("q-not-dns", [Sig(extra={"q": "http/well-known"})], b"", ["permerror"], "q="),
]


@pytest.mark.parametrize(
    ("case_id", "sigs", "append", "expected", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_signature_table(
    case_id: str, sigs: list[Sig], append: bytes, expected: list[str], reason: str | None
) -> None:
    results = _verify(sigs, append=append)
    assert [r.result.value for r in results] == expected
    reasons = " | ".join(r.reason or "" for r in results)
    if reason is None:
        assert all(r.reason is None for r in results)
    else:
        assert reason in reasons


def test_l_tag_reports_unsigned_tail() -> None:
    tail = b"Pay now at http://evil.example/\r\n"
    (limited,) = _verify([Sig(length=True)], append=tail)
    (plain,) = _verify([Sig()])
    assert limited.body_length_limited
    assert limited.unsigned_body_bytes == len(tail)
    assert not plain.body_length_limited
    assert plain.unsigned_body_bytes == 0
    assert limited.to_method_result().details["unsigned_body_bytes"] == len(tail)


def test_facts_and_method_result() -> None:
    (result,) = _verify([Sig(extra={"t": str(NOW - 5), "i": "receipts@mail.example.com"})])
    assert result.result is AuthWord.PASS
    assert (result.domain, result.selector, result.algorithm) == (
        "example.com",
        "rsa",
        "rsa-sha256",
    )
    assert result.key_bits == 1024
    assert result.timestamp == NOW - 5
    assert result.signed_headers == ("from", "to", "subject", "date")
    method = result.to_method_result()
    assert method.method == "dkim"
    assert method.result is AuthWord.PASS
    assert method.properties["header.d"] == "example.com"
    assert method.properties["header.i"] == "receipts@mail.example.com"
    assert method.properties["header.b"] == result.header_b
    assert len(result.header_b or "") == 8


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        float(NOW),
        datetime.fromtimestamp(NOW, tz=UTC),
        datetime.fromtimestamp(NOW, tz=UTC).replace(tzinfo=None),
    ],
    ids=["int", "float", "datetime", "naive-datetime-is-utc"],
)
def test_clock_forms(now: Any) -> None:
    sig = Sig(extra={"t": str(NOW - 60), "x": str(NOW + 60)})
    assert [r.result for r in _verify([sig], now=now)] == [AuthWord.PASS]
    assert [r.result for r in _verify([sig], now=NOW + 120)] == [AuthWord.PERMERROR]


def test_lf_line_endings_verify_like_crlf() -> None:
    signed = _sign(MESSAGE, Sig())
    lf = signed.replace(b"\r\n", b"\n")
    results = verify_dkim(lf, resolver=StaticResolver(ZONE), now=NOW)
    assert [r.result for r in results] == [AuthWord.PASS]


@pytest.mark.parametrize(
    ("field_value", "reason"),
    [
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b", "malformed tag"),
        (b" v=1; a=rsa-sha256; a=rsa-sha256; d=example.com", "duplicate tag"),
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA", "missing required tag b="),
        (b" v=2; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA", "v= is not 1"),
        (b" v=1; a=rsa-md5; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA", "unknown signature"),
        (b" v=1; a=rsa-sha256; d=ex ample.com; s=rsa; h=from; bh=AAAA; b=AAAA", "not a domain"),
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=A!A", "not valid base64"),
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; c=fancy; h=from; bh=AAAA; b=AAAA", "c="),
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; l=x", "l="),
        (b" v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; t=soon", "t="),
    ],
)
def test_malformed_signature_is_permerror(field_value: bytes, reason: str) -> None:
    message = b"DKIM-Signature:" + field_value + b"\r\n" + MESSAGE
    (result,) = verify_dkim(message, resolver=StaticResolver(ZONE), now=NOW)
    assert result.result is AuthWord.PERMERROR
    assert reason in (result.reason or "")


def test_unsigned_message_has_no_results() -> None:
    assert verify_dkim(MESSAGE, resolver=StaticResolver({}), now=NOW) == ()


@pytest.mark.parametrize("bad", ["text", None, 42])
def test_non_bytes_input_is_input_error(bad: Any) -> None:
    with pytest.raises(InputError):
        verify_dkim(bad, resolver=StaticResolver({}))


@pytest.mark.parametrize(
    "message",
    [
        b"DKIM-Signature: v=1; a=rsa-sha256; b=" + b"\r\n " * 20_000 + b"!\r\n" + MESSAGE,
        b"DKIM-Signature: " + b"x=1;" * 50_000 + b"\r\n" + MESSAGE,
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; bh=AAAA; b=AAAA; h="
        + b"from:" * 5_000
        + b"\r\n"
        + MESSAGE,
        b"".join(b"DKIM-Signature: v=1\r\n" for _ in range(200)) + MESSAGE,
        b"\x00\xff garbage without headers",
        b"",
    ],
    ids=["folded-b", "huge-tag-list", "huge-h", "many-signatures", "garbage", "empty"],
)
def test_hostile_input_is_bounded(message: bytes) -> None:
    start = time.monotonic()
    results = verify_dkim(message, resolver=StaticResolver({}), now=NOW)
    assert time.monotonic() - start < 2.0
    assert all(r.result is not AuthWord.PASS for r in results)
    if len(results) > 16:
        assert results[16].result is AuthWord.POLICY


def test_each_key_is_fetched_once() -> None:
    resolver = StaticResolver(ZONE)
    message = _sign(_sign(MESSAGE, Sig()), Sig())
    results = verify_dkim(message, resolver=resolver, now=NOW)
    assert [r.result for r in results] == [AuthWord.PASS, AuthWord.PASS]
    assert resolver.queries == [("rsa._domainkey.example.com", "TXT")]

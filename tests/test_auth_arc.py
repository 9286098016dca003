"""ARC sealing and validation beyond the ValiMail suite: Ed25519 sets, DNS faults, tampering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trustcheck.auth.arc import seal_arc, verify_arc
from trustcheck.auth.results import AuthWord
from trustcheck.dns import StaticResolver
from trustcheck.errors import ConfigError, InputError

DKIMPY = Path(__file__).parent / "data" / "conformance" / "dkim" / "dkimpy"
RSA_KEY = (DKIMPY / "test.private").read_bytes()
ED_SEED = (DKIMPY / "ed25519test.key").read_bytes().strip()
NOW = 1_700_000_000

ZONE: dict[str, Any] = {
    "rsa._domainkey.relay.example": {"TXT": [(DKIMPY / "test.txt").read_text().strip()]},
    "ed._domainkey.list.example": {"TXT": [(DKIMPY / "ed25519test.dns").read_text().strip()]},
}

MESSAGE = (
    b"Authentication-Results: mx.relay.example; spf=pass smtp.mailfrom=shop.example;\r\n"
    b"  dkim=pass (2048-bit key) header.d=shop.example; dmarc=pass header.from=shop.example\r\n"
    b"From: Shop <receipts@shop.example>\r\n"
    b"To: customer@example.net\r\n"
    b"Subject: Your receipt\r\n"
    b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    b"\r\n"
    b"Total: 12.00 EUR\r\n"
)


def _seal(message: bytes, hop: str, authserv_id: str = "mx.relay.example") -> bytes:
    selector, domain, key, algorithm = {
        "rsa": ("rsa", "relay.example", RSA_KEY, "rsa-sha256"),
        "ed": ("ed", "list.example", ED_SEED, "ed25519-sha256"),
    }[hop]
    lines = seal_arc(
        message,
        selector=selector,
        domain=domain,
        private_key=key,
        authserv_id=authserv_id,
        timestamp=NOW - 60,
        algorithm=algorithm,
    )
    assert len(lines) == 3
    return b"".join(lines) + message


def _second_hop(message: bytes, cv: str) -> bytes:
    ar = f"Authentication-Results: mx.list.example; arc={cv}; dkim=pass header.d=shop.example\r\n"
    return _seal(ar.encode() + message, "ed", "mx.list.example")


def _without_seal(message: bytes) -> bytes:
    seal, ams, aar = seal_arc(
        message,
        selector="rsa",
        domain="relay.example",
        private_key=RSA_KEY,
        authserv_id="mx.relay.example",
        timestamp=NOW,
    )
    assert seal.startswith(b"ARC-Seal:")
    return ams + aar + message


def _body_changed(message: bytes) -> bytes:
    return message.replace(b"12.00 EUR", b"1200.00 EUR")


CASES = [
    # id, build the message, zone override, expected word, reason fragment, instances
    ("rsa-one-hop", lambda: _seal(MESSAGE, "rsa"), {}, "pass", None, 1),
    ("ed25519-one-hop", lambda: _seal(MESSAGE, "ed", "mx.relay.example"), {}, "pass", None, 1),
    ("rsa-then-ed25519", lambda: _second_hop(_seal(MESSAGE, "rsa"), "pass"), {}, "pass", None, 2),
    (
        "body-changed-after-seal",
        lambda: _body_changed(_seal(MESSAGE, "rsa")),
        {},
        "fail",
        "ARC-Message-Signature[1]",
        1,
    ),
    (
        "body-changed-between-hops",
        lambda: _second_hop(_body_changed(_seal(MESSAGE, "rsa")), "fail"),
        {},
        "fail",
        "cv=fail",
        2,
    ),
    (
        "seal-key-times-out",
        lambda: _seal(MESSAGE, "rsa"),
        {"rsa._domainkey.relay.example": "TIMEOUT"},
        "temperror",
        "timeout",
        1,
    ),
    (
        "seal-key-missing",
        lambda: _seal(MESSAGE, "rsa"),
        {"rsa._domainkey.relay.example": "NXDOMAIN"},
        "fail",
        "no key",
        1,
    ),
    ("no-arc", lambda: MESSAGE, {}, "none", "not ARC-sealed", 0),
    ("seal-field-removed", lambda: _without_seal(MESSAGE), {}, "fail", "AS missing", 1),
]


@pytest.mark.parametrize(
    ("case_id", "build", "override", "expected", "reason", "instances"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_chain_table(
    case_id: str,
    build: Any,
    override: dict[str, Any],
    expected: str,
    reason: str | None,
    instances: int,
) -> None:
    result = verify_arc(build(), resolver=StaticResolver({**ZONE, **override}), now=NOW)
    assert result.result.value == expected
    assert result.instances == instances
    if reason is None:
        assert result.reason is None
    else:
        assert reason in (result.reason or "")


def test_sealers_oldest_pass_and_method_result() -> None:
    message = _second_hop(_seal(MESSAGE, "rsa"), "pass")
    result = verify_arc(message, resolver=StaticResolver(ZONE), now=NOW)
    assert result.sealers == ("relay.example", "list.example")
    assert result.oldest_pass == 1
    assert [s.cv for s in result.sets] == ["none", "pass"]
    assert result.sets[0].aar.startswith("mx.relay.example;")
    method = result.to_method_result()
    assert method.method == "arc"
    assert method.result is AuthWord.PASS
    assert method.properties["header.oldest-pass"] == "1"
    assert method.details["sealers"] == ["relay.example", "list.example"]


def test_oldest_pass_stops_at_first_broken_ams() -> None:
    # Hop 1 seals, the body changes, hop 2 (which saw a broken AMS[1]) seals with cv=pass
    # anyway: AMS[2] and both seals verify, AMS[1] does not.
    message = _second_hop(_body_changed(_seal(MESSAGE, "rsa")), "pass")
    result = verify_arc(message, resolver=StaticResolver(ZONE), now=NOW)
    assert result.result is AuthWord.PASS
    assert result.oldest_pass == 2
    assert [s.ams_valid for s in result.sets] == [False, True]


def test_aar_keeps_comments_and_collects_all_our_fields() -> None:
    message = (
        b"Authentication-Results: mx.relay.example; spf=pass smtp.mailfrom=shop.example\r\n"
        b"Authentication-Results: other.example; dkim=fail\r\n" + MESSAGE
    )
    aar = seal_arc(
        message,
        selector="rsa",
        domain="relay.example",
        private_key=RSA_KEY,
        authserv_id="mx.relay.example",
        timestamp=NOW,
    )[2]
    text = b" ".join(aar.split())
    assert text.startswith(b"ARC-Authentication-Results: i=1; mx.relay.example;")
    assert b"dkim=pass (2048-bit key) header.d=shop.example" in text
    assert text.count(b"spf=pass") == 2
    assert b"other.example" not in text


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"private_key": b"not a key"}, ConfigError),
        ({"algorithm": "rsa-sha1"}, ConfigError),
        ({"domain": "bad domain"}, ConfigError),
        ({"signed_headers": ("to", "subject")}, ConfigError),
        ({"cv": "pass"}, InputError),
        ({"cv": "maybe"}, ConfigError),
    ],
    ids=["bad-key", "sha1", "bad-domain", "from-not-signed", "cv-pass-without-chain", "bad-cv"],
)
def test_seal_rejects_bad_parameters(kwargs: dict[str, Any], error: type[Exception]) -> None:
    params: dict[str, Any] = {
        "selector": "rsa",
        "domain": "relay.example",
        "private_key": RSA_KEY,
        "authserv_id": "mx.relay.example",
        "timestamp": NOW,
        **kwargs,
    }
    with pytest.raises(error):
        seal_arc(MESSAGE, **params)


def test_nothing_to_seal_without_our_results() -> None:
    lines = seal_arc(
        MESSAGE,
        selector="rsa",
        domain="relay.example",
        private_key=RSA_KEY,
        authserv_id="someone.else.example",
    )
    assert lines == []


def test_more_than_fifty_sets_fail() -> None:
    fake = b"".join(
        b"ARC-Authentication-Results: i=%d; x.example; none\r\n" % i for i in range(1, 52)
    )
    result = verify_arc(fake + MESSAGE, resolver=StaticResolver({}), now=NOW)
    assert result.result is AuthWord.FAIL
    assert "50" in (result.reason or "")

"""check_spf behaviour beyond the OpenSPF suites: fault paths, limits, identities, output."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from trustcheck.auth.results import AuthWord
from trustcheck.auth.spf import check_spf
from trustcheck.dns import StaticResolver
from trustcheck.errors import InputError

IP = "192.0.2.10"
POLICY = {"example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}}


def _chain(n: int) -> dict[str, Any]:
    """example.com includes n domains that do not match."""
    zone: dict[str, Any] = {
        "example.com": {
            "TXT": [" ".join(["v=spf1", *(f"include:i{k}.test" for k in range(n))]) + " -all"]
        },
    }
    for k in range(n):
        zone[f"i{k}.test"] = {"TXT": ["v=spf1 ip4:198.51.100.1 ?all"]}
    return zone


@pytest.mark.parametrize(
    ("zone", "mail_from", "helo", "kwargs", "result", "domain", "identity"),
    [
        # plain pass/fail against the MAIL FROM domain
        (POLICY, "a@example.com", "mx.other.test", {}, "pass", "example.com", "mailfrom"),
        (
            {"example.com": {"TXT": ["v=spf1 -all"]}},
            "a@example.com",
            "",
            {},
            "fail",
            "example.com",
            "mailfrom",
        ),
        # null reverse-path: the HELO identity, postmaster@helo (RFC 7208 2.4)
        (
            {"mx.example.com": {"TXT": ["v=spf1 a -all"], "A": [IP]}},
            "",
            "mx.example.com",
            {},
            "pass",
            "mx.example.com",
            "helo",
        ),
        (
            {"mx.example.com": {"TXT": ["v=spf1 -all"]}},
            "<>",
            "mx.example.com",
            {},
            "fail",
            "mx.example.com",
            "helo",
        ),
        # DNS outcomes: timeout/SERVFAIL -> temperror, never fail; NXDOMAIN/NODATA -> none
        (
            {"example.com": "TIMEOUT"},
            "a@example.com",
            "",
            {},
            "temperror",
            "example.com",
            "mailfrom",
        ),
        (
            {"example.com": "SERVFAIL"},
            "a@example.com",
            "",
            {},
            "temperror",
            "example.com",
            "mailfrom",
        ),
        ({}, "a@example.com", "", {}, "none", "example.com", "mailfrom"),
        ({"example.com": {"A": [IP]}}, "a@example.com", "", {}, "none", "example.com", "mailfrom"),
        (
            {"example.com": {"TXT": ["v=spf1 a:slow.test -all"]}, "slow.test": "TIMEOUT"},
            "a@example.com",
            "",
            {},
            "temperror",
            "example.com",
            "mailfrom",
        ),
        # two SPF records: permerror (RFC 7208 4.5)
        (
            {"example.com": {"TXT": ["v=spf1 -all", "v=spf1 +all"]}},
            "a@example.com",
            "",
            {},
            "permerror",
            "example.com",
            "mailfrom",
        ),
        # DNS-lookup limit (10) and a lowered one
        (_chain(10), "a@example.com", "", {}, "fail", "example.com", "mailfrom"),
        (_chain(11), "a@example.com", "", {}, "permerror", "example.com", "mailfrom"),
        (
            _chain(3),
            "a@example.com",
            "",
            {"max_lookups": 2},
            "permerror",
            "example.com",
            "mailfrom",
        ),
        # void-lookup limit (2): three a: terms on names that do not exist
        (
            {"example.com": {"TXT": ["v=spf1 a:n1.test a:n2.test a:n3.test -all"]}},
            "a@example.com",
            "",
            {},
            "permerror",
            "example.com",
            "mailfrom",
        ),
        (
            {"example.com": {"TXT": ["v=spf1 a:n1.test a:n2.test -all"]}},
            "a@example.com",
            "",
            {},
            "fail",
            "example.com",
            "mailfrom",
        ),
        (
            {"example.com": {"TXT": ["v=spf1 a:n1.test a:n2.test -all"]}},
            "a@example.com",
            "",
            {"max_void_lookups": 1},
            "permerror",
            "example.com",
            "mailfrom",
        ),
        # a garbage record is not an SPF record at all
        (
            {"example.com": {"TXT": ["\x00\xff garbage"]}},
            "a@example.com",
            "",
            {},
            "none",
            "example.com",
            "mailfrom",
        ),
        # nothing to check
        ({}, "", "", {}, "none", "", "helo"),
    ],
)
def test_check_spf_results(
    zone: dict[str, Any],
    mail_from: str,
    helo: str,
    kwargs: dict[str, Any],
    result: str,
    domain: str,
    identity: str,
) -> None:
    got = check_spf(ip=IP, mail_from=mail_from, helo=helo, resolver=StaticResolver(zone), **kwargs)
    assert (got.result, got.domain, got.identity) == (AuthWord(result), domain, identity)
    if result in ("permerror", "temperror"):
        assert got.reason


@pytest.mark.parametrize(
    ("record", "mechanism", "explanation"),
    [
        ("v=spf1 ip4:192.0.2.0/24 -all", "ip4:192.0.2.0/24", None),
        ("v=spf1 -ip4:192.0.2.10 +all", "-ip4:192.0.2.10", None),
        ("v=spf1 -all exp=why.example.com", "-all", "Blocked %{i} at %{t}"),
        ("v=spf1 ?all", "?all", None),
        ("v=spf1", None, None),
    ],
)
def test_check_spf_mechanism_and_explanation(
    record: str, mechanism: str | None, explanation: str | None
) -> None:
    zone = {"example.com": {"TXT": [record]}, "why.example.com": {"TXT": ["Blocked %{i} at %{t}"]}}
    now = datetime(2024, 1, 2, tzinfo=UTC)
    got = check_spf(
        ip=IP, mail_from="a@example.com", helo="h.test", resolver=StaticResolver(zone), now=now
    )
    assert got.mechanism == mechanism
    expected = None if explanation is None else f"Blocked {IP} at {int(now.timestamp())}"
    assert got.explanation == expected


@pytest.mark.parametrize("ip", ["", "999.1.1.1", "example.com", "1.2.3.4/24"])
def test_check_spf_rejects_bad_ip(ip: str) -> None:
    with pytest.raises(InputError, match="IP address"):
        check_spf(ip=ip, mail_from="a@example.com", helo="h", resolver=StaticResolver({}))


@pytest.mark.parametrize(
    ("mail_from", "helo", "properties"),
    [
        ("a@example.com", "mx.test", {"smtp.mailfrom": "a@example.com", "smtp.helo": "mx.test"}),
        ("", "example.com", {"smtp.helo": "example.com"}),
    ],
)
def test_spf_method_result(mail_from: str, helo: str, properties: dict[str, str]) -> None:
    got = check_spf(ip=IP, mail_from=mail_from, helo=helo, resolver=StaticResolver(POLICY))
    method = got.to_method_result()
    assert (method.method, method.result, dict(method.properties)) == (
        "spf",
        AuthWord.PASS,
        properties,
    )
    assert method.details["mechanism"] == "ip4:192.0.2.0/24"


def test_check_spf_lookup_count() -> None:
    got = check_spf(
        ip="198.51.100.9", mail_from="a@example.com", helo="", resolver=StaticResolver(_chain(4))
    )
    assert got.lookups == 4


def test_check_spf_concurrent_resolvers_do_not_interfere() -> None:
    # Each query carries its own resolver (no pyspf module global is touched).
    allow = StaticResolver({"example.com": {"TXT": ["v=spf1 +all"]}})
    deny = StaticResolver({"example.com": {"TXT": ["v=spf1 -all"]}})
    slow = StaticResolver({}, default="TIMEOUT")
    resolvers = [allow, deny, slow] * 30
    expected = [AuthWord.PASS, AuthWord.FAIL, AuthWord.TEMPERROR] * 30

    def run(resolver: StaticResolver) -> AuthWord:
        return check_spf(ip=IP, mail_from="a@example.com", helo="", resolver=resolver).result

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(run, resolvers)) == expected

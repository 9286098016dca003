"""CachingResolver against a real DNS server (NSD on 127.0.0.1, see conftest.py)."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dkim
import nacl.signing
import pytest
import yaml

from trustcheck.auth.results import AuthWord
from trustcheck.dns import CachingResolver, Outcome, StaticResolver
from trustcheck.dns.base import Answer
from trustcheck.dns.dkimpy import dkim_dnsfunc
from trustcheck.dns.fixtures import RecordingResolver, load_fixture

if TYPE_CHECKING:
    from conftest import DnsServer  # type: ignore[import-not-found]

pytestmark = pytest.mark.integration

DIFFERENTIAL = Path(__file__).resolve().parents[2] / "fixtures" / "dns" / "differential.yaml"

# Short timeouts: a TIMEOUT test waits at most LIFETIME.
TIMEOUT, LIFETIME = 0.3, 0.8


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _resolver(server: DnsServer, clock: Clock | None = None, **kw: Any) -> CachingResolver:
    return CachingResolver(
        nameservers=[server.host],
        port=server.port,
        timeout=TIMEOUT,
        lifetime=LIFETIME,
        clock=clock or Clock(),
        **kw,
    )


HUGE = tuple(f"huge-{i:02d}-" + "x" * 240 for i in range(24))
LONG = "v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(1, 23)) + " -all"

TABLE: list[tuple[str, str, Outcome, tuple[str, ...] | None]] = [
    ("example.test", "A", Outcome.ANSWER, ("192.0.2.10",)),
    ("Example.TEST.", "AAAA", Outcome.ANSWER, ("2001:db8::10",)),
    ("example.test", "MX", Outcome.ANSWER, ("10 mail.example.test", "20 backup.example.test")),
    ("example.test", "NS", Outcome.ANSWER, ("ns.example.test",)),
    ("example.test", "TXT", Outcome.ANSWER, ("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",)),
    ("example.test", "PTR", Outcome.NODATA, ()),
    ("_dmarc.example.test", "TXT", Outcome.ANSWER, None),
    ("s1._domainkey.example.test", "TXT", Outcome.ANSWER, None),
    ("www.example.test", "CNAME", Outcome.ANSWER, ("example.test",)),
    ("www.example.test", "A", Outcome.ANSWER, ("192.0.2.10",)),  # chain followed
    ("esp._domainkey.example.test", "TXT", Outcome.ANSWER, None),
    ("mail.example.test", "AAAA", Outcome.ANSWER, ("2001:db8::25",)),
    ("multi.example.test", "TXT", Outcome.ANSWER, ("one record three strings", "second record")),
    ("long.example.test", "TXT", Outcome.ANSWER, (LONG,)),
    ("huge.example.test", "TXT", Outcome.ANSWER, ("".join(HUGE),)),  # needs TCP
    ("25.2.0.192.in-addr.arpa", "PTR", Outcome.ANSWER, ("mail.example.test",)),
    ("10.2.0.192.in-addr.arpa", "PTR", Outcome.ANSWER, ("example.test",)),
    ("nodata.example.test", "TXT", Outcome.NODATA, ()),
    ("nosuch.example.test", "TXT", Outcome.NXDOMAIN, ()),
    ("examplepay.example", "MX", Outcome.ANSWER, ("10 mx.examplepay.example",)),
    ("_dmarc.examplepay.example", "TXT", Outcome.ANSWER, ("v=DMARC1; p=reject; adkim=s; aspf=s",)),
    ("broken.example.test", "TXT", Outcome.SERVFAIL, ()),  # zone failed to load
    ("x.broken.example.test", "A", Outcome.SERVFAIL, ()),
    ("not-served.invalid", "A", Outcome.SERVFAIL, ()),  # REFUSED
    ("slow.example.test", "TXT", Outcome.TIMEOUT, ()),  # the front drops it
    ("a.slow.example.test", "A", Outcome.TIMEOUT, ()),
    ("a..example.test", "A", Outcome.NXDOMAIN, ()),  # cannot exist: not asked
]


@pytest.mark.parametrize(("name", "rdtype", "outcome", "records"), TABLE)
def test_outcomes_against_nsd(
    dns_server: DnsServer,
    name: str,
    rdtype: str,
    outcome: Outcome,
    records: tuple[str, ...] | None,
) -> None:
    started = time.monotonic()
    answer = _resolver(dns_server).resolve(name, rdtype)
    assert answer.outcome is outcome
    if records is not None:
        assert answer.records == records
    if outcome is Outcome.TIMEOUT:
        assert time.monotonic() - started < LIFETIME + 1.0


def test_huge_txt_keeps_its_character_strings(dns_server: DnsServer) -> None:
    answer = _resolver(dns_server).resolve("huge.example.test", "TXT")
    assert answer.txt_strings == (tuple(s.encode() for s in HUGE),)


def test_long_txt_is_split_into_strings_and_joined(dns_server: DnsServer) -> None:
    answer = _resolver(dns_server).resolve("long.example.test", "TXT")
    (strings,) = answer.txt_strings
    assert len(strings) == 2
    assert all(len(s) <= 255 for s in strings)
    assert b"".join(strings).decode() == answer.records[0]


def test_direct_to_nsd_without_the_front(dns_server: DnsServer) -> None:
    r = CachingResolver(nameservers=[dns_server.host], port=dns_server.nsd_port, clock=Clock())
    assert r.resolve("example.test", "A").records == ("192.0.2.10",)
    assert r.resolve("nosuch.example.test", "A").outcome is Outcome.NXDOMAIN


# -- caching against the wire ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rdtype", "outcome", "lifetime"),
    [
        ("short.example.test", "A", Outcome.ANSWER, 60),  # record TTL 60
        ("mail.example.test", "A", Outcome.ANSWER, 300),  # zone $TTL 300
        ("nosuch2.example.test", "A", Outcome.NXDOMAIN, 60),  # SOA MINIMUM 60 < TTL 300
        ("nodata.example.test", "MX", Outcome.NODATA, 60),
        ("nosuch.examplepay.example", "TXT", Outcome.NXDOMAIN, 300),  # MINIMUM 300 < TTL 3600
        ("broken.example.test", "MX", Outcome.SERVFAIL, 30),  # failure_ttl
    ],
)
def test_cache_lifetime_on_the_wire(
    dns_server: DnsServer, name: str, rdtype: str, outcome: Outcome, lifetime: int
) -> None:
    clock = Clock()
    r = _resolver(dns_server, clock)
    key = (name, rdtype)
    before = dns_server.forwarded[key]
    first = r.resolve(name, rdtype)
    assert first.outcome is outcome
    if not outcome.is_error:
        assert first.ttl == lifetime
    clock.now = lifetime - 0.5
    assert r.resolve(name, rdtype).outcome is outcome
    assert dns_server.forwarded[key] - before == 1  # the hit did not reach the server
    assert (r.stats.queries, r.stats.hits) == (1, 1)
    clock.now = lifetime + 0.5
    assert r.resolve(name, rdtype).outcome is outcome
    assert dns_server.forwarded[key] - before == 2  # expired: asked again
    assert (r.stats.queries, r.stats.hits) == (2, 1)


def test_timeout_is_cached_briefly(dns_server: DnsServer) -> None:
    clock = Clock()
    r = _resolver(dns_server, clock, failure_ttl=5)
    key = ("t1.slow.example.test", "TXT")
    before = dns_server.dropped[key]
    assert r.resolve(*key).outcome is Outcome.TIMEOUT
    tries = dns_server.dropped[key] - before
    assert tries >= 1
    started = time.monotonic()
    assert r.resolve(*key).outcome is Outcome.TIMEOUT  # from the cache, at once
    assert time.monotonic() - started < 0.1
    assert dns_server.dropped[key] - before == tries
    clock.now = 6
    assert r.resolve(*key).outcome is Outcome.TIMEOUT
    assert dns_server.dropped[key] - before > tries


def test_async_resolve_against_nsd(dns_server: DnsServer) -> None:
    r = _resolver(dns_server)

    async def run() -> list[Answer]:
        return list(
            await asyncio.gather(
                r.aresolve("example.test", "MX"),
                r.aresolve("nosuch.example.test", "A"),
                r.aresolve("slow.example.test", "A"),
                r.aresolve("broken.example.test", "A"),
            )
        )

    outcomes = [a.outcome for a in asyncio.run(run())]
    assert outcomes == [Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.TIMEOUT, Outcome.SERVFAIL]
    assert r.resolve("example.test", "MX").ok
    assert r.stats.hits == 1


# -- differential: the same zone data through StaticResolver and NSD ----------


def _differential_cases() -> list[tuple[str, str]]:
    zone = yaml.safe_load(Path(DIFFERENTIAL).read_text(encoding="utf-8"))["zone"]
    # Plus names that do not exist and empty non-terminals (parents of listed names).
    names = [
        *zone,
        "absent.diff.test",
        "deep.absent.diff.test",
        "_domainkey.diff.test",
        "esp.diff.test",
    ]
    cases = []
    for name in names:
        cases.extend(
            (name, rdtype) for rdtype in ("A", "AAAA", "MX", "TXT", "CNAME", "PTR", "NS", "SOA")
        )
    return cases


@pytest.mark.parametrize(("name", "rdtype"), _differential_cases())
def test_static_and_caching_agree(dns_server: DnsServer, name: str, rdtype: str) -> None:
    static = dns_server.fixture.resolver().resolve(name, rdtype)
    live = _resolver(dns_server).resolve(name, rdtype)
    assert live.outcome is static.outcome
    # An RRset has no order (RFC 2181 §5): CachingResolver sorts, StaticResolver
    # keeps the fixture's order.
    assert live.records == tuple(sorted(static.records))
    assert live.txt_strings == tuple(sorted(static.txt_strings, key=b"".join))
    if not live.outcome.is_error:
        assert live.ttl == static.ttl


# -- recording a live session and replaying it offline -----------------------


def test_record_live_then_replay_offline(dns_server: DnsServer, tmp_path: Path) -> None:
    asked = [(name, rdtype, None, None) for name, rdtype, *_ in TABLE]
    recorder = RecordingResolver(_resolver(dns_server))
    live = [recorder.resolve(name, rdtype) for name, rdtype, *_ in asked]
    path = tmp_path / "capture.yaml"
    recorder.dump(path, description="integration capture")
    replay = load_fixture(path)
    for (name, rdtype, *_), before in zip(asked, live, strict=True):
        after = replay.resolve(name, rdtype)
        assert (after.outcome, after.records, after.txt_strings) == (
            before.outcome,
            before.records,
            before.txt_strings,
        ), name


# -- DKIM through dkimpy's seam, keys from the real server --------------------

MESSAGE = (
    b"From: Example <billing@example.test>\r\n"
    b"To: you@example.net\r\n"
    b"Subject: Receipt\r\n"
    b"\r\n"
    b"Paid.\r\n"
)


@pytest.mark.parametrize(
    ("selector", "domain", "verified", "word"),
    [
        (b"s1", b"example.test", True, None),
        (b"esp", b"example.test", True, None),  # key behind a CNAME
        (b"s1", b"examplepay.example", True, None),
        (b"gone", b"example.test", False, AuthWord.PERMERROR),
        (b"s1", b"slow.example.test", False, AuthWord.TEMPERROR),
        (b"s1", b"broken.example.test", False, AuthWord.TEMPERROR),
    ],
)
def test_dkimpy_against_nsd(
    dns_server: DnsServer, selector: bytes, domain: bytes, verified: bool, word: AuthWord | None
) -> None:
    key = nacl.signing.SigningKey(b"\x02" * 32)  # its public half is in the zones
    signed = dkim.sign(
        MESSAGE,
        selector,
        domain,
        base64.b64encode(bytes(key)),
        signature_algorithm=b"ed25519-sha256",
        include_headers=[b"from", b"to", b"subject"],
    )
    lookup = dkim_dnsfunc(_resolver(dns_server))
    assert dkim.verify(signed + MESSAGE, dnsfunc=lookup) is verified
    assert lookup.word(selector + b"._domainkey." + domain) is word


def test_static_resolver_is_the_offline_twin() -> None:
    # Guard for the differential test: the fixture must exercise every outcome.
    r = load_fixture(DIFFERENTIAL)
    assert isinstance(r, StaticResolver)
    seen = {r.resolve(name, rdtype).outcome for name, rdtype in _differential_cases()}
    assert seen == set(Outcome)

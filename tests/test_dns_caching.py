"""CachingResolver: outcome mapping and cache behaviour, with dnspython mocked.

The network is replaced by a fake ``resolve`` on the inner dnspython resolver;
the answers it returns are real ``dns.message`` responses, so presentation and
TTL code runs on the same objects it sees in production.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest

from trustcheck.dns import Outcome, Resolver
from trustcheck.dns.caching import CachingResolver
from trustcheck.errors import ConfigError

SOA = "ns.example.test. host.example.test. 1 3600 600 86400 {minimum}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _response(
    qname: str,
    rdtype: str,
    answer: list[tuple[str, int, str, str]] = (),  # type: ignore[assignment]
    soa: tuple[int, int] | None = None,
    rcode: int = 0,
) -> dns.message.Message:
    query = dns.message.make_query(qname, rdtype)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    for owner, ttl, rtype, text in answer:
        response.answer.append(dns.rrset.from_text(owner, ttl, "IN", rtype, *text.split("|")))
    if soa is not None:
        ttl, minimum = soa
        response.authority.append(
            dns.rrset.from_text("example.test.", ttl, "IN", "SOA", SOA.format(minimum=minimum))
        )
    # Through the wire and back, as a real reply arrives (and to index the sections).
    return dns.message.from_wire(response.to_wire())


def _answer(qname: str, rdtype: str, **kw: Any) -> dns.resolver.Answer:
    response = _response(qname, rdtype, **kw)
    return dns.resolver.Answer(
        dns.name.from_text(qname), dns.rdatatype.from_text(rdtype), dns.rdataclass.IN, response
    )


class Fake:
    """Stands in for dns.resolver.Resolver.resolve: returns or raises per call."""

    def __init__(self, result: Callable[[], Any]) -> None:
        self.result = result
        self.calls: list[tuple[str, str]] = []

    def __call__(self, qname: str, rdtype: str, **kw: Any) -> Any:
        assert kw == {"raise_on_no_answer": False, "search": False}
        self.calls.append((qname, rdtype))
        value = self.result()
        if isinstance(value, BaseException):
            raise value
        return value


def _make(result: Callable[[], Any], **kw: Any) -> tuple[CachingResolver, Fake, Clock]:
    clock = Clock()
    r = CachingResolver(nameservers=["127.0.0.1"], clock=clock, **kw)
    fake = Fake(result)
    r._sync.resolve = fake  # type: ignore[method-assign]
    return r, fake, clock


Q = "Name.Example.TEST."
N = "name.example.test."


# -- outcome mapping ------------------------------------------------------

ANSWERS: list[tuple[str, Callable[[], Any], Outcome, tuple[str, ...], int]] = [
    (
        "A",
        lambda: _answer(N, "A", answer=[(N, 300, "A", "192.0.2.1|192.0.2.2")]),
        Outcome.ANSWER,
        ("192.0.2.1", "192.0.2.2"),
        300,
    ),
    (
        "AAAA",
        lambda: _answer(N, "AAAA", answer=[(N, 60, "AAAA", "2001:DB8:0::1")]),
        Outcome.ANSWER,
        ("2001:db8::1",),
        60,
    ),
    (
        "MX",
        lambda: _answer(N, "MX", answer=[(N, 300, "MX", "10 MX.Example.TEST.")]),
        Outcome.ANSWER,
        ("10 mx.example.test",),
        300,
    ),
    (
        "PTR",
        lambda: _answer(N, "PTR", answer=[(N, 300, "PTR", "Mail.Example.TEST.")]),
        Outcome.ANSWER,
        ("mail.example.test",),
        300,
    ),
    (
        "NS",
        lambda: _answer(N, "NS", answer=[(N, 300, "NS", "ns1.example.test.")]),
        Outcome.ANSWER,
        ("ns1.example.test",),
        300,
    ),
    (
        "CNAME",
        lambda: _answer(N, "CNAME", answer=[(N, 300, "CNAME", "Target.Example.TEST.")]),
        Outcome.ANSWER,
        ("target.example.test",),
        300,
    ),
    (
        "TXT",
        lambda: _answer(N, "TXT", answer=[(N, 300, "TXT", '"v=spf1 " "-all"|"second"')]),
        Outcome.ANSWER,
        ("second", "v=spf1 -all"),  # sorted: an RRset has no order
        300,
    ),
    # A CNAME chain: records of the target, TTL the chain's minimum.
    (
        "A",
        lambda: _answer(
            N,
            "A",
            answer=[
                (N, 3600, "CNAME", "t.example.test."),
                ("t.example.test.", 120, "A", "192.0.2.5"),
            ],
        ),
        Outcome.ANSWER,
        ("192.0.2.5",),
        120,
    ),
    # No-data via raise_on_no_answer=False: negative TTL from the SOA (RFC 2308 §5).
    ("TXT", lambda: _answer(N, "TXT", soa=(900, 60)), Outcome.NODATA, (), 60),
    ("TXT", lambda: _answer(N, "TXT", soa=(30, 600)), Outcome.NODATA, (), 30),
    ("TXT", lambda: _answer(N, "TXT"), Outcome.NODATA, (), 0),
    (
        "TXT",
        lambda: dns.resolver.NXDOMAIN(
            qnames=[dns.name.from_text(N)],
            responses={dns.name.from_text(N): _response(N, "TXT", soa=(300, 120), rcode=3)},
        ),
        Outcome.NXDOMAIN,
        (),
        120,
    ),
    ("TXT", lambda: dns.resolver.NXDOMAIN(), Outcome.NXDOMAIN, (), 0),
    (
        "TXT",
        lambda: dns.resolver.NoAnswer(response=_response(N, "TXT", soa=(300, 200))),
        Outcome.NODATA,
        (),
        200,
    ),
    ("TXT", lambda: dns.exception.Timeout(timeout=2.0), Outcome.TIMEOUT, (), 0),
    (
        "TXT",
        lambda: dns.resolver.LifetimeTimeout(timeout=4.0, errors=[]),
        Outcome.TIMEOUT,
        (),
        0,
    ),
    (
        "TXT",
        lambda: dns.resolver.NoNameservers(request=dns.message.make_query(N, "TXT"), errors=[]),
        Outcome.SERVFAIL,
        (),
        0,
    ),
    ("TXT", lambda: dns.resolver.YXDOMAIN(), Outcome.SERVFAIL, (), 0),
    ("TXT", lambda: dns.exception.FormError(), Outcome.SERVFAIL, (), 0),
    ("TXT", lambda: dns.exception.DNSException("odd"), Outcome.SERVFAIL, (), 0),
    ("TXT", lambda: OSError("network unreachable"), Outcome.SERVFAIL, (), 0),
    ("TXT", lambda: dns.name.LabelTooLong(), Outcome.NXDOMAIN, (), 0),
]


@pytest.mark.parametrize(("rdtype", "result", "outcome", "records", "ttl"), ANSWERS)
def test_outcome_mapping(
    rdtype: str,
    result: Callable[[], Any],
    outcome: Outcome,
    records: tuple[str, ...],
    ttl: int,
) -> None:
    r, fake, _ = _make(result)
    answer = r.resolve(Q, rdtype)
    assert (answer.outcome, answer.records, answer.ttl) == (outcome, records, ttl)
    assert (answer.name, answer.rdtype) == ("name.example.test", rdtype)
    assert fake.calls == [(N, rdtype)]


@pytest.mark.parametrize(("rdtype", "result", "outcome", "records", "ttl"), ANSWERS)
def test_async_outcome_mapping(
    rdtype: str,
    result: Callable[[], Any],
    outcome: Outcome,
    records: tuple[str, ...],
    ttl: int,
) -> None:
    r, fake, _ = _make(result)

    async def fake_async(qname: str, rdtype: str, **kw: Any) -> Any:
        return fake(qname, rdtype, **kw)

    r._async = _AsyncShim(fake_async)  # type: ignore[assignment]
    answer = asyncio.run(r.aresolve(Q, rdtype))
    assert (answer.outcome, answer.records, answer.ttl) == (outcome, records, ttl)


class _AsyncShim:
    def __init__(self, fn: Callable[..., Any]) -> None:
        self.resolve = fn


def test_txt_strings_preserved_as_bytes() -> None:
    r, _, _ = _make(lambda: _answer(N, "TXT", answer=[(N, 300, "TXT", '"a\\255" "b"|"c"')]))
    answer = r.resolve(N, "TXT")
    assert answer.txt_strings == ((b"a\xff", b"b"), (b"c",))
    assert answer.records == ("a\ufffdb", "c")


def test_oversized_txt_answer() -> None:
    # 200 strings of 255 octets: ~51 kB, near the 64 kB DNS message limit.
    chunk = "x" * 255
    text = " ".join(f'"{chunk}"' for _ in range(200))
    r, _, _ = _make(lambda: _answer(N, "TXT", answer=[(N, 300, "TXT", text)]))
    answer = r.resolve(N, "TXT")
    assert answer.outcome is Outcome.ANSWER
    assert len(answer.records[0]) == 255 * 200
    assert len(answer.txt_strings[0]) == 200


# -- names that cannot exist and bad arguments -----------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "a..example.test",
        "example.test..",
        "x" * 64 + ".example.test",
        ".".join(["a" * 60] * 5),  # > 255 octets
        "\udcff.example",  # lone surrogate: not encodable
    ],
)
def test_impossible_names_are_nxdomain_without_query(name: str) -> None:
    r, fake, _ = _make(lambda: pytest.fail("must not query"))
    answer = r.resolve(name, "TXT")
    assert answer.outcome is Outcome.NXDOMAIN
    assert fake.calls == []


@pytest.mark.parametrize(
    "name", ["_dmarc.example.test", "s1._domainkey.example.test", "bücher.example"]
)
def test_unusual_but_valid_names_are_queried(name: str) -> None:
    r, fake, _ = _make(lambda: dns.resolver.NXDOMAIN())
    r.resolve(name, "TXT")
    assert len(fake.calls) == 1


@pytest.mark.parametrize("rdtype", ["SPF", "ANY", "", "HTTPS"])
def test_unsupported_rdtype_is_value_error(rdtype: str) -> None:
    r, _, _ = _make(lambda: pytest.fail("must not query"))
    with pytest.raises(ValueError, match="Unsupported record type"):
        r.resolve("example.test", rdtype)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"nameservers": []},
        {"nameservers": ["not-an-ip"]},
        {"nameservers": ["127.0.0.1"], "cache_size": -1},
        {"nameservers": ["127.0.0.1"], "min_ttl": 10, "max_ttl": 5},
        {"nameservers": ["127.0.0.1"], "timeout": 0},
        {"nameservers": ["127.0.0.1"], "failure_ttl": -1},
    ],
)
def test_bad_configuration_is_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        CachingResolver(**kwargs)


def test_follows_resolver_protocol() -> None:
    assert isinstance(CachingResolver(nameservers=["127.0.0.1"]), Resolver)


# -- cache ------------------------------------------------------------------

POSITIVE = lambda: _answer(N, "TXT", answer=[(N, 300, "TXT", '"v=spf1 -all"')])  # noqa: E731
NEGATIVE = lambda: _answer(N, "TXT", soa=(3600, 600))  # noqa: E731
TIMEOUT = lambda: dns.exception.Timeout()  # noqa: E731


@pytest.mark.parametrize(
    ("result", "kwargs", "lifetime"),
    [
        (POSITIVE, {}, 300),
        (POSITIVE, {"max_ttl": 100}, 100),
        (POSITIVE, {"min_ttl": 900}, 900),
        (NEGATIVE, {}, 600),
        (NEGATIVE, {"negative_ttl_cap": 50}, 50),
        (TIMEOUT, {}, 30),
        (TIMEOUT, {"failure_ttl": 5}, 5),
    ],
)
def test_entries_live_for_their_ttl(
    result: Callable[[], Any], kwargs: dict[str, Any], lifetime: int
) -> None:
    r, fake, clock = _make(result, **kwargs)
    first = r.resolve(N, "TXT")
    clock.now += lifetime - 1
    second = r.resolve(N, "TXT")
    assert len(fake.calls) == 1
    assert second.outcome is first.outcome
    assert second.records == first.records
    if not first.outcome.is_error:
        assert second.ttl == 1  # the remaining lifetime, as a cache should report
    clock.now += 1
    r.resolve(N, "TXT")
    assert len(fake.calls) == 2
    assert r.stats.queries == 2
    assert r.stats.hits == 1


@pytest.mark.parametrize(
    "result",
    [lambda: _answer(N, "TXT"), lambda: _answer(N, "TXT", answer=[(N, 0, "TXT", '"x"')])],
)
def test_zero_ttl_and_soa_less_negatives_are_not_cached(result: Callable[[], Any]) -> None:
    r, fake, _ = _make(result)
    r.resolve(N, "TXT")
    r.resolve(N, "TXT")
    assert len(fake.calls) == 2
    assert r.stats.hits == 0


def test_cache_key_is_name_and_type_and_case_insensitive() -> None:
    r, fake, _ = _make(POSITIVE)
    r.resolve("NAME.example.test", "txt")
    r.resolve("name.EXAMPLE.test.", "TXT")
    r.resolve("name.example.test", "A")
    assert fake.calls == [(N, "TXT"), (N, "A")]


def test_lru_bound_evicts_least_recently_used() -> None:
    r, fake, _ = _make(POSITIVE, cache_size=2)
    for name in ("a.test", "b.test", "a.test", "c.test", "a.test", "b.test"):
        r.resolve(name, "TXT")
    # a stays (recently used), b is evicted when c arrives, so b is asked twice
    assert [q for q, _ in fake.calls] == ["a.test.", "b.test.", "c.test.", "b.test."]
    assert r.stats.size == 2


def test_cache_size_zero_disables_cache() -> None:
    r, fake, _ = _make(POSITIVE, cache_size=0)
    r.resolve(N, "TXT")
    r.resolve(N, "TXT")
    assert len(fake.calls) == 2


def test_clear_forgets_answers() -> None:
    r, fake, _ = _make(POSITIVE)
    r.resolve(N, "TXT")
    r.clear()
    r.resolve(N, "TXT")
    assert len(fake.calls) == 2


def test_async_and_sync_share_the_cache() -> None:
    r, fake, _ = _make(POSITIVE)
    r.resolve(N, "TXT")
    answer = asyncio.run(r.aresolve(N, "TXT"))
    assert answer.outcome is Outcome.ANSWER
    assert len(fake.calls) == 1
    assert r.stats.hits == 1


def test_thread_safety_under_concurrent_lookups() -> None:
    r, fake, _ = _make(POSITIVE, cache_size=50)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(200):
                assert r.resolve(f"n{(i * 7 + j) % 80}.test", "TXT").ok
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = r.stats
    assert stats.queries + stats.hits == 8 * 200
    assert stats.queries == len(fake.calls)
    assert stats.size <= 50

"""StaticResolver: the mapping contract from its docstring, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from trustcheck.dns import Answer, Outcome, Resolver, StaticResolver
from trustcheck.dns.static import normalize_name

ZONE: dict[str, Any] = {
    "example.com": {
        "TXT": ["v=spf1 ip4:192.0.2.0/24 -all", ["part one ", "part two"]],
        "A": ["192.0.2.1"],
        "AAAA": ["2001:DB8:0:0::1"],
        "MX": ["10 MX.Example.com.", "20  backup.example.com"],
        "NS": ["NS1.example.com."],
    },
    "Mixed.Case.Example.": {"A": ["192.0.2.7"]},
    "slow.example": "TIMEOUT",
    "broken.example": "SERVFAIL",
    "gone.example": "NXDOMAIN",
    "half.example": {"A": ["192.0.2.9"], "*": "TIMEOUT"},
    "halfbroken.example": {"TXT": "SERVFAIL"},
    "empty.example": {"TXT": []},
    "1.2.0.192.in-addr.arpa": {"PTR": ["Mail.Example.com."]},
    "bytes.example": {"TXT": [[b"\xff\xfe", b"ok"]]},
    # CNAME chains (RFC 1034 §3.6.2): followed for other types.
    "sel._domainkey.brand.example": {"CNAME": ["sel.esp.example."]},
    "sel.esp.example": {"TXT": ["v=DKIM1; p=AAAA"]},
    "dangling.example": {"CNAME": ["nowhere.example"]},
    "toslow.example": {"CNAME": ["slow.example"]},
    "loop1.example": {"CNAME": ["loop2.example"]},
    "loop2.example": {"CNAME": ["loop1.example"]},
    "both.example": {"CNAME": ["sel.esp.example"], "A": ["192.0.2.4"]},
    **{f"c{i}.example": {"CNAME": [f"c{i + 1}.example"]} for i in range(10)},
    "c10.example": {"A": ["192.0.2.10"]},
}


@pytest.fixture(scope="module")
def resolver() -> StaticResolver:
    return StaticResolver(ZONE)


@pytest.mark.parametrize(
    ("name", "rdtype", "outcome", "records"),
    [
        (
            "example.com",
            "TXT",
            Outcome.ANSWER,
            ("v=spf1 ip4:192.0.2.0/24 -all", "part one part two"),
        ),
        ("example.com", "A", Outcome.ANSWER, ("192.0.2.1",)),
        ("example.com", "AAAA", Outcome.ANSWER, ("2001:db8::1",)),
        ("example.com", "MX", Outcome.ANSWER, ("10 mx.example.com", "20 backup.example.com")),
        ("example.com", "NS", Outcome.ANSWER, ("ns1.example.com",)),
        ("example.com", "PTR", Outcome.NODATA, ()),
        ("example.com", "SOA", Outcome.NODATA, ()),
        # name normalisation: case and one trailing dot, on both sides
        ("EXAMPLE.com.", "a", Outcome.ANSWER, ("192.0.2.1",)),
        ("mixed.case.example", "A", Outcome.ANSWER, ("192.0.2.7",)),
        ("MIXED.CASE.EXAMPLE.", "A", Outcome.ANSWER, ("192.0.2.7",)),
        ("unknown.example", "A", Outcome.NXDOMAIN, ()),
        ("sub.example.com", "TXT", Outcome.NXDOMAIN, ()),
        ("slow.example", "TXT", Outcome.TIMEOUT, ()),
        ("slow.example", "A", Outcome.TIMEOUT, ()),
        ("broken.example", "MX", Outcome.SERVFAIL, ()),
        ("gone.example", "A", Outcome.NXDOMAIN, ()),
        ("half.example", "A", Outcome.ANSWER, ("192.0.2.9",)),
        ("half.example", "TXT", Outcome.TIMEOUT, ()),
        ("half.example", "MX", Outcome.TIMEOUT, ()),
        ("halfbroken.example", "TXT", Outcome.SERVFAIL, ()),
        ("halfbroken.example", "A", Outcome.NODATA, ()),
        ("empty.example", "TXT", Outcome.NODATA, ()),
        ("1.2.0.192.in-addr.arpa", "PTR", Outcome.ANSWER, ("mail.example.com",)),
        ("bytes.example", "TXT", Outcome.ANSWER, ("\ufffd\ufffdok",)),
        ("sel._domainkey.brand.example", "TXT", Outcome.ANSWER, ("v=DKIM1; p=AAAA",)),
        ("sel._domainkey.brand.example", "CNAME", Outcome.ANSWER, ("sel.esp.example",)),
        ("sel._domainkey.brand.example", "A", Outcome.NODATA, ()),
        ("dangling.example", "A", Outcome.NXDOMAIN, ()),
        ("toslow.example", "TXT", Outcome.TIMEOUT, ()),
        ("loop1.example", "A", Outcome.SERVFAIL, ()),
        ("both.example", "A", Outcome.ANSWER, ("192.0.2.4",)),
        ("c2.example", "A", Outcome.ANSWER, ("192.0.2.10",)),  # 8 links: followed
        ("c0.example", "A", Outcome.SERVFAIL, ()),  # 10 links: too long
        # empty non-terminals: parents of listed names exist (RFC 8020 §2)
        ("_domainkey.brand.example", "TXT", Outcome.NODATA, ()),
        ("brand.example", "TXT", Outcome.NODATA, ()),
        ("case.example", "A", Outcome.NODATA, ()),
        ("example", "A", Outcome.NODATA, ()),
        ("x.sel._domainkey.brand.example", "TXT", Outcome.NXDOMAIN, ()),
        ("x.slow.example", "TXT", Outcome.NXDOMAIN, ()),
    ],
)
def test_lookup_table(
    resolver: StaticResolver,
    name: str,
    rdtype: str,
    outcome: Outcome,
    records: tuple[str, ...],
) -> None:
    answer = resolver.resolve(name, rdtype)
    assert (answer.outcome, answer.records) == (outcome, records)
    assert answer.name == normalize_name(name)
    assert answer.rdtype == rdtype.upper()
    assert answer.ok is (outcome is Outcome.ANSWER)


@pytest.mark.parametrize(
    ("name", "strings"),
    [
        ("example.com", ((b"v=spf1 ip4:192.0.2.0/24 -all",), (b"part one ", b"part two"))),
        ("bytes.example", ((b"\xff\xfe", b"ok"),)),
        ("sel._domainkey.brand.example", ((b"v=DKIM1; p=AAAA",),)),
    ],
)
def test_txt_keeps_character_strings(
    resolver: StaticResolver, name: str, strings: tuple[tuple[bytes, ...], ...]
) -> None:
    assert resolver.resolve(name, "TXT").txt_strings == strings


@pytest.mark.parametrize("rdtype", ["A", "MX", "NS", "PTR"])
def test_txt_strings_only_for_txt(resolver: StaticResolver, rdtype: str) -> None:
    assert resolver.resolve("example.com", rdtype).txt_strings == ()


@pytest.mark.parametrize(
    ("default", "outcome"),
    [("NXDOMAIN", Outcome.NXDOMAIN), ("TIMEOUT", Outcome.TIMEOUT), ("SERVFAIL", Outcome.SERVFAIL)],
)
def test_default_for_unlisted_names(default: Any, outcome: Outcome) -> None:
    r = StaticResolver({"listed.example": {"A": ["192.0.2.1"]}}, default=default)
    assert r.resolve("other.example", "TXT").outcome is outcome
    # listed names are unaffected by the default
    assert r.resolve("listed.example", "A").outcome is Outcome.ANSWER
    assert r.resolve("listed.example", "TXT").outcome is Outcome.NODATA
    assert r.resolve("example", "TXT").outcome is Outcome.NODATA  # empty non-terminal


@pytest.mark.parametrize("rdtype", ["SPF", "ANY", "AXFR", "", "txt2", "HTTPS"])
def test_unknown_rdtype_is_value_error(resolver: StaticResolver, rdtype: str) -> None:
    with pytest.raises(ValueError, match="Unsupported record type"):
        resolver.resolve("example.com", rdtype)


@pytest.mark.parametrize(
    ("zone", "default", "match"),
    [
        ({}, "REFUSED", "default must be one of"),
        ({"x.example": "SLOW"}, "NXDOMAIN", "x.example: expected records or one of"),
        ({"x.example": {"TXT": "v=spf1 -all"}}, "NXDOMAIN", "x.example TXT: expected records"),
        ({"x.example": {"A": ["300.1.1.1"]}}, "NXDOMAIN", "300.1.1.1"),
        ({"x.example": {"AAAA": ["192.0.2.1"]}}, "NXDOMAIN", "192.0.2.1"),
        ({"x.example": {"MX": ["mx.example"]}}, "NXDOMAIN", "x.example MX: an MX record"),
        ({"x.example": {"MX": ["70000 mx.example"]}}, "NXDOMAIN", "an MX record"),
        ({"x.example": {"MX": ["10"]}}, "NXDOMAIN", "an MX record"),
        ({"x.example": {"A": [1]}}, "NXDOMAIN", "x.example A: a A record must be a string"),
        ({"x.example": {"TXT": [[1, 2]]}}, "NXDOMAIN", "a TXT record must be"),
        ({"x.example": {"TXT": None}}, "NXDOMAIN", "expected a list of records"),
        ({"x.example": ["192.0.2.1"]}, "NXDOMAIN", "expected a mapping of types"),
        ({"x.example": None}, "NXDOMAIN", "expected a mapping of types"),
        ({1: {"A": ["192.0.2.1"]}}, "NXDOMAIN", "Names must be strings"),
        (["x.example"], "NXDOMAIN", "zone must be a mapping"),
    ],
)
def test_bad_mapping_is_value_error(zone: Any, default: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        StaticResolver(zone, default=default)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Example.COM.", "example.com"), ("example.com", "example.com"), (".", ""), ("A.b..", "a.b.")],
)
def test_normalize_name(name: str, expected: str) -> None:
    assert normalize_name(name) == expected


def test_queries_are_recorded_in_order() -> None:
    r = StaticResolver({})
    r.resolve("A.example.", "txt")
    r.resolve("b.example", "MX")
    assert r.queries == [("a.example", "TXT"), ("b.example", "MX")]


@pytest.mark.parametrize("ttl", [0, 1, 300, 86400])
def test_ttl_is_reported(ttl: int) -> None:
    r = StaticResolver({"x.example": {"A": ["192.0.2.1"]}}, ttl=ttl)
    assert r.resolve("x.example", "A").ttl == ttl
    assert r.resolve("y.example", "A").ttl == ttl


def test_follows_resolver_protocol(resolver: StaticResolver) -> None:
    assert isinstance(resolver, Resolver)
    assert isinstance(resolver.resolve("example.com", "A"), Answer)

"""Authentication-Results: parser edge cases, emitter and round trip, trusted-result selection."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustcheck.auth.authres import (
    format_authentication_results,
    parse_arc_authentication_results,
    parse_authentication_results,
    select_trusted_results,
)
from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.verdict import MethodResult, Severity

# --------------------------------------------------------------------------- parser

# (id, value, authserv_id, [(method, result, reason, {props})], ok)
PARSE_CASES: list[tuple[str, str, str | None, list[tuple[Any, ...]], bool]] = [
    ("plain", "mx.example; spf=pass smtp.mailfrom=a@example.net",
     "mx.example", [("spf", "pass", None, {"smtp.mailfrom": "a@example.net"})], True),
    ("version", "mx.example 1; dkim/1=pass header.d=example.com",
     "mx.example", [("dkim", "pass", None, {"header.d": "example.com"})], True),
    ("none", "mx.example; none", "mx.example", [], True),
    ("case folded names", "mx.example; DKIM=Pass Header.D=Example.COM",
     "mx.example", [("dkim", "pass", None, {"header.d": "Example.COM"})], True),
    ("quoted pvalue with semicolon", 'mx.example; spf=fail smtp.mailfrom="a;dmarc=pass"',
     "mx.example", [("spf", "fail", None, {"smtp.mailfrom": "a;dmarc=pass"})], True),
    ("quoted authserv-id", '"mx example"; spf=none', "mx example",
     [("spf", "none", None, {})], True),
    ("escaped quote in reason", r'mx.example; dkim=fail reason="bad \"sig\"" header.d=x.example',
     "mx.example", [("dkim", "fail", 'bad "sig"', {"header.d": "x.example"})], True),
    ("folded CRLF", "mx.example;\r\n\tspf=pass\r\n\t smtp.mailfrom=example.net",
     "mx.example", [("spf", "pass", None, {"smtp.mailfrom": "example.net"})], True),
    ("trailing semicolon", "mx.example; dmarc=pass header.from=example.com;",
     "mx.example", [("dmarc", "pass", None, {"header.from": "example.com"})], True),
    ("microsoft no authserv-id",
     "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not "
     "signed) header.d=none;dmarc=fail action=none header.from=example.com;compauth=fail "
     "reason=001",
     None, [("spf", "pass", None, {"smtp.mailfrom": "example.com"}),
            ("dkim", "none", None, {"header.d": "none"}),
            ("dmarc", "fail", None, {"action": "none", "header.from": "example.com"}),
            ("compauth", "fail", "001", {})], True),
    ("empty smtp.mailfrom", "mx.example; spf=none smtp.mailfrom= smtp.helo=h.example",
     "mx.example", [("spf", "none", None, {"smtp.mailfrom": "", "smtp.helo": "h.example"})],
     True),
    ("unknown method kept", "mx.example; x-frob=strange policy.why=because",
     "mx.example", [("x-frob", "strange", None, {"policy.why": "because"})], True),
    ("bad resinfo skipped", "mx.example; spf pass; dmarc=pass header.from=example.com",
     "mx.example", [("dmarc", "pass", None, {"header.from": "example.com"})], False),
    ("unclosed comment", "mx.example; spf=pass (oops smtp.mailfrom=example.net",
     "mx.example", [], False),
    ("unclosed quote", 'mx.example; spf=pass smtp.mailfrom="oops', "mx.example", [], False),
    ("empty", "   ", None, [], False),
    ("only id", "mx.example", "mx.example", [], False),
    ("garbage", "(((((", None, [], False),
    ("binary junk", "\x00\x01;;==..", None, [], False),
    ("method without result", "mx.example; spf=", "mx.example", [], False),
    ("missing method version", "mx.example; dkim/=pass", "mx.example", [], False),
]


@pytest.mark.parametrize(
    ("value", "authserv_id", "results", "ok"),
    [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES],
)
def test_parse(value: str, authserv_id: str | None, results: list[tuple[Any, ...]],
               ok: bool) -> None:
    ar = parse_authentication_results(value)
    assert ar.authserv_id == authserv_id
    assert [(r.method, r.result, r.reason, r.props) for r in ar.results] == results
    assert ar.ok is ok
    assert (ar.error is None) is ok


@pytest.mark.parametrize(
    ("value", "instance", "authserv_id", "methods", "ok"),
    [
        ("i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; arc=none", 1,
         "mx.microsoft.com", ["spf", "arc"], True),
        ("i=12;mx.google.com; dkim=pass header.i=@example.com", 12, "mx.google.com",
         ["dkim"], True),
        ("mx.google.com; dkim=pass", None, "mx.google.com", ["dkim"], False),
    ],
)
def test_parse_arc(value: str, instance: int | None, authserv_id: str, methods: list[str],
                   ok: bool) -> None:
    ar = parse_arc_authentication_results(value)
    assert ar.instance == instance
    assert ar.authserv_id == authserv_id
    assert [r.method for r in ar.results] == methods
    assert ar.ok is ok


@pytest.mark.parametrize("size", [10_000, 200_000])
def test_parse_huge_input_is_bounded(size: int) -> None:
    value = "mx.example; " + "; ".join(["dkim=pass header.d=example.com"] * size)
    ar = parse_authentication_results(value)
    assert 0 < len(ar.results) <= 256
    assert not ar.ok


# --------------------------------------------------------------------------- emitter

EMIT_CASES: list[tuple[str, list[MethodResult], str]] = [
    ("none", [], "mx.example; none"),
    ("spf", [MethodResult("spf", AuthWord.PASS, properties={"smtp.mailfrom": "a@example.net"})],
     "mx.example;\r\n\tspf=pass smtp.mailfrom=a@example.net"),
    ("reason quoted, value quoted", [MethodResult(
        "dkim", AuthWord.FAIL, reason="bad signature",
        properties={"header.d": "ex.com", "header.b": "ab/cd+ef"})],
     'mx.example;\r\n\tdkim=fail reason="bad signature" header.d=ex.com header.b="ab/cd+ef"'),
    ("two results", [MethodResult("spf", AuthWord.NONE),
                     MethodResult("dmarc", AuthWord.TEMPERROR,
                                  properties={"header.from": "example.com"})],
     "mx.example;\r\n\tspf=none;\r\n\tdmarc=temperror header.from=example.com"),
    ("bad property names dropped", [MethodResult("spf", AuthWord.PASS,
                                                 properties={"nodot": "x", "a b.c": "y"})],
     "mx.example;\r\n\tspf=pass"),
    ("header injection neutralised", [MethodResult(
        "spf", AuthWord.FAIL, reason="x\r\nX-Evil: 1",
        properties={"smtp.mailfrom": "a\r\nb@example.com"})],
     'mx.example;\r\n\tspf=fail reason="x  X-Evil: 1" smtp.mailfrom="a  b@example.com"'),
]


@pytest.mark.parametrize(("results", "expected"), [c[1:] for c in EMIT_CASES],
                         ids=[c[0] for c in EMIT_CASES])
def test_format(results: list[MethodResult], expected: str) -> None:
    assert format_authentication_results("mx.example", results) == expected


def test_format_folds_long_results() -> None:
    props = {f"policy.p{n}": "v" * 20 for n in range(8)}
    value = format_authentication_results(
        "mx.example", [MethodResult("x-long", AuthWord.PASS, properties=props)]
    )
    lines = value.split("\r\n")
    assert len(lines) > 2
    first = len("Authentication-Results: ") + len(lines[0])
    assert first <= 78
    assert all(len(line.expandtabs(8)) <= 78 for line in lines[1:])
    assert parse_authentication_results(value).results[0].props == props


_keyword = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
_results = st.lists(
    st.builds(
        MethodResult,
        method=_keyword,
        result=st.sampled_from(list(AuthWord)),
        reason=st.none() | _text,
        properties=st.dictionaries(
            st.tuples(st.sampled_from(["smtp", "header", "policy", "body"]), _keyword).map(
                ".".join), _text, max_size=4),
    ),
    max_size=5,
)


@given(authserv_id=st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,3}", fullmatch=True),
       results=_results, single_line=st.booleans())
def test_round_trip(authserv_id: str, results: list[MethodResult], single_line: bool) -> None:
    value = format_authentication_results(
        authserv_id, results, linesep=" " if single_line else "\r\n"
    )
    ar = parse_authentication_results(value)
    assert ar.ok, (value, ar.errors)
    assert ar.authserv_id == authserv_id
    assert [(r.method, r.result, r.reason, r.props) for r in ar.results] == [
        (r.method, r.result.value, r.reason, dict(r.properties)) for r in results
    ]


# --------------------------------------------------------------------------- trust

T = "mx.trusted.example"


def _rcv(by: str, frm: str = "client.example (client.example [192.0.2.9])") -> tuple[str, str]:
    return ("Received", f"from {frm} by {by} with ESMTPS id X1; Mon, 5 Jun 2023 17:54:02 +0000")


def _ar(value: str, name: str = "Authentication-Results") -> tuple[str, str]:
    return (name, value)


M365_AR = _ar("spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=brand.example; dkim=pass "
              "(signature was verified) header.d=brand.example;dmarc=pass action=none "
              "header.from=brand.example;compauth=pass reason=100")
M365_EDGE = _rcv("AM4PEPF00027A5F.mail.protection.outlook.com",
                 "mail.brand.example (192.0.2.9)")

# (id, headers, kwargs, expected dmarc word or None, expected finding codes)
TRUST_CASES: list[tuple[str, list[tuple[str, str]], dict[str, Any], str | None, list[str]]] = [
    ("trusted above entry hop",
     [_rcv("imap.trusted.example", "mx.trusted.example (localhost [127.0.0.1])"),
      _ar(f"{T}; dmarc=fail header.from=brand.example"), _rcv(T),
      _ar(f"{T}; dmarc=pass header.from=brand.example")],
     {"trusted_authserv_ids": [T]}, "fail", []),
    # A milter behind Postfix inserts its fields just below Postfix's own Received
    # header (kernel.org's relay): those count too, newer (upper) fields first.
    ("milter fields below the entry hop fill in",
     [_ar(f"{T}; dkim=pass header.d=brand.example"), _rcv(T),
      _ar(f"{T}; arc=none"), _ar(f"{T}; dmarc=pass header.from=brand.example"),
      _rcv("smtp.brand.example"), _ar(f"{T}; dmarc=fail header.from=brand.example")],
     {"trusted_authserv_ids": [T]}, "pass", ["authres.misplaced_trusted"]),
    ("forged trusted id below sender hop, no real one",
     [_rcv(T), _rcv("relay.attacker.example"), _ar(f"{T}; dmarc=pass")],
     {"trusted_authserv_ids": [T]}, None, ["authres.misplaced_trusted"]),
    ("untrusted authserv-id claiming pass",
     [_ar(f"{T}; dmarc=none"), _rcv(T), _ar("mx.other.example; spf=pass; dmarc=pass")],
     {"trusted_authserv_ids": [T]}, "none", ["authres.untrusted_pass"]),
    ("untrusted authserv-id without pass is silent",
     [_ar(f"{T}; dmarc=none"), _rcv(T), _ar("mx.other.example; spf=fail")],
     {"trusted_authserv_ids": [T]}, "none", []),
    ("gmail writes below its own Received",
     [("Received", "by 2002:a05:7300:6ca4:b0:9d:f7b5:4452 with SMTP id s36; "
       "Sun, 12 Feb 2023 05:50:29 -0800"),
      _ar("i=1; mx.google.com; dmarc=pass", "ARC-Authentication-Results"),
      _rcv("mx.google.com"), _ar("mx.google.com; dmarc=pass header.from=brand.example"),
      _rcv("smtp.sender.example"), _ar("mx.google.com; dmarc=fail")],
     {"trusted_authserv_ids": ["mx.google.com"]}, "pass", ["authres.misplaced_trusted"]),
    ("no trusted hop: only above the topmost Received",
     [_ar(f"{T}; dmarc=pass"), _rcv("mx.elsewhere.example")],
     {"trusted_authserv_ids": [T]}, "pass", []),
    ("no trusted hop: below the topmost Received is ignored",
     [_rcv("mx.elsewhere.example"), _ar(f"{T}; dmarc=pass")],
     {"trusted_authserv_ids": [T]}, None, ["authres.misplaced_trusted"]),
    ("authserv-id matched case-insensitively",
     [_ar("MX.Trusted.Example; dmarc=pass"), _rcv(T)],
     {"trusted_authserv_ids": [T.upper()]}, "pass", []),
    ("explicit trusted receivers",
     [_ar("auth.corp.example; dmarc=pass"), _rcv("mx1.corp.example"),
      _rcv("mx2.corp.example"), _rcv("out.sender.example"), _ar("auth.corp.example; dmarc=fail")],
     {"trusted_authserv_ids": ["auth.corp.example"], "trusted_receivers": ["corp.example"]},
     "pass", ["authres.misplaced_trusted"]),
    ("nothing trusted configured",
     [_ar(f"{T}; dmarc=pass"), _rcv(T)], {"trusted_authserv_ids": []}, None,
     ["authres.untrusted_pass"]),
    ("microsoft form ignored without the flag",
     [_rcv("x.prod.outlook.com"), M365_AR, M365_EDGE], {"trusted_authserv_ids": []}, None,
     ["authres.untrusted_pass"]),
    ("microsoft form above the edge with the flag",
     [_rcv("x.prod.outlook.com"), M365_AR, M365_EDGE],
     {"trusted_authserv_ids": [], "trust_microsoft_365": True}, "pass", []),
    ("microsoft form below the edge is forged",
     [_rcv("x.prod.outlook.com"), _ar("spf=fail smtp.mailfrom=x.example;dmarc=fail"),
      M365_EDGE, M365_AR],
     {"trusted_authserv_ids": [], "trust_microsoft_365": True}, "fail",
     ["authres.misplaced_trusted"]),
    ("microsoft: sender tenant's results below the edge are not ours",
     [_rcv("x.prod.outlook.com"), _ar("spf=none;dmarc=none action=none header.from=b.example"),
      _rcv("y.mail.protection.outlook.com", "z.outbound.protection.outlook.com (192.0.2.7)"),
      _ar("i=1; mx.microsoft.com 1; spf=pass; dmarc=pass; arc=none",
          "ARC-Authentication-Results"),
      _ar("dkim=pass header.d=b.example;dmarc=pass", "Authentication-Results-Original"),
      _rcv("a.apcprd06.prod.outlook.com", "b.apcprd06.prod.outlook.com ([fe80::1])")],
     {"trusted_authserv_ids": [], "trust_microsoft_365": True}, "none", []),
    ("microsoft: no edge hop, nothing trusted",
     [M365_AR, _rcv("mx.elsewhere.example")],
     {"trusted_authserv_ids": [], "trust_microsoft_365": True}, None,
     ["authres.misplaced_trusted"]),
]


@pytest.mark.parametrize(("headers", "kwargs", "dmarc", "codes"), [c[1:] for c in TRUST_CASES],
                         ids=[c[0] for c in TRUST_CASES])
def test_select_trusted(headers: list[tuple[str, str]], kwargs: dict[str, Any],
                        dmarc: str | None, codes: list[str]) -> None:
    got = select_trusted_results(headers, **kwargs)
    assert (got.dmarc.result.value if got.dmarc else None) == dmarc
    assert [f.code for f in got.findings] == codes
    for r in (got.spf, *got.dkim, got.dmarc, got.arc, *got.other):
        if r is not None:
            assert r.source is ResultSource.TRUSTED_UPSTREAM
    assert got.found is (dmarc is not None)


def test_untrusted_pass_finding_evidence() -> None:
    got = select_trusted_results(
        [_rcv(T), _ar("mx.evil.example; dkim=pass header.d=brand.example; dmarc=pass")],
        trusted_authserv_ids=[T],
    )
    (finding,) = got.findings
    assert finding.severity is Severity.LOW
    assert finding.evidence["authserv_id"] == "mx.evil.example"
    assert finding.evidence["claimed"] == ["dkim=pass", "dmarc=pass"]
    assert "mx.evil.example" in finding.message


def test_microsoft_details_and_arc_fill() -> None:
    headers = [
        _rcv("x.prod.outlook.com"),
        _ar("i=2; mx.microsoft.com 1; spf=fail; dmarc=fail; arc=pass (0 oda=1)",
            "ARC-Authentication-Results"),
        M365_AR, M365_EDGE,
    ]
    got = select_trusted_results(headers, trusted_authserv_ids=[], trust_microsoft_365=True)
    assert got.spf is not None
    assert got.spf.result is AuthWord.PASS
    assert got.arc is not None
    assert got.arc.result is AuthWord.PASS
    assert got.dmarc is not None
    assert got.dmarc.details["compauth"] == {"result": "pass", "reason": "100"}
    assert got.dmarc.details["action"] == "none"
    assert [r.method for r in got.other] == ["compauth"]
    assert got.authserv_ids == ("microsoft-365",)
    assert got.to_auth().dmarc == got.dmarc


@pytest.mark.parametrize(
    ("values", "spf_props", "dkim_ds", "dmarc_word", "reported"),
    [
        # MAIL FROM result preferred over a HELO-only one; dkim duplicates merged.
        (["mx.t.example; spf=none smtp.helo=h.example; dkim=pass header.d=a.example "
          "header.b=abcdefgh",
          "mx.t.example; spf=pass smtp.mailfrom=b@a.example; dkim=pass header.d=a.example "
          "header.b=abcdefgh; dkim=fail header.d=c.example"],
         {"smtp.mailfrom": "b@a.example"}, ["a.example", "c.example"], None, None),
        (["mx.t.example; dmarc=bestguesspass header.from=a.example"], None, [], "none",
         "bestguesspass"),
        (["mx.t.example; dmarc=hardfail header.from=a.example"], None, [], "fail", "hardfail"),
    ],
)
def test_merge(values: list[str], spf_props: dict[str, str] | None, dkim_ds: list[str],
               dmarc_word: str | None, reported: str | None) -> None:
    headers = [_ar(v) for v in values] + [_rcv("mx.t.example")]
    got = select_trusted_results(headers, trusted_authserv_ids=["mx.t.example"])
    assert (dict(got.spf.properties) if got.spf else None) == spf_props
    assert [d.properties["header.d"] for d in got.dkim] == dkim_ds
    assert (got.dmarc.result.value if got.dmarc else None) == dmarc_word
    if got.dmarc is not None:
        assert got.dmarc.details.get("reported_result") == reported


@given(st.text(max_size=200))
def test_parse_never_raises(value: str) -> None:
    ar = parse_authentication_results(value)
    assert ar.ok or ar.errors
    for r in ar.results:
        assert r.method
        assert r.result

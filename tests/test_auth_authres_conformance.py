"""RFC 8601 Appendix B and the authres 1.2.0 corpus, driven through parse_authentication_results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trustcheck.auth.authres import AuthenticationResults, parse_authentication_results

DATA = Path(__file__).parent / "data" / "conformance" / "authres"

APPENDIX_B: list[dict[str, Any]] = [
    {"id": f"{ex['id']}#{n}", **header}
    for ex in yaml.safe_load((DATA / "rfc8601-appendix-b.yml").read_text("utf-8"))["examples"]
    for n, header in enumerate(ex["headers"], 1)
]
CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "authres-1.2.0-corpus.yml").read_text("utf-8")
)

# Where trustcheck parses differently from authres 1.2.0, on purpose. Each entry is our
# full expected parse: (authserv_id, [(method, result, reason, [(ptype, property, value)])],
# whether .errors is non-empty).
_TLS_PROPS = [("", "version", "TLSv1.2"), ("", "cipher", "ECDHE-RSA-CHACHA20-POLY1305"),
              ("", "bits", "256")]
_Shape = list[tuple[str, str, str | None, list[tuple[str, ...]]]]
DEVIATIONS: dict[int, tuple[str, _Shape, bool]] = {
    # Unquoted IPv6 pvalue: authres raises; real MTAs write it, we read it (same as line 571).
    579: ("mail.bmsi.com", [
        ("iprev", "pass", None, [("policy", "iprev", "2001:748:100:40::2:2")]),
        ("spf", "none", None, [("smtp", "mailfrom", "markuslaudi@freenet.de")]),
    ], False),
    # Properties without "ptype.": authres drops them silently, we keep them with ptype "".
    701: ("mail.example.org", [("x-tls", "pass", None, _TLS_PROPS)], False),
    736: ("mail.example.org", [
        ("arc", "none", None, []),
        ("dkim", "pass", None, [("header", "d", "example.net"), ("header", "i", "@example.net"),
                                ("header", "b", "Qgi/FoC0")]),
        ("dmarc", "none", None, [("header", "from", "example.net")]),
        ("spf", "none", None, [("smtp", "mailfrom", "test@example.net"),
                               ("smtp", "helo", "mail-wm0-x232.example.com")]),
        ("x-tls", "pass", None, _TLS_PROPS),
    ], False),
    # Microsoft's stray "thehesiod.com" resinfo: authres rejects the field; we skip that
    # resinfo, keep the rest and say so in .errors.
    753: ("thehesiod.com", [
        ("dkim", "none", None, [("header", "d", "none")]),
        ("dmarc", "none", None, [("", "action", "none"), ("header", "from", "hotmail.com")]),
    ], True),
}


def _value(raw: str) -> str:
    name, _, value = raw.partition(":")
    assert name.strip().lower() == "authentication-results"
    return value


def _shape(ar: AuthenticationResults) -> _Shape:
    return [(r.method, r.result, r.reason, [tuple(p) for p in r.properties]) for r in ar.results]


@pytest.mark.parametrize("case", APPENDIX_B, ids=[c["id"] for c in APPENDIX_B])
def test_rfc8601_appendix_b(case: dict[str, Any]) -> None:
    ar = parse_authentication_results(_value(case["raw"]))
    expect = case["expect"]
    assert ar.ok, ar.errors
    assert ar.authserv_id == expect["authserv_id"]
    assert ar.version == expect["version"]
    assert [(r.method, r.version, r.result, r.reason, [list(p) for p in r.properties])
            for r in ar.results] == [
        (e["method"], e["method_version"], e["result"], e["reason"],
         [[str(x) for x in p] for p in e["props"]])
        for e in expect["results"]
    ]
    for got, e in zip(ar.results, expect["results"], strict=True):
        for comment in e.get("comments", []):
            assert comment in got.comments


@pytest.mark.parametrize("case", CORPUS, ids=[str(c["doctest_line"]) for c in CORPUS])
def test_authres_corpus(case: dict[str, Any]) -> None:
    ar = parse_authentication_results(_value(case["header"]))
    line = case["doctest_line"]
    if line in DEVIATIONS:
        ident, results, has_errors = DEVIATIONS[line]
        assert ar.authserv_id == ident
        assert _shape(ar) == results
        assert bool(ar.errors) is has_errors
        return
    ref = case["authres_1_2_0"]
    assert ref["outcome"] == "parsed", "a syntax error in authres needs a DEVIATIONS entry"
    assert ar.ok, ar.errors
    assert ar.authserv_id == ref["authserv_id"]
    assert _shape(ar) == [
        (r["method"], r["result"], r["reason"], [tuple(str(x) for x in p) for p in r["properties"]])
        for r in ref["results"]
    ]


def test_suite_sizes() -> None:
    """A dropped or unreadable case must fail here, not vanish from the counts."""
    assert len(APPENDIX_B) == 9
    assert len(CORPUS) == 23
    assert set(DEVIATIONS) <= {c["doctest_line"] for c in CORPUS}
    parsed = sum(parse_authentication_results(_value(c["raw"])).ok for c in APPENDIX_B)
    print(f"RFC 8601 Appendix B: {parsed}/{len(APPENDIX_B)} header fields parsed cleanly")
    assert parsed == 9

"""BIMI record lookup and eligibility, as data tables over a StaticResolver."""

from __future__ import annotations

from typing import Any

import pytest

from trustcheck.auth.bimi import BimiRecord, BimiWord, check_bimi, parse_bimi_record
from trustcheck.auth.results import AuthWord
from trustcheck.dns import StaticResolver

LOGO = "https://brand.example/logo.svg"
VMC = "https://brand.example/vmc.pem"

RECORD_CASES: list[tuple[str, str, tuple[str | None, str | None] | None]] = [
    ("location and authority", f"v=BIMI1; l={LOGO}; a={VMC}", (LOGO, VMC)),
    ("no spaces, trailing semicolon", f"v=BIMI1;l={LOGO};", (LOGO, None)),
    ("declined", "v=BIMI1; l=; a=;", (None, None)),
    ("unknown tag ignored", f"v=BIMI1; l={LOGO}; x=1", (LOGO, None)),
    ("legacy list takes first", f"v=BIMI1; l={LOGO},https://cdn.example/l.svg", (LOGO, None)),
    ("wrong version", f"v=BIMI2; l={LOGO}", None),
    ("v not first", f"l={LOGO}; v=BIMI1", None),
    ("http location", "v=BIMI1; l=http://brand.example/logo.svg", None),
    ("javascript authority", f"v=BIMI1; l={LOGO}; a=javascript:alert(1)", None),
    ("duplicate tag", f"v=BIMI1; l={LOGO}; l={LOGO}", None),
    ("malformed tag", "v=BIMI1; garbage", None),
    ("empty", "", None),
    ("oversized", "v=BIMI1; l=https://x.example/" + "a" * 5000, None),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in RECORD_CASES],
                         ids=[c[0] for c in RECORD_CASES])
def test_parse_record(text: str, expected: tuple[str | None, str | None] | None) -> None:
    got = parse_bimi_record(text)
    if expected is None:
        assert isinstance(got, str)
    else:
        assert isinstance(got, BimiRecord)
        assert (got.location, got.authority) == expected


GOOD = {"dmarc_result": "pass", "dmarc_policy": "reject", "dmarc_pct": None,
        "aligned_dkim_pass": True}
REC = f"v=BIMI1; l={LOGO}; a={VMC}"

# (id, zone, from_domain, overrides, expected word, record_domain, queries made)
CHECK_CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], BimiWord, str | None, int]] = [
    ("pass at author domain", {"default._bimi.brand.example": {"TXT": [REC]}},
     "brand.example", {}, BimiWord.PASS, "default._bimi.brand.example", 1),
    ("fallback to org domain", {"default._bimi.brand.example": {"TXT": [REC]}},
     "mail.brand.example", {"org_domain": "brand.example"}, BimiWord.PASS,
     "default._bimi.brand.example", 2),
    ("custom selector", {"sel1._bimi.brand.example": {"TXT": [REC]}}, "brand.example",
     {"selector": "sel1"}, BimiWord.PASS, "sel1._bimi.brand.example", 1),
    ("quarantine at pct 100", {"default._bimi.brand.example": {"TXT": [REC]}},
     "brand.example", {"dmarc_policy": "quarantine", "dmarc_pct": 100}, BimiWord.PASS,
     "default._bimi.brand.example", 1),
    ("no record anywhere", {}, "mail.brand.example", {"org_domain": "brand.example"},
     BimiWord.NONE, None, 2),
    ("non-BIMI TXT only", {"default._bimi.brand.example": {"TXT": ["hello"]}},
     "brand.example", {}, BimiWord.NONE, None, 1),
    ("declined", {"default._bimi.brand.example": {"TXT": ["v=BIMI1; l=;"]}},
     "brand.example", {}, BimiWord.DECLINED, "default._bimi.brand.example", 1),
    ("two records", {"default._bimi.brand.example": {"TXT": [REC, REC]}}, "brand.example",
     {}, BimiWord.FAIL, "default._bimi.brand.example", 1),
    ("invalid record", {"default._bimi.brand.example": {"TXT": ["v=BIMI1; l=http://x.example/"]}},
     "brand.example", {}, BimiWord.FAIL, "default._bimi.brand.example", 1),
    ("timeout", {"default._bimi.brand.example": "TIMEOUT"}, "brand.example", {},
     BimiWord.TEMPERROR, "default._bimi.brand.example", 1),
    ("servfail at org after miss", {"default._bimi.brand.example": "SERVFAIL"},
     "mail.brand.example", {"org_domain": "brand.example"}, BimiWord.TEMPERROR,
     "default._bimi.brand.example", 2),
    ("dmarc fail skips", {"default._bimi.brand.example": {"TXT": [REC]}}, "brand.example",
     {"dmarc_result": AuthWord.FAIL}, BimiWord.SKIPPED, None, 0),
    ("p=none skips", {"default._bimi.brand.example": {"TXT": [REC]}}, "brand.example",
     {"dmarc_policy": "none"}, BimiWord.SKIPPED, None, 0),
    ("pct below 100 skips", {"default._bimi.brand.example": {"TXT": [REC]}}, "brand.example",
     {"dmarc_pct": 50}, BimiWord.SKIPPED, None, 0),
    ("spf-only dmarc pass skips", {"default._bimi.brand.example": {"TXT": [REC]}},
     "brand.example", {"aligned_dkim_pass": False}, BimiWord.SKIPPED, None, 0),
    ("invalid domain", {}, "not a domain", {}, BimiWord.FAIL, None, 0),
    ("invalid selector", {}, "brand.example", {"selector": "a b"}, BimiWord.FAIL, None, 0),
]


@pytest.mark.parametrize(
    ("zone", "from_domain", "overrides", "word", "record_domain", "queries"),
    [c[1:] for c in CHECK_CASES], ids=[c[0] for c in CHECK_CASES],
)
def test_check_bimi(zone: dict[str, Any], from_domain: str, overrides: dict[str, Any],
                    word: BimiWord, record_domain: str | None, queries: int) -> None:
    resolver = StaticResolver(zone)
    result = check_bimi(from_domain=from_domain, resolver=resolver, **{**GOOD, **overrides})
    assert result.result is word
    assert result.record_domain == record_domain
    assert len(resolver.queries) == queries
    assert all(rdtype == "TXT" for _, rdtype in resolver.queries)
    assert result.brand_signal is (word is BimiWord.PASS)
    assert result.reason


def test_pass_reports_location_and_unverified_authority() -> None:
    resolver = StaticResolver({"default._bimi.brand.example": {"TXT": [REC]}})
    result = check_bimi(from_domain="Brand.Example.", resolver=resolver, **GOOD)
    assert (result.location, result.authority) == (LOGO, VMC)
    mr = result.to_method_result()
    assert mr.method == "bimi"
    assert mr.result is AuthWord.PASS
    assert mr.properties["header.d"] == "brand.example"
    assert mr.details["authority_verified"] is False


@pytest.mark.parametrize(("word", "auth"), [
    (BimiWord.PASS, AuthWord.PASS), (BimiWord.TEMPERROR, AuthWord.TEMPERROR),
    (BimiWord.SKIPPED, AuthWord.NONE), (BimiWord.DECLINED, AuthWord.NONE),
    (BimiWord.FAIL, AuthWord.FAIL), (BimiWord.NONE, AuthWord.NONE),
])
def test_auth_word(word: BimiWord, auth: AuthWord) -> None:
    assert word.auth_word is auth

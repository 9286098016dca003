"""DMARC conformance data (tests/data/conformance/dmarc) driven through trustcheck.auth.dmarc.

authheaders cases: authheaders asserts whole Authentication-Results strings;
here each case's DMARC part is compared field by field with ``DmarcResult``:

* ``dmarc=<word>``            -> ``result``
* ``header.from=<d>``         -> ``to_method_result().properties["header.from"]``
* ``policy.dmarc=<p>``        -> ``policy`` (authheaders prints ``none`` when no policy applied)
* comment "Used From Domain Record" -> ``record_domain == from_domain``;
  "Used Org Domain Record" -> record found at another (organizational) domain;
  "Used Tree Walk, org one level below PSD" -> the record has ``psd=y`` and
  ``org_domain`` is one label below ``record_domain``.

Inputs: the From domain(s) come from the message's From header (two mailboxes
are evaluated separately and the most severe result is kept, as authheaders
does); DKIM results come from the ``prev`` header or, where authheaders
verified the signature itself, from the expected header (DKIM is verified by
trustcheck.auth.dkim, not here). Zone: a string is one TXT record; ``""`` a
name that exists without records; ``null`` NXDOMAIN; a non-empty string at a
bare owner (authheaders' existence probe) also gives the name an MX record.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
import yaml

from trustcheck.auth.dmarc import (
    DmarcRecordError,
    DmarcResult,
    check_dmarc,
    organizational_domain,
    parse_dmarc_record,
)
from trustcheck.dns import StaticResolver

DATA = Path(__file__).parent / "data" / "conformance" / "dmarc"


def _yaml(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Ident:
    result: str
    domain: str


# --- record parsing ----------------------------------------------------------------------

PARSING = _yaml("record-parsing-cases.yml")
PARSE_CASES = [
    pytest.param(case, id=f"opendmarc-{case['n']}") for case in PARSING["opendmarc"]["cases"]
] + [pytest.param(case, id=f"dmarc_pypi-{case['id']}") for case in PARSING["dmarc_pypi"]["cases"]]
EXPECTED_PARSE_CASES = 34


@pytest.mark.parametrize("case", PARSE_CASES)
def test_record_parsing(case: dict[str, Any]) -> None:
    # A case a source accepts only by leniency (OpenDMARC's p=n) is held to the
    # RFC 7489 grammar here: the record has no valid p= and no rua=.
    expect = "error" if case.get("lenient") else case["expect"]
    strict = case.get("mode") != "non-strict"
    if expect == "error":
        with pytest.raises(DmarcRecordError):
            parse_dmarc_record(case["record"], strict=strict)
        return
    record = parse_dmarc_record(case["record"], strict=strict)
    for tag, want in (case.get("parsed") or {}).items():
        if tag == "pct" and case.get("id") == "testing-tag":
            continue  # dmarc 1.2.1 maps t=y to pct=0; trustcheck keeps t=y as the flag
        got = getattr(record, tag)
        if tag == "t":
            got = "y" if got else "n"
        elif tag in ("rua", "ruf"):
            got = [uri.lower() for uri in got]
        elif tag in ("rf", "fo"):
            got = list(got)
        assert got == want, tag


def test_record_parsing_case_count() -> None:
    assert len(PARSE_CASES) == EXPECTED_PARSE_CASES


# --- DMARCbis tree walk ------------------------------------------------------------------

TREEWALK = _yaml("dmarcbis-treewalk-cases.yml")


def _walk_zone(zone: dict[str, str] | None) -> StaticResolver:
    return StaticResolver({name: {"TXT": [text]} for name, text in (zone or {}).items()})


WALK_CASES = [
    pytest.param(case, id=case["id"])
    for case in TREEWALK["query_sequence_cases"] + TREEWALK["org_domain_cases"]
]


@pytest.mark.parametrize("case", WALK_CASES)
def test_tree_walk(case: dict[str, Any]) -> None:
    resolver = _walk_zone(case.get("zone"))
    org = organizational_domain(case["start"], resolver=resolver)
    expect = case["expect"]
    if "queries" in expect:
        assert [name for name, _ in resolver.queries] == expect["queries"]
        assert {rdtype for _, rdtype in resolver.queries} == {"TXT"}
    if "org_domain" in expect:
        assert org == expect["org_domain"]


MESSAGE_CASES = [pytest.param(case, id=case["id"]) for case in TREEWALK["message_cases"]]


@pytest.mark.parametrize("case", MESSAGE_CASES)
def test_tree_walk_messages(case: dict[str, Any]) -> None:
    expect = case["expect"]
    result = check_dmarc(
        from_domain=case["author_domain"],
        spf=Ident("pass", case["mail_from_domain"]),
        dkim=[Ident("pass", case["dkim_domain"])],
        resolver=_walk_zone(case["zone"]),
    )
    assert result.record_domain == expect["policy_domain"]
    assert result.aligned_spf is expect["aligned"]["spf"]
    assert bool(result.aligned_dkim) is expect["aligned"]["dkim"]
    assert result.result.value == "pass"  # both pass; at least one aligns in every example
    for domain, org in expect["org_domain"].items():
        assert organizational_domain(domain, resolver=_walk_zone(case["zone"])) == org
    for who, queries in (expect.get("queries") or {}).items():
        start = case["author_domain"] if who == "author" else case[f"{who}_domain"]
        resolver = _walk_zone(case["zone"])
        organizational_domain(start, resolver=resolver)
        assert [name for name, _ in resolver.queries] == queries


ALIGN_CASES = [
    pytest.param(case, strictness, mode, id=f"{case['id']}-{strictness}-{mode}")
    for case in TREEWALK["alignment_cases"]
    for strictness in ("strict", "relaxed")
    for mode in ("dmarcbis", "rfc7489")
]


@pytest.mark.parametrize(("case", "strictness", "mode"), ALIGN_CASES)
def test_identifier_alignment(case: dict[str, Any], strictness: str, mode: str) -> None:
    tags = "; aspf=s; adkim=s" if strictness == "strict" else ""
    resolver = StaticResolver({"_dmarc.example.com": {"TXT": [f"v=DMARC1; p=reject{tags}"]}})
    author = case["from"].rpartition("@")[2]
    if case["identifier"] == "spf":
        spf, dkim = Ident("pass", case["mail_from"].rpartition("@")[2]), []
    else:
        spf, dkim = None, [Ident("pass", case["d"])]
    result = check_dmarc(from_domain=author, spf=spf, dkim=dkim, resolver=resolver, mode=mode)  # type: ignore[arg-type]
    aligned = result.aligned_spf if case["identifier"] == "spf" else bool(result.aligned_dkim)
    assert aligned is case[strictness]
    assert result.result.value == ("pass" if case[strictness] else "fail")


def test_tree_walk_case_counts() -> None:
    expectations = sum(
        len(case["expect"])
        for case in TREEWALK["query_sequence_cases"]
        + TREEWALK["org_domain_cases"]
        + TREEWALK["message_cases"]
    )
    assert (len(WALK_CASES), len(MESSAGE_CASES), len(ALIGN_CASES)) == (7, 3, 24)
    assert expectations == 19


# --- authheaders -------------------------------------------------------------------------

AUTHHEADERS = _yaml("authheaders-cases.yml")
EXPECTED_AUTHHEADERS_DMARC_CASES = 11
_SEVERITY = ["pass", "none", "temperror", "permerror", "fail"]


def _authheaders_zone() -> StaticResolver:
    zone: dict[str, Any] = {}
    for name, value in AUTHHEADERS["zone"].items():
        if value is None:
            continue  # NXDOMAIN
        if value == "":
            zone[name] = {}
        elif name.startswith("_"):
            zone[name] = {"TXT": [value]}
        else:
            zone[name] = {"TXT": [value], "MX": [f"10 {value}"]}
    return StaticResolver(zone)


def _dkim_results(*headers: str | None) -> list[Ident]:
    found = []
    for header in headers:
        for word, domain in re.findall(r"dkim=(\w+) header\.d=([^\s;]+)", header or ""):
            found.append(Ident(word, domain))
    return found


AUTHHEADERS_CASES = [
    pytest.param(name, case, mode, id=f"{name}-{mode}")
    for name, case in AUTHHEADERS["cases"].items()
    if "dmarc" in case["expect"]
    for mode in (("dmarcbis",) if case["checks"].get("dmarcbis") else ("rfc7489", "dmarcbis"))
]


@pytest.mark.parametrize(("name", "case", "mode"), AUTHHEADERS_CASES)
def test_authheaders(name: str, case: dict[str, Any], mode: str) -> None:
    raw = (DATA / "authheaders" / case["message"]).read_bytes()
    message = email.message_from_bytes(raw)
    mailboxes = getaddresses(message.get_all("From", []))
    domains = [addr.rpartition("@")[2] if "@" in addr else addr for _, addr in mailboxes]
    dkim_source = case["expect"]["header"] if case["checks"].get("dkim") else None
    dkim = _dkim_results(case.get("prev"), dkim_source)
    results = [
        check_dmarc(from_domain=d, spf=None, dkim=dkim, resolver=_authheaders_zone(), mode=mode)  # type: ignore[arg-type]
        for d in domains or [""]
    ]
    result = max(results, key=lambda r: _SEVERITY.index(r.result.value))
    want = case["expect"]["dmarc"]
    assert result.result.value == want["result"]
    properties = result.to_method_result().properties
    if "header_from" in want:
        assert properties["header.from"] == want["header_from"]
    if "policy" in want:
        assert (result.policy or "none") == want["policy"]
    if "comment" in want:
        assert _comment(result) == want["comment"]


def _comment(result: DmarcResult) -> str:
    assert result.record is not None
    assert result.org_domain is not None
    if result.record_domain == result.from_domain:
        return "Used From Domain Record"
    below = result.org_domain.partition(".")[2] == result.record_domain
    if result.record.psd == "y" and below:
        return "Used Tree Walk, org one level below PSD"
    return "Used Org Domain Record"


def test_authheaders_case_count() -> None:
    dmarc_cases = [c for c in AUTHHEADERS["cases"].values() if "dmarc" in c["expect"]]
    assert len(dmarc_cases) == EXPECTED_AUTHHEADERS_DMARC_CASES

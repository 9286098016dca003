"""check_dmarc and parse_dmarc_record behaviour: fault paths, policy selection, disposition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from trustcheck.auth.dmarc import (
    Disposition,
    DmarcRecordError,
    check_dmarc,
    organizational_domain,
    parse_dmarc_record,
)
from trustcheck.auth.results import AuthWord
from trustcheck.dns import StaticResolver
from trustcheck.errors import InputError


@dataclass(frozen=True)
class Ident:
    result: str
    domain: str


REJECT = {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; sp=quarantine; np=reject"]}}


@pytest.mark.parametrize(
    ("mode", "zone", "from_domain", "spf", "dkim", "result", "policy", "disposition", "tag"),
    [
        # aligned DKIM pass; failing everything; aligned SPF via the org domain
        (
            "dmarcbis",
            REJECT,
            "example.com",
            None,
            [Ident("pass", "example.com")],
            "pass",
            "reject",
            "none",
            "p",
        ),
        (
            "dmarcbis",
            REJECT,
            "example.com",
            Ident("fail", "example.com"),
            [Ident("fail", "example.com")],
            "fail",
            "reject",
            "reject",
            "p",
        ),
        (
            "rfc7489",
            REJECT,
            "example.com",
            Ident("pass", "bounce.example.com"),
            [],
            "pass",
            "reject",
            "none",
            "p",
        ),
        # a pass for an unrelated domain does not align
        (
            "dmarcbis",
            REJECT,
            "example.com",
            Ident("pass", "example.net"),
            [Ident("pass", "example.net")],
            "fail",
            "reject",
            "reject",
            "p",
        ),
        # an existing subdomain takes sp=, a non-existent one np= (RFC 9091)
        (
            "rfc7489",
            {**REJECT, "shop.example.com": {"A": ["192.0.2.1"]}},
            "shop.example.com",
            None,
            [],
            "fail",
            "quarantine",
            "quarantine",
            "sp",
        ),
        (
            "dmarcbis",
            {**REJECT, "shop.example.com": {"A": ["192.0.2.1"]}},
            "shop.example.com",
            None,
            [],
            "fail",
            "quarantine",
            "quarantine",
            "sp",
        ),
        ("dmarcbis", REJECT, "ghost.example.com", None, [], "fail", "reject", "reject", "np"),
        # t=y (DMARCbis testing) and pct (RFC 7489) lower the disposition one level
        (
            "dmarcbis",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; t=y"]}},
            "example.com",
            None,
            [],
            "fail",
            "reject",
            "quarantine",
            "p",
        ),
        (
            "rfc7489",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=quarantine; pct=20"]}},
            "example.com",
            None,
            [],
            "fail",
            "quarantine",
            "none",
            "p",
        ),
        (
            "rfc7489",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; t=y"]}},
            "example.com",
            None,
            [],
            "fail",
            "reject",
            "reject",
            "p",
        ),
        # no record; multiple records (RFC 7489 6.6.3 step 4); p missing without rua
        ("dmarcbis", {}, "example.com", None, [], "none", None, "none", None),
        (
            "rfc7489",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]}},
            "example.com",
            None,
            [],
            "none",
            None,
            "none",
            None,
        ),
        (
            "dmarcbis",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; sp=reject"]}},
            "example.com",
            None,
            [],
            "none",
            None,
            "none",
            None,
        ),
        # p missing but a valid rua: act as p=none
        (
            "dmarcbis",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; rua=mailto:r@example.com"]}},
            "example.com",
            None,
            [],
            "fail",
            "none",
            "none",
            "p",
        ),
        # other TXT records at _dmarc are ignored
        (
            "dmarcbis",
            {"_dmarc.example.com": {"TXT": ["hello", "v=DMARC1; p=reject"]}},
            "example.com",
            None,
            [],
            "fail",
            "reject",
            "reject",
            "p",
        ),
        # malformed record: permerror
        (
            "rfc7489",
            {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; oops"]}},
            "example.com",
            None,
            [],
            "permerror",
            None,
            "none",
            None,
        ),
        # DNS faults: temperror, never fail
        (
            "dmarcbis",
            {"_dmarc.example.com": "TIMEOUT"},
            "example.com",
            None,
            [],
            "temperror",
            None,
            "none",
            None,
        ),
        (
            "rfc7489",
            {"_dmarc.example.com": "SERVFAIL"},
            "example.com",
            None,
            [],
            "temperror",
            None,
            "none",
            None,
        ),
        (
            "dmarcbis",
            {**REJECT, "_dmarc.com": "TIMEOUT"},
            "example.com",
            None,
            [],
            "temperror",
            None,
            "none",
            None,
        ),
        # the np= existence probe times out on a failing message
        (
            "dmarcbis",
            {**REJECT, "ghost.example.com": "TIMEOUT"},
            "ghost.example.com",
            None,
            [],
            "temperror",
            None,
            "none",
            None,
        ),
        # ... but a pass does not depend on it
        (
            "dmarcbis",
            {**REJECT, "ghost.example.com": "TIMEOUT"},
            "ghost.example.com",
            None,
            [Ident("pass", "ghost.example.com")],
            "pass",
            "quarantine",
            "none",
            "sp",
        ),
        # relaxed alignment needs the DKIM domain's org domain: a timeout there, nothing else
        (
            "dmarcbis",
            {**REJECT, "_dmarc.mail.example.com": "TIMEOUT"},
            "example.com",
            None,
            [Ident("pass", "mail.example.com")],
            "temperror",
            None,
            "none",
            None,
        ),
        # not a From domain
        ("dmarcbis", {}, "", None, [], "permerror", None, "none", None),
        ("rfc7489", {}, "Test User", None, [], "permerror", None, "none", None),
        ("dmarcbis", {}, "localhost", None, [], "permerror", None, "none", None),
    ],
)
def test_check_dmarc(
    mode: Any,
    zone: dict[str, Any],
    from_domain: str,
    spf: Ident | None,
    dkim: list[Ident],
    result: str,
    policy: str | None,
    disposition: str,
    tag: str | None,
) -> None:
    got = check_dmarc(
        from_domain=from_domain, spf=spf, dkim=dkim, resolver=StaticResolver(zone), mode=mode
    )
    assert (got.result, got.policy, got.disposition, got.policy_tag) == (
        AuthWord(result),
        None if policy is None else Disposition(policy),
        Disposition(disposition),
        tag,
    )
    if result in ("permerror", "temperror", "none"):
        assert got.reason


@pytest.mark.parametrize(
    ("adkim", "d", "aligned"),
    [
        ("r", "mail.example.com", ("mail.example.com",)),
        ("s", "mail.example.com", ()),
        ("s", "Example.COM", ("example.com",)),
    ],
)
def test_dkim_alignment_modes(adkim: str, d: str, aligned: tuple[str, ...]) -> None:
    zone = {"_dmarc.example.com": {"TXT": [f"v=DMARC1; p=reject; adkim={adkim}"]}}
    got = check_dmarc(
        from_domain="example.com",
        spf=None,
        dkim=[Ident("pass", d), Ident("fail", "example.com")],
        resolver=StaticResolver(zone),
    )
    assert got.aligned_dkim == aligned


def test_method_result() -> None:
    got = check_dmarc(
        from_domain="Example.com.",
        spf=Ident("pass", "example.com"),
        dkim=[],
        resolver=StaticResolver(REJECT),
    )
    method = got.to_method_result()
    assert (method.method, method.result, dict(method.properties)) == (
        "dmarc",
        AuthWord.PASS,
        {"header.from": "example.com", "policy.dmarc": "reject"},
    )
    assert method.details["aligned_spf"] is True
    assert method.details["record_domain"] == "example.com"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("v=DMARC1;p=reject", "p", Disposition.REJECT),
        ("v=DMARC1 ; P = Quarantine ; SP=none", "sp", Disposition.NONE),
        ("v=DMARC1; p=none; np=reject", "np", Disposition.REJECT),
        ("v=DMARC1; p=none; psd=y", "psd", "y"),
        ("v=DMARC1; p=none; t=y", "t", True),
        (
            "v=DMARC1; p=none; rua=mailto:a@example.com!10m,mailto:b@example.com",
            "rua",
            ("mailto:a@example.com!10m", "mailto:b@example.com"),
        ),
        ("v=DMARC1; p=bogus; rua=mailto:a@example.com", "p_implied", True),
        ("v=DMARC1; p=none; p=reject", "p", Disposition.NONE),  # first occurrence wins
    ],
)
def test_parse_record_values(text: str, field: str, value: object) -> None:
    assert getattr(parse_dmarc_record(text), field) == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "syntax"),
        ("v=DMARC1 p=none", "syntax"),
        ("v=DMARC1; p=none; x", "syntax"),
        ("v=DMARC1; t=maybe; p=none", "syntax"),
        ("v=DMARC1; psd=x; p=none", "syntax"),
        ("v=DMARC1", "policy"),
        ("v=DMARC1; p=none; rua=not a uri", "syntax"),
        ("\x00\xff" * 50, "syntax"),
    ],
)
def test_parse_record_errors(text: str, kind: str) -> None:
    with pytest.raises(DmarcRecordError) as caught:
        parse_dmarc_record(text)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("domain", "mode", "zone", "expected"),
    [
        ("a.b.example.co.uk", "rfc7489", {}, "example.co.uk"),
        ("a.b.example.co.uk", "dmarcbis", {}, "a.b.example.co.uk"),
        (
            "a.b.example.co.uk",
            "dmarcbis",
            {"_dmarc.example.co.uk": {"TXT": ["v=DMARC1; p=none"]}},
            "example.co.uk",
        ),
        (
            "a.b.example.co.uk",
            "dmarcbis",
            {"_dmarc.co.uk": {"TXT": ["v=DMARC1; p=none; psd=y"]}},
            "example.co.uk",
        ),
    ],
)
def test_organizational_domain(domain: str, mode: Any, zone: dict[str, Any], expected: str) -> None:
    assert organizational_domain(domain, resolver=StaticResolver(zone), mode=mode) == expected


def test_organizational_domain_errors() -> None:
    with pytest.raises(InputError):
        organizational_domain("a..b", resolver=StaticResolver({}))
    with pytest.raises(TimeoutError):
        organizational_domain("x.example.com", resolver=StaticResolver({}, default="TIMEOUT"))


def test_check_dmarc_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        check_dmarc(
            from_domain="example.com", spf=None, dkim=[], resolver=StaticResolver({}), mode="dmarc3"
        )  # type: ignore[arg-type]

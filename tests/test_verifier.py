"""The whole pipeline, offline: message in, verdict out, as tables of cases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustcheck import Envelope, InputError, Registry, Sms, Status, Verifier
from trustcheck.dns import Resolver, StaticResolver, load_fixture
from trustcheck.examples import demo_message, demo_resolver

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "fixtures" / "messages"
REGISTRY = Registry.default().merge(Registry.load(ROOT / "fixtures" / "registry" / "brands"))
EXAMPLEPAY_DNS = load_fixture(ROOT / "fixtures" / "dns" / "examplepay.yaml")
OFFLINE = StaticResolver({}, default="TIMEOUT")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # after the fixtures' DKIM t=


def read(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def stored(resolver: Resolver = EXAMPLEPAY_DNS, *, unwrap_forwarded: bool = False) -> Verifier:
    """A support tool: stored mail, the company's receiving host trusted."""
    return Verifier(registry=REGISTRY, resolver=resolver, trusted_authserv_ids=["mx.example.net"],
                    unwrap_forwarded=unwrap_forwarded)


# (case, message bytes, verifier, expected status, codes that must be present, brand)
CASES = [
    ("genuine receipt, DNS at hand", read("examplepay-receipt.eml"), stored(), Status.AUTHENTIC,
     {"brand.authenticated"}, "example-pay"),
    ("tampered body: DKIM fails, SPF still aligned", read("examplepay-receipt-tampered.eml"),
     stored(), Status.AUTHENTIC, {"brand.authenticated"}, "example-pay"),
    # The spoof also links to a look-alike login page: a lure, so phishing, not only
    # impersonation.
    ("brand's own From domain, sent from elsewhere", read("examplepay-spoofed-from.eml"),
     stored(), Status.PHISHING, {"brand.spoofed_domain", "auth.dmarc_fail", "link.lookalike"},
     "example-pay"),
    ("genuine receipt, no DNS and nothing trusted", read("examplepay-receipt.eml"),
     Verifier(registry=REGISTRY, resolver=OFFLINE), Status.SUSPICIOUS,
     {"brand.unverifiable", "auth.temperror"}, "example-pay"),
    ("fake Apple receipt", demo_message(), stored(resolver=demo_resolver()), Status.PHISHING,
     {"sender.display_name_brand", "link.lookalike", "link.text_href_mismatch",
      "sender.reply_to_freemail", "authres.untrusted_pass"}, "apple"),
    ("plain personal mail", b"From: Bob <bob@example.org>\r\nTo: a@example.net\r\n"
     b"Subject: lunch\r\n\r\nNoon at the usual place?\r\n", stored(resolver=OFFLINE),
     Status.UNVERIFIED, set(), None),
]


@pytest.mark.parametrize(("case", "raw", "verifier", "status", "codes", "brand"), CASES,
                         ids=[c[0] for c in CASES])
def test_pipeline(case: str, raw: bytes, verifier: Verifier, status: Status, codes: set[str],
                  brand: str | None) -> None:
    verdict = verifier.verify(raw, now=NOW)
    assert verdict.status is status, verdict.summary
    assert codes <= set(verdict.codes()), verdict.codes()
    assert verdict.brand == brand
    assert verdict.summary.startswith(status.value)
    assert verdict.advice is not None
    if status.flagged:
        assert any(f.severity.value in ("medium", "high", "critical") for f in verdict.findings)


FORGED = (b"Authentication-Results: trusted.example; spf=pass smtp.mailfrom=examplepay.example;"
          b" dkim=pass header.d=examplepay.example; dmarc=pass header.from=examplepay.example\r\n")


@pytest.mark.parametrize("name", ["examplepay-spoofed-from.eml", "examplepay-receipt.eml"])
@pytest.mark.parametrize("where", ["below_received", "bottom"])
def test_forged_authentication_results_never_change_the_verdict(name: str, where: str) -> None:
    raw = read(name)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if where == "bottom":
        forged = b"\r\n".join([*lines, FORGED.rstrip(b"\r\n")])
    else:  # just under the topmost Received header's continuation lines
        end = next(i for i, line in enumerate(lines) if i > 1 and not line.startswith(b"\t"))
        forged = b"\r\n".join([*lines[:end], FORGED.rstrip(b"\r\n"), *lines[end:]])
    forged_raw = forged + b"\r\n\r\n" + body
    verifier = Verifier(registry=REGISTRY, resolver=EXAMPLEPAY_DNS,
                        trusted_authserv_ids=["mx.example.net"])
    clean, tricked = verifier.verify(raw, now=NOW), verifier.verify(forged_raw, now=NOW)
    assert tricked.status is clean.status
    assert tricked.auth == clean.auth
    assert tricked.brand == clean.brand
    assert "authres.untrusted_pass" in tricked.codes()


M365_HEADERS = (
    b"Authentication-Results: spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=examplepay.example;"
    b" dkim=none (message not signed) header.d=none;dmarc=pass action=none"
    b" header.from=examplepay.example;compauth=pass reason=100\r\n"
    b"Received: from bulk-sender.example.org (203.0.113.9) by"
    b" AM0PR01MB1234.mail.protection.outlook.com (10.1.2.3) with Microsoft SMTP Server id"
    b" 15.20.1.1; Sat, 21 Nov 2026 11:00:00 +0000\r\n"
)


@pytest.mark.parametrize(("trust", "status"), [(True, Status.AUTHENTIC),
                                               (False, Status.SUSPICIOUS)])
def test_microsoft_365_results_only_when_trusted(trust: bool, status: Status) -> None:
    raw = M365_HEADERS + read("examplepay-receipt.eml").split(b"\r\n", 4)[-1]
    verifier = Verifier(registry=REGISTRY, resolver=OFFLINE, trust_microsoft_365=trust)
    verdict = verifier.verify(raw, now=NOW)
    assert verdict.status is status, verdict.summary
    assert verdict.auth.dmarc is not None
    assert verdict.auth.dmarc.source.value == ("trusted_upstream" if trust else "checked")


def test_gateway_envelope_checks_spf_now() -> None:
    verifier = Verifier(registry=REGISTRY, resolver=EXAMPLEPAY_DNS)
    good = Envelope(ip="198.51.100.25", helo="mx.examplepay.example",
                    mail_from="bounces@examplepay.example")
    verdict = verifier.verify(read("examplepay-receipt.eml"), envelope=good, now=NOW)
    assert verdict.auth.spf is not None
    assert (verdict.auth.spf.result.value, verdict.auth.spf.source.value) == ("pass", "checked")
    assert verdict.status is Status.AUTHENTIC
    header = verdict.authentication_results("mx.example.net")
    for word in ("spf=pass", "dkim=pass", "dmarc=pass"):
        assert word in header


def test_averify_matches_verify() -> None:
    verifier = stored()
    raw = read("examplepay-spoofed-from.eml")
    assert asyncio.run(verifier.averify(raw, now=NOW)) == verifier.verify(raw, now=NOW)


def test_forwarded_original_is_verified_when_asked() -> None:
    inner = read("examplepay-spoofed-from.eml")
    outer = (b"From: Minji Kim <minji@example.net>\r\nTo: help@examplepay.example\r\n"
             b"Subject: Fwd: is this real?\r\nMIME-Version: 1.0\r\n"
             b'Content-Type: multipart/mixed; boundary="fw"\r\n\r\n--fw\r\n'
             b"Content-Type: text/plain\r\n\r\nGot this, is it you?\r\n--fw\r\n"
             b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--fw--\r\n")
    plain = stored().verify(outer, now=NOW)
    unwrapped = stored(unwrap_forwarded=True).verify(outer, now=NOW)
    assert plain.status is Status.UNVERIFIED
    assert unwrapped.status is Status.PHISHING
    assert unwrapped.codes()[0] == "message.forwarded_original"


@pytest.mark.parametrize("bad", [12, None, ["a"], object()])
def test_wrong_input_type_is_an_input_error(bad: object) -> None:
    with pytest.raises(InputError, match="Cannot verify"):
        stored().verify(bad)  # type: ignore[arg-type]


def test_sms_verdict() -> None:
    sms = Sms(sender=None, body="[국제발신] 해외결제 승인 980,000원", country="KR")
    verdict = stored().verify(sms)
    assert verdict.kind == "sms"
    assert "sms.foreign_origin" in verdict.codes()


def _nested(depth: int) -> bytes:
    head = b"From: a@example.com\r\nSubject: deep\r\n"
    opened = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                      for i in range(depth))
    return head + opened + b"Content-Type: text/plain\r\n\r\nbottom\r\n"


# The whole pipeline, not only the parser, on input built to hurt (see
# test_message_hostile.py for the parser's own table): each ends with a verdict
# that names the limit reached.
HOSTILE = [
    ("1,000 nested multiparts", lambda: _nested(1000), "mime.depth_limit"),
    ("50 MB body", lambda: b"From: a@example.com\r\n\r\n" + b"A" * (50 * 1024 * 1024),
     "message.size_limit"),
    ("100k headers", lambda: b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)) + b"\r\nx",
     "header.count_limit"),
    ("20 MB of HTML links", lambda: b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n"
     + b'<a href="https://x.example/">x</a>' * 600_000, "html.size_limit"),
    ("NUL bytes and a broken charset", lambda: b"From: a@example.com\r\nContent-Type: text/plain;"
     b" charset=x-no-such\r\n\r\nA\x00B\x00\xff\xfe", "message.nul_bytes"),
]


@pytest.mark.parametrize(("name", "build", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_yields_a_verdict(name: str, build: Callable[[], bytes], code: str) -> None:
    verdict = Verifier(registry=REGISTRY, resolver=OFFLINE).verify(build(), now=NOW)
    assert code in verdict.codes()
    assert verdict.status is not Status.PHISHING

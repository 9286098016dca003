"""Brand claims and sender-identity findings, as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trustcheck.identity import (
    BODY_LIMIT,
    BrandClaim,
    claim_brand,
    claim_brand_sms,
    freemail_domains,
    is_freemail,
    sender_findings,
)
from trustcheck.registry import Registry
from trustcheck.verdict import Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "registry" / "brands"
DEFAULT = Registry.default()
WITH_FIXTURES = DEFAULT.merge(Registry.load(FIXTURES))


def _top(claims: tuple[BrandClaim, ...]) -> str | None:
    return claims[0].brand_id if claims else None


# --------------------------------------------------------------------------- claims

CLAIMS: list[tuple[str, dict[str, Any], str | None, set[str]]] = [
    # id, inputs, expected strongest brand, fields that must be in its evidence
    ("from-own-domain", {"from_domain": "email.apple.com"}, "apple", {"from_domain"}),
    ("from-address", {"from_domain": "no_reply@email.apple.com"}, "apple", {"from_domain"}),
    ("display-plain", {"display_name": "PayPal"}, "paypal", {"display_name"}),
    ("display-greek-alpha", {"display_name": "Αpple"}, "apple", {"display_name"}),
    ("display-capital-i", {"display_name": "PayPaI Service"}, "paypal", {"display_name"}),
    ("display-zero-width", {"display_name": "Pay\u200bPal"}, "paypal", {"display_name"}),
    ("display-fullwidth", {"display_name": "ＮＥＴＦＬＩＸ"}, "netflix", {"display_name"}),
    ("display-math-bold", {"display_name": "𝐀𝐦𝐚𝐳𝐨𝐧"}, "amazon", {"display_name"}),
    ("display-cyrillic", {"display_name": "Аррlе Support"}, "apple", {"display_name"}),
    ("display-digit-one", {"display_name": "Netf1ix"}, "netflix", {"display_name"}),
    ("display-rn-for-m", {"display_name": "Arnazon.com"}, "amazon", {"display_name"}),
    ("display-korean", {"display_name": "쿠팡"}, "coupang", {"display_name"}),
    ("display-korean-alias", {"display_name": "로켓배송 안내"}, "coupang", {"display_name"}),
    ("display-ambiguous-alone", {"display_name": "Apple"}, "apple", {"display_name"}),
    ("display-ambiguous-context", {"display_name": "Chase Bank Alerts"}, "chase",
     {"display_name"}),
    ("display-longest-name", {"display_name": "카카오페이"}, "kakaopay", {"display_name"}),
    ("display-kakaobank", {"display_name": "카카오뱅크"}, "kakaobank", {"display_name"}),
    ("display-multiword", {"display_name": "Bank of America"}, "bank-of-america",
     {"display_name"}),
    ("display-multiword-punct", {"display_name": "Bank-of-America Online"},
     "bank-of-america", {"display_name"}),
    ("display-mixed-script", {"display_name": "KB국민카드"}, "kb-kookmin-card",
     {"display_name"}),
    ("subject-en", {"subject": "Your receipt from Apple"}, "apple", {"subject"}),
    ("subject-ko", {"subject": "[네이버페이] 결제가 완료되었습니다"}, "naver", {"subject"}),
    ("subject-particle", {"subject": "쿠팡에서 주문하신 상품"}, "coupang", {"subject"}),
    ("subject-latin-particle", {"subject": "Apple에서 결제 승인"}, "apple", {"subject"}),
    ("subject-visa-card", {"subject": "Your Visa card payment"}, "visa", {"subject"}),
    ("subject-gov", {"subject": "[국세청] 종합소득세 환급 안내"}, "nts", {"subject"}),
    ("subject-police", {"subject": "경찰청 교통민원24 과태료 안내"}, "korean-national-police",
     {"subject"}),
    ("body-apple-id", {"body": "Sign in with your Apple ID to review"}, "apple", {"body"}),
    ("body-courier", {"body": "[Web발신] CJ대한통운 택배 주소지 불일치"}, "cj-logistics",
     {"body"}),
    ("body-korea-post", {"body": "[Web발신] 우체국택배 배송불가 안내"}, "korea-post", {"body"}),
    ("image-alt", {"image_hints": ["DHL Express logo"]}, "dhl", {"image"}),
    ("image-file", {"image_hints": ["images/paypal-logo.png"]}, "paypal", {"image"}),
    ("from-lookalike-digit", {"from_domain": "paypa1.com"}, "paypal", {"from_domain"}),
    ("from-combosquat", {"from_domain": "coupang-refund.kr"}, "coupang", {"from_domain"}),
    ("from-squeezed", {"from_domain": "paypalsecure.com"}, "paypal", {"from_domain"}),
    ("from-squeezed-mid-word", {"from_domain": "shagmail.com"}, None, set()),
    ("from-short-protect-prefix", {"from_domain": "citimotors.com"}, None, set()),
    ("from-short-protect-word", {"from_domain": "citi-secure.com"}, "citi", {"from_domain"}),
    ("from-ambiguous-context", {"from_domain": "applesupport-billing.com"}, "apple",
     {"from_domain"}),
    ("from-punycode", {"from_domain": "xn--pple-43d.com"}, "apple", {"from_domain"}),
    ("from-brand-in-subdomain", {"from_domain": "paypal.com.secure-login.example"}, "paypal",
     {"from_domain"}),
    ("reply-to-brand", {"reply_to_domains": ["email.apple.com"], "subject": "hello"},
     "apple", {"reply_to"}),
    ("fixture-brand", {"display_name": "ExamplePay", "registry": "fixtures"}, "example-pay",
     {"display_name"}),
    ("fixture-korean", {"subject": "이그잼플페이 결제 안내", "registry": "fixtures"},
     "example-pay", {"subject"}),
    ("fixture-ambiguous", {"subject": "EPay Wallet payment", "registry": "fixtures"},
     "example-pay", {"subject"}),
    ("fixture-protect-label", {"from_domain": "epay-verify.example", "registry": "fixtures"},
     "example-pay", {"from_domain"}),
    # nothing claimed
    ("apple-pie", {"subject": "apple pie recipe", "body": "I love apple pie"}, None, set()),
    ("chase-verb", {"subject": "Chase your dreams"}, None, set()),
    ("visa-application", {"subject": "Visa application status"}, None, set()),
    ("meta-word", {"body": "the meta description of the page"}, None, set()),
    ("pineapple", {"from_domain": "pineapple.com"}, None, set()),
    ("consumer-ko", {"body": "소비자 보호 안내"}, None, set()),
    ("toast-ko", {"body": "토스트 맛집 추천"}, None, set()),
    ("carrot-ko", {"body": "당근을 샀어요"}, None, set()),
    ("application-ko", {"body": "배달 애플리케이션 요기요"}, None, set()),
    ("police-chief-ko", {"subject": "경찰청장 인터뷰"}, None, set()),
    ("ko-compound", {"subject": "쿠팡고객센터 안내"}, "coupang", {"subject"}),
    ("freemail-of-brand", {"from_domain": "gmail.com"}, None, set()),
    ("freemail-naver", {"from_domain": "someone@naver.com"}, None, set()),
    ("unrelated", {"from_domain": "shop.example", "subject": "Weekly news"}, None, set()),
    ("word-inside-word", {"subject": "Upsell offers for groups"}, None, set()),
    ("empty", {}, None, set()),
    ("garbage-domain", {"from_domain": "not a domain at all/\\"}, None, set()),
    ("control-chars", {"display_name": "\x00\x01\x02", "subject": "\ud800"}, None, set()),
]


@pytest.mark.parametrize(
    ("inputs", "expected", "where"),
    [pytest.param(i, e, w, id=n) for n, i, e, w in CLAIMS],
)
def test_claim_brand(inputs: dict[str, Any], expected: str | None, where: set[str]) -> None:
    args = dict(inputs)
    registry = WITH_FIXTURES if args.pop("registry", None) == "fixtures" else DEFAULT
    claims = claim_brand(registry=registry, **args)
    assert _top(claims) == expected, claims
    if expected is not None:
        assert where <= claims[0].where
        assert 0.3 <= claims[0].strength <= 1.0


@pytest.mark.parametrize(
    ("display_name", "confusable"),
    [("PayPal", False), ("PayPaI", True), ("Ρaypal", True), ("P\u200bayPal", False),
     ("paypal", False), ("PAYPAL", False), ("Paypa1", True)],
)
def test_confusable_flag(display_name: str, confusable: bool) -> None:
    claims = claim_brand(registry=DEFAULT, display_name=display_name)
    assert _top(claims) == "paypal"
    assert claims[0].confusable is confusable


def test_claims_are_ranked_by_strength() -> None:
    claims = claim_brand(
        registry=DEFAULT, display_name="Apple", subject="Your PayPal receipt",
        body="Pay with Google Pay",
    )
    assert [c.brand_id for c in claims] == ["apple", "paypal", "google"]
    strengths = [c.strength for c in claims]
    assert strengths == sorted(strengths, reverse=True)


def test_body_mentions_accumulate_up_to_a_cap() -> None:
    one = claim_brand(registry=DEFAULT, body="Netflix")
    many = claim_brand(registry=DEFAULT, body="Netflix " * 20)
    assert one[0].strength == pytest.approx(0.35)
    assert many[0].strength == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("filler", "name"),
    [("x", "Netflix"), ("x", "넷플릭스"), ("가", "Netflix"), ("가", "넷플릭스")],
)
def test_body_limit_counts_utf8_bytes(filler: str, name: str) -> None:
    """A name just inside the first BODY_LIMIT bytes counts; one just beyond does not."""
    width = len(filler.encode())
    before = " ".join([filler] * ((BODY_LIMIT - 40) // (width + 1)))
    assert _top(claim_brand(registry=DEFAULT, body=before + " " + name)) == "netflix"
    after = " ".join([filler] * (BODY_LIMIT // (width + 1) + 10))
    assert claim_brand(registry=DEFAULT, body=after + " " + name) == ()


def test_claim_to_dict_is_json_safe() -> None:
    import json

    claims = claim_brand(registry=DEFAULT, display_name="PayPaI", subject="PayPal receipt")
    data = claims[0].to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["brand"] == "paypal"
    assert {e["where"] for e in data["evidence"]} == {"display_name", "subject"}


def test_empty_registry_claims_nothing() -> None:
    assert claim_brand(registry=Registry.empty(), display_name="Apple", body="Apple ID") == ()


def test_huge_hostile_input_is_bounded() -> None:
    import time

    start = time.perf_counter()
    claim_brand(registry=DEFAULT, display_name="a" * 100_000, subject="b " * 100_000,
                body="Apple " * 2_000_000, image_hints=["x"] * 10_000)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------- SMS

SMS: list[tuple[str, dict[str, Any], str | None, set[str]]] = [
    ("registered-sender", {"body": "[Web발신]\n[쿠팡] 배송 완료", "sender": "1577-7011",
                           "country": "KR"}, "coupang", {"sms_sender", "sms_tag"}),
    ("sender-e164", {"body": "배송 완료 안내", "sender": "+82 1577 7011"}, "coupang",
     {"sms_sender"}),
    ("tag-unregistered-sender", {"body": "[Web발신]\n[쿠팡] 주소지 불일치",
                                 "sender": "010-1234-5678", "country": "KR"}, "coupang",
     {"sms_tag"}),
    ("fullwidth-brackets", {"body": "[국외발신] 【KB국민카드】 해외승인 798,000원"},
     "kb-kookmin-card", {"sms_tag", "body"}),
    ("ad-label-then-tag", {"body": "(광고)[토스] 혜택 안내"}, "toss", {"sms_tag"}),
    ("english-tag", {"body": "[Apple] Your Apple ID code is 123456"}, "apple",
     {"sms_tag", "body"}),
    ("alnum-sender", {"body": "Your code is 1234", "sender": "ExamplePay",
                      "registry": "fixtures"}, "example-pay", {"sms_sender"}),
    ("fixture-number", {"body": "결제 완료", "sender": "(202) 555-0143", "country": "US",
                        "registry": "fixtures"}, "example-pay", {"sms_sender"}),
    ("carrier-label-only", {"body": "[Web발신] 엄마 나 폰 고장났어"}, None, set()),
    ("ad-label-only", {"body": "(광고) 무료수신거부 080-000-0000"}, None, set()),
    ("unknown-sender", {"body": "hello", "sender": "+1 202-555-0199"}, None, set()),
    ("empty", {"body": ""}, None, set()),
]


@pytest.mark.parametrize(
    ("inputs", "expected", "where"), [pytest.param(i, e, w, id=n) for n, i, e, w in SMS],
)
def test_claim_brand_sms(inputs: dict[str, Any], expected: str | None, where: set[str]) -> None:
    args = dict(inputs)
    registry = WITH_FIXTURES if args.pop("registry", None) == "fixtures" else DEFAULT
    claims = claim_brand_sms(registry=registry, **args)
    assert _top(claims) == expected, claims
    if expected is not None:
        assert where <= claims[0].where


# --------------------------------------------------------------------------- freemail


@pytest.mark.parametrize(
    ("domain", "expected"),
    [("gmail.com", True), ("GMAIL.COM.", True), ("naver.com", True), ("hanmail.net", True),
     ("help.naver.com", False), ("email.apple.com", False), ("example.com", False),
     ("", False), (None, False)],
)
def test_is_freemail(domain: str | None, expected: bool) -> None:
    assert is_freemail(domain) is expected


def test_freemail_list_is_lower_case_domains() -> None:
    domains = freemail_domains()
    assert len(domains) >= 20
    assert all(d == d.lower() and "." in d and " " not in d for d in domains)


# --------------------------------------------------------------------------- findings

FINDINGS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("genuine-apple", {"from_address": "no_reply@email.apple.com", "display_name": "Apple"},
     set()),
    ("brand-web-domain",
     {"from_address": "order@coupangeats.com", "display_name": "쿠팡이츠"}, set()),
    ("genuine-subdomain", {"from_address": "service@mail.paypal.com", "display_name": "PayPal"},
     set()),
    ("display-brand-foreign-domain",
     {"from_address": "support@billing-center.example", "display_name": "Apple Support"},
     {"sender.display_name_brand"}),
    ("display-brand-confusable",
     {"from_address": "x@evil.example", "display_name": "PayPaI"},
     {"sender.display_name_brand"}),
    ("display-brand-on-freemail",
     {"from_address": "apple.receipt@hotmail.com", "display_name": "Apple"},
     {"sender.display_name_brand"}),
    ("display-brand-on-brand-freemail",
     {"from_address": "googleteam@gmail.com", "display_name": "Google"},
     {"sender.display_name_brand"}),
    ("display-korean-brand",
     {"from_address": "notice@coupang-event.example", "display_name": "쿠팡"},
     {"sender.display_name_brand", }),
    ("display-ambiguous-word",
     {"from_address": "me@example.org", "display_name": "Apple Pie Bakery"}, set()),
    ("display-address-other",
     {"from_address": "x@evil.example", "display_name": "security@paypal.com"},
     {"sender.display_name_address", "sender.display_name_brand"}),
    ("display-address-plain-other",
     {"from_address": "x@evil.example", "display_name": "Alice <alice@example.org>"},
     {"sender.display_name_address"}),
    ("display-address-same",
     {"from_address": "alice@example.org", "display_name": "alice@example.org"}, set()),
    ("display-address-calendar",
     {"from_address": "calendar-notification@google.com",
      "display_name": "bob@example.org (Google Calendar)"}, set()),
    ("display-address-same-org",
     {"from_address": "subscriber@fool.example",
      "display_name": "David&Tom@fool.example"}, set()),
    ("display-address-broken",
     {"from_address": "foo@foo.example", "display_name": "foo@foo.fo- private"}, set()),
    ("reply-to-freemail-brand",
     {"from_address": "no_reply@email.apple.com", "display_name": "Apple",
      "reply_to": ["apple.help@gmail.com"]}, {"sender.reply_to_freemail"}),
    ("reply-to-freemail-company",
     {"from_address": "ceo@company.example", "reply_to": ["ceo.private@naver.com"]},
     {"sender.reply_to_freemail"}),
    ("reply-to-freemail-both-free-same-person",
     {"from_address": "friend@gmail.com", "reply_to": ["Friend@naver.com"]}, set()),
    ("reply-to-freemail-both-free-other-mailbox",
     {"from_address": "mmeer12@outlook.com", "reply_to": ["mrs.selin.ozan@gmail.com"]},
     {"sender.reply_to_freemail"}),
    ("reply-to-freemail-same-provider-other-mailbox",
     {"from_address": "jw14@gmail.com", "reply_to": ["claims.office@gmail.com"]},
     {"sender.reply_to_freemail"}),
    ("reply-to-freemail-both-free-on-list",
     {"from_address": "mmeer12@outlook.com", "reply_to": ["mrs.selin.ozan@gmail.com"],
      "list_id": "<dev.lists.example.net>"}, set()),
    ("reply-to-contact-form",
     {"from_address": "wordpress@company.example", "reply_to": ["visitor@gmail.com"],
      "subject": "New message from the contact form"}, set()),
    ("reply-to-contact-form-ko",
     {"from_address": "noreply@company.example", "reply_to": ["visitor@naver.com"],
      "subject": "홈페이지 문의가 접수되었습니다"}, set()),
    ("reply-to-form-but-brand",
     {"from_address": "x@evil.example", "display_name": "PayPal",
      "reply_to": ["help@gmail.com"], "subject": "contact form"},
     {"sender.display_name_brand", "sender.reply_to_freemail"}),
    ("reply-to-list",
     {"from_address": "alice@example.org", "reply_to": ["dev@lists.example.net"],
      "list_id": "<dev.lists.example.net>", "list_post": "<mailto:dev@lists.example.net>"},
     set()),
    ("reply-to-list-munged-from",
     {"from_address": "dev@lists.example.net", "display_name": "Alice via dev",
      "reply_to": ["alice@gmail.com"], "list_id": "Dev <dev.lists.example.net>"}, set()),
    ("reply-to-other-org",
     {"from_address": "news@shop.example", "reply_to": ["support@helpdesk.example"]},
     {"sender.reply_to_mismatch"}),
    ("reply-to-same-org",
     {"from_address": "news@mail.shop.example", "reply_to": ["support@shop.example"]}, set()),
    ("reply-to-same-brand",
     {"from_address": "service@paypal.com", "reply_to": ["help@paypal.me"]}, set()),
    ("return-path-esp",
     {"from_address": "news@shop.example", "return_path": "<bounce-1@sendgrid.net>"},
     {"sender.return_path_mismatch"}),
    ("return-path-same",
     {"from_address": "news@shop.example", "return_path": "bounces@em.shop.example"}, set()),
    ("return-path-brand-esp",
     {"from_address": "auto-confirm@amazon.com", "return_path": "x@amazonses.com"}, set()),
    ("return-path-null", {"from_address": "news@shop.example", "return_path": "<>"}, set()),
    ("brand-in-subject-only",
     {"from_address": "billing@invoices.example", "subject": "Your Netflix payment failed"},
     {"brand.unrelated_domain"}),
    ("brand-lookalike-from",
     {"from_address": "service@paypa1-secure.com"}, {"brand.unrelated_domain"}),
    ("brand-subject-own-domain",
     {"from_address": "info@netflix.com", "subject": "Your Netflix payment"}, set()),
    ("fixture-genuine",
     {"from_address": "pay@mail.examplepay.example", "display_name": "Example Pay",
      "registry": "fixtures"}, set()),
    ("fixture-esp-dkim-domain",
     {"from_address": "pay@esp-mailer.example", "display_name": "Example Pay",
      "registry": "fixtures"}, set()),
    ("fixture-spoof",
     {"from_address": "pay@examplepay-help.example", "display_name": "Example Pay",
      "registry": "fixtures"}, {"sender.display_name_brand"}),
    ("no-from", {"from_address": None, "display_name": "Apple"},
     {"sender.display_name_brand"}),
    ("garbage", {"from_address": "<<<@@@>>>", "display_name": "\x00", "reply_to": ["@"],
                 "return_path": "???"}, set()),
]


@pytest.mark.parametrize(
    ("inputs", "expected"), [pytest.param(i, e, id=n) for n, i, e in FINDINGS],
)
def test_sender_findings(inputs: dict[str, Any], expected: set[str]) -> None:
    args = dict(inputs)
    registry = WITH_FIXTURES if args.pop("registry", None) == "fixtures" else DEFAULT
    findings = sender_findings(registry=registry, **args)
    assert {f.code for f in findings} == expected, findings
    for f in findings:
        assert f.message
        assert f.evidence


@pytest.mark.parametrize(
    ("from_address", "display_name", "severity"),
    [
        ("x@evil.example", "Apple", Severity.HIGH),
        ("x@gmail.com", "Google", Severity.MEDIUM),  # Google's own free mailbox
        ("x@hotmail.com", "Apple", Severity.HIGH),
    ],
)
def test_display_name_brand_severity(
    from_address: str, display_name: str, severity: Severity
) -> None:
    (finding,) = sender_findings(
        registry=DEFAULT, from_address=from_address, display_name=display_name
    )
    assert finding.code == "sender.display_name_brand"
    assert finding.severity is severity


def test_reply_to_freemail_severity_depends_on_brand() -> None:
    brand = sender_findings(registry=DEFAULT, from_address="no_reply@email.apple.com",
                            reply_to=["a@gmail.com"])
    company = sender_findings(registry=DEFAULT, from_address="ceo@company.example",
                              reply_to=["a@gmail.com"])
    on_list = sender_findings(registry=DEFAULT, from_address="ceo@company.example",
                              reply_to=["a@gmail.com"], list_id="<dev.lists.example.net>")
    assert [f.severity for f in brand] == [Severity.HIGH]
    assert [f.severity for f in company] == [Severity.MEDIUM]
    assert [f.severity for f in on_list] == [Severity.LOW]


@pytest.mark.parametrize(
    ("subject", "body", "list_id", "expected"),
    [
        ("Your DHL parcel is waiting", "", None, ["brand.unrelated_domain"]),
        ("", "Your DHL Express parcel is waiting. " * 3, None, []),  # body alone: news
        ("DHL opens a new hub", "DHL Express " * 3, None, []),  # no customer context
        ("Your DHL parcel is waiting", "", "<news.lists.example>", []),  # list chatter
    ],
)
def test_findings_use_given_claims(
    subject: str, body: str, list_id: str | None, expected: list[str]
) -> None:
    claims = claim_brand(registry=DEFAULT, subject=subject, body=body)
    assert claims[0].brand_id == "dhl"
    findings = sender_findings(registry=DEFAULT, from_address="x@parcel-notice.example",
                               subject=subject, list_id=list_id, claims=claims)
    assert [f.code for f in findings] == expected
    for f in findings:
        assert f.evidence["brand"] == "dhl"
        assert f.severity is Severity.MEDIUM

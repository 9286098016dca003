"""SMS verdicts: registered senders, carrier labels, look-alike sender IDs, links, lures.

The registered-sender table uses the fixture brand Example Pay
(fixtures/registry/brands/examplepay.yaml: US +1 202-555-0143 and short code 55501,
GB +44 7700 900123 and the ID "ExamplePay", brand country KR) and default-registry
brands with sourced senders: Coupang (KR 1577-7011) and USPS (US 28777).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck import Registry, Verifier
from trustcheck.dns import StaticResolver
from trustcheck.message import Sms
from trustcheck.sms import verify_sms
from trustcheck.verdict import DEFAULT_FORCED, Policy, Status

ROOT = Path(__file__).resolve().parent.parent

A, IMP, U = Status.AUTHENTIC, Status.IMPERSONATION, Status.UNVERIFIED
FLAGGED = "flagged"  # phishing, impersonation or suspicious: which one is policy tuning


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    registry = Registry.default().merge(Registry.load(ROOT / "fixtures/registry/brands"))
    return Verifier(registry=registry, resolver=StaticResolver({}, default="TIMEOUT"))


# Base texts, each sent by several senders below.
CP_PAID = "[Web발신]\n[쿠팡] 결제 완료 29,900원"
CP_SHIPPED = "[쿠팡] 주문하신 상품이 배송 완료되었습니다. https://www.coupang.com/np/orders"
CP_SHORT = "[쿠팡] 주소지 불일치로 배송이 보류되었습니다. 확인: https://han.gl/AbC12"
CP_CALLBACK = "[쿠팡] 해외결제 498,000원 승인. 본인 아닐 시 고객센터 02-1234-5678"
CP_LOOKALIKE = "[쿠팡] 환불 처리 오류. 환불 신청: https://coupang-refund.kr/apply"
EP_PAID = "Example Pay: you paid $25.00 to Coffee Shop. Details in the app."
EP_OWN_LINK = "Example Pay: receipt for your $25.00 payment: https://examplepay.example/activity"
EP_OWN_SHORT = "Example Pay: see https://pay.example/a1B2c3 for your receipt"
EP_SHORT = "Example Pay: your account is locked. Verify now: https://bit.ly/3xYz12"
EP_CALLBACK = "Example Pay: a payment of $499.99 was approved. Not you? Call 1-800-555-0199 now"
EP_KO = "[이그잼플페이] 25,000원 결제가 완료되었습니다."
USPS_TRACK = ("USPS 9205512345678912345678, Delivered 01/15/2026 11:10pm NORTH ANDOVER MA 01845 "
              "Reply HELP 4 info-STOP to cancel")
USPS_LURE = ("USPS: your package is on hold due to an incomplete address. "
             "Update: https://usps-redelivery.top/a8Xk2")

# sender, country, body, expected status (or FLAGGED), brand, codes that must be present
CASES: list[tuple[str | None, str | None, str, Status | str, str | None, tuple[str, ...]]] = [
    # -- Coupang (KR): genuine, unregistered, foreign, shortened, callback-only
    ("1577-7011", "KR", CP_PAID, A, "coupang", ("sms.registered_sender", "brand.authenticated")),
    ("15777011", "KR", CP_PAID, A, "coupang", ("brand.authenticated",)),
    ("+8215777011", "KR", CP_PAID, A, "coupang", ("brand.authenticated",)),
    ("1577 7011", None, CP_PAID, A, "coupang", ("brand.authenticated",)),
    ("1577-7011", "KR", CP_SHIPPED, A, "coupang", ("brand.authenticated",)),
    ("010-1234-5678", "KR", CP_PAID, IMP, "coupang", ("sms.unregistered_sender",)),
    ("070-1234-5678", "KR", CP_PAID, IMP, "coupang", ("sms.unregistered_sender",)),
    ("0505-123-4567", "KR", CP_PAID, IMP, "coupang", ("sms.unregistered_sender",)),
    ("1588-8900", "KR", CP_PAID, IMP, "coupang", ("sms.unregistered_sender",)),
    ("010-1234-5678", "KR", CP_SHIPPED, IMP, "coupang", ("sms.unregistered_sender",)),
    ("+12025550100", "KR", "[국제발신]\n" + CP_PAID, IMP, "coupang",
     ("sms.foreign_origin", "sms.foreign_origin_domestic_brand")),
    ("1577-7011", "KR", "[국제발신] [쿠팡] 결제 완료 29,900원", IMP, "coupang",
     ("sms.foreign_origin_domestic_brand",)),
    (None, "KR", "[국외발신]\n[쿠팡] 결제 완료 29,900원", IMP, "coupang",
     ("sms.foreign_origin_domestic_brand",)),
    (None, None, "[해외발신] [쿠팡] 결제 완료 29,900원", IMP, "coupang",
     ("sms.foreign_origin_domestic_brand",)),
    ("010-1234-5678", "KR", CP_SHORT, FLAGGED, "coupang",
     ("sms.unregistered_sender", "link.shortener", "lure.off_brand_link")),
    ("1577-7011", "KR", CP_SHORT, FLAGGED, "coupang",
     ("sms.registered_sender", "lure.foreign_link_on_brand_channel")),
    (None, "KR", CP_SHORT, FLAGGED, "coupang", ("link.shortener", "lure.off_brand_link")),
    ("010-1234-5678", "KR", CP_CALLBACK, FLAGGED, "coupang",
     ("sms.unregistered_sender", "lure.callback_number")),
    (None, "KR", CP_CALLBACK, FLAGGED, "coupang", ("lure.callback_number",)),
    ("1577-7011", "KR", CP_CALLBACK, FLAGGED, "coupang", ("lure.callback_number",)),
    ("010-1234-5678", "KR", CP_LOOKALIKE, FLAGGED, "coupang", ("lure.off_brand_link",)),
    (None, "KR", "[쿠q팡] 결제 완료 29,900원", U, "coupang", ("sms.sender_unknown",)),
    ("010-1234-5678", "KR", "[쿠zb팡] 결제 완료 29,900원", IMP, "coupang",
     ("sms.unregistered_sender",)),
    (None, "KR", CP_PAID, U, "coupang", ("sms.sender_unknown",)),
    ("010-1234-5678", "KR", "[쿠\u200b팡] 결제 완료 29,900원", IMP, "coupang",
     ("sms.unregistered_sender",)),
    # -- Example Pay (US/GB numbers, short code, alphanumeric ID; brand country KR)
    ("+1 202-555-0143", "US", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("(202) 555-0143", "US", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("+12025550143", None, EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("55501", "US", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("+44 7700 900123", "GB", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("07700 900123", "GB", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("ExamplePay", "GB", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("EXAMPLEPAY", "GB", EP_PAID, A, "example-pay", ("brand.authenticated",)),
    ("+1 202-555-0143", "US", EP_OWN_LINK, A, "example-pay", ("brand.authenticated",)),
    ("+1 202-555-0143", "US", EP_OWN_SHORT, A, "example-pay", ("brand.authenticated",)),
    ("+1 202-555-0199", "US", EP_PAID, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("55502", "US", EP_PAID, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("+44 7700 900123", "US", EP_PAID, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("55501", "GB", EP_PAID, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("ExamplePay", "US", EP_PAID, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("ExampIePay", "GB", EP_PAID, IMP, "example-pay", ("sms.sender_confusable",)),
    ("Examp1ePay", "GB", EP_PAID, IMP, "example-pay", ("sms.sender_confusable",)),
    ("ЕxamplePay", "GB", EP_PAID, IMP, "example-pay", ("sms.sender_confusable",)),  # Cyrillic Е
    ("ExampIePay", "GB", "Your code is 123456.", IMP, "example-pay", ("sms.sender_confusable",)),
    ("+1 202-555-0143", "US", EP_SHORT, FLAGGED, "example-pay",
     ("lure.foreign_link_on_brand_channel", "link.shortener")),
    ("+1 202-555-0199", "US", EP_SHORT, FLAGGED, "example-pay",
     ("sms.unregistered_sender", "lure.off_brand_link")),
    (None, "US", EP_SHORT, FLAGGED, "example-pay", ("link.shortener", "lure.token_link")),
    (None, "US", EP_CALLBACK, FLAGGED, "example-pay", ("lure.callback_number",)),
    ("+1 202-555-0199", "US", EP_CALLBACK, FLAGGED, "example-pay",
     ("sms.unregistered_sender", "lure.callback_number")),
    ("010-1234-5678", "KR", "[국제발신] " + EP_PAID, IMP, "example-pay",
     ("sms.foreign_origin_domestic_brand",)),
    # Its US number reaching a Korean phone is labelled as foreign, rightly: no mismatch,
    # but Example Pay registered no sender for KR, so nothing to verify against.
    ("+1 202-555-0143", None, "[국제발신] " + EP_PAID, U, "example-pay",
     ("sms.foreign_origin", "sms.sender_unverifiable")),
    ("55501", "US", EP_KO, A, "example-pay", ("brand.authenticated",)),
    ("010-1234-5678", "KR", EP_KO, U, "example-pay", ("sms.sender_unverifiable",)),
    ("010-1234-5678", "US", EP_KO, IMP, "example-pay", ("sms.unregistered_sender",)),
    ("+1 202-555-0143", "US", "Example Pay: call us on 1-800-555-0199 about your $499.99 "
     "payment now", FLAGGED, "example-pay", ("lure.callback_number",)),
    # -- USPS (US short code 28777)
    ("28777", "US", USPS_TRACK, A, "usps", ("brand.authenticated",)),
    ("+1 415 555 0100", "US", USPS_TRACK, IMP, "usps", ("sms.unregistered_sender",)),
    ("+1 415 555 0100", "US", USPS_LURE, FLAGGED, "usps",
     ("sms.unregistered_sender", "lure.off_brand_link", "lure.token_link")),
    (None, "US", USPS_LURE, FLAGGED, "usps", ("lure.off_brand_link",)),
    ("28777", "US", USPS_LURE, FLAGGED, "usps", ("lure.foreign_link_on_brand_channel",)),
    ("U5PS", "US", USPS_TRACK, IMP, "usps", ("sms.unregistered_sender",)),
    ("USPS", "US", USPS_TRACK, IMP, "usps", ("sms.unregistered_sender",)),
    # -- look-alike sender IDs of default-registry brands
    ("PAYPAI", "US", "PayPal: your account is limited. Log in to restore access.", IMP, "paypal",
     ("sms.sender_confusable",)),
    ("AMAZ0N", "GB", "Your order has been dispatched.", IMP, "amazon",
     ("sms.sender_confusable",)),
    ("NETFL1X", "US", "Your membership is on hold.", IMP, "netflix", ("sms.sender_confusable",)),
    # -- [Web발신] marks bulk sending, card approvals carry it too: no signal by itself
    (None, "KR", "[Web발신]\n삼성6483승인 김*수\n12,000원 일시불\n11/20 14:03 스타벅스",
     U, None, ()),
    (None, "KR", "[Web발신]\n[KB국민카드] 홍*동님 45,000원 승인 11/20 12:31 GS25", U,
     "kb-kookmin-card", ("sms.sender_unknown",)),
    (None, "KR", "[Web발신] 인증번호 [482913]를 입력해주세요.", U, None, ()),
    # -- no brand at all
    ("+1 415 555 0100", "US", "See you at 7, I'll bring the cake", U, None, ()),
    (None, None, "엄마 오늘 저녁 뭐 먹어?", U, None, ()),
    ("010-1234-5678", "KR", "내일 회의 10시로 변경되었습니다.", U, None, ()),
]


@pytest.mark.parametrize(("sender", "country", "body", "expected", "brand", "codes"), CASES)
def test_registered_sender_table(
    verifier: Verifier, sender: str | None, country: str | None, body: str,
    expected: Status | str, brand: str | None, codes: tuple[str, ...],
) -> None:
    verdict = verifier.verify(Sms(sender=sender, body=body, country=country))
    assert verdict.kind == "sms"
    if expected == FLAGGED:
        assert verdict.flagged, verdict.codes()
    else:
        assert verdict.status is expected, (verdict.status, verdict.codes())
    assert verdict.brand == brand
    for code in codes:
        assert code in verdict.codes(), (code, verdict.codes())
    if verdict.status is not Status.AUTHENTIC:
        assert "brand.authenticated" not in verdict.codes()


def test_table_is_large_enough() -> None:
    korean = sum(1 for _, _, body, *_ in CASES if any("\uac00" <= c <= "\ud7a3" for c in body))
    assert len(CASES) >= 60
    assert korean >= 20
    assert len(CASES) - korean >= 20


# -- advice: language, brand check URL, national report numbers

ADVICE = [
    # sender, country, body, language, report number expected, check_url expected
    ("010-1234-5678", "KR", CP_SHORT, "ko", "118", "https://www.coupang.com/"),
    (None, None, CP_CALLBACK, "ko", "118", "https://www.coupang.com/"),
    ("+1 202-555-0199", "US", EP_SHORT, "en", "7726", "https://examplepay.example/activity"),
    ("ExampIePay", "GB", EP_PAID, "en", "7726", "https://examplepay.example/activity"),
    (None, "FR", EP_SHORT, "en", None, "https://examplepay.example/activity"),
]


@pytest.mark.parametrize(("sender", "country", "body", "language", "number", "url"), ADVICE)
def test_advice(verifier: Verifier, sender: str | None, country: str | None, body: str,
                language: str, number: str | None, url: str) -> None:
    verdict = verifier.verify(Sms(sender=sender, body=body, country=country))
    assert verdict.flagged
    advice = verdict.advice
    assert advice is not None
    assert advice.language == language
    assert advice.check_url == url
    if number is None:
        assert "118" not in advice.report_to
        assert "7726" not in advice.report_to
    else:
        assert number in advice.report_to
    # Advice never repeats anything from the message itself.
    assert not any("han.gl" in line or "bit.ly" in line for line in advice.lines)


def test_authentic_advice_names_the_brand(verifier: Verifier) -> None:
    verdict = verifier.verify(Sms(sender="1577-7011", body=CP_PAID, country="KR"))
    assert verdict.advice is not None
    assert verdict.advice.language == "ko"
    assert any("쿠팡" in line for line in verdict.advice.lines)
    assert verdict.advice.report_to == ()


# -- policy: the SMS forced codes are the default policy's, a caller's policy decides


def test_forced_codes_yield_to_the_policy() -> None:
    registry = Registry.default()
    sms = Sms(sender="010-1234-5678", body=CP_PAID, country="KR")
    assert verify_sms(sms, registry=registry, policy=Policy()).status is Status.IMPERSONATION
    lenient = Policy(forced={"sms.unregistered_sender@high": Status.SUSPICIOUS})
    assert verify_sms(sms, registry=registry, policy=lenient).status is Status.SUSPICIOUS
    assert set(DEFAULT_FORCED) >= {"sms.sender_confusable", "sms.foreign_origin_domestic_brand"}


def test_verdict_serialises(verifier: Verifier) -> None:
    verdict = verifier.verify(Sms(sender="010-1234-5678", body=CP_SHORT, country="KR"))
    data = verdict.to_dict()
    assert data["kind"] == "sms"
    assert data["brand"] == "coupang"
    assert any(link.host == "han.gl" for link in verdict.links)
    assert isinstance(data["links"], list)
    assert len(data["links"]) == len(verdict.links)
    assert verdict.to_json()


# -- hostile input never crashes


@settings(max_examples=150, deadline=None)
@given(sender=st.one_of(st.none(), st.text(max_size=30)),
       body=st.text(max_size=300),
       country=st.sampled_from([None, "KR", "US", "GB", "ZZ", "kr"]))
def test_random_input_never_raises(sender: str | None, body: str, country: str | None) -> None:
    verdict = _VERIFIER.verify(Sms(sender=sender, body=body, country=country))
    assert verdict.kind == "sms"
    assert 0 <= verdict.score <= 100


_VERIFIER = Verifier(resolver=StaticResolver({}, default="TIMEOUT"))

HOSTILE = [
    "[Web발신]" * 50,
    "http://" + "a." * 300 + "com/x",
    "a" * 100_000,
    "010-" * 5_000,
    "카톡 " * 2_000 + "abc123",
    "\x00\u202e\u200b[쿠팡]\ud800 결제",
    "https://[::1]:99999/x http://999.999.999.999/ http://%zz/",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies(body: str) -> None:
    verdict = _VERIFIER.verify(Sms(sender="+82 10 1234 5678", body=body, country="KR"))
    assert verdict.status in Status


SMS_ADVICE = [
    # sender, country, body, a line that must appear
    ("010-1234-5678", "KR", CP_CALLBACK, "전화하거나 메신저"),
    ("+1 202-555-0199", "US", EP_CALLBACK, "Do not call the number"),
    ("+12025550100", "KR", "[국제발신]\n" + CP_PAID, "해외에서 보낸 문자"),
    (None, "US", "Your parcel is held. Install our app: https://parcel.example/app/track.apk",
     "Do not install apps"),
]


@pytest.mark.parametrize(("sender", "country", "body", "line"), SMS_ADVICE)
def test_sms_advice_lines(verifier: Verifier, sender: str | None, country: str | None,
                          body: str, line: str) -> None:
    verdict = verifier.verify(Sms(sender=sender, body=body, country=country))
    assert verdict.flagged
    assert verdict.advice is not None
    assert any(line in text for text in verdict.advice.lines), verdict.advice.lines


def test_no_sms_advice_when_not_flagged(verifier: Verifier) -> None:
    verdict = verifier.verify(Sms(sender="1577-7011", body=CP_PAID, country="KR"))
    assert verdict.advice is not None
    assert not any("전화하거나" in text for text in verdict.advice.lines)


# -- registered SMS templates take part in the SMS verdict

_CARD = ("Example Pay: $42.10 paid at Corner Bakery on 11/21 at 10:02. Not you? Review at "
         "https://pay.example/r7731")
_CARD_CALLBACK = _CARD.replace("Corner Bakery", "call +1 202-555-0199 now")


@pytest.mark.parametrize(
    ("sender", "body", "status", "codes"),
    [
        ("55501", _CARD, Status.AUTHENTIC, {"brand.authenticated"}),
        ("+1 202-555-0177", _CARD, Status.IMPERSONATION, {"template.impersonation"}),
        # The brand's own sender, a callback number in the merchant slot.
        ("55501", _CARD_CALLBACK, Status.PHISHING, {"template.slot_phone"}),
    ],
)
def test_sms_templates_in_the_verdict(sender: str, body: str, status: Status,
                                      codes: set[str]) -> None:
    from trustcheck.templates import TemplateSet

    root = Path(__file__).resolve().parents[1] / "fixtures" / "registry"
    templates = TemplateSet.from_registry_dir(root)
    verifier = Verifier(registry=templates.registry or Registry.default(), templates=templates)
    verdict = verifier.verify(Sms(sender=sender, body=body, country="US"))
    assert codes <= set(verdict.codes()), verdict.codes()
    assert verdict.status is status, verdict.summary
    assert verdict.template is not None
    assert verdict.template.brand == "example-pay"

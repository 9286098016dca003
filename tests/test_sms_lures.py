"""Smishing lures: intent + channel + pressure, in Korean and English; ordinary texts stay clean."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustcheck.links import analyze_links, collect_links
from trustcheck.sms.lures import scan_lures
from trustcheck.verdict import Link, Severity


def _links(text: str) -> tuple[Link, ...]:
    found = collect_links(text=text).links
    return analyze_links(found)[0] if found else ()


def _codes(text: str) -> dict[str, Severity]:
    scan = scan_lures(text, links=_links(text))
    return {f.code: f.severity for f in scan.findings}


FOREIGN_PAYMENT = "[국제발신] 해외결제 798,000원 승인 완료. 본인 아닐 시 문의 070-1234-5678"
LURES = [
    # text, code that must be raised at medium severity or more
    (FOREIGN_PAYMENT, "lure.sms.payment"),
    (FOREIGN_PAYMENT, "lure.callback_number"),
    ("[CJ대한통운] 주소지 불일치로 배송 보류. 주소 확인 https://bit.ly/3AbCd9",
     "lure.sms.delivery"),
    ("[경찰교통24] 교통법규 위반 과태료 고지서 확인 https://example.top/f1", "lure.sms.fine"),
    ("[국민건강보험] 건강검진 결과 통지서 확인하기 https://nhis-check.example/a1b2",
     "lure.sms.health"),
    ("부친께서 별세하셨기에 삼가 알려드립니다. 장례식장 안내 https://han.gl/xYz12",
     "lure.sms.social"),
    ("모바일 청첩장이 도착했습니다 https://me2.do/AbCdE", "lure.sms.social"),
    ("정부지원 서민 대출 한도 최대 9000만원 연 2.9% 금리 상담 신청하세요", "lure.sms.loan"),
    ("엄마 나 폰 액정이 깨져서 수리 맡겼어 이 번호로 문자줘", "lure.sms.family"),
    ("폰이 고장나서 컴퓨터로 문자하는거야 급하게 부탁할게 있어 계좌로 송금 가능해?",
     "lure.sms.family"),
    ("고객님 계정이 해외 IP에서 로그인되었습니다. 본인이 아니면 즉시 차단: https://x.example/a1",
     "lure.sms.account"),
    ("청zb첩px장이 도nd착했습니다 https://han.gl/AbC12", "lure.sms.social"),
    ("대 환 대 출 한 도 최 고 1억 금 리 2.8% 상 담 신 청", "lure.sms.loan"),
    ("주식 리딩방 무료 초대 수익률 300% 카톡 ID: stock777", "lure.messenger_id"),
    ("고수익 재택 부업 모집 텔레그램 @jobkorea99 으로 연락주세요", "lure.messenger_id"),
    ("USPS: your package could not be delivered. Update your address: https://usps.example-x.top/a1",
     "lure.sms.delivery"),
    ("URGENT! You have won a £2000 prize. Call 09061790321 to claim now", "lure.sms.prize"),
    ("URGENT! You have won a £2000 prize. Call 09061790321 to claim now", "lure.callback_number"),
    ("Please call 08712402578 immediately, an urgent message is waiting", "lure.callback_number"),
    ("Your account has been suspended. Verify your identity: http://198.51.100.7/login",
     "lure.ip_link"),
    ("Your bank account is locked. Verify now: https://secure-check.example/KjH7aQ",
     "lure.sms.account"),
    ("IRS: You have a tax refund of $573.00 pending. Claim it here https://irs-refund.example/x9",
     "lure.sms.fine"),
    ("Hi mum, I dropped my phone, this is my new number. Can you send money for a new one?",
     "lure.sms.family"),
    ("Earn $500 per day working from home, message us on WhatsApp: +1 415 555 0100",
     "lure.sms.job"),
    ("Join our crypto investment group, 5K daily profits https://chat.whatsapp.com/AbC123xyz",
     "lure.messenger_id"),
    ("Did you purchase a $499 gift card? Reply YES or NO", "lure.sms.payment"),
    ("Have a nice day https://shb52.app.link/K5KjPGI", "lure.token_link"),
    ("Download the delivery app to reschedule: https://parcel.example/app/track.apk",
     "lure.apk"),
    ("택배 앱 설치 후 확인 https://delivery.example/d", "lure.apk"),
    ("FREE ringtones! Text TONE to 87121, 150p/msg, 16+ only, stop to 87121", "lure.sms.premium"),
    ("Your Ассount is lосked. Verify now https://x.example/a1", "lure.disguised_text"),
    ("Your Ассount is lосked. Verify now https://x.example/a1", "lure.sms.account"),
    ("Hi, is this Jennifer? This is Kevin from the golf club, nice to meet you",
     "lure.sms.stranger"),
    ("Sorry, wrong number! My name is Lisa, but maybe we can be friends?", "lure.sms.stranger"),
]


@pytest.mark.parametrize(("text", "code"), LURES)
def test_lures(text: str, code: str) -> None:
    codes = _codes(text)
    assert code in codes, codes
    assert codes[code] in (Severity.MEDIUM, Severity.HIGH), codes


CLEAN = [
    "Ok lar... Joking wif u oni...",
    "I'll call you later, in a meeting now",
    "Are you free for dinner tonight? Text me when you're home",
    "Happy birthday mum! Love you",
    "The package arrived, thanks for sending it",
    "Meeting moved to 3pm, room 204",
    "See the photos from the trip: https://photos.example.com/album/summer",
    "엄마 오늘 저녁 뭐 먹어?",
    "내일 회의 10시로 변경되었습니다. 참고하세요.",
    "택배 잘 받았어 고마워",
    "오늘 점심 같이 먹을래?",
    "금리가 오르면서 대출 수요가 줄었다고 한국은행이 밝혔다.",
    "Your verification code is 482913. It expires in 10 minutes.",
    "USPS 9205512345678912345678, Delivered 01/15 NORTH ANDOVER MA. "
    "Reply HELP 4 info-STOP to cancel",
    "Call me on 07700 900123 when you get this",
    "Are you OK? I'm home now",
    "Is this Tuesday? I am so tired",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_texts_raise_no_medium_lure(text: str) -> None:
    scan = scan_lures(text, links=_links(text))
    assert not scan.lure, [(f.code, f.severity) for f in scan.findings]


CONTACTS = [
    ("카톡 ID: stock777 으로 연락", ("messenger", "kakaotalk", "stock777")),
    ("카톡sbi8282", ("messenger", "kakaotalk", "sbi8282")),
    ("Telegram: @cryptoking", ("messenger", "telegram", "@cryptoking")),
    ("add me on line id abc_123", ("messenger", "line", "abc_123")),
    ("https://wa.me/15551234567", ("messenger", "whatsapp", "https://wa.me/15551234567")),
    ("문의 02-389-7130", ("phone", None, "02-389-7130")),
    ("call 1-800-555-0199 now", ("phone", None, "1-800-555-0199")),
    ("무료거부0808555567", ("phone", None, "0808555567")),
    ("write to help@support-desk.example", ("email", None, "help@support-desk.example")),
]


@pytest.mark.parametrize(("text", "contact"), CONTACTS)
def test_contacts(text: str, contact: tuple[str, str | None, str]) -> None:
    scan = scan_lures(text)
    assert (contact[0], contact[1], contact[2]) in [
        (c.kind, c.platform, c.value) for c in scan.contacts]


NOT_CONTACTS = [
    "I need details about that online job.",
    "Meet me at 2022.03.25",
    "The price is 1,500,000 won",
    "call me",
]


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_not_contacts(text: str) -> None:
    assert scan_lures(text).contacts == ()


def test_own_numbers_are_no_callback() -> None:
    text = "[쿠팡] 결제 완료 29,900원. 문의 1577-7011"
    assert "lure.callback_number" in _codes(text)
    scan = scan_lures(text, own_numbers=frozenset({"15777011"}))
    assert "lure.callback_number" not in {f.code for f in scan.findings}


def test_registered_sender_reply_is_no_channel() -> None:
    text = "Your order of $20 shipped. Reply YES to confirm delivery"
    assert scan_lures(text).reply
    assert scan_lures(text, trusted_sender=True).reply == ()


@given(st.text(max_size=400))
def test_never_raises(text: str) -> None:
    scan = scan_lures(text)
    assert all(f.code.startswith("lure.") for f in scan.findings)

"""Sms: carrier labels, cleaned text, foreign origin, type checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck.errors import InputError
from trustcheck.message import Sms

LABELS = [
    # body, labels, text, foreign origin
    ("[Web발신]\n[쿠팡] 결제 완료 29,900원", ("[Web발신]",), "[쿠팡] 결제 완료 29,900원", False),
    ("[WEB발신] 삼성6483승인 김*수\n12,000원 일시불", ("[Web발신]",),
     "삼성6483승인 김*수\n12,000원 일시불", False),
    ("[web 발신]  안내", ("[Web발신]",), "안내", False),
    ("[국제발신]\n해외결제 798,000원 승인\n문의 070-1234-5678", ("[국제발신]",),
     "해외결제 798,000원 승인\n문의 070-1234-5678", True),
    ("[국외발신] 택배 주소 불일치", ("[국외발신]",), "택배 주소 불일치", True),
    ("[해외발신]배송조회 http://x.example", ("[해외발신]",), "배송조회 http://x.example", True),
    ("[국제 발신] [Web발신] 결제", ("[국제발신]", "[Web발신]"), "결제", True),
    ("［Web발신］ 전각 괄호", ("[Web발신]",), "전각 괄호", False),
    ("  \n[Web발신]\r\n\r\n\r\n\r\n본문   두  칸\r\n", ("[Web발신]",), "본문 두 칸", False),
    ("결제 완료 [Web발신]", ("[Web발신]",), "결제 완료", False),
    ("[Web발신]\n결제 완료\n[Web발신]\n", ("[Web발신]", "[Web발신]"), "결제 완료", False),
    ("결제 [Web발신] 완료", (), "결제 [Web발신] 완료", False),
    ("[Web발신]", ("[Web발신]",), "", False),
    ("[쿠팡] 주문 안내", (), "[쿠팡] 주문 안내", False),
    ("Your USPS package is on hold", (), "Your USPS package is on hold", False),
    ("", (), "", False),
]


@pytest.mark.parametrize(("body", "labels", "text", "foreign"), LABELS)
def test_labels_text_foreign(body: str, labels: tuple[str, ...], text: str,
                             foreign: bool) -> None:
    sms = Sms(sender="+8215887011", body=body, country="KR")
    assert sms.labels == labels
    assert sms.text == text
    assert sms.foreign_origin is foreign


def test_value_object_fields() -> None:
    when = datetime(2023, 5, 1, 6, 0, tzinfo=UTC)
    sms = Sms("1588-8900", "[Web발신] 안내", "KR", when)
    assert (sms.sender, sms.country, sms.received_at) == ("1588-8900", "KR", when)
    assert sms == Sms("1588-8900", "[Web발신] 안내", "KR", when)
    with pytest.raises(AttributeError):
        sms.body = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"sender": None, "body": b"[Web\xeb\xb0\x9c\xec\x8b\xa0]"}, "body"),
    ({"sender": None, "body": None}, "body"),
    ({"sender": 15887011, "body": "x"}, "sender"),
    ({"sender": None, "body": "x", "country": 82}, "country"),
    ({"sender": None, "body": "x", "received_at": "2023-05-01"}, "received_at"),
])
def test_bad_types_raise_input_error(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=f"Sms.{field} must be"):
        Sms(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_labels_text_and_origin(body: str) -> None:
    sms = Sms(sender=None, body=body)
    assert all(label.startswith("[") and label.endswith("]") for label in sms.labels)
    assert isinstance(sms.text, str)
    assert len(sms.text) <= len(body)
    assert sms.foreign_origin == any(label != "[Web발신]" for label in sms.labels)

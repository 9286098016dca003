"""Reading SMS senders: E.164 numbers, Korean special numbers, short codes, sender IDs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustcheck.sms.sender import SenderKind, parse_sender

PHONE, SHORT, ALNUM, INVALID = (SenderKind.PHONE, SenderKind.SHORT_CODE, SenderKind.ALPHANUMERIC,
                                SenderKind.INVALID)

SENDERS = [
    # raw, country, kind, key, region, number type
    ("1577-7011", "KR", PHONE, "+8215777011", "KR", "uan"),
    ("1588 8900", "KR", PHONE, "+8215888900", "KR", "uan"),
    ("15447011", "kr", PHONE, "+8215447011", "KR", "uan"),
    ("010-1234-5678", "KR", PHONE, "+821012345678", "KR", "mobile"),
    ("070-1234-5678", "KR", PHONE, "+827012345678", "KR", "voip"),
    ("0505-123-4567", "KR", PHONE, "+825051234567", "KR", "personal_number"),
    ("080-123-4567", "KR", PHONE, "+82801234567", "KR", "toll_free"),
    ("02-1234-5678", "KR", PHONE, "+8221234567" + "8", "KR", "fixed_line"),
    ("+82 10 1234 5678", None, PHONE, "+821012345678", "KR", "mobile"),
    ("00700-1-202-555-0143", None, PHONE, "+12025550143", "US", "fixed_line_or_mobile"),
    ("+1 (202) 555-0143", None, PHONE, "+12025550143", "US", "fixed_line_or_mobile"),
    ("(202) 555-0143", "US", PHONE, "+12025550143", "US", "fixed_line_or_mobile"),
    ("+44 7700 900123", "US", PHONE, "+447700900123", "GB", "unknown"),  # Ofcom drama range
    ("09061790321", "GB", PHONE, "+449061790321", "GB", "premium_rate"),
    ("55501", "US", SHORT, "55501", None, None),
    ("7726", None, SHORT, "7726", None, None),
    ("118", "KR", SHORT, "118", None, None),
    ("28777", "US", SHORT, "28777", None, None),
    ("PayPal", "US", ALNUM, "PayPal", None, None),
    ("  AMAZ0N ", "GB", ALNUM, "AMAZ0N", None, None),
    ("#8080", "KR", ALNUM, "#8080", None, None),
    ("쿠팡", "KR", ALNUM, "쿠팡", None, None),
    ("+", None, ALNUM, "+", None, None),
    ("1234567", None, INVALID, "1234567", None, None),
    ("+999 1234 5678", None, INVALID, "+99912345678", None, None),
]


@pytest.mark.parametrize(("raw", "country", "kind", "key", "region", "number_type"), SENDERS)
def test_parse_sender(raw: str, country: str | None, kind: SenderKind, key: str,
                      region: str | None, number_type: str | None) -> None:
    sender = parse_sender(raw, country)
    assert sender is not None
    assert sender.kind is kind
    assert sender.key == key
    assert sender.region == region
    assert sender.number_type == number_type


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_no_sender(raw: str | None) -> None:
    assert parse_sender(raw, "KR") is None


FOREIGN = [
    ("+12025550143", "KR", True),
    ("010-1234-5678", "KR", False),
    ("+12025550143", None, False),
    ("55501", "KR", False),  # short codes have no country of their own
    ("PayPal", "KR", False),
]


@pytest.mark.parametrize(("raw", "country", "foreign"), FOREIGN)
def test_foreign_to(raw: str, country: str | None, foreign: bool) -> None:
    sender = parse_sender(raw, country)
    assert sender is not None
    assert sender.foreign_to(country) is foreign


@given(st.text(max_size=80), st.sampled_from([None, "KR", "US", "GB", "ZZ", "x"]))
def test_never_raises(raw: str, country: str | None) -> None:
    sender = parse_sender(raw, country)
    assert sender is None or sender.key

"""Slot values against their types and the template's policy.

A DKIM pass proves the brand's system sent a message, not that every field in
it is the brand's: Apple calendar invites and PayPal invoices carry scammers'
phone numbers in free-text fields (research/anchors.md §4.2). So every value is
checked against its slot's type, and free-text slots may carry neither a URL
nor a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from trustcheck.templates.model import Slot, SlotKind

__all__ = ["SlotViolation", "find_phones", "find_urls", "validate_slots"]


@dataclass(frozen=True, slots=True)
class SlotViolation:
    """One slot value that breaks its slot's rules."""

    slot: str
    kind: str
    """``type`` (does not fit the slot type), ``phone`` (a phone number where none
    belongs), ``url`` (a link where none belongs or outside the allowed prefixes),
    ``length``, ``enum``, ``items``."""
    value: str
    reason: str


_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*"
    r"\.(?:com|net|org|info|biz|io|co|kr|me|ly|gl|do|link|xyz|top|app|site|online|shop|vip"
    r"|example|ru|cn|tk|ml|ga|cf|gq|us|uk)\b(?:/\S*)?"
)
# A run of at least 8 digits written the way phone numbers are (spaces, dots,
# dashes, parentheses, a leading + or 0), e.g. "+1 (808) 555-0199", "010-1234-5678".
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().\-]{6,18}\d(?![\w])")
_MONEY = re.compile(
    r"(?i)^(?:[-−]\s?)?(?:[$€£₩¥]|usd|eur|gbp|krw|jpy)?\s?[-−]?\d{1,3}(?:[,.\s]?\d{3})*"
    r"(?:[.,]\d{1,2})?\s?(?:원|usd|eur|gbp|krw|jpy|[$€£₩¥])?$"
)
_INT = re.compile(r"^\d{1,3}(?:[,.]?\d{3})*$")
_MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april"
           "|june|july|august|september|october|november|december")
_DATE = re.compile(
    r"(?i)^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}\.?"
    r"|\d{1,2}[-./]\d{1,2}(?:[-./]\d{2,4})?"
    r"|(?:\d{4}년\s?)?\d{1,2}월\s?\d{1,2}일(?:\s?\([월화수목금토일]\))?"
    rf"|(?:{_MONTHS})\.?\s\d{{1,2}},?(?:\s\d{{4}})?"
    rf"|\d{{1,2}}\s(?:{_MONTHS})\.?,?(?:\s\d{{4}})?)$"
)
_TIME = re.compile(r"(?i)^(?:[01]?\d|2[0-3])[:시]\s?[0-5]\d분?(?::[0-5]\d)?(?:\s?[ap]\.?m\.?)?"
                   r"(?:\s?[A-Z]{2,4}|\s?[+-]\d{2}:?\d{2})?$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’\-])*$")
_MASKED_NAME = re.compile(r"^(?:[^\W\d_]|\*|[ .'’\-])*\*(?:[^\W\d_]|\*|[ .'’\-])*$")
_CODE = re.compile(r"^[0-9A-Za-z]{4,10}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/#]{2,39}$")
_URL_PATH = re.compile(r"^[A-Za-z0-9\-._~%!$&'()*+,;=:/?#]*$")

_SHAPES: Mapping[SlotKind, re.Pattern[str]] = {
    SlotKind.MONEY: _MONEY,
    SlotKind.INT: _INT,
    SlotKind.DATE: _DATE,
    SlotKind.TIME: _TIME,
    SlotKind.EMAIL: _EMAIL,
    SlotKind.NAME: _NAME,
    SlotKind.MASKED_NAME: _MASKED_NAME,
    SlotKind.CODE: _CODE,
    SlotKind.ORDER_ID: _ORDER_ID,
}
# Slots whose type allows free words: a URL or phone number in them is foreign content.
_FREE = frozenset({SlotKind.TEXT, SlotKind.NAME, SlotKind.MASKED_NAME, SlotKind.ENUM,
                   SlotKind.ORDER_ID, SlotKind.REGEX, SlotKind.DATETIME})


def find_urls(text: str) -> list[str]:
    """URL-like substrings (with or without a scheme) in free text."""
    return [m.group(0).rstrip(".,;:)") for m in _URL.finditer(text)]


def find_phones(text: str) -> list[str]:
    """Phone-number-like runs with at least 8 digits in free text."""
    out = []
    for m in _PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group(0))
        if 8 <= digits <= 15:
            out.append(m.group(0).strip())
    return out


def _e164(raw: str, region: str | None) -> str | None:
    try:
        num = phonenumbers.parse(raw, region or "US")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def validate_slots(
    slots: Sequence[Slot],
    values: Mapping[str, Any],
    *,
    allowed_phones: Iterable[str] = (),
    region: str | None = None,
) -> tuple[SlotViolation, ...]:
    """Check every extracted value against its slot; ``allowed_phones`` in E.164."""
    phones = frozenset(allowed_phones)
    out: list[SlotViolation] = []
    for slot in slots:
        if slot.name not in values:
            continue
        value = values[slot.name]
        if slot.kind is SlotKind.LIST:
            items = value if isinstance(value, list) else []
            if not slot.min_items <= len(items) <= slot.max_items:
                out.append(SlotViolation(slot.name, "items", str(len(items)),
                                         f"{len(items)} items, expected {slot.min_items}–"
                                         f"{slot.max_items}"))
            for item in items:
                out.extend(validate_slots(slot.fields, item, allowed_phones=phones,
                                          region=region))
            continue
        out.extend(_check_one(slot, str(value), phones, region))
    return tuple(out)


def _check_one(slot: Slot, value: str, phones: frozenset[str],
               region: str | None) -> list[SlotViolation]:
    out: list[SlotViolation] = []
    if slot.max_len is not None and len(value) > slot.max_len:
        out.append(SlotViolation(slot.name, "length", value,
                                 f"{len(value)} characters, at most {slot.max_len} allowed"))
    kind = slot.kind
    # A value that fits the brand's own pattern (an order id) is the brand's, whatever
    # digits it holds.
    patterned = (kind in (SlotKind.REGEX, SlotKind.ORDER_ID) and slot.pattern is not None
                 and _fullmatch(slot.pattern, value))
    if kind in _FREE and not patterned:
        # Foreign content first: it is the callback-scam signature, whatever the type.
        out.extend(SlotViolation(slot.name, "url", value, f"carries a link ({url})")
                   for url in find_urls(value))
        out.extend(SlotViolation(slot.name, "phone", value, f"carries a phone number ({phone})")
                   for phone in find_phones(value) if _e164(phone, region) not in phones)
    if any(v.kind in ("url", "phone") for v in out):
        return out
    if kind is SlotKind.PHONE:
        e164 = _e164(value, region)
        if e164 is None:
            out.append(SlotViolation(slot.name, "type", value, "is not a phone number"))
        elif not slot.allow_any_phone and e164 not in phones:
            out.append(SlotViolation(slot.name, "phone", value,
                                     f"phone number {e164} is not registered for the brand"))
    elif kind is SlotKind.URL:
        if slot.prefixes and not value.startswith(slot.prefixes):
            out.append(SlotViolation(slot.name, "url", value,
                                     "link is outside the registered prefixes "
                                     f"({', '.join(slot.prefixes)})"))
    elif kind is SlotKind.URL_PATH:
        if "//" in value or "@" in value or not _URL_PATH.fullmatch(value):
            out.append(SlotViolation(slot.name, "url", value, "is not a plain URL path"))
    elif kind is SlotKind.ENUM:
        if slot.values and value not in slot.values:
            out.append(SlotViolation(slot.name, "enum", value,
                                     f"is not one of {', '.join(slot.values)}"))
    elif kind is SlotKind.REGEX or (kind is SlotKind.ORDER_ID and slot.pattern):
        if slot.pattern and not _fullmatch(slot.pattern, value):
            out.append(SlotViolation(slot.name, "type", value,
                                     f"does not match /{slot.pattern}/"))
    else:
        shape = _SHAPES.get(kind)
        if shape is not None and not shape.fullmatch(value):
            out.append(SlotViolation(slot.name, "type", value, f"is not a {kind.value}"))
    return out


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False

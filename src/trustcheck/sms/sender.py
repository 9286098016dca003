"""Who sent an SMS: phone number, short code or alphanumeric sender ID, read once.

Pure functions over strings (phonenumbers' offline metadata, no I/O). The kinds:

* ``phone``: a full number, kept in E.164 (``"+8215777011"``) with the region it
  belongs to and its libphonenumber type. Korean A2P senders are numeric by law
  (발신번호 사전등록제, research/sms-templates.md §2.3): representative numbers
  15xx/16xx/18xx (type ``uan``), landlines, 070 (``voip``), 050x (``personal``),
  080 (``toll_free``) and mobiles.
* ``short_code``: up to 6 digits without a ``+``, national by nature (55501, 7726, 118).
* ``alphanumeric``: a sender ID with letters ("PayPal", "AMAZON"), up to 11
  characters in GSM networks (3GPP TS 23.040 §9.1.2.5); anyone can type one, so it
  proves nothing unless the brand registered it, and a look-alike spelling
  ("PAYPAI", "AMAZ0N") is a red flag by itself.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from trustcheck.registry.names import normalize_sms_sender

__all__ = ["SenderKind", "SmsSender", "parse_sender"]


class SenderKind(enum.StrEnum):
    """What kind of sender an SMS shows."""

    PHONE = "phone"
    SHORT_CODE = "short_code"
    ALPHANUMERIC = "alphanumeric"
    INVALID = "invalid"
    """Digits that are no possible number anywhere (too short/long, 060 in KR)."""


_TYPES = {
    0: "fixed_line", 1: "mobile", 2: "fixed_line_or_mobile", 3: "toll_free",
    4: "premium_rate", 5: "shared_cost", 6: "voip", 7: "personal_number", 8: "pager",
    9: "uan", 10: "voicemail", 99: "unknown",
}
_PUNCT = re.compile(r"[\s\-().]")
# Korean international dialling prefixes that carriers show on foreign-origin
# messages (001, 002, 005, 006, 008, 00700 …); phonenumbers understands them.
_KR_IDD = re.compile(r"^00[1-9]")


@dataclass(frozen=True, slots=True)
class SmsSender:
    """An SMS sender as shown, and what it is."""

    raw: str
    kind: SenderKind
    key: str
    """Canonical form: E.164 for phones, digits for short codes, the ID as written (trimmed)."""
    region: str | None = None
    """ISO region the number belongs to (phones only)."""
    number_type: str | None = None
    """libphonenumber type in lower case (``mobile``, ``uan``, ``voip`` …), phones only."""
    valid: bool = True
    """False when phonenumbers says the number is not valid in its region."""

    def foreign_to(self, country: str | None) -> bool:
        """True for a phone number from another country than ``country``."""
        return (self.kind is SenderKind.PHONE and country is not None
                and self.region is not None and self.region != country.upper())


def parse_sender(sender: str | None, country: str | None = None) -> SmsSender | None:
    """Read an SMS sender; None when there is none (empty or only spaces).

    ``country`` (ISO code) is the region a national number is read in.
    Never raises: odd input becomes ``alphanumeric`` or ``invalid``.
    """
    if sender is None:
        return None
    raw = sender.strip()[:64]
    if not raw:
        return None
    return _parse(raw, (country or "").upper() or None)


@functools.lru_cache(maxsize=4096)
def _parse(raw: str, country: str | None) -> SmsSender:
    compact = _PUNCT.sub("", raw)
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isdigit():
        return SmsSender(raw, SenderKind.ALPHANUMERIC, raw)
    if len(digits) <= 6 and not compact.startswith("+"):
        return SmsSender(raw, SenderKind.SHORT_CODE, digits)
    import phonenumbers

    region = country
    if region is None and not compact.startswith("+"):
        # A national number and no country: nothing to read it in but its own
        # shape. Korean IDD prefixes only make sense from Korea.
        region = "KR" if _KR_IDD.match(compact) else None
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        key = normalize_sms_sender(raw, country) or compact
        return SmsSender(raw, SenderKind.INVALID, key, valid=False)
    if not phonenumbers.is_possible_number(number):
        return SmsSender(raw, SenderKind.INVALID, compact, valid=False)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return SmsSender(
        raw, SenderKind.PHONE, e164,
        # Fictional and unallocated ranges have no region of their own: fall back
        # to the country calling code's main region (+44 -> GB).
        region=(phonenumbers.region_code_for_number(number)
                or phonenumbers.region_code_for_country_code(number.country_code or 0)),
        number_type=_TYPES.get(phonenumbers.number_type(number), "unknown"),
        valid=phonenumbers.is_valid_number(number),
    )

"""What to tell the customer, in the message's language.

Advice never points at anything from the message itself: only the brand's
registered places (from the registry) and public reporting channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trustcheck.verdict import Advice, Status

__all__ = ["advise"]


class _BrandLike(Protocol):
    @property
    def names(self) -> Sequence[str]: ...
    @property
    def check_urls(self) -> Sequence[str]: ...
    @property
    def report_channels(self) -> Sequence[str]: ...


# Public reporting numbers for smishing: 118 is KISA's line in Korea; 7726 ("SPAM")
# is the carriers' shared forwarding short code in the US and the UK.
_SMS_REPORT = {"KR": "118", "US": "7726", "GB": "7726"}

_LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "flagged": (
            "Do not click links, open attachments or call numbers in this message.",
            "Do not reply with passwords, codes or card details.",
        ),
        "check": ("Check your account or payment in {brand}'s official app or by typing "
                  "its address yourself: {url}",),
        "check_no_url": ("Check your account or payment in {brand}'s official app or website, "
                         "typed in yourself, not through this message.",),
        "report": ("Report it to {channels}.",),
        "authentic": ("This message was verified as coming from {brand}.",),
        "unverified": ("Nothing suspicious was found, but the sender could not be tied to a "
                       "known brand. Be careful with requests for money or codes.",),
    },
    "ko": {
        "flagged": (
            "이 메시지의 링크, 첨부파일, 전화번호를 누르거나 연락하지 마세요.",
            "비밀번호, 인증번호, 카드 정보를 답장으로 보내지 마세요.",
        ),
        "check": ("{brand} 공식 앱이나 직접 입력한 주소에서 결제·계정을 확인하세요: {url}",),
        "check_no_url": (
            "{brand} 공식 앱이나 직접 입력한 공식 웹사이트에서 결제·계정을 확인하세요.",
        ),
        "report": ("{channels}(으)로 신고하세요.",),
        "authentic": ("이 메시지는 {brand}에서 보낸 것으로 확인되었습니다.",),
        "unverified": ("의심스러운 점은 발견되지 않았지만 발신자를 알려진 브랜드로 확인할 수 "
                       "없습니다. 송금이나 인증번호 요구에 주의하세요.",),
    },
}


def advise(
    status: Status,
    *,
    brand: _BrandLike | None,
    language: str | None,
    sms_country: str | None = None,
) -> Advice:
    """Build the customer advice for a verdict."""
    lang = language if language in _LINES else "en"
    text = _LINES[lang]
    brand_name = _display_name(brand, lang)
    lines: list[str] = []
    check_url = brand.check_urls[0] if brand is not None and brand.check_urls else None
    report: list[str] = list(brand.report_channels) if brand is not None else []
    if sms_country and status.flagged and sms_country.upper() in _SMS_REPORT:
        report.append(_SMS_REPORT[sms_country.upper()])
    if status is Status.AUTHENTIC and brand_name:
        lines.extend(t.format(brand=brand_name) for t in text["authentic"])
    elif status.flagged:
        lines.extend(text["flagged"])
        if brand_name and check_url:
            lines.extend(t.format(brand=brand_name, url=check_url) for t in text["check"])
        elif brand_name:
            lines.extend(t.format(brand=brand_name) for t in text["check_no_url"])
        if report:
            lines.extend(t.format(channels=", ".join(report)) for t in text["report"])
    else:
        lines.extend(text["unverified"])
    return Advice(language=lang, lines=tuple(lines), check_url=check_url, report_to=tuple(report))


def _display_name(brand: _BrandLike | None, lang: str) -> str | None:
    if brand is None or not brand.names:
        return None
    if lang == "ko":
        for name in brand.names:
            if any("\uac00" <= ch <= "\ud7a3" for ch in name):
                return name
    for name in brand.names:
        if name.isascii():
            return name
    return brand.names[0]

"""Inline-forwarded originals: recover the header block a mail client wrote.

A customer who forwards "Your receipt from Apple" with Gmail, Outlook, Apple
Mail, Naver or Thunderbird leaves the original as text under a separator::

    ---------- Forwarded message ---------          (Gmail)
    Begin forwarded message:                        (Apple Mail)
    -----Original Message-----                      (Outlook, Naver)
    ________________________________                (Outlook on the web / new Outlook)
    -------- Forwarded Message --------             (Thunderbird)

followed by ``From:``/``Sent:``/``To:``/``Subject:`` lines (or their Korean forms
``보낸 사람:``/``받는 사람:``/``제목:``/``날짜:``). Outlook also writes a bare
``From: … Sent: …`` block with no separator. We reconstruct the header fields so a
support tool can check what the customer forwarded; the DKIM signature is gone
with the original bytes, so such a reconstruction proves nothing by itself.

Outlook and Naver write the same block above a *reply's* quoted original, so a
quoted message is extracted too: the format cannot tell the two apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["InlineForward", "find_inline_forward", "loose_date"]

_SEPARATOR = re.compile(
    r"^(?P<prefix>[ \t>]*)(?:"
    r"-{2,}[ \t]*(?:forwarded message|original message|전달된 메일|전달된 메시지|원본 메시지|"
    r"원본 메일|전달 메일|message transféré|weitergeleitete nachricht|mensaje reenviado)"
    r"[ \t]*-{2,}"
    r"|begin forwarded message:|전달된 메일:|전달된 메시지:"
    r"|_{10,}"
    r")[ \t\r]*$",
    re.M | re.I,
)
# Outlook without a separator: a From line directly followed by Sent/Date.
_BARE_BLOCK = re.compile(
    r"^(?P<prefix>[ \t>]*)(?:from|보낸 ?사람):[^\n]*\n[ \t>]*(?:sent|date|보낸 ?날짜|날짜):",
    re.M | re.I,
)
# Literals one of which every match holds (lower-cased, no letter that
# IGNORECASE folds outside ASCII: i, k and s do).
_SEPARATOR_NEEDS = ("--", "forwarded", "전달된 메", "_" * 10)
_BARE_BLOCK_NEEDS = ("from:", "보낸")
_LINE = re.compile(r"[ \t]*\*{0,2}([^:\n*]{1,24}?)\*{0,2}[ \t]*:[ \t]*(.*)")
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.I)

_LABELS: dict[str, str] = {
    "from": "From", "보낸사람": "From", "보낸 사람": "From", "발신자": "From", "von": "From",
    "de": "From",
    "to": "To", "받는사람": "To", "받는 사람": "To", "수신자": "To", "an": "To", "à": "To",
    "cc": "Cc", "참조": "Cc",
    "subject": "Subject", "제목": "Subject", "betreff": "Subject", "objet": "Subject",
    "asunto": "Subject",
    "date": "Date", "sent": "Date", "날짜": "Date", "보낸 날짜": "Date", "보낸날짜": "Date",
    "datum": "Date", "gesendet": "Date", "envoyé": "Date", "fecha": "Date", "enviado": "Date",
    "reply-to": "Reply-To", "회신 주소": "Reply-To",
}
_SEARCH_WINDOW = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InlineForward:
    """A reconstructed original: header fields in the order written, and its body text."""

    headers: tuple[tuple[str, str], ...]
    body: str


def find_inline_forward(text: str) -> InlineForward | None:
    """Find the first inline-forwarded original in ``text``, or None.

    A block counts only when it names a sender or a subject and at least two
    known fields, so a stray line of underscores is not a forward.
    """
    window = text[:_SEARCH_WINDOW]
    for m in _candidates(window):
        prefix = m.group("prefix")
        start = m.end() + 1 if m.re is _SEPARATOR else m.start()
        found = _read_block(text[start:], ">" in prefix)
        if found is not None:
            return found
    return None


def _candidates(text: str) -> list[re.Match[str]]:
    # Both patterns are tried at every position of up to 1 MiB; most text
    # holds none of the literals a match needs. IGNORECASE matches these
    # letters only in their two ASCII cases, so lower() keeps the test exact.
    low = text.lower()
    found: list[re.Match[str]] = []
    if any(k in low for k in _SEPARATOR_NEEDS):
        found += [m for _, m in zip(range(20), _SEPARATOR.finditer(text), strict=False)]
    if any(k in low for k in _BARE_BLOCK_NEEDS):
        found += [m for _, m in zip(range(20), _BARE_BLOCK.finditer(text), strict=False)]
    return sorted(found, key=lambda m: m.start())


def _read_block(rest: str, quoted: bool) -> InlineForward | None:
    lines = rest.split("\n", 200)
    if quoted:
        # A forward inside a quote: every line carries the quote marks.
        kept = []
        for line in lines:
            if not line.lstrip().startswith(">"):
                break
            kept.append(re.sub(r"^[ \t]*(?:>[ \t]?)+", "", line))
        lines = kept
    i = 0
    while i < len(lines) and i < 3 and not lines[i].strip():
        i += 1
    fields: list[list[str]] = []
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if not line.strip():
            break
        m = _LINE.fullmatch(line)
        label = _LABELS.get(" ".join(m.group(1).lower().split())) if m else None
        if m is not None and label is not None:
            fields.append([label, m.group(2)])
        elif fields and line[:1] in (" ", "\t") and fields[-1][0] in ("To", "Cc"):
            fields[-1][1] += " " + line.strip()
        else:
            break
        i += 1
    names = {name for name, _ in fields}
    if len(fields) < 2 or not names & {"From", "Subject"}:
        return None
    headers = tuple((name, _clean(value)) for name, value in fields)
    body = "\n".join(line.rstrip("\r") for line in lines[i:]).strip("\n")
    return InlineForward(headers, body)


def _clean(value: str) -> str:
    value = _MAILTO.sub(r"<\1>", value.strip())
    return value.rstrip(";").strip()


# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_YMD = re.compile(r"(\d{4})\s*(?:[-./]|년)\s*(\d{1,2})\s*(?:[-./]|월)\s*(\d{1,2})")
_MDY = re.compile(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})")
_DMY = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})")
_TIME = re.compile(r"(오전|오후)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")
_ZONE = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?|\s([+-])(\d{2})(\d{2})\b")


def loose_date(value: str) -> datetime | None:
    """Read the dates mail clients write in forwarded blocks, when they name a zone.

    ``2023-05-01 (월) 15:00:00 (GMT+09:00)`` (Naver), ``May 1, 2023 at 3:00:00 PM
    GMT+9`` (Apple Mail), ``2023년 5월 1일 오후 3:00 GMT+9``. A date without a time
    zone (Gmail's ``Mon, May 1, 2023 at 3:00 PM``) gives None: guessing the zone
    would invent up to a day of error.
    """
    value = value[:200]
    zone = _ZONE.search(value)
    if zone is None:
        return None
    sign, hours, minutes = (zone.group(1), zone.group(2), zone.group(3)) if zone.group(1) else (
        zone.group(4), zone.group(5), zone.group(6))
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    date_part = value[:zone.start()]
    m = _YMD.search(date_part)
    if m is not None:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _MDY.search(date_part)
        if m is not None:
            month_name, day, year = m.group(1), int(m.group(2)), int(m.group(3))
        else:
            m = _DMY.search(date_part)
            if m is None:
                return None
            day, month_name, year = int(m.group(1)), m.group(2), int(m.group(3))
        month = _MONTHS.get(month_name.lower(), 0)
    t = _TIME.search(date_part, m.end())
    hour = minute = second = 0
    if t is not None:
        hour, minute, second = int(t.group(2)), int(t.group(3)), int(t.group(4) or 0)
        meridiem = (t.group(1) or t.group(5) or "").lower()
        if meridiem in ("pm", "오후") and hour < 12:
            hour += 12
        elif meridiem in ("am", "오전") and hour == 12:
            hour = 0
    try:
        tz = timezone(-offset if sign == "-" else offset)
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except (ValueError, OverflowError):
        return None

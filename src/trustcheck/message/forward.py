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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["InlineForward", "find_inline_forward"]

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
    found = [m for _, m in zip(range(20), _SEPARATOR.finditer(text), strict=False)]
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

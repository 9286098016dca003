"""Generic lure detection for e-mail content.

Customers forward lures that name no registered brand, so these checks look
at what the message asks of its reader and how it hides that, whatever the
brand: phrase families from :mod:`.lexicon` (``lure.*``), disguised text and
sender tricks (``content.*``), and risky attachments (``attachment.*``). Each
finding names its evidence (the phrase, the word, the file name, the header).

One cue alone stays below the suspicious threshold by design; the policy's
weights (``trustcheck.verdict.DEFAULT_WEIGHTS``) make two independent cues
suspicious and a lure plus deceptive evidence phishing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from trustcheck.content.attachments import attachment_findings
from trustcheck.content.bulk import bulk_findings
from trustcheck.content.callback import callback_finding
from trustcheck.content.lexicon import families, phrase_starts
from trustcheck.content.markup import markup_findings
from trustcheck.content.text import SCAN_LIMIT, Disguise, disguises, scan_text, unmix
from trustcheck.identity import is_freemail
from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand
from trustcheck.registry.names import registrable_domain
from trustcheck.verdict import Finding, Link, Severity

__all__ = ["content_findings"]

_MAX_EXAMPLES = 3
# A link the reader can act on (not an image, stylesheet or tracking pixel).
_ACTIONABLE_SOURCES = frozenset({"href", "form", "text", "redirect"})
# A greeting addressed to an e-mail address instead of a name: mass mail that
# only knows the address (en, de, pt, es, fr, nl, ko).
_ADDRESS_GREETING = re.compile(
    r"(?<![^\W\d_])(?:hi|hello|hey|dear|hallo|liebe[r]?|guten tag|olá|ola|oi|prezad[oa](?:\(a\))?"
    r"|car[oa]|estimad[oa]|hola|bonjour|cher|chère|beste|geachte|안녕하세요)"
    r"[ ,:]+(?:customer |user |client )?([\w.+-]+@[\w-]+(?:\.[\w-]+)*)"
)
_PASSWORD_INPUT = re.compile(r"<input\b[^>]{0,300}?\btype\s*=\s*[\"']?password", re.IGNORECASE)
_HTML_SCAN_LIMIT = 200_000
_ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS = re.compile(rf"^{_ADDRESS_IN_TEXT.pattern}$")
_REPLY_SUBJECT = re.compile(r"\s*(?:re|aw|sv|antw|답장)\s*:", re.IGNORECASE)


def content_findings(
    parsed: ParsedEmail,
    *,
    links: Sequence[Link],
    brand: Brand | None,
    authenticated: bool,
) -> tuple[Finding, ...]:
    """Lure, disguise, sender-trick and attachment findings for one parsed e-mail.

    ``links`` are the analysed links (never fetched); ``brand`` is the claimed
    brand, if any; ``authenticated`` is True when the message is proven to come
    from that brand, in which case phrase lures are not reported (a bank may
    really write "your card has been blocked").
    """
    author = parsed.from_[0] if parsed.from_ else None
    display_name = author.display_name if author else None
    out: list[Finding] = []
    actionable = any(link.source in _ACTIONABLE_SOURCES and link.host for link in links)
    answered_elsewhere, reply_finding = _answer_elsewhere(parsed)
    callable_ = actionable or bool(parsed.attachments) or answered_elsewhere
    # Disguises are looked for in the text as sent: visible_text has already
    # turned invisible characters into spaces.
    html = parsed.html[0][:SCAN_LIMIT] if parsed.html else ""
    raw_text = "\n".join((parsed.subject, display_name or "", parsed.text[:SCAN_LIMIT], html))
    found = disguises(raw_text)
    text = scan_text(parsed.subject, display_name, parsed.visible_text)
    if any(d.kind == "mixed_script" for d in found):
        text = unmix(text)  # match the words the reader sees, not the code points
    # A reply on a mailing list quotes and discusses: "your account will be closed"
    # there is conversation about a lure, not a call to act on one. All three marks
    # are needed: bulk senders add List-Id and References to look like list mail,
    # but rarely reply to a real message under a "Re:" subject as well.
    on_list = bool(parsed.header("List-Id") or parsed.header("List-Post"))
    discussion = (on_list and parsed.header("In-Reply-To") is not None
                  and _REPLY_SUBJECT.match(parsed.subject or "") is not None)
    if not authenticated:
        # A number to call is something to act on, like a link (callback phishing).
        callback = callback_finding(parsed.visible_text, mailing_list=on_list,
                                    free_mailbox=bool(author and is_freemail(author.domain)))
        out.extend(_phrase_findings(
            text, actionable=(callable_ or callback is not None) and not discussion))
        if callback is not None:
            out.append(callback)
    out.extend(_disguise_findings(found))
    out.extend(_recipient_findings(parsed, text))
    out.extend(_sender_findings(parsed))
    if reply_finding is not None:
        out.append(reply_finding)
    out.extend(bulk_findings(parsed, links, brand))
    out.extend(_form_findings(parsed))
    out.extend(markup_findings(parsed.html[0] if parsed.html else "", parsed.visible_text,
                               actionable=actionable))
    out.extend(attachment_findings(parsed.attachments))
    return tuple(out)


def _answer_elsewhere(parsed: ParsedEmail) -> tuple[bool, Finding | None]:
    """Whether the message asks for an answer at another mailbox than its sender's.

    Advance-fee and romance scams need no link: the reader acts by writing back,
    and the scammer reads the answers at a free mailbox of their own (Reply-To,
    or "write me at ...@gmail.com" in the text). A Reply-To is judged by
    :func:`trustcheck.identity.sender_findings`, so it comes back without a
    finding; an address in the text gives ``content.reply_elsewhere``.
    Mailing lists are left out: their Reply-To and their members' addresses are
    the list's business.
    """
    if parsed.header("List-Id") is not None or parsed.header("List-Post") is not None:
        return False, None
    sender = (parsed.from_[0].address or "").lower() if parsed.from_ else ""
    if any(r.address and r.address.lower() != sender for r in parsed.reply_to):
        return True, None
    for m in _addresses_in(parsed.visible_text[:SCAN_LIMIT]):
        address = m.group(0).lower()
        if address != sender and is_freemail(address.rsplit("@", 1)[1]):
            return True, Finding(
                "content.reply_elsewhere", Severity.LOW,
                f"The text asks for answers at {address}, a free mailbox that is not the "
                f"sender's ({sender or 'no address'}).",
                {"address": address, "from_address": sender},
            )
    return False, None


def _addresses_in(text: str) -> Iterator[re.Match[str]]:
    """``_ADDRESS_IN_TEXT.finditer(text)``, tried only where a match can start.

    The pattern starts at every word character and runs to the end of its
    word before it fails on the "@" it needs. A match holds one "@", and
    starts where the run of local-part characters before it starts (or where
    the previous match ended): the one place to try for each "@".
    """
    end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > end and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1  # str.isalnum() or "_" is what re's \w matches
        m = _ADDRESS_IN_TEXT.match(text, start) if start < at else None
        if m is not None:
            yield m
            end = m.end()
        at = text.find("@", max(at + 1, end))


# The longest greeting word ("prezado(a)") and the titles the pattern allows before the address.
_LONGEST_GREETING = 10
_TITLES = ("customer ", "user ", "client ")


def _address_greeting(text: str) -> re.Match[str] | None:
    """``_ADDRESS_GREETING.search(text)``, tried only where a match can start.

    A match holds an "@" whose local part is the whole run of ``[\\w.+-]``
    before it; before that stand an optional title and a run of ``[ ,:]``,
    and the greeting word ends where that run starts (no greeting word ends
    in a space, comma or colon). So each "@" leaves a few starts to try,
    taken from the left as search() would.
    """
    starts: set[int] = set()
    at = text.find("@")
    while at >= 0:
        local = at
        while local > 0 and (text[local - 1].isalnum() or text[local - 1] in "_.+-"):
            local -= 1  # str.isalnum() or "_" is what re's \w matches
        if local < at:
            ends = {local}
            ends.update(local - len(title) for title in _TITLES
                        if local >= len(title) and text.startswith(title, local - len(title)))
            for end in ends:
                word_end = end
                while word_end > 0 and text[word_end - 1] in " ,:":
                    word_end -= 1
                if word_end < end:
                    starts.update(range(max(0, word_end - _LONGEST_GREETING), word_end))
        at = text.find("@", at + 1)
    for start in sorted(starts):
        m = _ADDRESS_GREETING.match(text, start)
        if m is not None:
            return m
    return None


def _phrase_findings(text: str, *, actionable: bool) -> list[Finding]:
    out: list[Finding] = []
    starts = phrase_starts(text)
    for family in families():
        hits: list[str] = []
        for m in family.finditer(text, starts):
            phrase = m.group(0).strip()
            if phrase not in hits:
                hits.append(phrase)
            if len(hits) >= _MAX_EXAMPLES:
                break
        if not hits:
            continue
        # A phrase with a way to act on it (a link, a form, an attachment) is a
        # lure; the same phrase with nothing to click is only a weak cue.
        severity = Severity.MEDIUM if actionable else Severity.LOW
        quoted = ", ".join(f"“{h}”" for h in hits)
        out.append(Finding(
            f"lure.{family.name}", severity,
            f"The text uses {family.why}: {quoted}.",
            {"family": family.name, "phrases": hits, "actionable": actionable},
        ))
    return out


def _disguise_findings(found: Sequence[Disguise]) -> list[Finding]:
    out: list[Finding] = []
    for d in found:
        what = {
            "mixed_script": "words mixing Latin with Cyrillic or Greek look-alike letters",
            "invisible": "invisible characters inside words",
            "bidi": "bidirectional control characters that reorder the text shown",
            "math_letters": "mathematical symbols written as letters",
        }[d.kind]
        examples = ", ".join(d.examples)
        out.append(Finding(
            f"content.disguised_text.{d.kind}", Severity.MEDIUM,
            f"The text hides words from filters with {what}: {examples}.",
            {"technique": d.kind, "examples": list(d.examples)},
        ))
    return out


def _recipient_findings(parsed: ParsedEmail, text: str) -> list[Finding]:
    out: list[Finding] = []
    # The pattern is tried at every position; an address needs an "@".
    greeting = _address_greeting(text) if "@" in text else None
    if greeting:
        out.append(Finding(
            "content.address_greeting", Severity.LOW,
            f"The message greets the reader by e-mail address ({greeting.group(1)}), "
            "not by name.",
            {"greeting": greeting.group(0)},
        ))
    if parsed.header("List-Id") or parsed.header("List-Post"):
        return out  # a list's address in the subject is its tag, not personalisation
    subject = parsed.subject.lower()
    for rcpt in parsed.to[:5]:
        address = (rcpt.address or "").lower()
        local = address.split("@", 1)[0]
        # A full address, or a local part with digits/punctuation (address-derived,
        # unlike a first name), written into the subject by a mass mailer.
        if address and (address in subject or (
                len(local) >= 5 and not local.isalpha()
                and re.search(rf"(?<![\w.-]){re.escape(local)}(?![\w-])", subject))):
            out.append(Finding(
                "content.recipient_in_subject", Severity.LOW,
                f"The subject contains the recipient's address {address}.",
                {"recipient": address, "subject": parsed.subject},
            ))
            break
    return out


def _sender_findings(parsed: ParsedEmail) -> list[Finding]:
    out: list[Finding] = []
    author = parsed.from_[0] if parsed.from_ else None
    if author is None or not author.address:
        return out
    domain = (author.domain or "").lower().strip(".")
    if domain and not domain.startswith("[") and registrable_domain(domain) is None:
        out.append(Finding(
            "content.sender_domain_invalid", Severity.MEDIUM,
            f"The sender's domain {domain} is not a registrable Internet domain.",
            {"from_domain": domain},
        ))
    name = (author.display_name or "").strip().strip("'\"").strip()
    if name and _ADDRESS.match(name) and name.lower() == author.address.lower():
        out.append(Finding(
            "content.display_name_is_address", Severity.LOW,
            f"The sender name is only the address {name}.",
            {"display_name": name},
        ))
    mid_domain = _message_id_domain(parsed.message_id)
    from_reg = registrable_domain(domain) if domain else None
    if mid_domain and from_reg:
        mid_reg = registrable_domain(mid_domain)
        if mid_reg is not None and mid_reg != from_reg:
            out.append(Finding(
                "content.message_id_unrelated", Severity.INFO,
                f"The Message-ID was made at {mid_domain}, unrelated to the sender's "
                f"domain {domain}.",
                {"message_id_domain": mid_domain, "from_domain": domain},
            ))
    return out


def _message_id_domain(message_id: str | None) -> str | None:
    if not message_id or "@" not in message_id:
        return None
    right = message_id.rsplit("@", 1)[1].strip().rstrip(">").strip().lower()
    return right or None


def _form_findings(parsed: ParsedEmail) -> list[Finding]:
    for html in parsed.html:
        if _PASSWORD_INPUT.search(html[:_HTML_SCAN_LIMIT]):
            return [Finding(
                "content.password_form", Severity.HIGH,
                "The message contains a form with a password field: legitimate senders "
                "never ask for a password inside an e-mail.",
                {"field": "input type=password"},
            )]
    return []

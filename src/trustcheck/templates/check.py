"""The verifier's view of templates: one call per message, one result.

:class:`TemplateSet` indexes the registered templates once; matching a message
looks up its shingles (layout and masked text) in an inverted index of each
template's bottom-k sketch, so only a handful of candidates are compared
exactly however large the registry grows.

Then the verdict logic of research/sms-templates.md §6.3:

* imitates a template, sender not authenticated for the template's brand
  → ``template.impersonation``;
* authenticated, but a slot carries foreign content (a phone number in the name,
  a link outside the brand's domains, a request for a card number)
  → ``template.slot_*`` (lures: they make the verdict ``phishing``);
* authenticated and fits → ``template.match`` (info).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand, Registry
from trustcheck.templates.layout import Shingle, html_facts, jaccard, sketch, text_shingles
from trustcheck.templates.loader import load_templates
from trustcheck.templates.model import Slot, Template
from trustcheck.templates.pattern import Compiled, compile_text, normalise
from trustcheck.templates.slots import SlotViolation, find_urls, validate_slots
from trustcheck.verdict import DEFAULT_FORCED, Finding, Link, Severity, Status, TemplateMatch

__all__ = [
    "EMAIL_THRESHOLD",
    "SMS_THRESHOLD",
    "TEMPLATE_FORCED",
    "TemplateCheck",
    "TemplateSet",
    "check_email_template",
    "check_sms_template",
]

EMAIL_THRESHOLD = 0.6
"""Overall similarity from which an e-mail imitates a template (calibrated: docs/templates.md)."""
SMS_THRESHOLD = 0.6
"""Share of a template's fixed words an SMS must contain to imitate it (when it does not fit)."""
TEMPLATE_FORCED: Mapping[str, Status] = {
    code: status for code, status in DEFAULT_FORCED.items() if code.startswith("template.")
}
"""The default policy's forced statuses for template findings."""

_SKETCH = 32
_SMS_KEYS = 6
_CANDIDATES = 6
_MAX_TEXT = 100_000
"""Characters of visible text compared with template regexes (bounded work)."""


@dataclass(frozen=True, slots=True)
class _EmailEntry:
    template: Template
    layout: frozenset[Shingle]
    shingles: frozenset[Shingle]
    html: Compiled | None
    text: Compiled | None
    subject: Compiled | None


@dataclass(frozen=True, slots=True)
class _SmsEntry:
    template: Template
    channel: str
    compiled: Compiled
    words: frozenset[str]


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """The registered templates a verifier compares messages with.

    Build it with :meth:`load` (a directory of template files) or
    :meth:`from_registry_dir` (``<registry>/templates/*.yaml`` with the brands of
    ``<registry>/brands``). ``registry`` supplies the brands' domains and numbers
    for templates of brands the message does not name.
    """

    templates: tuple[Template, ...] = ()
    registry: Registry | None = None
    _email: tuple[_EmailEntry, ...] = field(init=False, repr=False, compare=False)
    _email_index: Mapping[Shingle, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _sms: tuple[_SmsEntry, ...] = field(init=False, repr=False, compare=False)
    _sms_index: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _by_key: Mapping[str, Template] = field(init=False, repr=False, compare=False)
    _fixed: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        usable = [t for t in self.templates if t.status != "draft"]
        email = tuple(_email_entry(t) for t in usable if t.email is not None)
        index: dict[Shingle, list[int]] = {}
        for i, e in enumerate(email):
            for h in (*sketch(e.layout, _SKETCH), *sketch(e.shingles, _SKETCH)):
                index.setdefault(h, []).append(i)
        sms = tuple(entry for t in usable for entry in _sms_entries(t))
        # Each SMS template is indexed under its rarest fixed words only: a word every
        # template shares ("결제", "your") would make every posting list long.
        df = Counter(w for s in sms for w in s.words)
        common = max(8, len(sms) // 50)
        words: dict[str, list[int]] = {}
        for i, s in enumerate(sms):
            ranked = sorted(s.words, key=lambda w: (df[w], w))
            keys = [w for w in ranked[:_SMS_KEYS] if df[w] <= common] or ranked[:1]
            for w in keys:
                words.setdefault(w, []).append(i)
        object.__setattr__(self, "_email", email)
        object.__setattr__(self, "_email_index", {h: tuple(v) for h, v in index.items()})
        object.__setattr__(self, "_sms", sms)
        object.__setattr__(self, "_sms_index", {w: tuple(v) for w, v in words.items()})
        object.__setattr__(self, "_fixed", {t.key: _fixed_lines(t) for t in usable})
        object.__setattr__(self, "_by_key", {t.key: t for t in self.templates}
                           | {t.id: t for t in self.templates if t.status == "active"})

    @classmethod
    def empty(cls) -> TemplateSet:
        """No templates: every message gets an empty :class:`TemplateCheck`."""
        return cls()

    @classmethod
    def load(cls, path: str | Path, *, registry: Registry | None = None) -> TemplateSet:
        """Every template file under ``path`` (a directory, recursively, or one file)."""
        return cls(load_templates(path), registry=registry)

    @classmethod
    def from_registry_dir(cls, path: str | Path) -> TemplateSet:
        """``<path>/templates`` with the default registry merged with ``<path>/brands``."""
        path = Path(path)
        registry = Registry.default()
        if (path / "brands").is_dir():
            registry = registry.merge(Registry.load(path / "brands"))
        templates = load_templates(path / "templates") if (path / "templates").is_dir() else ()
        return cls(templates, registry=registry)

    def __len__(self) -> int:
        return len(self.templates)

    def get(self, key: str) -> Template | None:
        """The template ``id@version``, or the active version of ``id``."""
        return self._by_key.get(key)

    def versions(self, key: str) -> tuple[Template, ...]:
        """``[template]`` for ``id@version``; every non-draft version of ``id``, newest first."""
        if "@" in key:
            one = self._by_key.get(key)
            return (one,) if one is not None else ()
        found = [t for t in self.templates if t.id == key and t.status != "draft"]
        return tuple(sorted(found, key=lambda t: t.version, reverse=True))

    def brand(self, brand_id: str, fallback: Brand | None = None) -> Brand | None:
        """The registered brand ``brand_id`` (``fallback`` when it has that id)."""
        if fallback is not None and fallback.id == brand_id:
            return fallback
        return self.registry.get(brand_id) if self.registry is not None else None


@dataclass(frozen=True, slots=True)
class TemplateCheck:
    """What template matching found for one message."""

    match: TemplateMatch | None = None
    findings: tuple[Finding, ...] = ()
    brand_id: str | None = None
    """The brand whose template the message imitates, when the message itself names none."""


# --------------------------------------------------------------------------- building


def _html_compiled(t: Template) -> tuple[frozenset[Shingle], frozenset[Shingle], Compiled | None]:
    assert t.email is not None
    lengths = _lengths(t)
    if t.email.html:
        facts = html_facts(t.email.html)
        return facts.layout, _fixed_shingles(facts.text), compile_text(facts.text, lengths)
    return frozenset(), frozenset(), None


def _email_entry(t: Template) -> _EmailEntry:
    assert t.email is not None
    layout, shingles, html = _html_compiled(t)
    lengths = _lengths(t)
    text = compile_text(normalise(t.email.text), lengths) if t.email.text else None
    if not shingles and t.email.text:
        shingles = _fixed_shingles(normalise(t.email.text))
    subject = compile_text(normalise(t.email.subject), lengths) if t.email.subject else None
    return _EmailEntry(t, layout, shingles, html, text, subject)


_MARKER = re.compile(r"\\?\{\{[^{}]*\}\}")


def _fixed_shingles(text: str) -> frozenset[Shingle]:
    # Word pairs inside the fixed text only: a pair across a slot would hold the
    # template's example value, which a real message replaces.
    out: set[Shingle] = set()
    for chunk in _MARKER.split(text):
        out |= text_shingles(chunk)
    return frozenset(out)


def _lengths(t: Template) -> dict[str, int]:
    out = {}
    for s in _all_slots(t):
        if s.max_len is not None:
            out[s.name] = s.max_len
    return out


def _all_slots(t: Template) -> tuple[Slot, ...]:
    return (*t.slots, *(f for top in t.slots for f in top.fields))


def _sms_entries(t: Template) -> Iterable[_SmsEntry]:
    lengths = _lengths(t)
    for channel, body in (("sms", t.sms.body if t.sms else None),
                          ("alimtalk", t.alimtalk.body if t.alimtalk else None)):
        if body:
            norm = normalise(body)
            words = frozenset(w for w in norm.split() if not _MARKER.search(w) and len(w) > 1)
            yield _SmsEntry(t, channel, compile_text(norm, lengths), words)


# --------------------------------------------------------------------------- e-mail


@dataclass(frozen=True, slots=True)
class _Scored:
    entry: _EmailEntry
    layout: float | None
    text: float

    @property
    def overall(self) -> float:
        return self.text if self.layout is None else (self.layout + self.text) / 2


def _rank_email(templates: TemplateSet, layout: frozenset[Shingle], shingles: frozenset[Shingle],
                brand: Brand | None) -> list[_Scored]:
    index = templates._email_index
    hits = Counter(chain.from_iterable(index[h] for h in (layout | shingles) & index.keys()))
    chosen = {i for i, _ in hits.most_common(_CANDIDATES)}
    if brand is not None:
        chosen.update(i for i, e in enumerate(templates._email) if e.template.brand == brand.id)
    scored = []
    for i in chosen:
        e = templates._email[i]
        lay = jaccard(layout, e.layout) if layout and e.layout else None
        text = len(shingles & e.shingles) / len(e.shingles) if e.shingles else 0.0
        scored.append(_Scored(e, lay, text))
    scored.sort(key=lambda s: (-s.overall, s.entry.template.key))
    return scored


def check_email_template(
    parsed: ParsedEmail,
    *,
    templates: TemplateSet,
    brand: Brand | None,
    authenticated: bool,
    links: Sequence[Link],
) -> TemplateCheck:
    """Compare a parsed e-mail with the registered templates (none registered: no match).

    ``brand`` is the brand the message claims, ``authenticated`` whether it is
    proven to come from that brand (aligned DMARC pass), ``links`` the analysed
    links of the message.
    """
    if not len(templates) or not templates._email:
        return TemplateCheck()
    facts = html_facts(parsed.html[0]) if parsed.html else None
    plain = normalise(parsed.text[:_MAX_TEXT])
    shown = facts.text[:_MAX_TEXT] if facts is not None and facts.text else plain
    layout = facts.layout if facts is not None else frozenset()
    ranked = _rank_email(templates, layout, text_shingles(shown), brand)
    if not ranked or ranked[0].overall < EMAIL_THRESHOLD:
        return _unmatched(ranked, brand, authenticated)
    best = ranked[0]
    t = best.entry.template
    values: dict[str, Any] = {}
    if best.entry.html is not None and facts is not None:
        values = best.entry.html.match(shown, search=True) or {}
    if not values and best.entry.text is not None:
        values = best.entry.text.match(plain, search=True) or {}
    if best.entry.subject is not None:
        # The body's value wins; the subject only fills what the body lacks.
        for k, v in (best.entry.subject.match(normalise(parsed.subject)) or {}).items():
            values.setdefault(k, v)
    similarity = {"text": round(best.text, 3), "overall": round(best.overall, 3)}
    if best.layout is not None:
        similarity["layout"] = round(best.layout, 3)
    urls = [link.url for link in links if link.source in ("href", "text", "form", "redirect")
            and link.url.lower().startswith(("http://", "https://", "www."))]
    hosts = {link.url: link.host for link in links}
    return _decide(templates, t, brand=brand, authenticated=authenticated,
                   similarity=similarity, values=values, urls=urls, hosts=hosts,
                   text=shown, channel="email")


def _unmatched(ranked: Sequence[_Scored], brand: Brand | None,
               authenticated: bool) -> TemplateCheck:
    # Worth a note only for the brand's own authenticated mail: the brand registers
    # templates, and this one fits none of them (a new layout not yet registered, or
    # a kind of mail it never registered).
    own = [s for s in ranked if brand is not None and s.entry.template.brand == brand.id]
    if not authenticated or not own:
        return TemplateCheck()
    best = own[0]
    return TemplateCheck(findings=(Finding(
        "template.unmatched", Severity.INFO,
        f"{brand.display_name if brand else ''} registers e-mail templates; this message fits "
        f"none of them (closest {best.entry.template.key}, {best.overall:.0%}).",
        {"closest": best.entry.template.key, "similarity": round(best.overall, 3)},
    ),))


# --------------------------------------------------------------------------- SMS


def check_sms_template(
    text: str,
    *,
    templates: TemplateSet,
    brand: Brand | None,
    sender_registered: bool,
) -> TemplateCheck:
    """Compare an SMS text (carrier labels removed, e.g. ``Sms.text``) with the registered
    SMS/AlimTalk templates.

    ``brand`` is the brand the SMS claims (or None); ``sender_registered`` says whether
    the sender is registered for that brand in the recipient's country. A text that
    imitates a template of a brand whose registered sender did not send it gives
    ``template.impersonation``; foreign content in a genuine sender's slots gives
    ``template.slot_*`` findings.
    """
    if not templates._sms:
        return TemplateCheck()
    norm = normalise(text[:_MAX_TEXT])
    index = templates._sms_index
    words = set(norm.split())
    hits = Counter(chain.from_iterable(index[w] for w in words & index.keys()))
    best: tuple[float, _SmsEntry, dict[str, Any]] | None = None
    for i, _ in hits.most_common(_CANDIDATES):
        entry = templates._sms[i]
        share = len(words & entry.words) / len(entry.words)
        if best is not None and share <= best[0] and best[0] >= 1.0:
            break
        values = entry.compiled.match(norm)
        score = 1.0 if values is not None else share
        if best is None or score > best[0]:
            best = (score, entry, values or {})
    if best is None or best[0] < SMS_THRESHOLD:
        return TemplateCheck()
    score, entry, values = best
    urls = find_urls(norm)
    return _decide(templates, entry.template, brand=brand, authenticated=sender_registered,
                   similarity={"text": round(score, 3), "overall": round(score, 3)},
                   values=values, urls=urls, hosts={}, text=norm, channel=entry.channel)


# --------------------------------------------------------------------------- decision

_ASKS: Mapping[str, re.Pattern[str]] = {
    "password": re.compile(r"(?i)\b(?:enter|confirm|verify|provide|send|update)\b.{0,40}"
                           r"\bpassword\b|비밀번호.{0,10}(?:입력|확인|알려)"),
    "card_number": re.compile(r"(?i)\b(?:card number|card details|카드\s?번호)"),
    "cvv": re.compile(r"(?i)\b(?:cvv|cvc|security code)\b|보안\s?코드"),
    "verification_code": re.compile(r"(?i)\b(?:share|send|tell|reply with)\b.{0,30}"
                                    r"\b(?:code|otp)\b|인증\s?번호.{0,10}(?:알려|회신|보내)"),
    "ssn": re.compile(r"(?i)\b(?:social security|ssn)\b|주민\s?(?:등록)?\s?번호"),
}


def _decide(templates: TemplateSet, t: Template, *, brand: Brand | None, authenticated: bool,
            similarity: Mapping[str, float], values: Mapping[str, Any], urls: Sequence[str],
            hosts: Mapping[str, str | None], text: str, channel: str) -> TemplateCheck:
    owner = templates.brand(t.brand, brand)
    owner_name = owner.display_name if owner is not None else t.brand
    genuine = authenticated and brand is not None and brand.id == t.brand
    foreign = [u for u in urls if not _allowed(u, hosts.get(u), t, owner)]
    dims = ", ".join(f"{k} {v:.0%}" for k, v in similarity.items() if k != "overall")
    base = {"template": t.key, "template_id": t.id, "version": t.version, "brand": t.brand,
            "channel": channel, "similarity": dict(similarity)}
    findings: list[Finding] = []
    violations: list[SlotViolation] = []
    if not genuine:
        why = ("sender not authenticated for " + owner_name if channel == "email"
               else "sender is not a registered " + owner_name + " sender")
        link_note = ""
        if foreign:
            top = Counter(_host(u, hosts) for u in foreign).most_common(1)[0][0]
            link_note = f"; {len(foreign)} of {len(urls)} links go outside {owner_name} ({top})"
        findings.append(Finding(
            "template.impersonation", Severity.HIGH,
            f"Looks like {owner_name}'s registered template {t.key} ({dims}); {why}{link_note}.",
            {**base, "foreign_links": foreign, "links": len(urls)},
        ))
        # A copy of the brand's notification whose links lead elsewhere is a lure,
        # not only a costume.
        findings.extend(f for f in _foreign_content(t, owner_name, base, "", {}, foreign, urls)
                        if f.code == "template.slot_link")
    else:
        allowed_phones = set(t.policy.phones)
        if owner is not None:
            allowed_phones.update(n for ns in owner.sms_senders.values() for n in ns)
        violations = list(validate_slots(t.slots, values, allowed_phones=allowed_phones,
                                         region=owner.country if owner is not None else None))
        for v in violations:
            severity = Severity.CRITICAL if v.kind in ("phone", "url") else Severity.HIGH
            findings.append(Finding(
                f"template.slot_{v.kind}", severity,
                f"Slot {v.slot} of {owner_name}'s template {t.key} {v.reason}: {v.value!r}.",
                {**base, "slot": v.slot, "value": v.value, "reason": v.reason},
            ))
        # Requests are looked for outside the template's own fixed lines: the brand's
        # footer may well say "we never ask for your card number".
        fixed = templates._fixed.get(t.key, frozenset())
        own = "\n".join(line for line in text.split("\n") if line not in fixed)
        findings.extend(_foreign_content(t, owner_name, base, own, values, foreign, urls))
        if not findings:
            findings.append(Finding(
                "template.match", Severity.INFO,
                f"Fits {owner_name}'s registered template {t.key} ({dims}).", base,
            ))
    match = TemplateMatch(
        template_id=t.id, version=t.version, brand=t.brand, similarity=dict(similarity),
        slots=dict(values), violations=tuple(f"{v.slot}: {v.reason}" for v in violations)
        + tuple(f.message for f in findings if f.code in ("template.slot_link",
                                                          "template.slot_ask")),
    )
    return TemplateCheck(match=match, findings=tuple(findings),
                         brand_id=t.brand if brand is None else None)


def _foreign_content(t: Template, owner_name: str, base: Mapping[str, Any], text: str,
                     values: Mapping[str, Any], foreign: Sequence[str],
                     urls: Sequence[str]) -> Iterable[Finding]:
    if foreign:
        yield Finding(
            "template.slot_link", Severity.CRITICAL,
            f"{len(foreign)} of {len(urls)} links in this {owner_name} {t.key} message leave "
            f"{owner_name}'s registered domains: {', '.join(foreign[:3])}.",
            {**base, "foreign_links": list(foreign)},
        )
    for ask in t.policy.never_asks:
        pattern = _ASKS.get(ask)
        if pattern is None:
            continue
        m = pattern.search(text)
        if m is not None:
            yield Finding(
                "template.slot_ask", Severity.CRITICAL,
                f"{owner_name}'s template {t.key} never asks for {ask.replace('_', ' ')}, "
                f"this message does ({m.group(0)!r}).",
                {**base, "asks_for": ask, "text": m.group(0)},
            )


def _fixed_lines(t: Template) -> frozenset[str]:
    """The template's lines without slots, normalised as message text is."""
    texts = []
    if t.email is not None:
        texts += [t.email.text or "", html_facts(t.email.html).text if t.email.html else ""]
    if t.sms is not None:
        texts.append(t.sms.body)
    if t.alimtalk is not None:
        texts.append(t.alimtalk.body)
    return frozenset(line for text in texts for line in normalise(text).split("\n")
                     if line and "{{" not in line)


def _host(url: str, hosts: Mapping[str, str | None]) -> str:
    host = hosts.get(url)
    if host:
        return host
    m = re.match(r"(?i)(?:[a-z][a-z0-9+.-]*://)?([^/?#\s:@]+)", url)
    return m.group(1).lower() if m else url


def _allowed(url: str, host: str | None, t: Template, owner: Brand | None) -> bool:
    if t.policy.link_prefixes and url.startswith(t.policy.link_prefixes):
        return True
    for s in _all_slots(t):
        if s.prefixes and url.startswith(s.prefixes):
            return True
    if t.policy.registry_links and owner is not None:
        return owner.owns_domain(host or _host(url, {}))
    return False

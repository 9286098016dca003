"""Which registered brand does a message claim, and does its sender identity hold up?

Pure functions over plain strings (no parsed-message object, no I/O):

* :func:`claim_brand` ranks the brands a message claims from its From domain,
  display name, Reply-To domains, subject, body text and image alt/file names;
  :func:`claim_brand_sms` does the same for an SMS (sender, bracket tags, text).
* :func:`sender_findings` turns the sender fields and those claims into
  :class:`~trustcheck.verdict.Finding` objects with stable ``sender.*`` /
  ``brand.*`` codes.

Matching works on the case-insensitive UTS #39 skeleton of both sides
(:func:`trustcheck.registry.fold`), so "Αpple" (Greek Alpha), "PayPaI" (capital I),
zero-width-split and fullwidth names match their brand. All names and aliases of
a registry are compiled once into a single trie-shaped regular expression.

**The claim rule.** Each hit has a weight by where it was found::

    from_domain   1.00  the brand owns the From domain (a free-mail domain never counts)
    from_domain   0.90  the From domain spells a brand name ("paypa1-secure.example")
    display_name  0.95  subject 0.80  image alt/file name 0.70
    reply_to      0.40  the brand owns a Reply-To domain
    body          0.35  first mention, +0.10 per further mention, at most 0.60

A brand's strength combines its hits like independent evidence
(``1 - prod(1 - w)``). Names marked ``ambiguous`` in the registry (Apple, Chase,
Visa, Meta, 토스 …) are ordinary words too: they count only with brand context —
in a display name they must make up most of the name or stand next to a context
word ("Apple Support", "Chase Bank"); elsewhere a context word ("receipt",
"account", "결제", "고객센터" …) must appear in the same field or, in the body,
within 40 characters. Latin names need word boundaries; Hangul names need a
non-Hangul character on their left, and on their right either a non-Hangul
character or a particle / brand compound ("쿠팡에서", "쿠팡 고객센터" but not
"애플리케이션" or "경찰청장").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from trustcheck.registry import Brand, Registry, normalize_domain
from trustcheck.registry.derived import PerRegistry
from trustcheck.registry.names import fold_words, registrable_domain
from trustcheck.verdict import JSON, Finding, Severity

__all__ = [
    "BODY_LIMIT",
    "BrandClaim",
    "ClaimEvidence",
    "claim_brand",
    "claim_brand_sms",
    "freemail_domains",
    "is_freemail",
    "sender_findings",
]

#: Only the first this-many bytes (UTF-8) of the body are searched: brand claims
#: sit at the top (greeting, header, logo text), and the bound keeps the cost per
#: message flat (several thousand messages/s on one core) and 10 MB bodies cheap.
BODY_LIMIT = 4096
#: Claims weaker than this are dropped (a single ambiguous body mention is not a claim).
MIN_STRENGTH = 0.3

_WEIGHTS: Mapping[str, float] = {
    "from_domain": 1.0,
    "from_domain_lookalike": 0.9,
    "display_name": 0.95,
    "subject": 0.8,
    "image": 0.7,
    "reply_to": 0.4,
    "body": 0.35,
}
_BODY_STEP = 0.1
_BODY_MAX = 0.6
_WINDOW = 40

# Words that make an ambiguous name a brand claim. English and Korean; folded at
# compile time like everything else.
_CONTEXT_WORDS = (
    "account", "alert", "apple id", "bank", "billing", "card", "customer", "delivery",
    "id", "invoice", "login", "logo", "notice", "official", "order", "package", "parcel",
    "password", "pay", "payment", "purchase", "receipt", "refund", "security", "service",
    "shipment", "sign in", "signin", "store", "subscription", "support", "team", "verify",
    "verification", "wallet", "결제", "계정", "고객센터", "공식", "로그인", "배송", "보안",
    "본인확인", "비밀번호", "승인", "안내", "영수증", "은행", "인증", "주문", "카드", "택배",
    "환불",
)

_EMAIL_IN_TEXT = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    # Must end the token: "foo@foo.fo- private" is not an address (rspamd#3285).
    r"[A-Za-z]{2,63}(?=$|[\s>)\]\"',;:])"
)
# Contact-form notifications legitimately put the visitor's (often free-mail)
# address in Reply-To (rspamd#1891); their subjects look like this.
_FORM_SUBJECT = re.compile(
    r"contact\s*form|form\s*submission|new\s+(?:message|enquiry|inquiry|submission)\b|"
    r"website\s+(?:enquiry|inquiry)|문의|상담\s*신청|접수",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ClaimEvidence:
    """One place a message names a brand."""

    where: str
    """``from_domain``, ``display_name``, ``subject``, ``reply_to``, ``image`` or ``body``."""
    text: str
    """The field (trimmed to 200 characters), or the folded body around the hit."""
    alias: str
    """The registered name or alias that matched."""
    weight: float
    confusable: bool = False
    """True when the field spells the name with look-alike characters (Αpple, PayPaI)."""
    ambiguous: bool = False
    """True when the alias is marked ambiguous and counted only because of context."""

    def to_dict(self) -> dict[str, JSON]:
        return {
            "where": self.where,
            "text": self.text,
            "alias": self.alias,
            "weight": round(self.weight, 3),
            "confusable": self.confusable,
            "ambiguous": self.ambiguous,
        }


@dataclass(frozen=True, slots=True)
class BrandClaim:
    """A registered brand the message claims, how strongly, and where."""

    brand: Brand
    strength: float
    """0.0–1.0: combined weight of the evidence (see the module docstring)."""
    evidence: tuple[ClaimEvidence, ...] = field(default=())

    @property
    def brand_id(self) -> str:
        return self.brand.id

    @property
    def where(self) -> frozenset[str]:
        """The fields the brand was found in."""
        return frozenset(e.where for e in self.evidence)

    @property
    def confusable(self) -> bool:
        """True if any evidence spells the brand with look-alike characters."""
        return any(e.confusable for e in self.evidence)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "brand": self.brand.id,
            "strength": round(self.strength, 3),
            "evidence": [e.to_dict() for e in self.evidence],
        }


# --------------------------------------------------------------------------- freemail


@functools.cache
def freemail_domains() -> frozenset[str]:
    """The shipped list of free-mailbox domains (``registry/freemail.txt``)."""
    text = resources.files("trustcheck.registry").joinpath("freemail.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


def is_freemail(domain: str | None) -> bool:
    """True if ``domain`` is exactly a free-mailbox domain (not a subdomain of one)."""
    if not domain:
        return False
    host = normalize_domain(domain)
    return host is not None and host in freemail_domains()


# --------------------------------------------------------------------------- matcher


@dataclass(frozen=True, slots=True)
class _Entry:
    brand: Brand
    alias: str
    ambiguous: bool

    @property
    def literal(self) -> bool:
        """Names with digits ("11st", "11번가") must appear as written: the skeleton
        folds "1" and "i" into "l", so "11st" would otherwise match "list"."""
        return any(ch.isdigit() for ch in self.alias)


def _literal_in(alias: str, text: str) -> bool:
    return re.search(re.escape(alias), text, re.IGNORECASE) is not None


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, shaped as a trie (shared prefixes)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: Mapping[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if ends else body

    return build(trie)


_LEAD_ASCII = re.compile(r"[a-z0-9]+")

# What may follow a Korean name inside the same word: particles (조사) and the
# few nouns brands are compounded with. Anything else makes another word
# ("애플리케이션" is not Apple, "경찰청장" is not a message from the police).
_KO_FOLLOW = (
    "은", "는", "이", "가", "을", "를", "의", "에", "께", "로", "으로", "와", "과", "도",
    "만", "부터", "까지", "보다", "처럼", "나", "랑", "하고", "한테", "님", "측", "앱",
    "몰", "고객", "공식", "결제", "계정", "로그인", "회원", "카드", "페이", "뱅크", "택배",
    "배송", "코리아", "본사", "센터", "안내", "알림", "입니", "입금", "인증",
)
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")


class _Matcher:
    """All names and aliases of one registry, folded and indexed once.

    Text is reduced by :func:`fold_words` to words separated by single spaces.
    A name can only start at a word start (Latin names need a word boundary,
    Hangul names a non-Hangul character on the left), so candidates come from
    set intersections of the text's words with the names' first words — C-speed
    work, like one Aho–Corasick pass — and only those few candidates are then
    located with ``str.find``.
    """

    def __init__(self, registry: Registry) -> None:
        entries: dict[str, list[_Entry]] = {}
        for brand in registry.brands:
            ambiguous = {fold_words(a) for a in brand.ambiguous}
            for alias in dict.fromkeys((*brand.names, *brand.aliases)):
                key = fold_words(alias)
                if len(key) < 2:
                    continue
                bucket = entries.setdefault(key, [])
                if all(e.brand.id != brand.id for e in bucket):
                    bucket.append(_Entry(brand, alias, key in ambiguous))
        self.entries: Mapping[str, tuple[_Entry, ...]] = {k: tuple(v) for k, v in entries.items()}
        exact: dict[str, list[str]] = {}
        prefix: dict[str, list[str]] = {}
        for key in self.entries:
            first = key.split(" ", 1)[0]
            if first.isascii():
                exact.setdefault(first, []).append(key)
            else:
                prefix.setdefault(first[:2], []).append(key)
        self.exact: Mapping[str, tuple[str, ...]] = {k: tuple(v) for k, v in exact.items()}
        self.prefix: Mapping[str, tuple[str, ...]] = {k: tuple(v) for k, v in prefix.items()}
        self.short_prefix = any(len(k) < 2 for k in prefix)
        # Domain spellings: names without spaces matched inside a label
        # ("paypalsecure"), plus the brands' protect labels. Short (4-letter) names
        # only when ambiguous, i.e. only next to a context word.
        squeezed: dict[str, list[_Entry]] = {}
        for key, known in self.entries.items():
            flat = key.replace(" ", "")
            if len(flat) >= 4 and flat.isascii():
                for e in known:
                    if len(flat) >= 5 or e.ambiguous:
                        squeezed.setdefault(flat, []).append(e)
        protect: dict[str, list[_Entry]] = {}
        for brand in registry.brands:
            for label in brand.protect:
                entry = _Entry(brand, label, False)
                protect.setdefault(fold_words(label), []).append(entry)
                if len(label) >= 5:  # "citi" would claim citimotors.com and citizen.org
                    squeezed.setdefault(fold_words(label), []).append(entry)
        self.protect: Mapping[str, tuple[_Entry, ...]] = {k: tuple(v) for k, v in protect.items()}
        self.squeezed: Mapping[str, tuple[_Entry, ...]] = {
            k: tuple(v) for k, v in squeezed.items()
        }
        squeezed_pattern = _trie_pattern(self.squeezed)
        self.squeezed_regex = re.compile(squeezed_pattern) if squeezed_pattern else None
        context = _trie_pattern(fold_words(w) for w in _CONTEXT_WORDS)
        self.context = re.compile(r"(?<![a-z0-9])(?:" + context + r")(?![a-z0-9])")

    def hits(self, words: str, *, limit: int = 8) -> list[tuple[int, int, str]]:
        """(start, end, key) of registered names in ``words`` (a :func:`fold_words` result).

        Offsets are into ``words``; at most ``limit`` hits per name.
        """
        if not words:
            return []
        tokens = set(words.split(" "))
        candidates: set[str] = set()
        for word in tokens & self.exact.keys():
            candidates.update(self.exact[word])
        if not words.isascii():
            mixed = [t for t in tokens if not t.isascii()]
            # "apple에서": the Latin word in front of a Korean particle.
            leads = {m.group() for t in mixed if (m := _LEAD_ASCII.match(t))}
            for word in leads & self.exact.keys():
                candidates.update(self.exact[word])
            starts = {t[:2] for t in mixed}
            if self.short_prefix:
                starts |= {t[:1] for t in mixed}
            for start in starts & self.prefix.keys():
                candidates.update(self.prefix[start])
        out: list[tuple[int, int, str]] = []
        padded = " " + words + " "
        for key in candidates:
            latin_end = key[-1].isascii() and key[-1].isalnum()
            needle = " " + key
            pos = padded.find(needle)
            found = 0
            while pos != -1 and found < limit:
                end = pos + len(needle)
                nxt = padded[end]
                # Latin names end on a word boundary; Korean particles attach ("쿠팡에서").
                if latin_end:
                    ok = not (nxt.isascii() and nxt.isalnum())
                else:
                    ok = not _HANGUL_SYLLABLE.match(nxt) or padded.startswith(_KO_FOLLOW, end)
                if ok:
                    out.append((pos, end - 1, key))  # offsets into ``words``
                    found += 1
                pos = padded.find(needle, end)
        # Longest name wins where names overlap: "카카오페이" is Kakao Pay, not Kakao.
        out.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept: list[tuple[int, int, str]] = []
        reach = -1
        for hit in out:
            if hit[0] < reach:
                continue
            kept.append(hit)
            reach = hit[1]
        return kept


_matcher: PerRegistry[Registry, _Matcher] = PerRegistry(_Matcher)
"""The compiled name matcher of each registry."""


# --------------------------------------------------------------------------- claims


def _squash(text: str) -> str:
    """Case-folded letters and digits only, without the confusable mapping."""
    return "".join(c for c in text.casefold() if c.isalnum())


def _is_confusable(original: str, alias: str) -> bool:
    """The field matched the alias only through the skeleton (look-alike characters)."""
    return _squash(alias) not in _squash(original)


def _has_context(matcher: _Matcher, words: str) -> bool:
    return matcher.context.search(words) is not None


def _dominates(words: str, start: int, end: int) -> bool:
    """The name makes up most of a short field ("Apple", "Apple Inc.")."""
    letters = sum(1 for c in words if c.isalnum())
    named = sum(1 for c in words[start:end] if c.isalnum())
    return letters > 0 and named / letters >= 0.6


class _Collector:
    def __init__(self) -> None:
        self.by_brand: dict[str, tuple[Brand, list[ClaimEvidence]]] = {}

    def add(self, brand: Brand, evidence: ClaimEvidence) -> None:
        slot = self.by_brand.setdefault(brand.id, (brand, []))
        slot[1].append(evidence)

    def claims(self) -> tuple[BrandClaim, ...]:
        out: list[BrandClaim] = []
        for brand, evidence in self.by_brand.values():
            keep = 1.0
            body_weight = 0.0
            for e in evidence:
                if e.where == "body":
                    continue
                keep *= 1.0 - e.weight
            body_hits = sum(1 for e in evidence if e.where == "body")
            if body_hits:
                # Repeated body mentions add a little each, up to _BODY_MAX.
                body_weight = min(_BODY_MAX, _WEIGHTS["body"] + _BODY_STEP * (body_hits - 1))
                keep *= 1.0 - body_weight
            strength = round(1.0 - keep, 4)
            if strength >= MIN_STRENGTH:
                out.append(BrandClaim(brand, strength, tuple(evidence)))
        out.sort(key=lambda c: (-c.strength, c.brand.id))
        return tuple(out)


def _field_claims(
    matcher: _Matcher, collector: _Collector, where: str, text: str, *, weight: float
) -> None:
    """Names in a short field: display name, subject, one image hint."""
    words = fold_words(text[:1000])
    seen: set[str] = set()
    for start, end, key in matcher.hits(words, limit=2):
        for entry in matcher.entries[key]:
            if entry.brand.id in seen:
                continue
            if entry.literal and not _literal_in(entry.alias, text[:1000]):
                continue
            confusable = _is_confusable(text, entry.alias)
            if entry.ambiguous and not confusable:
                # Nobody spells "apple pie" with a Greek Alpha: look-alikes need no context.
                context = _has_context(matcher, words[:start] + " " + words[end:])
                named = where in ("display_name", "sms_tag") and _dominates(words, start, end)
                if not (context or named):
                    continue
            seen.add(entry.brand.id)
            collector.add(entry.brand, ClaimEvidence(
                where=where, text=text[:200], alias=entry.alias, weight=weight,
                confusable=confusable, ambiguous=entry.ambiguous,
            ))


def _head(body: str) -> str:
    """The first :data:`BODY_LIMIT` bytes of ``body`` as UTF-8, cut at a character."""
    head = body[:BODY_LIMIT]
    if not head.isascii():
        head = head.encode("utf-8", "surrogatepass")[:BODY_LIMIT].decode("utf-8", "ignore")
    return head


def _body_claims(matcher: _Matcher, collector: _Collector, body: str) -> None:
    body = _head(body)
    words = fold_words(body)
    counts: dict[str, int] = {}
    for start, end, key in matcher.hits(words, limit=4):
        for entry in matcher.entries[key]:
            n = counts.get(entry.brand.id, 0)
            if n >= 4:
                continue  # enough evidence from the body; keep the work bounded
            if entry.literal and not _literal_in(entry.alias, body):
                continue
            if entry.ambiguous:
                lo, hi = max(0, start - _WINDOW), min(len(words), end + _WINDOW)
                if not _has_context(matcher, words[lo:start] + " " + words[end:hi]):
                    continue
            counts[entry.brand.id] = n + 1
            lo, hi = max(0, start - 30), min(len(words), end + 30)
            collector.add(entry.brand, ClaimEvidence(
                where="body", text=words[lo:hi], alias=entry.alias,
                weight=_WEIGHTS["body"], ambiguous=entry.ambiguous,
            ))


def _unicode_host(host: str) -> str:
    """Decode IDNA A-labels so "xn--pple-43d.com" folds like "аpple.com"."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def _domain_claims(
    matcher: _Matcher, collector: _Collector, registry: Registry, from_domain: str
) -> None:
    host = normalize_domain(from_domain.rpartition("@")[2])
    if host is None:
        return
    owner = registry.brand_for_domain(host)
    if owner is not None and not is_freemail(host):
        collector.add(owner, ClaimEvidence(
            where="from_domain", text=host, alias=host, weight=_WEIGHTS["from_domain"],
        ))
        return
    if owner is not None:
        return  # a free mailbox of a brand (gmail.com): proves nothing either way
    # Spelled-out brand names in someone else's domain: "apple-billing.example",
    # "paypa1.example", "xn--pple-43d.com". The last label is the TLD: drop it.
    shown = _unicode_host(host)
    stem = shown.rsplit(".", 1)[0] if "." in shown else shown
    words = fold_words(stem)
    found: dict[str, ClaimEvidence] = {}
    for start, end, key in matcher.hits(words, limit=1):
        for entry in matcher.entries[key]:
            if entry.literal and not _literal_in(entry.alias, shown):
                continue
            confusable = _is_confusable(shown, entry.alias)
            context = _has_context(matcher, words[:start] + " " + words[end:])
            weight = (_WEIGHTS["from_domain_lookalike"]
                      if confusable or context or not entry.ambiguous else 0.6)
            found.setdefault(entry.brand.id, ClaimEvidence(
                where="from_domain", text=host, alias=entry.alias, weight=weight,
                confusable=confusable, ambiguous=entry.ambiguous,
            ))
    for word in words.split(" "):
        for entry in matcher.protect.get(word, ()):
            found.setdefault(entry.brand.id, ClaimEvidence(
                where="from_domain", text=host, alias=entry.alias,
                weight=_WEIGHTS["from_domain_lookalike"],
                confusable=_is_confusable(shown, entry.alias),
            ))
    if matcher.squeezed_regex is not None:
        # Names run into other words ("paypalsecure", "applesupport-billing"):
        # distinctive names count alone, ambiguous ones need a context word.
        context = _has_context(matcher, words)
        # Only at the start of a word: "paypalsecure", not "shagmail" for Gmail.
        hits = (m for word in words.split(" ") if (m := matcher.squeezed_regex.match(word)))
        for m in hits:
            for entry in matcher.squeezed.get(m.group(), ()):
                if entry.literal and not _literal_in(entry.alias, shown.replace("-", "")):
                    continue
                confusable = _is_confusable(shown, entry.alias)
                if entry.ambiguous and not (context or confusable):
                    continue
                found.setdefault(entry.brand.id, ClaimEvidence(
                    where="from_domain", text=host, alias=entry.alias,
                    weight=_WEIGHTS["from_domain_lookalike"] - 0.1,
                    confusable=confusable, ambiguous=entry.ambiguous,
                ))
    for brand_id, evidence in found.items():
        brand = registry.get(brand_id)
        if brand is not None:
            collector.add(brand, evidence)


def claim_brand(
    *,
    registry: Registry,
    from_domain: str | None = None,
    display_name: str | None = None,
    reply_to_domains: Sequence[str] = (),
    subject: str = "",
    body: str = "",
    image_hints: Sequence[str] = (),
) -> tuple[BrandClaim, ...]:
    """Rank the registered brands this message claims, strongest first.

    All inputs are plain strings: ``from_domain`` (a domain or the whole From
    address), the From display name, the Reply-To domains, the subject, the body
    as text (HTML already reduced to text; only the first :data:`BODY_LIMIT`
    bytes are read) and image alt texts / file names. See the module
    docstring for the weights and the rule for ambiguous names. Returns an empty
    tuple when nothing is claimed; never raises on odd input.
    """
    matcher = _matcher(registry)
    collector = _Collector()
    if from_domain:
        _domain_claims(matcher, collector, registry, from_domain)
    if display_name:
        _field_claims(matcher, collector, "display_name", display_name,
                      weight=_WEIGHTS["display_name"])
    if subject:
        _field_claims(matcher, collector, "subject", subject, weight=_WEIGHTS["subject"])
    for hint in image_hints[:50]:
        if hint:
            _field_claims(matcher, collector, "image", hint, weight=_WEIGHTS["image"])
    for domain in reply_to_domains[:10]:
        host = normalize_domain(domain.rpartition("@")[2])
        owner = registry.brand_for_domain(host) if host else None
        if owner is not None and host is not None and not is_freemail(host):
            collector.add(owner, ClaimEvidence(
                where="reply_to", text=host, alias=host, weight=_WEIGHTS["reply_to"],
            ))
    if body:
        _body_claims(matcher, collector, body)
    return collector.claims()


_SMS_TAG = re.compile(r"[\[【〔<(]\s*([^\]】〕>)\n]{1,30}?)\s*[\]】〕>)]")
# Carrier and legal labels, not brands (KR: [Web발신], [국외발신]; 정보통신망법 §50 (광고)).
_SMS_LABELS = frozenset({"web발신", "국외발신", "국제발신", "해외발신", "광고", "ad", "sms", "lms",
                         "mms", "알림", "안내"})


def claim_brand_sms(
    *,
    registry: Registry,
    body: str,
    sender: str | None = None,
    country: str | None = None,
) -> tuple[BrandClaim, ...]:
    """Rank the brands an SMS claims, strongest first.

    The SMS equivalents of the e-mail fields: a registered sender number, short
    code or alphanumeric ID (``sms_sender``, weight 1.0: the brand's own channel,
    still to be checked against the content), the bracket tags at the top of the
    text ("[쿠팡]", "【KB국민카드】", ``sms_tag``, weighted and ruled like a display
    name; carrier labels such as ``[Web발신]`` and ``(광고)`` are skipped), then the
    text itself as a body. ``country`` is the region for reading national numbers.
    """
    matcher = _matcher(registry)
    collector = _Collector()
    if sender:
        for brand in registry.brands_for_sms_sender(sender, country):
            collector.add(brand, ClaimEvidence(
                where="sms_sender", text=sender.strip()[:40], alias=sender.strip()[:40],
                weight=_WEIGHTS["from_domain"],
            ))
    for tag in _SMS_TAG.findall(body[:200])[:5]:
        if fold_words(tag) not in _SMS_LABELS:
            _field_claims(matcher, collector, "sms_tag", tag, weight=_WEIGHTS["display_name"])
    if body:
        _body_claims(matcher, collector, body)
    return collector.claims()


# --------------------------------------------------------------------------- findings


def _domain_of(address: str | None) -> str | None:
    if not address:
        return None
    addr = address.strip().strip("<>").strip()
    if "@" not in addr:
        return None
    return normalize_domain(addr.rpartition("@")[2])


def _local(address: str) -> str:
    """The local part of ``address``, lower-cased (one person's two mailboxes share it)."""
    return address.rsplit("@", 1)[0].lower()


def _org(domain: str) -> str:
    """The organisational (registrable) domain, falling back to the host itself."""
    return registrable_domain(domain) or domain


def _related(a: str, b: str, registry: Registry) -> bool:
    """Same organisation: same registrable domain, or both owned by one brand."""
    if a == b or _org(a) == _org(b):
        return True
    brand_a = registry.brand_for_domain(a)
    return brand_a is not None and brand_a.owns_domain(b)


def _list_address(list_post: str | None) -> str | None:
    if not list_post:
        return None
    m = re.search(r"mailto:([^>\s?]+)", list_post, re.IGNORECASE)
    return m.group(1).lower() if m else None


def _list_domain(list_id: str | None) -> str | None:
    if not list_id:
        return None
    m = re.search(r"<([^>]+)>", list_id)
    ident = (m.group(1) if m else list_id).strip().lower()
    return ident or None


def _is_list_reply(
    reply: str, from_address: str, list_id: str | None, list_post: str | None
) -> bool:
    """A mailing list: Reply-To is the list, or the list rewrote From (DMARC munging)."""
    if not (list_id or list_post):
        return False
    reply = reply.lower()
    list_addr = _list_address(list_post)
    list_ident = _list_domain(list_id)
    if list_addr and (reply == list_addr or from_address.lower() == list_addr):
        return True
    reply_domain = reply.rpartition("@")[2]
    from_domain = from_address.lower().rpartition("@")[2]
    if list_ident:
        # List-Id "<announce.lists.example.org>" names the list's own domain tail.
        for dom in (reply_domain, from_domain):
            if dom and (list_ident == dom or list_ident.endswith("." + dom)):
                return True
    return False


def _claim_for(
    claims: Sequence[BrandClaim], where: str
) -> Iterator[tuple[BrandClaim, ClaimEvidence]]:
    for claim in claims:
        for e in claim.evidence:
            if e.where == where:
                yield claim, e
                break


def sender_findings(
    *,
    registry: Registry,
    from_address: str | None,
    display_name: str | None = None,
    reply_to: Sequence[str] = (),
    return_path: str | None = None,
    list_id: str | None = None,
    list_post: str | None = None,
    subject: str = "",
    claims: Sequence[BrandClaim] | None = None,
) -> tuple[Finding, ...]:
    """Sender-identity findings for one e-mail, from plain header values.

    ``from_address`` is the From addr-spec, ``display_name`` its display name,
    ``reply_to`` the Reply-To addr-specs, ``return_path`` the envelope sender,
    ``list_id`` / ``list_post`` the RFC 2919 / RFC 2369 headers as written. ``claims``
    are :func:`claim_brand` results (computed here from the sender fields and
    subject when None). Codes:

    ``sender.display_name_brand``
        the display name names a brand that does not own the From domain (medium
        when the From domain is a free mailbox the brand runs, like gmail.com).
    ``sender.display_name_address``
        the display name shows an e-mail address other than the From address
        (skipped when the From domain belongs to a registered brand: Google Calendar
        style "alice@example.com (Google Calendar)" notices, rspamd#4008).
    ``sender.reply_to_freemail``
        replies go to a free mailbox while From is a company or brand domain
        (not for contact-form notifications, rspamd#1891; low on mailing lists,
        which set Reply-To themselves, rspamd#1673),
        or to another free mailbox than the free-mail sender's own (medium; not on
        mailing lists, nor when both mailboxes have the same local part).
    ``sender.reply_to_mismatch``
        replies go to another organisation's domain (low; same exceptions).
    ``sender.return_path_mismatch``
        the envelope sender's organisation differs from From's: informational,
        ESPs do this all the time.
    ``brand.unrelated_domain``
        the message presents itself as the strongest claimed brand — its logo, a
        subject about the customer's business with it ("Your Netflix payment
        failed"), or a From domain imitating it — but the brand does not own the
        From domain. Body mentions alone never raise it (news and newsletters name
        brands), and on a mailing list only a look-alike From domain does.
    """
    from_addr = (from_address or "").strip().strip("<>").strip()
    from_domain = _domain_of(from_addr)
    if claims is None:
        claims = claim_brand(
            registry=registry, from_domain=from_domain, display_name=display_name,
            reply_to_domains=[d for d in (_domain_of(r) for r in reply_to) if d],
            subject=subject,
        )
    out: list[Finding] = []
    freemail_from = is_freemail(from_domain)
    from_brand = registry.brand_for_domain(from_domain) if from_domain else None
    if from_brand is not None and freemail_from:
        from_brand = None  # anyone can have an address there

    # -- display name names a brand
    named: set[str] = set()
    for claim, ev in _claim_for(claims, "display_name"):
        brand = claim.brand
        # Any of the brand's own domains will do here (coupangeats.com for 쿠팡이츠):
        # whether that domain really sent the message is DMARC's question.
        if from_domain and brand.owns_domain(from_domain) and not freemail_from:
            continue
        named.add(brand.id)
        free_of_brand = bool(from_domain and freemail_from and brand.owns_domain(from_domain))
        reason = (f"is a free mailbox anyone can register at {brand.display_name}"
                  if free_of_brand else f"is not one of {brand.display_name}'s domains")
        out.append(Finding(
            code="sender.display_name_brand",
            severity=Severity.MEDIUM if free_of_brand else Severity.HIGH,
            message=(f"The sender name {display_name!r} claims {brand.display_name}, but the "
                     f"From domain {from_domain or '(none)'} {reason}."),
            evidence={
                "brand": brand.id, "display_name": display_name, "from_domain": from_domain,
                "alias": ev.alias, "confusable": ev.confusable, "freemail": freemail_from,
                "expected_domains": list(brand.sending_domains),
            },
        ))

    # -- display name shows another address
    if display_name:
        for shown in _EMAIL_IN_TEXT.findall(display_name):
            shown_domain = _domain_of(shown)
            if shown.lower() == from_addr.lower() or from_brand is not None:
                continue
            if shown_domain and from_domain and _related(shown_domain, from_domain, registry):
                continue  # another mailbox of the same organisation deceives nobody
            shown_brand = registry.brand_for_domain(shown_domain) if shown_domain else None
            severity = (Severity.HIGH if shown_brand is not None and not is_freemail(shown_domain)
                        else Severity.MEDIUM)
            out.append(Finding(
                code="sender.display_name_address",
                severity=severity,
                message=(f"The sender name shows the address {shown}, but the message is from "
                         f"{from_addr or '(no address)'}."),
                evidence={"display_name": display_name, "shown_address": shown,
                          "from_address": from_addr,
                          "shown_brand": shown_brand.id if shown_brand else None},
            ))
            break

    on_list = bool(list_id or list_post)

    # -- Reply-To
    top = claims[0] if claims else None
    brandish = from_brand is not None or (top is not None and top.strength >= 0.5)
    form_notice = (not brandish) and bool(_FORM_SUBJECT.search(subject or ""))
    for reply in reply_to:
        reply_addr = reply.strip().strip("<>").strip()
        reply_domain = _domain_of(reply_addr)
        if not reply_domain or not from_domain or reply_addr.lower() == from_addr.lower():
            continue
        if _is_list_reply(reply_addr, from_addr, list_id, list_post):
            continue
        if is_freemail(reply_domain):
            if (freemail_from and not form_notice and not on_list
                    and _local(reply_addr) != _local(from_addr)):
                # One free mailbox writes, another one collects the answers: the
                # advance-fee pattern (the sending account is burnt, the reply
                # account is kept). People answer from the mailbox they write from.
                out.append(Finding(
                    code="sender.reply_to_freemail",
                    severity=Severity.MEDIUM,
                    message=(f"Replies go to another free mailbox, {reply_addr}, not to the "
                             f"sender {from_addr}."),
                    evidence={"reply_to": reply_addr, "from_domain": from_domain,
                              "from_freemail": True, "brand": None},
                ))
                break
            if freemail_from or form_notice or reply_domain == from_domain:
                continue
            # Lists set Reply-To themselves (to the poster, rspamd#1673), so there it
            # is a weak cue: it takes a lure that asks for action to flag the message.
            out.append(Finding(
                code="sender.reply_to_freemail",
                severity=(Severity.LOW if on_list
                          else Severity.HIGH if brandish else Severity.MEDIUM),
                message=(f"Replies go to the free mailbox {reply_addr} although the message is "
                         f"from {from_domain}."),
                evidence={"reply_to": reply_addr, "from_domain": from_domain,
                          "brand": (from_brand.id if from_brand
                                    else (top.brand.id if top else None))},
            ))
            break
        if _related(from_domain, reply_domain, registry) or form_notice:
            continue
        out.append(Finding(
            code="sender.reply_to_mismatch",
            severity=Severity.MEDIUM if from_brand is not None else Severity.LOW,
            message=(f"Replies go to {reply_domain}, a different organisation from the From "
                     f"domain {from_domain}."),
            evidence={"reply_to": reply_addr, "from_domain": from_domain},
        ))
        break

    # -- Return-Path
    rp_domain = _domain_of(return_path)
    if rp_domain and from_domain and not _related(from_domain, rp_domain, registry):
        out.append(Finding(
            code="sender.return_path_mismatch",
            severity=Severity.INFO,
            message=(f"The envelope sender domain {rp_domain} differs from the From domain "
                     f"{from_domain} (common with e-mail service providers)."),
            evidence={"return_path_domain": rp_domain, "from_domain": from_domain},
        ))

    # -- strongest claimed brand vs the From domain
    if top is not None and top.brand.id not in named and from_domain:
        owns = top.brand.owns_domain(from_domain) and not freemail_from
        lookalike = any(e.where == "from_domain" for e in top.evidence)
        # Newsletters and news mention brands all day ("Google Domain Suffix Census"):
        # the message *presents itself* as the brand only through its logo, a
        # subject about the customer's business with it ("Your Netflix payment"),
        # or a From domain that imitates it. Body mentions alone never do.
        subject_context = _has_context(_matcher(registry), fold_words(subject[:1000]))
        presents = lookalike or any(
            e.where == "image" or (e.where == "subject" and subject_context)
            for e in top.evidence
        )
        # Mailing lists discuss brands: there only a look-alike From domain counts.
        if not owns and presents and top.strength >= 0.5 and (lookalike or not on_list):
            out.append(Finding(
                code="brand.unrelated_domain",
                severity=Severity.HIGH if lookalike else Severity.MEDIUM,
                message=(f"The message presents itself as {top.brand.display_name} "
                         f"({', '.join(sorted(top.where))}), but {from_domain} is not one of "
                         f"its domains" + (" and imitates its name." if lookalike else ".")),
                evidence={"brand": top.brand.id, "from_domain": from_domain,
                          "where": sorted(top.where), "strength": round(top.strength, 3),
                          "lookalike": lookalike,
                          "confusable": top.confusable},
            ))
    return tuple(out)

"""Is this domain a twist of a registered brand's domain? (reverse dnstwist)

dnstwist generates, from one domain, the permutations an attacker might register
(omission, homoglyph, bitsquatting, combosquatting …). trustcheck needs the
reverse question for every host in a message — the open ask of dnstwist#141 and
#233 — and it needs it fast (tens of thousands of hosts per second). So the
:class:`LookalikeIndex` precomputes, for every protected brand label, the set of
its single-edit and homoglyph variants and maps each one back to the brand;
checking a host is then a handful of hash lookups:

* exact protected label under another suffix (``apple.net``) → ``tld-swap``;
* IDN label folded to the ASCII it imitates (UTS #39 skeleton, see
  :mod:`trustcheck.links.skeleton`) equal to a label → ``idn-skeleton`` /
  ``cyrillic``;
* label in the variant map → the dnstwist fuzzer class that produced it;
* labels split by an inserted dot (``ap.ple.com``) → ``subdomain``;
* brand label plus lure words (``apple-billing.com``, ``secureapple.net``) →
  ``dictionary`` (combosquatting);
* an official domain or brand label inside the subdomain (``apple.com.evil.ru``)
  → ``brand-in-subdomain``;
* for long labels only, Levenshtein distance 2 (rapidfuzz) → ``various``.

Short labels (``ups``, ``dhl``, ``kb``) are one edit away from thousands of
unrelated popular names, so single-edit rules apply only from
:data:`MIN_EDIT_LABEL` characters up; shorter labels match by homoglyph,
suffix swap and combosquat only. A brand's own domains (and their subdomains) are
never matched, for any brand in the index.

Ordinary words get the same caution, by one general rule over a shipped list of
common English words (``data/common_words.txt``, SCOWL levels 10–20, not fitted to
any domain list): a single edit of a brand label that lands on a common word is
that word, not a typo (``gmail`` → ``mail``, ``binance`` → ``finance``); and a
brand's *secondary* label that is itself a common word (Microsoft's ``office``,
``live``, ``outlook``) is matched only by homoglyph/IDN, a dot inserted into it,
the official domain spelled out in a subdomain, or a hyphenated combination with
strong lure words (``office-login``) — not by suffix swap (``office.net``), a glued
combination (``mango-office``, ``officedepot``) or fuzzy edits. A brand's primary
label (the first one: ``apple``, ``chase``) keeps every rule, since the brand's
own name is what squatters imitate.
"""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from trustcheck.links.domains import is_ip_literal, normalize_host, split_host
from trustcheck.links.skeleton import fold_label, scripts_of
from trustcheck.registry.derived import PerRegistry

__all__ = [
    "MIN_EDIT_LABEL",
    "BrandDomains",
    "LookalikeIndex",
    "LookalikeMatch",
    "Technique",
    "find_lookalike",
    "lookalike_index",
]


class Technique(enum.StrEnum):
    """How the domain imitates the brand: dnstwist's fuzzer names plus two of ours."""

    ADDITION = "addition"
    BITSQUATTING = "bitsquatting"
    CYRILLIC = "cyrillic"
    HOMOGLYPH = "homoglyph"
    HYPHENATION = "hyphenation"
    INSERTION = "insertion"
    OMISSION = "omission"
    PLURAL = "plural"
    REPETITION = "repetition"
    REPLACEMENT = "replacement"
    SUBDOMAIN = "subdomain"
    TRANSPOSITION = "transposition"
    VOWEL_SWAP = "vowel-swap"
    VARIOUS = "various"
    TLD_SWAP = "tld-swap"
    DICTIONARY = "dictionary"
    BRAND_IN_SUBDOMAIN = "brand-in-subdomain"
    IDN_SKELETON = "idn-skeleton"


@dataclass(frozen=True, slots=True)
class LookalikeMatch:
    """A domain that imitates a registered brand domain (**contract**)."""

    domain: str
    """The domain checked, normalised (lower case, A-labels)."""
    brand: str
    """Registry id of the imitated brand."""
    official: str
    """The official domain it imitates."""
    technique: Technique
    score: float
    """Confidence 0–1 that this is deliberate imitation."""
    label: str
    """The protected brand label that was imitated (``apple``)."""

    def to_evidence(self) -> dict[str, str | float]:
        """JSON-safe facts for a :class:`~trustcheck.verdict.Finding`."""
        return {"domain": self.domain, "brand": self.brand, "official": self.official,
                "technique": self.technique.value, "score": self.score, "label": self.label}


@dataclass(frozen=True, slots=True)
class BrandDomains:
    """One brand as the index sees it: its official domains and the labels to protect."""

    brand: str
    official: tuple[str, ...]
    labels: tuple[str, ...] = ()
    """Distinctive labels (``apple``); when empty, the labels of the official domains."""


class _BrandLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def all_domains(self) -> Iterable[str]: ...
    @property
    def lookalike_labels(self) -> Iterable[str]: ...


class _RegistryLike(Protocol):
    @property
    def brands(self) -> Iterable[Any]: ...


#: Labels shorter than this match only by homoglyph/IDN, suffix swap, combosquat
#: or brand-in-subdomain: a single edit of ``ups`` or ``visa`` is mostly another
#: real name (``ups`` → ``ops``, ``visa`` → ``vida``).
MIN_EDIT_LABEL = 5
#: Distance-2 fuzzy matching needs a label at least this long.
_MIN_FUZZY_LABEL = 8
#: A label glued to an unknown word counts (weakly) from this length on.
_MIN_LOOSE_LABEL = 7

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"
_VOWELS = "aeiou"
# Keyboard neighbours (QWERTY, QWERTZ, AZERTY merged): typo squats hit adjacent keys.
# Keyboard layouts whose typos dnstwist models (QWERTY, QWERTZ, AZERTY), top row first.
_LAYOUTS = (
    ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    ("1234567890-", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
    ("1234567890-", "azertyuiop", "qsdfghjklm", "wxcvbn"),
)
_ASCII_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("o",), "o": ("0",), "1": ("l", "i"), "l": ("1", "i"), "i": ("1", "l"),
    "3": ("8",), "8": ("3",), "6": ("9",), "9": ("6",), "5": ("s",), "s": ("5",),
    "b": ("d", "lb", "6"), "d": ("b", "cl", "dl"), "c": ("e",), "e": ("c",), "g": ("q",),
    "q": ("g",), "h": ("lh",), "k": ("lc",), "m": ("n", "nn", "rn"), "n": ("m", "r"),
    "u": ("v",), "v": ("u",), "w": ("vv",), "rn": ("m",), "cl": ("d",), "vv": ("w",),
    "nn": ("m",),
}  # fmt: skip

_BASE_SCORE: dict[Technique, float] = {
    Technique.IDN_SKELETON: 0.98, Technique.CYRILLIC: 0.98, Technique.HOMOGLYPH: 0.92,
    Technique.BRAND_IN_SUBDOMAIN: 0.9, Technique.TLD_SWAP: 0.85, Technique.SUBDOMAIN: 0.85,
    Technique.BITSQUATTING: 0.8, Technique.TRANSPOSITION: 0.85, Technique.OMISSION: 0.8,
    Technique.REPETITION: 0.85, Technique.HYPHENATION: 0.85, Technique.VOWEL_SWAP: 0.8,
    Technique.REPLACEMENT: 0.8, Technique.INSERTION: 0.8, Technique.ADDITION: 0.75,
    Technique.PLURAL: 0.75, Technique.DICTIONARY: 0.8, Technique.VARIOUS: 0.5,
}  # fmt: skip


# Lure words too common in ordinary names to mark a short brand label glued to them
# (zoominfo, upsnet, kbapp): with labels under MIN_EDIT_LABEL only the others count.
_WEAK_WORDS = frozenset({
    "app", "apps", "cloud", "connect", "contact", "desk", "docs", "global", "home", "id",
    "info", "kr", "live", "mail", "mobile", "my", "net", "network", "online", "pass", "pin",
    "safe", "server", "shop", "sign", "sms", "store", "team", "user", "web", "www", "case",
    "center", "centre", "check", "care", "card", "cards", "bank", "pay",
})


def _neighbours() -> dict[str, str]:
    out: dict[str, set[str]] = {}
    for rows in _LAYOUTS:
        for row in rows:
            for i, c in enumerate(row):
                near = out.setdefault(c, set())
                near.update(row[max(i - 1, 0) : i] + row[i + 1 : i + 2])
        # Row above/below share the column index closely enough for a typo model;
        # rows pair only within one layout.
        for upper, lower in itertools.pairwise(rows):
            for i, c in enumerate(lower):
                out.setdefault(c, set()).update(upper[i : i + 2])
                for u in upper[i : i + 2]:
                    out.setdefault(u, set()).add(c)
    return {k: "".join(sorted(v)) for k, v in out.items()}


_NEAR = _neighbours()


@functools.cache
def _common_words() -> frozenset[str]:
    text = (resources.files("trustcheck.links") / "data" / "common_words.txt").read_text("utf-8")
    return frozenset(w for w in text.split() if w.isalpha() and w.islower())


@functools.cache
def _default_words() -> frozenset[str]:
    text = (resources.files("trustcheck.links") / "data" / "phishing_words.txt").read_text("utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _valid(label: str) -> bool:
    return bool(label) and not label.startswith("-") and not label.endswith("-")


def _edits(label: str) -> Iterator[tuple[str, Technique]]:
    """Single-edit variants, most specific technique first (first one wins)."""
    n = len(label)
    for i in range(n - 1):
        if label[i] != label[i + 1]:
            yield label[:i] + label[i + 1] + label[i] + label[i + 2 :], Technique.TRANSPOSITION
    for i in range(n):
        yield label[:i] + label[i] + label[i:], Technique.REPETITION
    for i in range(n):
        yield label[:i] + label[i + 1 :], Technique.OMISSION
    for i in range(1, n):
        yield label[:i] + "-" + label[i:], Technique.HYPHENATION
    for k in _ALPHABET:
        yield label + k, Technique.ADDITION
    for i, c in enumerate(label):
        if c in _VOWELS:
            for v in _VOWELS:
                yield label[:i] + v + label[i + 1 :], Technique.VOWEL_SWAP
    for i, c in enumerate(label):
        for g in _ASCII_GLYPHS.get(c, ()):
            yield label[:i] + g + label[i + 1 :], Technique.HOMOGLYPH
        for bit in range(8):
            b = chr(ord(c) ^ (1 << bit))
            if b in _ALPHABET:
                yield label[:i] + b + label[i + 1 :], Technique.BITSQUATTING
        for k in _NEAR.get(c, ""):
            yield label[:i] + k + label[i + 1 :], Technique.REPLACEMENT
            yield label[:i] + k + label[i:], Technique.INSERTION
            yield label[: i + 1] + k + label[i + 1 :], Technique.INSERTION
    # Any letter inserted is a typo people make; any letter *replaced* is not: a
    # five-letter brand label is one arbitrary letter away from many ordinary names
    # (jpost/epost), so replacement is limited to keyboard neighbours, as in dnstwist.
    for i in range(n):
        for k in _ALPHABET:
            yield label[:i] + k + label[i:], Technique.INSERTION
    for i in range(2, n - 1):
        yield label[:i] + ("es" if label[i - 1] in "sxz" else "s") + label[i:], Technique.PLURAL


def _glyph_swaps(label: str) -> Iterator[str]:
    for i in range(len(label)):
        for width in (1, 2):
            chunk = label[i : i + width]
            if len(chunk) == width:
                for g in _ASCII_GLYPHS.get(chunk, ()):
                    yield label[:i] + g + label[i + width :]
        # A doubled letter is usually swapped as a pair (google -> g00gle).
        pair = label[i : i + 2]
        if len(pair) == 2 and pair[0] == pair[1]:
            for g in _ASCII_GLYPHS.get(pair[0], ()):
                yield label[:i] + g + g + label[i + 2 :]


def _homoglyphs2(label: str) -> set[str]:
    """ASCII homoglyph variants with up to two substitutions (``rnicrosoft``, ``paypa1``)."""
    first = set(_glyph_swaps(label))
    out = set(first)
    for v in first:
        out.update(_glyph_swaps(v))
    out.discard(label)
    return out


@dataclass(frozen=True, slots=True)
class _Target:
    brand: str
    official: str
    label: str
    registrables: tuple[str, ...]
    generic: bool = False
    """A secondary label that is an ordinary word (``office``): strict matching only."""


#: Hosts whose answer a LookalikeIndex remembers before it starts over.
_MEMO_SIZE = 4096


class LookalikeIndex:
    """Precomputed reverse-permutation index over a set of brands. Immutable once built."""

    __slots__ = ("_common", "_fuzzy", "_memo", "_owned", "_protected", "_starts", "_variants",
                 "_words")

    def __init__(self, brands: Iterable[BrandDomains | tuple[str, Iterable[str], Iterable[str]]],
                 *, words: Iterable[str] | None = None,
                 common_words: Iterable[str] | None = None) -> None:
        """Build the index from brands or ``(brand_id, official_domains, protect_labels)``.

        ``words`` are the lure words of combosquats (default: the shipped list);
        ``common_words`` the ordinary words described in the module docstring
        (default: the shipped SCOWL list; pass ``()`` to switch the rule off).
        """
        self._common = (frozenset(common_words) if common_words is not None
                        else _common_words())
        self._owned: dict[str, str] = {}
        self._protected: dict[str, _Target] = {}
        self._variants: dict[str, tuple[_Target, Technique]] = {}
        self._words = frozenset(words) if words is not None else _default_words()
        entries = [b if isinstance(b, BrandDomains) else
                   BrandDomains(b[0], tuple(b[1]), tuple(b[2])) for b in brands]
        for entry in entries:
            self._add_brand(entry)
        for target in self._protected.values():
            self._add_variants(target)
        starts: dict[str, list[str]] = {}
        for name in sorted(self._protected, key=len, reverse=True):
            if len(name) >= 2:
                starts.setdefault(name[:2], []).append(name)
        self._starts = {k: tuple(v) for k, v in starts.items()}
        self._fuzzy = [k for k, t in self._protected.items()
                       if len(k) >= _MIN_FUZZY_LABEL and not t.generic]
        self._memo: dict[str, LookalikeMatch | None] = {}

    @classmethod
    def from_registry(cls, registry: _RegistryLike) -> LookalikeIndex:
        """Index every brand of a :class:`trustcheck.registry.Registry`."""
        entries = []
        for brand in registry.brands:
            domains = tuple(getattr(brand, "all_domains", ()) or ())
            labels = tuple(getattr(brand, "lookalike_labels", ()) or ())
            entries.append(BrandDomains(str(brand.id), domains, labels))
        return cls(entries)

    # -- building

    def _add_brand(self, entry: BrandDomains) -> None:
        registrables: list[str] = []
        by_label: dict[str, str] = {}
        for domain in entry.official:
            host = normalize_host(domain)
            if host is None:
                continue
            parts = split_host(host.ascii)
            reg = parts.registrable or host.ascii
            if reg not in registrables:
                registrables.append(reg)
            self._owned.setdefault(reg, entry.brand)
            by_label.setdefault(parts.label or reg, reg)
        if not registrables:
            return
        labels = [lab.strip().lower() for lab in entry.labels if lab.strip()]
        if not labels:
            labels = [lab for lab in by_label if len(lab) >= 3]
        for position, label in enumerate(labels):
            host = normalize_host(label)
            if host is None or "." in host.ascii:
                continue
            official = by_label.get(host.ascii, registrables[0])
            generic = position > 0 and host.ascii in self._common
            self._protected.setdefault(
                host.ascii,
                _Target(entry.brand, official, host.ascii, tuple(registrables), generic))

    def _add_variants(self, target: _Target) -> None:
        label = target.label
        variants = self._variants
        for v in _homoglyphs2(label):
            if _valid(v) and v not in self._protected:
                variants.setdefault(v, (target, Technique.HOMOGLYPH))
        # "various": the official suffix glued on (applecom.com, paypal-de.com).
        for reg in target.registrables:
            head, _, suffix = reg.partition(".")
            if head == label and suffix:
                first = suffix.split(".", 1)[0]
                for v in (label + suffix.replace(".", ""), label + "-" + suffix.replace(".", "-"),
                          label + first, label + "-" + first):
                    variants.setdefault(v, (target, Technique.VARIOUS))
        if len(label) < MIN_EDIT_LABEL or target.generic:
            return
        common = self._common
        for v, technique in _edits(label):
            # An edit that lands on an ordinary word is that word (gmail -> mail).
            if v != label and _valid(v) and v not in self._protected and v not in common:
                variants.setdefault(v, (target, technique))

    # -- lookup

    def owner(self, registrable: str) -> str | None:
        """The brand id that registered this registrable domain, if any."""
        return self._owned.get(registrable)

    def match(self, domain: str) -> LookalikeMatch | None:
        """The brand domain ``domain`` imitates, or None (brand-owned hosts never match).

        Remembered per host (the index never changes; a message links the same
        hosts again and again); the memo is emptied when it reaches its bound.
        """
        memo = self._memo
        if domain in memo:
            return memo[domain]
        found = self._match_host(domain)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[domain] = found
        return found

    def _match_host(self, domain: str) -> LookalikeMatch | None:
        host = normalize_host(domain)
        if host is None or is_ip_literal(host.ascii):
            return None
        parts = split_host(host.ascii)
        reg = parts.registrable
        if reg is None or reg in self._owned:
            return None
        if len(parts.suffix) >= MIN_EDIT_LABEL and parts.suffix in self._protected:
            return None  # a brand top-level domain (.microsoft, .google) is the brand's own
        found = self._match(parts.subdomain.split(".") if parts.subdomain else [], parts.label,
                            parts.suffix)
        if found is None:
            return None
        target, technique, score = found
        return LookalikeMatch(host.ascii, target.brand, target.official, technique,
                              round(score, 3), target.label)

    def _match(self, sub: list[str], label: str, suffix: str
               ) -> tuple[_Target, Technique, float] | None:
        target = self._protected.get(label)
        if target is not None:
            if target.generic:
                return None  # office.net, live.de: an ordinary word under another suffix
            # The exact label under a country-code suffix is often the brand's own
            # national site missing from the registry: still a match, lower confidence.
            cc = len(suffix.rsplit(".", 1)[-1]) == 2
            return target, Technique.TLD_SWAP, 0.5 if cc else _BASE_SCORE[Technique.TLD_SWAP]
        if label.startswith("xn--"):
            found = self._match_idn(label)
            if found is not None:
                return found
        if sub:
            joined = label
            # dnstwist "subdomain": a dot inserted into the label (ap.ple.com).
            for piece in reversed(sub[-3:]):
                joined = piece + joined
                target = self._protected.get(joined)
                if target is not None:
                    return target, Technique.SUBDOMAIN, _BASE_SCORE[Technique.SUBDOMAIN]
        hit = self._variants.get(label)
        if hit is not None:
            return hit[0], hit[1], _BASE_SCORE[hit[1]] * _length_factor(len(hit[0].label))
        found = self._combosquat(label)
        if found is None and sub:
            found = self._match_subdomain(sub)
        if found is None:
            found = self._fuzzy_match(label)
        return found

    def _match_idn(self, label: str) -> tuple[_Target, Technique, float] | None:
        try:
            ulabel = label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return None
        folded = fold_label(ulabel)
        if not folded.isascii():
            return None
        target = self._protected.get(folded)
        if target is not None:
            scripts = scripts_of(ulabel)
            if scripts == {"CYRILLIC"}:
                return target, Technique.CYRILLIC, _BASE_SCORE[Technique.CYRILLIC]
            if len(scripts) > 1:
                return target, Technique.IDN_SKELETON, _BASE_SCORE[Technique.IDN_SKELETON]
            return target, Technique.HOMOGLYPH, _BASE_SCORE[Technique.HOMOGLYPH]
        hit = self._variants.get(folded)
        if hit is not None:
            return hit[0], Technique.HOMOGLYPH, _BASE_SCORE[Technique.HOMOGLYPH] * 0.95
        combo = self._combosquat(folded)
        if combo is not None:
            return combo[0], Technique.HOMOGLYPH, combo[2]
        return None

    def _is_filler(self, part: str, *, strict: bool = False) -> bool:
        """A piece allowed next to a brand label in a combosquat: a lure word or a number."""
        if not part:
            return True
        if strict:
            return part in self._words and part not in _WEAK_WORDS
        if part.isdigit() or part in self._words:
            return True
        # Two lure words glued together (secureloginapple): bounded, one split point.
        return any(part[:i] in self._words and part[i:] in self._words
                   for i in range(2, len(part) - 1))

    def _combosquat(self, label: str) -> tuple[_Target, Technique, float] | None:
        base = _BASE_SCORE[Technique.DICTIONARY]
        if "-" in label:
            tokens = [t for t in label.split("-") if t]
            for i, token in enumerate(tokens):
                target = self._protected.get(token)
                if target is None:
                    hit = self._variants.get(token)
                    # A homoglyph-twisted label as a token (paypa1-login) is still a
                    # combosquat; other edits of a token are mostly ordinary words (cloud).
                    target = (hit[0] if hit is not None and hit[1] is Technique.HOMOGLYPH
                              and len(hit[0].label) >= MIN_EDIT_LABEL else None)
                if target is None:
                    continue
                rest = tokens[:i] + tokens[i + 1 :]
                if target.generic:
                    # office-login yes, mango-office no: only strong lure words count.
                    if rest and all(self._is_filler(t, strict=True) for t in rest):
                        return target, Technique.DICTIONARY, base
                    continue
                if all(self._is_filler(t) for t in rest):
                    return target, Technique.DICTIONARY, base
                # A distinctive label hyphenated to anything (apple-hq, paypal-webscr):
                # legitimate owners rarely hyphenate their brand, squatters often do.
                if len(target.label) >= MIN_EDIT_LABEL and len(rest) == 1:
                    return target, Technique.DICTIONARY, base * 0.85
        loose: tuple[_Target, Technique, float] | None = None
        # Glued inside a hyphenated label (appleid-verify): judge it without hyphens.
        glued = label.replace("-", "")
        for start in range(len(glued) - 1):
            # Only positions where some protected label begins (two-letter index).
            for name in self._starts.get(glued[start : start + 2], ()):
                if len(name) >= len(glued) or not glued.startswith(name, start):
                    continue
                target = self._protected[name]
                if target.generic:
                    continue  # officedepot, livescore: ordinary compound names
                head, tail = glued[:start], glued[start + len(name) :]
                # Glued to a short label (zoominfo, upsnet) only a strong lure word counts.
                strict = len(name) < MIN_EDIT_LABEL
                if self._is_filler(head, strict=strict) and self._is_filler(tail, strict=strict):
                    return target, Technique.DICTIONARY, base
                # A long, distinctive label glued to an unknown word (paypalhq, netflixdirect):
                # weaker evidence, since brands register such names too (walmartimages).
                extra = head or tail
                if (len(name) >= _MIN_LOOSE_LABEL and "-" not in label and (not head or not tail)
                        and len(extra) >= 2 and extra.isalpha()):
                    loose = loose or (target, Technique.DICTIONARY, 0.5)
        return loose

    def _fuzzy_match(self, label: str) -> tuple[_Target, Technique, float] | None:
        if len(label) < _MIN_FUZZY_LABEL or not self._fuzzy:
            return None
        best = extractOne(label, self._fuzzy, scorer=Levenshtein.distance, score_cutoff=2)
        if best is None:
            return None
        target = self._protected[best[0]]
        return target, Technique.VARIOUS, _BASE_SCORE[Technique.VARIOUS]

    def _match_subdomain(self, sub: list[str]) -> tuple[_Target, Technique, float] | None:
        # apple.com.evil.ru, www.paypal.com-login.example: an official domain spelled out.
        for i, piece in enumerate(sub):
            head = piece.split("-", 1)[0]
            target = self._protected.get(head)
            if target is None:
                continue
            rest = ".".join(sub[i:])
            for reg in target.registrables:
                if rest == reg or rest.startswith((reg + ".", reg + "-")):
                    return target, Technique.BRAND_IN_SUBDOMAIN, 0.95
            if piece == head and len(head) >= MIN_EDIT_LABEL and not target.generic:
                # A bare brand word as a host label (outlook.example.biz) is weak: many
                # protected labels are also ordinary words.
                return target, Technique.BRAND_IN_SUBDOMAIN, 0.45
        for piece in sub:
            combo = self._combosquat(piece) if "-" in piece else None
            if combo is not None:
                return combo[0], Technique.BRAND_IN_SUBDOMAIN, 0.7
        return None


def _length_factor(n: int) -> float:
    """Shorter labels are more often edited by chance: scale the confidence down."""
    return 1.0 if n >= 7 else 0.9 if n >= 5 else 0.75


# -- default-registry cache



def lookalike_index(registry: _RegistryLike | None = None) -> LookalikeIndex:
    """The (cached) index for ``registry``, default ``Registry.default()``."""
    return _index_for(registry)


_indexes: PerRegistry[_RegistryLike, LookalikeIndex] = PerRegistry(LookalikeIndex.from_registry)


def _index_for(registry: _RegistryLike | None) -> LookalikeIndex:
    return _indexes(registry if registry is not None else _default_registry())


@functools.cache
def _default_registry() -> _RegistryLike:
    from trustcheck import registry as registry_module  # lazy: registry imports links

    result: _RegistryLike = registry_module.Registry.default()
    return result


def find_lookalike(domain: str, registry: _RegistryLike | None = None) -> LookalikeMatch | None:
    """Which registered brand domain ``domain`` imitates, and how (**contract**).

    ``registry`` defaults to ``Registry.default()``; the index is built once per
    registry object and cached. Hosts of any registered brand never match.
    """
    return _index_for(registry).match(domain)

"""Normalising the things a registry holds: names, domains and SMS senders.

``fold`` is a case-insensitive variant of the UTS #39 skeleton
(https://www.unicode.org/reports/tr39/#Confusable_Detection): confusable
characters map to one prototype, case is folded, zero-width/format characters
vanish and fullwidth/mathematical letters become plain ones, so "Αpple" (Greek
Alpha), "PayPaI" (capital I), "P\u200bayPal" and "ＰａｙＰａｌ" all fold to the
same string as "PayPal". The folding table is computed once from the
confusables data shipped by ``confusable-homoglyphs`` and then applied with
``str.translate``, which stays on CPython's ASCII fast path for ASCII text.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

__all__ = [
    "fold",
    "fold_name",
    "fold_words",
    "normalize_domain",
    "normalize_sms_sender",
    "registrable_domain",
    "registrable_label",
]

# Default-ignorable characters used to split words invisibly (UTS #39 §4 removes
# them before comparing): zero-width space/joiners, marks, word joiner, BOM, soft hyphen.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u3164\uffa0"
    # Variation selectors and tag characters: default-ignorable too, and spammers
    # stuff them between letters ("M\U000e0139icrosoft").
    + "".join(chr(cp) for cp in (*range(0xFE00, 0xFE10), *range(0xE0000, 0xE0080),
                                 *range(0xE0100, 0xE01F0)))
)
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))

# Code points also folded through NFKC + casefold (not only the confusables list):
# Latin, Greek, Cyrillic, letterlike symbols, enclosed alphanumerics, fullwidth
# forms, mathematical alphanumerics. Hangul is left alone on purpose: NFKC would
# turn compatibility jamo into conjoining jamo and break Korean names.
_FOLD_RANGES = (
    (0x0000, 0x024F),
    (0x0370, 0x052F),
    (0x1D00, 0x1FFF),
    (0x2100, 0x218F),
    (0x2460, 0x24FF),
    (0xFF01, 0xFF5E),
    (0x1D400, 0x1D7FF),
)

_SPACES = re.compile(r"\s+")
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})


@functools.cache
def _prototypes() -> dict[str, str]:
    """Single-character source -> prototype string, from confusable-homoglyphs' data.

    That file lists each prototype with the characters confusable with it and each
    source with its prototype; a key whose list holds exactly one entry that lists
    it back is a source. A pair that only points at each other has no clear
    prototype: the ASCII (or lower) code point wins, which is all a skeleton needs.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    out: dict[str, str] = {}
    for key, entries in data.items():
        if len(key) != 1 or len(entries) != 1:
            continue
        target = entries[0]["c"].replace("\u200e", "")
        back = data.get(target, ())
        if len(target) == 1 and len(back) == 1 and back[0]["c"].replace("\u200e", "") == key:
            # Mutual pair: the ASCII character, else the lower code point, is the prototype.
            rep = min(key, target)
            if target.isascii() != key.isascii():
                rep = key if key.isascii() else target
            if rep == key:
                continue
        out[key] = target
    return out


def _fold_char(ch: str, protos: dict[str, str]) -> str:
    """Fold one character by iterating skeleton + NFKC + casefold to a fixed point."""
    s = ch
    for _ in range(4):
        nxt = "".join(protos.get(c, c) for c in s)
        if not all(0xAC00 <= ord(c) <= 0xD7A3 or 0x3131 <= ord(c) <= 0x318E for c in nxt):
            nxt = unicodedata.normalize("NFKC", nxt)
        nxt = nxt.casefold().replace("i", "l")
        if nxt == s:
            break
        s = nxt
    return s


_TABLE_FILE = "fold_table.json"


@functools.cache
def _fold_tables() -> tuple[dict[int, str | None], tuple[tuple[str, str], ...]]:
    """The translate table and the multi-letter ASCII sequences folded afterwards.

    Read from the precomputed ``fold_table.json`` shipped next to this module
    (computing it takes ~150 ms; reading it ~5 ms). ``tests/test_registry_names.py``
    checks the file equals :func:`build_fold_tables`; regenerate it with
    ``python -m trustcheck.registry.names`` after upgrading confusable-homoglyphs.
    """
    try:
        raw = resources.files("trustcheck.registry").joinpath(_TABLE_FILE).read_text("utf-8")
    except OSError:
        return build_fold_tables()
    data = json.loads(raw)
    table: dict[int, str | None] = {int(k): v for k, v in data["table"].items()}
    sequences = tuple((str(a), str(b)) for a, b in data["sequences"])
    return table, sequences


def build_fold_tables() -> tuple[dict[int, str | None], tuple[tuple[str, str], ...]]:
    """Compute the folding tables from the confusables data (slow; see ``_fold_tables``)."""
    protos = _prototypes()
    table: dict[int, str | None] = {}
    candidates = set(protos)
    for lo, hi in _FOLD_RANGES:
        candidates.update(chr(cp) for cp in range(lo, hi + 1))
    sequences: dict[str, str] = {}
    for ch in sorted(candidates):  # sorted: the result must not depend on hash order
        if ch in _INVISIBLE:
            continue
        folded = _fold_char(ch, protos)
        if ch.isascii() and len(folded) > 1 and folded.isascii():
            # "m" -> "rn" in UTS #39: keep the single letter and fold the sequence
            # "rn" into it afterwards, so ASCII text stays on the fast path.
            sequences[folded] = ch.casefold()
            if ch.casefold() != ch:
                table[ord(ch)] = ch.casefold()
            continue
        if folded != ch:
            table[ord(ch)] = folded
    for ch in _INVISIBLE:
        table[ord(ch)] = None
    # Apply sequence folds to the table's own outputs too, so both sides agree.
    ordered = tuple(sorted(sequences.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    for cp, out in list(table.items()):
        if out:
            for seq, single in ordered:
                out = out.replace(seq, single)
            table[cp] = out
    return table, ordered


@functools.cache
def _fast_tables() -> tuple[bytes, re.Pattern[str], dict[int, str]]:
    """Split the table for speed: a 256-byte table for ASCII, a regex for the rest.

    ``str.translate`` leaves CPython's fast path as soon as the text holds one
    non-ASCII character (any Korean text), costing ~70 ns per character. Instead:
    ``casefold`` (C), then ``bytes.translate`` on the UTF-8 bytes for ASCII
    (multi-byte sequences never contain ASCII bytes), then a regex substitution
    that touches only the rare non-ASCII characters that fold.
    """
    table, _ = _fold_tables()
    ascii_map = bytearray(range(256))
    rest: dict[int, str] = {}
    for cp, out in table.items():
        if cp < 128:
            if out is not None and len(out) == 1 and out.isascii():
                ascii_map[cp] = ord(out)
        else:
            rest[cp] = out or ""
    # Table values are fixed points, so the ASCII pass may run after the regex.
    # Hangul syllables and ASCII never fold here; everything else is looked up in
    # runs. A negated two-range class is a fast test in sre (a class listing the
    # ~6,000 folding characters is not: sre scans its ranges linearly).
    pattern = re.compile("[^\\x00-\\x7f\\uac00-\\ud7a3]+")
    return bytes(ascii_map), pattern, rest


@functools.cache
def _word_maps() -> tuple[bytes, dict[int, str]]:
    """Word mode: ASCII and non-ASCII punctuation, symbols and spaces become spaces."""
    ascii_map = bytearray(_fast_tables()[0])
    for cp in range(128):
        ch = chr(ascii_map[cp])
        if not ch.isalnum():
            ascii_map[cp] = 0x20
    rest = {
        cp: (" " if out and all(unicodedata.category(c)[0] in "PSZ" for c in out) else out)
        for cp, out in _fast_tables()[2].items()
    }
    for lo, hi in ((0x80, 0x2BFF), (0x3000, 0x303F), (0xFE30, 0xFE6F), (0xFF00, 0xFF65)):
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp))[0] in "PSZ" and cp not in rest:
                rest[cp] = " "
    return bytes(ascii_map), rest


def fold_words(text: str) -> str:
    """:func:`fold`, then ASCII punctuation and white space become single spaces.

    The form brand names are matched in: "Amazon.com" -> "amazon com",
    "[쿠팡] 결제" -> "쿠팡 결제". Trimmed, words separated by exactly one space.
    """
    ascii_map, rest = _word_maps()
    return " ".join(_fold(text, ascii_map, rest).split())


def fold(text: str) -> str:
    """Case-insensitive confusable skeleton of ``text`` (see the module docstring).

    >>> fold("PayPaI") == fold("paypal") == fold("Ρayрal")
    True
    """
    ascii_map, _, rest = _fast_tables()
    return _fold(text, ascii_map, rest)


def _fold(text: str, ascii_map: bytes, rest: dict[int, str]) -> str:
    pattern = _fast_tables()[1]
    _, sequences = _fold_tables()
    out = text
    if not out.isascii():
        # Before casefold: capital Greek Epsilon folds to "e" only from the capital.
        out = pattern.sub(lambda m: m.group().translate(rest), out)
    out = out.casefold().encode("utf-8", "surrogatepass").translate(ascii_map).decode(
        "utf-8", "surrogatepass"
    )
    for seq, single in sequences:
        if seq in out:
            out = out.replace(seq, single)
    return out


def fold_name(name: str) -> str:
    """``fold`` plus whitespace collapsed and trimmed: the key of the name index."""
    return _SPACES.sub(" ", fold(name)).strip()


@functools.lru_cache(maxsize=4096)
def normalize_domain(domain: str) -> str | None:
    """Lower-case A-label host without a trailing dot, or None if it is not a host name.

    Cached: a message asks about the same few domains ~10 times (brand lookups,
    freemail checks, claims); the answer depends on the string alone.
    """
    host = domain.strip().rstrip(".").lower().translate(_DROP_INVISIBLE)
    if not host or len(host) > 253 or any(c in host for c in " /:@\\?#\t\r\n"):
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = host.split(".")
    if any(not label or len(label) > 63 for label in labels):
        return None
    return host


_PUNCT = re.compile(r"[\s\-().]")


def normalize_sms_sender(sender: str, country: str | None = None) -> str | None:
    """Canonical form of an SMS sender: E.164 for phone numbers, digits for short codes.

    Alphanumeric sender IDs ("PayPal", "AMAZON") are kept as written (trimmed);
    compare them case-insensitively. ``country`` is the ISO region used to read a
    national number. Returns None for an empty sender.
    """
    raw = sender.strip()
    if not raw:
        return None
    compact = _PUNCT.sub("", raw)
    import phonenumbers  # lazily: ~25 ms to import, only needed for numbers

    if (compact.startswith("+") and compact[1:].isdigit()) or compact.isdigit():
        if len(compact) <= 6 and not compact.startswith("+"):
            return compact  # short code: national, no E.164 form (e.g. 7726, 118)
        try:
            number = phonenumbers.parse(compact, country)
        except phonenumbers.NumberParseException:
            return compact
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return compact
    return raw


def national_digits(e164: str) -> str | None:
    """The national dialling digits of an E.164 number ("+8215777011" -> "15777011")."""
    if not e164.startswith("+"):
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    return digits or None


@functools.cache
def _extractor() -> object:
    import tldextract

    # Bundled PSL snapshot only: never fetch at run time (design.md non-negotiables).
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str | None:
    """eTLD+1 of ``host`` from the bundled Public Suffix List, or None (IP, bare suffix)."""
    ext = _extractor()(host)  # type: ignore[operator]
    if not ext.suffix:
        # RFC 2606 / RFC 6761 reserved TLDs are not in the PSL; treat them as
        # one-label suffixes so fixtures under .example behave like real domains.
        labels = host.rstrip(".").split(".")
        if len(labels) >= 2 and labels[-1] in _RESERVED_TLDS:
            return ".".join(labels[-2:])
        return None
    if not ext.domain:
        return None
    return f"{ext.domain}.{ext.suffix}"


def registrable_label(host: str) -> str | None:
    """The label just left of the public suffix ("apple" for ``id.apple.com``)."""
    reg = registrable_domain(host)
    return None if reg is None else reg.split(".", 1)[0]


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    from pathlib import Path

    _table, _sequences = build_fold_tables()
    _out = Path(__file__).with_name(_TABLE_FILE)
    _out.write_text(
        json.dumps(
            {"table": {str(k): v for k, v in sorted(_table.items())}, "sequences": _sequences},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )

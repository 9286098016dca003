"""Bounded, normalised text to scan, and the character tricks used to disguise it.

Filters and readers both match words; a phisher who wants a word seen by the
reader but not by a filter writes it with look-alike letters from another
script ("Rеviеw" with Cyrillic е), with invisible characters inside it
("Pay\u200bPal"), with bidirectional controls that reorder what is shown, or
in Mathematical Alphanumeric Symbols ("𝐘𝐎𝐔𝐑 𝐏𝐇𝐎𝐓𝐎𝐒") that render like bold
Latin but are other code points (Unicode TR #36 §2, UTS #39 §5).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["SCAN_LIMIT", "Disguise", "disguises", "scan_text", "unmix"]

SCAN_LIMIT = 20_000
"""Characters of body text scanned: lures sit near the top, and bounded work keeps
the verifier fast on hostile input."""

# A run of white space other than a lone " " (which replacing by " " leaves as
# it is, and which is most runs): re skips to white space in C.
_SPACE = re.compile(r"\s(?!(?<= )(?!\s))\s*")
# Typographic apostrophes read as ASCII ones ("n’a pas pu livrer").
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

# Zero-width and invisible formatting characters, and the Variation Selectors
# Supplement / tag block abused to split words (U+E0000–U+E01EF).
_INVISIBLE = "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
_INVISIBLE_IN_WORD = re.compile(
    rf"[A-Za-z][{_INVISIBLE}\U000E0000-\U000E01EF]+[A-Za-z]"
)
_INVISIBLE_CHAR = re.compile(rf"[{_INVISIBLE}\U000E0000-\U000E01EF]")
# Bidirectional embedding/override/isolate controls (Unicode TR #9 §2): they
# reorder what is displayed, e.g. "invoice\u202Efdp.exe".
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Mathematical Alphanumeric Symbols (U+1D400–U+1D7FF) used as letters.
_MATH = re.compile("[\U0001d400-\U0001d7ff]{3,}")
# A word mixing Latin letters with Cyrillic or Greek ones.
_WORD = re.compile(r"[^\W\d_]{3,}")
_LATIN = re.compile("[A-Za-z]")
_CONFUSABLE_SCRIPT = re.compile("[\u0370-\u03ff\u0400-\u04ff]")
# Every disguise needs one of these characters (all outside ASCII).
_DISGUISE_CHAR = re.compile(
    rf"[\u0370-\u03ff\u0400-\u04ff{_INVISIBLE}\U000E0000-\U000E01EF"
    "\u202a-\u202e\u2066-\u2069\U0001d400-\U0001d7ff]"
)


# Lower-case Cyrillic and Greek letters that render like Latin ones (a subset of
# Unicode confusables.txt, UTS #39 §4), to read a disguised word as it is seen.
_LOOKALIKE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x",
})


def unmix(text: str) -> str:
    """``text`` with Cyrillic/Greek look-alike letters read as Latin (for disguised words)."""
    return text.translate(_LOOKALIKE)


@dataclass(frozen=True, slots=True)
class Disguise:
    """One way the text hides words: ``kind`` and up to three examples."""

    kind: str
    """``mixed_script``, ``invisible``, ``bidi`` or ``math_letters``."""
    examples: tuple[str, ...]


def scan_text(subject: str, display_name: str | None, body: str) -> str:
    """Subject, sender name and the first :data:`SCAN_LIMIT` body characters, normalised.

    NFKC folds compatibility forms (mathematical bold, full-width letters) to
    the letters they show, so phrases match what the reader sees; lower-case
    (not casefold: German ß stays ß) and collapsed whitespace.
    """
    joined = " \n ".join((subject, display_name or "", body[:SCAN_LIMIT]))
    folded = unicodedata.normalize("NFKC", joined).lower()
    if not folded.isascii():  # quotes and invisible characters are all non-ASCII
        folded = folded.translate(_QUOTES)
        for ch in _INVISIBLE:
            folded = folded.replace(ch, "")
    return _SPACE.sub(" ", folded)


def disguises(text: str) -> tuple[Disguise, ...]:
    """The disguise techniques found in ``text`` (raw, not normalised)."""
    found: list[Disguise] = []
    if text.isascii() or not _DISGUISE_CHAR.search(text):
        return ()  # one scan settles most text
    # Most mail has no Cyrillic or Greek letter at all: one scan settles it
    # before splitting the text into words.
    mixed = [w for w in _WORD.findall(text)
             if _LATIN.search(w) and _CONFUSABLE_SCRIPT.search(w)
             ] if _CONFUSABLE_SCRIPT.search(text) else []
    if mixed:
        found.append(Disguise("mixed_script", tuple(dict.fromkeys(mixed))[:3]))
    # A plain character scan first: most text holds no invisible character.
    hidden = _INVISIBLE_IN_WORD.findall(text) if _INVISIBLE_CHAR.search(text) else []
    if hidden:
        shown = tuple(dict.fromkeys(h.encode("unicode_escape").decode("ascii") for h in hidden))
        found.append(Disguise("invisible", shown[:3]))
    bidi = _BIDI.findall(text)
    if bidi:
        found.append(Disguise("bidi", tuple(dict.fromkeys(f"U+{ord(c):04X}" for c in bidi))[:3]))
    math = _MATH.findall(text)
    if math:
        found.append(Disguise("math_letters", tuple(dict.fromkeys(math))[:3]))
    return tuple(found)

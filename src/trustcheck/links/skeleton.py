"""Fold an internationalised label to the ASCII it imitates (a Latin-target UTS #39 skeleton).

UTS #39 §4 defines ``skeleton(X)`` by mapping every character to its prototype
in ``confusables.txt``; two strings are confusable when their skeletons are
equal. Brand labels are ASCII, so trustcheck only needs the *ASCII* prototype a
character imitates: ``аррӏе`` (Cyrillic) folds to ``apple``. Sources, in order:

1. a small table of lookalikes ``confusables.txt`` does not pair with ASCII
   (Cyrillic ``к``/``м``/``т`` imitate Latin letters in most fonts; the palochka
   ``ӏ`` imitates ``l``);
2. compatibility decomposition with combining marks removed (``á`` → ``a``);
3. ``confusables.txt`` as shipped by the confusable-homoglyphs package;
4. the Unicode character name: ``LATIN SMALL LETTER D WITH STROKE`` and
   ``LATIN LETTER SMALL CAPITAL G`` imitate ``d`` and ``g``.

Characters with no ASCII prototype are kept, so a fold equal to an ASCII brand
label proves every character was a lookalike.

Why not :func:`trustcheck.registry.names.fold`: that is a lossy *equivalence*
skeleton for comparing names with both sides folded (it also folds ASCII ``i`` to
``l`` and ``rn`` to ``m``, so ``microsoft`` becomes ``mlcrosoft``), while the
lookalike index looks the result up among unfolded brand labels and must tell an
IDN homoglyph (``mіcrosoft`` with Cyrillic ``і``) from an ASCII one (``rnicrosoft``,
found by the index's own variant table). Different contracts, so two functions;
both read the same ``confusables.txt`` data from confusable-homoglyphs.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

__all__ = ["fold_label", "scripts_of"]

_EXTRA: dict[str, str] = {
    "к": "k", "м": "m", "т": "t", "ь": "b", "ԍ": "g", "ӏ": "l", "п": "n", "г": "r",
    "ʒ": "3", "ƻ": "2", "ƽ": "5", "ə": "a", "ĸ": "k", "ŋ": "n", "ƅ": "b", "ƿ": "p",
    "æ": "ae", "œ": "oe", "ß": "ss", "ø": "o", "đ": "d", "ħ": "h", "ł": "l", "ŧ": "t",
}  # fmt: skip

_NAME = re.compile(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL )?([A-Z])(?: |$)")


@functools.cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    try:
        text = (resources.files("confusable_homoglyphs") / "confusables.json").read_text("utf-8")
        data = json.loads(text)
    except (OSError, ValueError, ModuleNotFoundError):
        return {}  # degrade to decomposition + names rather than fail a verdict
    return data if isinstance(data, dict) else {}


@functools.lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    if c.isascii():
        return c.lower()
    if c in _EXTRA:
        return _EXTRA[c]
    base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
    if base and base.isascii() and base.isalnum():
        return base.lower()
    lower_letters: list[str] = []
    others: list[str] = []
    for entry in _confusables().get(c, ()):
        t = entry.get("c", "") if isinstance(entry, dict) else ""
        if t and len(t) <= 2 and t.isascii() and t.isalnum():
            (lower_letters if t.islower() else others).append(t)
    if lower_letters or others:
        return (lower_letters or others)[0].lower()
    m = _NAME.match(unicodedata.name(c, ""))
    if m:
        return m.group(1).lower()
    return c


def fold_label(label: str) -> str:
    """The ASCII a (U-label) string imitates, char by char; unknown characters stay.

    >>> fold_label("аррӏе"), fold_label("pаypаl"), fold_label("ǥooɠle")
    ('apple', 'paypal', 'google')
    """
    if label.isascii():
        return label.lower()
    return "".join(_fold_char(c) for c in label)


def scripts_of(label: str) -> frozenset[str]:
    """The scripts (first word of the Unicode name: LATIN, CYRILLIC …) of the letters used."""
    out: set[str] = set()
    for c in label:
        if c.isascii():
            if c.isalpha():
                out.add("LATIN")
            continue
        if unicodedata.category(c).startswith("L"):
            name = unicodedata.name(c, "UNKNOWN")
            out.add(name.split(" ", 1)[0])
    return frozenset(out)

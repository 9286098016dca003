"""The characters, and the literal prefixes, a regular expression's match can start with.

Python's ``re`` tries every branch of ``(?:p1|p2|...|p40)`` at every word
start; with eleven lure families of up to forty phrases that was a fifth of
a message's verification time. A one-character look-ahead listing the
characters any phrase can start with, ``(?=[abc...])(?:p1|...|p40)``, turns
most positions away in one step. It matches exactly the same text: a phrase
can only match where its first character stands. When a phrase's first
characters cannot be worked out (a category such as ``\\w``, an inline
flag, an anchor, an empty match) no look-ahead is added.

The look-ahead still runs ``re``'s matching machinery at every position of
the text. :func:`literal_prefixes` goes further: the literal strings every
match of a phrase starts with ("verify your ", "confirm the "), from which
:mod:`.lexicon` builds one finder for all families that stops only at the
word starts where some phrase's beginning stands.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["first_chars", "lead_class", "literal_prefixes"]

# The stdlib's own regex parser (re._parser since 3.11); private, so any
# failure to load or use it falls back to the plain alternation.
try:
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - other Pythons
    _parser = None
    _c = None

_DIGIT = "\\d"  # the group key for phrases starting with a decimal digit
_MAX_RANGE = 256  # a wider character range is not worth listing
# Prefixes kept per phrase: past this the expansion stops at the prefixes
# found so far (shorter, still true); the finder stays a small regex.
_MAX_PREFIXES = 64
_MAX_SET = 16  # a character set of more literals ends a prefix


def first_chars(phrase: str) -> frozenset[str] | None:
    """The characters a non-empty match of ``phrase`` can start with.

    ``"\\d"`` in the set stands for any decimal digit. None when unknown
    (categories other than ``\\d``, inline flags, anchors, look-arounds, a
    phrase that can match the empty string, or a parser failure).
    """
    items = _parse(phrase)
    if items is None:
        return None
    found, nullable = _seq(items)
    return None if found is None or nullable else frozenset(found)


def lead_class(phrases: list[str]) -> str | None:
    """A character class matching every character a match of any phrase starts with.

    None when some phrase's first characters are unknown. Put as a look-ahead
    in front of the alternation, it rejects most positions in one step.
    """
    keys: set[str] = set()
    for phrase in phrases:
        found = first_chars(phrase)
        if found is None:
            return None
        keys |= found
    return "[" + "".join(k if k == _DIGIT else re.escape(k) for k in sorted(keys)) + "]"


def literal_prefixes(phrase: str) -> frozenset[str] | None:
    """Literal texts one of which every match of ``phrase`` starts with.

    None when some match can start with something else: a category such as
    ``\\d``, a repeat, a set of many characters, an inline flag, or nothing.
    """
    items = _parse(phrase)
    if items is None:
        return None
    found = {text for text, _complete in _expand_seq(items)}
    return None if "" in found else frozenset(found)


def _parse(phrase: str) -> list[Any] | None:
    """The top-level items of ``phrase`` as ``re`` parses them; None if it cannot."""
    if _parser is None:
        return None
    try:
        return list(_parser.parse(phrase).data)
    except (re.error, RecursionError):
        return None


# An expansion: the literal texts a match of a pattern element starts with,
# each True when the element matches exactly that text (so the next element
# may extend it), False when more unknown text may follow within the element.
_Expansion = list[tuple[str, bool]]
_UNKNOWN: _Expansion = [("", False)]


def _expand_seq(items: list[Any]) -> _Expansion:
    out: _Expansion = [("", True)]
    for op, av in items:
        if not any(complete for _text, complete in out):
            break
        step = _expand_item(op, av)
        open_ = [text for text, complete in out if complete]
        if len(out) - len(open_) + len(open_) * len(step) > _MAX_PREFIXES:
            return [(text, False) for text, _complete in out]
        out = [(text, False) for text, complete in out if not complete] + [
            (text + more, complete) for text in open_ for more, complete in step]
    return out


def _expand_item(op: Any, av: Any) -> _Expansion:
    if op is _c.LITERAL:
        return [(chr(av), True)]
    if op is _c.IN:
        if len(av) > _MAX_SET or any(kind is not _c.LITERAL for kind, _v in av):
            return _UNKNOWN
        return [(chr(v), True) for _kind, v in av]
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _UNKNOWN if add_flags or del_flags else _expand_seq(list(sub.data))
    if op is _c.BRANCH:
        out: _Expansion = []
        for alt in av[1]:
            out.extend(_expand_seq(list(alt.data)))
        return _UNKNOWN if len(out) > _MAX_PREFIXES else out
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, sub = av
        if low == 0 and high == 1:
            return [("", True), *_expand_seq(list(sub.data))]
        if low >= 1:  # the first repetition, then more may follow
            return [(text, False) for text, _complete in _expand_seq(list(sub.data))]
    return _UNKNOWN


def _seq(items: list[Any]) -> tuple[set[str] | None, bool]:
    """First characters of a sequence, and whether it can match empty."""
    out: set[str] = set()
    for op, av in items:
        found, nullable = _item(op, av)
        if found is None:
            return None, False
        out |= found
        if not nullable:
            return out, False
    return out, True


def _item(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        return _charset(av), False
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None, False  # (?i:...) and the like change what a character matches
        return _seq(list(sub.data))
    if op is _c.BRANCH:
        out: set[str] = set()
        nullable = False
        for alt in av[1]:
            found, empty = _seq(list(alt.data))
            if found is None:
                return None, False
            out |= found
            nullable = nullable or empty
        return out, nullable
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av
        found, empty = _seq(list(sub.data))
        if found is None:
            return None, False
        return found, empty or low == 0
    return None, False  # anchors, look-arounds, back-references, ANY: unknown


def _charset(items: Any) -> set[str] | None:
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            out.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_RANGE:
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is _c.CATEGORY and av is _c.CATEGORY_DIGIT:
            out.add(_DIGIT)
        else:
            return None  # negated sets and other categories
    return out

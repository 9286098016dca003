"""The lure lexicon: phrase families loaded once from ``data/lures.yaml``.

Each family names one technique (credential request, account threat, payment
urgency, prize bait, advance-fee bait, deadline pressure, held parcel). The
phrases of a family compile into one alternation, so scanning a message is one
regex pass per family over bounded text.

That pass runs ``re``'s matcher at every character. :func:`phrase_starts`
first finds, in one pass for all families, the few word starts where some
phrase's literal beginning stands (an Aho–Corasick automaton, in C);
:meth:`Family.finditer` then tries its alternation there alone and yields
exactly the matches ``pattern.finditer`` would.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from trustcheck.content.firstchar import lead_class, literal_prefixes
from trustcheck.errors import ConfigError

__all__ = ["Family", "families", "phrase_starts"]

# Not preceded by a letter: phrases start at a word start, but may run on into
# a longer word ("gutschein" matches "Gutscheincode"; Korean takes particles).
_WORD_START = r"(?<![^\W\d_])"
# The same test made after the phrase's first character has been consumed.
_AFTER_WORD_START = r"(?<![^\W\d_](?s:.))"


@dataclass(frozen=True, slots=True)
class Family:
    """One lure technique and its compiled phrases."""

    name: str
    why: str
    pattern: re.Pattern[str]
    phrases: tuple[str, ...] = ()

    def finditer(self, text: str, starts: Sequence[int] | None) -> Iterator[re.Match[str]]:
        """The matches of ``pattern`` in ``text``, as ``pattern.finditer`` finds them.

        ``starts`` are :func:`phrase_starts` of ``text`` (every place a match
        can start, in order); None scans the whole text.
        """
        if starts is None:
            yield from self.pattern.finditer(text)
            return
        end = 0
        for start in starts:
            if start < end:
                continue  # inside the previous match: finditer does not overlap matches
            # match() at a position still sees the text before it (the look-behind).
            m = self.pattern.match(text, start)
            if m is not None:
                yield m
                end = m.end()


def _compile(name: str, entry: Any) -> Family:
    if not isinstance(entry, dict) or not isinstance(entry.get("phrases"), list):
        msg = f"Lure family {name!r} needs a 'phrases' list."
        raise ConfigError(msg)
    # A phrase with an unquoted ": " reads as a YAML mapping, not a string.
    if not all(isinstance(p, str) for p in entry["phrases"]):
        msg = f"Lure family {name!r} has a phrase that is not a string (quote it in YAML)."
        raise ConfigError(msg)
    phrases = list(entry["phrases"])
    try:
        # The look-ahead only speeds the scan up; it matches the same text.
        lead = lead_class(phrases)
        ahead = f"(?={lead})" if lead else ""
        pattern = re.compile(
            ahead + _WORD_START + "(?:" + "|".join(f"(?:{p})" for p in phrases) + ")"
        )
    except re.error as exc:
        msg = f"Lure family {name!r} has an invalid phrase: {exc}."
        raise ConfigError(msg) from exc
    return Family(name=name, why=str(entry.get("why", "")), pattern=pattern,
                  phrases=tuple(phrases))


@functools.cache
def families() -> tuple[Family, ...]:
    """The shipped lure families, compiled (cached: loaded once per process)."""
    text = resources.files("trustcheck.content").joinpath("data/lures.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        msg = "trustcheck/content/data/lures.yaml must hold a mapping of families."
        raise ConfigError(msg)
    return tuple(_compile(str(name), entry) for name, entry in data.items())


def phrase_starts(text: str) -> list[int] | None:
    """Every word start in ``text`` where a phrase of some family can match, in order.

    A superset: the families' own patterns decide. None when no finder could
    be built (then each family scans the whole text).
    """
    finder = _finder()
    if finder is None:
        return None
    automaton, others = finder
    found = set()
    for end, length in automaton.iter(text):
        start = end - length + 1
        # A letter before it rules the place out (str.isalpha() implies re's
        # [^\W\d_]); what else the look-behind rejects, the families' patterns do.
        if start == 0 or not text[start - 1].isalpha():
            found.add(start)
    if others is not None:
        found.update(m.start() for m in others.finditer(text))
    return sorted(found)


@functools.cache
def _finder() -> tuple[Any, re.Pattern[str] | None] | None:
    """An Aho–Corasick automaton of the literal texts phrases begin with, and a
    pattern for the places where a phrase with no literal beginning matches.

    The automaton reports every occurrence of every prefix in one pass in C
    (pyahocorasick): a regex alternation of the same prefixes costs re's
    matcher at each non-letter of the text, two to three times as long.
    A phrase with no literal beginning (``\\d+ kg``) is tried whole, at its
    possible first characters only when those are known.
    """
    prefixes: set[str] = set()
    others: list[str] = []
    for family in families():
        for phrase in family.phrases:
            found = literal_prefixes(phrase)
            if found is None:
                others.append(phrase)
            else:
                prefixes |= found
    automaton = ahocorasick.Automaton()
    for prefix in prefixes:
        automaton.add_word(prefix, len(prefix))
    automaton.make_automaton()
    if not others:
        return automaton, None
    alternation = "(?:" + "|".join(f"(?:{p})" for p in others) + ")"
    lead = lead_class(others)
    # With known first characters, re skips to them in C; the look-behinds then
    # test the word start and, from the character before, the phrase itself.
    pattern = (f"{_WORD_START}(?={alternation})" if lead is None else
               f"{lead}{_AFTER_WORD_START}(?<=(?={alternation})(?s:.))")
    try:
        return automaton, re.compile(pattern)
    except re.error:  # a phrase that only works inside its family's pattern
        return None

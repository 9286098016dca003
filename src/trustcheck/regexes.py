"""Builders of fast regular expressions, shared by brand claims and the lure lexicon.

A module of its own (no trustcheck imports) so that both can use it without
importing each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["trie_pattern"]


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, shaped as a trie (shared prefixes).

    ``re`` rejects a branch led by a literal on its first character, so a
    trie costs a few comparisons per position where a flat alternation of
    the same words tries every word.
    """
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

"""HTML layout fingerprints and masked-text shingles.

The layout fingerprint is the set of shingles of the element sequence, each
element written as its tag and its parent's and grandparent's tags — no class
names, ids or styles (Apple moved from ``aapl-*`` to generated ``custom-*``
classes in 2025, research/sms-templates.md §0.5), and no text or link domains
(those are compared separately). Because it is a *set*, a receipt with five line
items has the same shingles as one with a single item, apart from the seams.

The text shingles are word pairs of the visible text with numbers, amounts,
URLs and addresses masked, so two receipts of one template share them whatever
was bought.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import lxml.etree

from trustcheck.templates.pattern import normalise

__all__ = ["HtmlFacts", "Shingle", "html_facts", "jaccard", "sketch", "text_shingles"]

_SKIP = frozenset({"script", "style", "head", "title", "meta", "link", "noscript", "template"})
_BLOCK = frozenset({"p", "div", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                    "table", "tbody", "thead", "tfoot", "section", "article", "header",
                    "footer", "ul", "ol", "blockquote", "center", "br", "hr", "body", "dd",
                    "dt", "dl", "pre", "address", "main", "nav", "form", "caption"})
_SHINGLE = 3
_MAX_ELEMENTS = 20_000
"""Elements read per HTML body; beyond that the layout is cut (bounded work)."""
# Numbers, amounts, dates and times become one token; starting only at a digit or
# currency sign keeps this a single linear pass.
_MASK = re.compile(r"[$€£₩¥]?\d[\d,.:/\-]*(?:원)?")
_PARSER = lxml.etree.HTMLParser(recover=True, no_network=True, remove_comments=True,
                                remove_pis=True)
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|tr|td|th|li|h[1-6]|table|section|article|header|footer|ul|ol|br|hr"
    r"|blockquote|center|dd|dt|dl|pre|address|main|nav|form|caption)[\s/>])", re.IGNORECASE)

Shingle = int
"""``hash()`` of a tuple of consecutive tokens (tags or words). Python's string hash is
seeded per process, so shingles are compared within one process and never stored."""


@dataclass(frozen=True, slots=True)
class HtmlFacts:
    """What matching needs from one HTML body."""

    layout: frozenset[Shingle]
    """Shingles of the element sequence."""
    text: str
    """Visible text, one line per block element, normalised."""


def html_facts(markup: str) -> HtmlFacts:
    """Layout shingles and visible text of an HTML body. Never raises on bad markup."""
    if not markup.strip():
        return HtmlFacts(frozenset(), "")
    # A line break before every block tag, so the text lxml serialises keeps one
    # line per block (cells, rows, paragraphs) — done on the markup, in C.
    marked = _BLOCK_TAG.sub("\n<", markup)
    try:
        root = lxml.etree.fromstring(marked, _PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return HtmlFacts(frozenset(), normalise(markup))
    if root is None:
        return HtmlFacts(frozenset(), "")
    # Scripts, styles, the head and comments add neither layout nor text (their tails do).
    lxml.etree.strip_elements(root, *_SKIP, with_tail=False)
    lxml.etree.strip_tags(root, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    tokens = [f"{_parent_tag(el)}/{el.tag}"
              for el in itertools.islice(root.iter(), _MAX_ELEMENTS) if isinstance(el.tag, str)]
    text = lxml.etree.tostring(root, method="text", encoding="unicode")
    # Consecutive repeats of one token (rows of a line-item table) collapse to one,
    # so the item count leaves the shingles unchanged.
    collapsed = [t for t, prev in zip(tokens, [None, *tokens], strict=False) if t != prev]
    if not collapsed:
        return HtmlFacts(frozenset(), normalise(text))
    if len(collapsed) < _SHINGLE:
        shingles = frozenset({hash(tuple(collapsed))})
    else:
        shingles = frozenset(map(hash, zip(collapsed, collapsed[1:], collapsed[2:],
                                           strict=False)))
    return HtmlFacts(shingles, normalise(text))


def _parent_tag(el: Any) -> str:
    parent = el.getparent()
    return parent.tag if parent is not None else ""


def text_shingles(text: str) -> frozenset[Shingle]:
    """Word pairs of ``text`` with numbers, URLs and addresses masked."""
    # str.split, not a tokenising regex: punctuation stays on its word, the same way
    # in templates and messages, and splitting runs in C.
    words = _MASK.sub(" # ", text.lower()).split()
    return frozenset(map(hash, itertools.pairwise(words)))


def jaccard(a: frozenset[Shingle], b: frozenset[Shingle]) -> float:
    """|a ∩ b| / |a ∪ b|, 0.0 for two empty sets."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def sketch(values: Iterable[Shingle], k: int = 32) -> tuple[Shingle, ...]:
    """The ``k`` smallest shingle hashes (a bottom-k MinHash sketch): what the index keys on."""
    return tuple(sorted(set(values))[:k])

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

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html

from trustcheck.templates.pattern import normalise

__all__ = ["HtmlFacts", "html_facts", "jaccard", "sketch", "text_shingles"]

_SKIP = frozenset({"script", "style", "head", "title", "meta", "link", "noscript", "template"})
_BLOCK = frozenset({"p", "div", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                    "table", "tbody", "thead", "tfoot", "section", "article", "header",
                    "footer", "ul", "ol", "blockquote", "center", "br", "hr", "body", "dd",
                    "dt", "dl", "pre", "address", "main", "nav", "form", "caption"})
_SHINGLE = 3
_MAX_ELEMENTS = 20_000
"""Elements read per HTML body; beyond that the layout is cut (bounded work)."""
_MASK = re.compile(
    r"(?i)https?://\S+|www\.\S+|\S+@\S+\.\S+"   # links and addresses
    r"|[$€£₩¥]?\d[\d,.:/\-]*(?:원)?"            # numbers, amounts, dates, times
)
_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class HtmlFacts:
    """What matching needs from one HTML body."""

    layout: frozenset[int]
    """Hashed shingles of the element sequence."""
    text: str
    """Visible text, one line per block element, normalised."""


def _h(value: str) -> int:
    # crc32, not hash(): fingerprints written by `template build` must not depend on
    # the interpreter's hash seed.
    return zlib.crc32(value.encode("utf-8", "surrogatepass"))


def html_facts(markup: str) -> HtmlFacts:
    """Layout shingles and visible text of an HTML body. Never raises on bad markup."""
    if not markup.strip():
        return HtmlFacts(frozenset(), "")
    try:
        root = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):
        return HtmlFacts(frozenset(), normalise(markup))
    tokens: list[str] = []
    chunks: list[str] = []
    count = 0
    walker = lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event in ("comment", "pi"):
            # No layout, no text, but its tail is ordinary text of the parent.
            if el.tail:
                chunks.append(el.tail)
            continue
        if event == "end":
            if tag in _BLOCK:
                chunks.append("\n")
            if el.tail:
                chunks.append(el.tail)
            continue
        if not tag or tag in _SKIP:
            # Scripts, styles and the head add neither layout nor text; their tail is
            # taken at the "end" event.
            walker.skip_subtree()
            continue
        count += 1
        if count > _MAX_ELEMENTS:
            break
        parent = el.getparent()
        grand = parent.getparent() if parent is not None else None
        tokens.append(f"{_tag(grand)}/{_tag(parent)}/{tag}")
        if tag in _BLOCK:
            chunks.append("\n")
        elif tag == "img":
            alt = el.get("alt")
            if alt:
                chunks.append(f" {alt} ")
        if el.text:
            chunks.append(el.text)
    # Consecutive repeats of one token (rows of a line-item table) collapse to one,
    # so the item count leaves the shingles unchanged.
    collapsed = [t for i, t in enumerate(tokens) if i == 0 or tokens[i - 1] != t]
    shingles = frozenset(_h("|".join(collapsed[i:i + _SHINGLE]))
                         for i in range(max(1, len(collapsed) - _SHINGLE + 1)))
    return HtmlFacts(shingles if collapsed else frozenset(), normalise("".join(chunks)))


def _tag(el: lxml.html.HtmlElement | None) -> str:
    if el is None:
        return ""
    return el.tag if isinstance(el.tag, str) else ""


def text_shingles(text: str) -> frozenset[int]:
    """Hashed word pairs of ``text`` with numbers, URLs and addresses masked."""
    words = _WORD.findall(_MASK.sub(" # ", text.lower()))
    return frozenset(_h(words[i] + " " + words[i + 1]) for i in range(len(words) - 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a ∩ b| / |a ∪ b|, 0.0 for two empty sets."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def sketch(values: Iterable[int], k: int = 32) -> tuple[int, ...]:
    """The ``k`` smallest hashes (a bottom-k MinHash sketch) — what the index keys on."""
    return tuple(sorted(set(values))[:k])

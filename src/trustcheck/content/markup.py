"""HTML tricks that hide the message from filters: hidden text and text in images.

Two general spammer techniques, both visible only in the markup:

* **Hidden text** (filter poisoning, "hash busting"): paragraphs of unrelated
  words in elements the reader never sees (``display:none``, ``font-size:0``,
  ``visibility:hidden``, ``opacity:0``, zero height, or moved off the screen
  with ``text-indent:-9999px`` or ``margin-top:470500px``), so that word
  statistics and lure phrases see innocent text. The style may be inline or a
  class rule in a ``<style>`` block. A legitimate mailer hides at most a
  one-line preheader, so only a run of many hidden words counts.
* **Text in images**: a body that is one or more pictures and a link, with
  almost no text, so that no text filter can read what it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from trustcheck.message.html import parse_html
from trustcheck.verdict import Finding, Severity

__all__ = ["HIDDEN_WORDS_MIN", "IMAGE_ONLY_LETTERS_MAX", "Markup", "inspect_markup",
           "markup_findings"]

HIDDEN_WORDS_MIN = 30
"""Hidden words that make hidden text a finding: more than a preheader line holds."""

IMAGE_ONLY_LETTERS_MAX = 100
"""Fewer letters than this beside an image and a link make the body image-only."""

_SCAN_LIMIT = 200_000
# Inline styles that hide an element's content from the reader (CSS 2.1 §9.2.4
# display, §11.2 visibility; font-size 0 or 1px, opacity 0, and a zero height are
# the same effect by other means). A value ends at ; ! a quote or the end. Each
# starts with a literal word, so re searches for it in C (see _may_hide); the
# height test looks behind "height" for what may stand before it.
_HIDING_PARTS = (
    r"display\s*:\s*none",
    r"visibility\s*:\s*hidden",
    r"font-size\s*:\s*(?:0(?:\.0*)?\s*(?:px|pt|em|rem|%)?|1\s*(?:px|pt))\s*(?:[;!\x22\x27]|$)",
    r"opacity\s*:\s*0(?:\.0*)?\s*(?:[;!\x22\x27]|$)",
    r"height(?:(?<![-\w]height)|(?<=(?<![-\w])max-height))\s*:\s*0\s*(?:px)?\s*(?:[;!\x22\x27]|$)",
    # Off the screen: a negative offset of thousands of pixels, or a positive one of
    # tens of thousands ("left" and "top" also end margin-left, padding-top ...).
    r"(?:text-indent|left|top)\s*:\s*(?:-\d{4,}|\d{5,})(?:\.\d+)?\s*(?:px|pt|em|rem)?"
    r"\s*(?:[;!\x22\x27}]|$)",
)
_HIDING_STYLE = re.compile("|".join(_HIDING_PARTS), re.IGNORECASE)
_HIDING_LOWER = tuple(re.compile(part) for part in _HIDING_PARTS)
# The only characters that IGNORECASE matches to an ASCII letter other than the
# letter's two cases (Python's re documentation): İ ı ſ K.
_ODD_CASE = re.compile("[\u0130\u0131\u017f\u212a]")
_IMG = re.compile(r"<img\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_LETTERS = re.compile(r"[^\W\d_]+")
_SKIP = frozenset({"style", "script", "head", "title"})
# A CSS rule with a plain block: selectors { declarations }. Nested blocks (@media)
# are cut out first by _top_level_css.
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS_SELECTOR = re.compile(r"^[a-zA-Z0-9]*\.([\w-]+)$")
_CLASS_NAME = re.compile(r"\.([\w-]+)")
_BRACE = re.compile(r"[{}]")
_STYLE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Markup:
    """What the markup hides: hidden word count and an example, and image count."""

    hidden_words: int
    hidden_example: str
    images: int


def inspect_markup(markup: str) -> Markup:
    """Count the words inside CSS-hidden elements and the ``<img>`` tags of ``markup``.

    Bounded: the first 200,000 characters are read, and the document is
    parsed only when a hiding style occurs at all. Never raises.
    """
    markup = markup[:_SCAN_LIMIT]
    images = len(_IMG.findall(markup))
    if not _may_hide(markup):
        return Markup(0, "", images)
    root = parse_html(markup)  # the document visible text was read from, as a rule
    if root is None:
        return Markup(0, "", images)
    words = 0
    example = ""
    hidden_depth = 0
    # Mailers repeat the same inline style on many elements: test each once.
    hiding: dict[str, bool] = {}
    hiding_classes = _hiding_classes(root)
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        hides = False
        if tag and tag not in _SKIP:
            style = el.get("style") or ""
            cached = hiding.get(style)
            if cached is None:
                cached = hiding[style] = bool(_HIDING_STYLE.search(style))
            hides = cached or bool(hiding_classes and hiding_classes.intersection(
                (el.get("class") or "").split()))
        if event == "start":
            if hides:
                hidden_depth += 1
            if hidden_depth and tag not in _SKIP and el.text:
                words += len(_WORD.findall(el.text))
                example = example or el.text.strip()[:80]
        else:
            if hides:
                hidden_depth -= 1
            # The tail follows the element: hidden only if an ancestor hides it.
            if hidden_depth and el.tail:
                words += len(_WORD.findall(el.tail))
                example = example or el.tail.strip()[:80]
    return Markup(words, " ".join(example.split()), images)


def _hiding_classes(root: lxml.html.HtmlElement) -> frozenset[str]:
    """Classes that a top-level rule of the document's ``<style>`` blocks hides.

    Only plain ``.name`` (or ``tag.name``) selectors count. A class that any
    ``@media`` block also styles is left out: responsive mail hides its mobile
    copy on desktop (``.mobile-only {display:none}``) and shows it on phones.
    """
    sheets = [el.text for el in root.iter("style") if el.text]
    if not sheets:
        return frozenset()
    css = "\n".join(sheets)[:_STYLE_LIMIT]
    if not _may_hide(css):
        return frozenset()
    top, nested = _top_level_css(css)
    hidden: set[str] = set()
    for selectors, declarations in _CSS_RULE.findall(top):
        if _HIDING_STYLE.search(declarations):
            for selector in selectors.split(","):
                m = _CLASS_SELECTOR.match(selector.strip())
                if m:
                    hidden.add(m.group(1))
    if hidden and nested:
        hidden.difference_update(_CLASS_NAME.findall(nested))
    return frozenset(hidden)


def _top_level_css(css: str) -> tuple[str, str]:
    """``css`` split into its top-level rules and the content of ``@`` blocks (``@media``)."""
    top: list[str] = []
    nested: list[str] = []
    depth = 0
    start = 0
    at_rule = False
    for m in _BRACE.finditer(css):
        i = m.start()
        if m.group() == "{":
            if depth == 0:
                at = css.find("@", start, i)
                at_rule = at >= 0
                if at_rule:
                    top.append(css[start:at])
                    start = i + 1
            depth += 1
        elif depth == 0:
            start = i + 1  # a stray closing brace
        else:
            depth -= 1
            if depth == 0:
                if at_rule:
                    nested.append(css[start:i])
                else:
                    top.append(css[start:i + 1])
                start = i + 1
    return "".join(top), "".join(nested)


def _may_hide(markup: str) -> bool:
    """``_HIDING_STYLE.search(markup)``, an order of magnitude faster.

    With IGNORECASE and a branch that starts with a look-behind, re runs its
    matcher at every position of the markup. Lower-cased markup gives the
    same answer to each branch searched alone without IGNORECASE (each starts
    with a literal re finds in C), unless the markup holds one of the few
    characters that fold to an ASCII letter otherwise (then: the slow way).
    """
    if _ODD_CASE.search(markup):
        return _HIDING_STYLE.search(markup) is not None
    lowered = markup.lower()
    return any(part.search(lowered) for part in _HIDING_LOWER)


def markup_findings(html: str, visible_text: str, *, actionable: bool) -> list[Finding]:
    """``content.hidden_text`` and ``content.image_only`` findings for one HTML body.

    ``visible_text`` is the text the parser extracted from the whole message;
    ``actionable`` says whether the message has a link or form to act on (an
    image-only body matters only when clicking it leads somewhere).
    """
    if not html:
        return []
    seen = inspect_markup(html)
    out: list[Finding] = []
    if seen.hidden_words >= HIDDEN_WORDS_MIN:
        out.append(Finding(
            "content.hidden_text", Severity.MEDIUM,
            f"The HTML hides {seen.hidden_words} words from the reader (CSS-hidden text "
            f"poisons filters), e.g. “{seen.hidden_example}”.",
            {"hidden_words": seen.hidden_words, "example": seen.hidden_example},
        ))
    if actionable and seen.images:
        shown = _letters_up_to(visible_text, IMAGE_ONLY_LETTERS_MAX)
        if shown < IMAGE_ONLY_LETTERS_MAX:
            out.append(Finding(
                "content.image_only", Severity.LOW,
                f"The message is {seen.images} image(s) and a link with only {shown} letters "
                "of text: what it says cannot be read by a text filter.",
                {"images": seen.images, "letters": shown},
            ))
    return out


def _letters_up_to(text: str, limit: int) -> int:
    """The letters in ``text``, counted by runs and only until ``limit`` is reached.

    Only "fewer than the limit" and then the exact number matter; a body of
    text reaches the limit within a few words.
    """
    count = 0
    for run in _LETTERS.finditer(text):
        count += run.end() - run.start()
        if count >= limit:
            break
    return count

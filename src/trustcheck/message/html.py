"""A cheap, bounded HTML-to-text: what a reader sees, for templates and brand checks.

lxml (libxml2) parses in C, recovers from broken markup, and caps tree depth
itself, so a hostile document costs time linear in its (already bounded) size.
Script, style, head and comment content is dropped; each block element starts a
new line. This is not a renderer: CSS-hidden text is kept (the link and template
checks look at the markup for that).
"""

from __future__ import annotations

import re
import threading

import lxml.etree
import lxml.html

__all__ = ["CONTROL_CHARS", "html_to_text", "normalise_space", "parse_html"]

_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "object"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
    "tfoot", "thead", "tr", "ul",
})
_CELL = frozenset({"td", "th"})
# XML 1.0 forbids these characters; lxml refuses strings that contain them.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE_CHARS = " \t\u00a0\u200b\u200c\u200d\u2060\ufeff\r\f\v"
# A run of those characters, except a lone " " (replacing it by " " changes
# nothing, and most runs in text are lone spaces between words): the negative
# look-ahead turns the match away right after a space with no such character
# after it. It starts with a character set, which re skips to in C.
_SPACES = re.compile(rf"[{_SPACE_CHARS}](?!(?<= )(?![{_SPACE_CHARS}]))[{_SPACE_CHARS}]*")
_BLANKS = re.compile(r"\n{3,}")
_NEWLINES = re.compile(r"\n{2,}")


def parse_html(markup: str) -> lxml.html.HtmlElement | None:
    """The document ``markup`` holds, without control characters, comments and PIs.

    None for empty markup or markup lxml cannot parse at all. Visible text,
    links and the hidden-text check each read a message's HTML: the last few
    documents parsed in this thread are kept, by the identity of the markup
    string, so a message is parsed once. Callers must not change the tree.
    """
    recent: list[tuple[str, lxml.html.HtmlElement | None]] | None = getattr(
        _recent, "documents", None)
    if recent is None:
        recent = _recent.documents = []
    for key, root in recent:
        if key is markup:
            return root
    root = _parse(markup)
    recent.insert(0, (markup, root))  # the entry keeps the string alive: ids stay unique
    del recent[_RECENT_DOCUMENTS:]
    return root


_RECENT_DOCUMENTS = 8
_recent = threading.local()


def _parse(markup: str) -> lxml.html.HtmlElement | None:
    markup = CONTROL_CHARS.sub("", markup)
    if not markup.strip():
        return None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  recover=True)
    try:
        return lxml.html.document_fromstring(markup, parser=parser)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML document, whitespace-normalised.

    Never raises: markup lxml cannot parse at all yields ``""``.
    """
    root = parse_html(markup)
    if root is None:
        return ""
    out: list[str] = []
    skipping = 0
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            if skipping:
                continue
            if tag in _BLOCK:
                out.append("\n")
            elif tag in _CELL:
                out.append(" ")
            if el.text:
                out.append(el.text)
        else:
            if tag in _SKIP:
                skipping -= 1
            if skipping:
                continue
            if tag in _BLOCK and tag != "br":
                out.append("\n")
            if el.tail:
                out.append(el.tail)
    # One line per block: blank lines in HTML come from markup, not from the author.
    text = normalise_space("".join(out))
    return _NEWLINES.sub("\n", text) if "\n\n" in text else text


def normalise_space(text: str) -> str:
    """Collapse runs of spaces per line and runs of blank lines; strip the ends."""
    text = _SPACES.sub(" ", text)
    # No two spaces are adjacent now, so dropping the space before and after
    # each line break is what re.sub(" ?\n ?", "\n") did, without a regex.
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return (_BLANKS.sub("\n\n", text) if "\n\n\n" in text else text).strip()

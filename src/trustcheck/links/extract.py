"""Find every URL in a message's HTML parts and plain text. Nothing is fetched.

HTML goes through lxml.html directly (several times faster than BeautifulSoup on
mail-sized documents); we read ``a``/``area`` hrefs with their visible text,
``img``/``iframe``/``frame``/``embed`` sources, ``background`` attributes, form
actions, ``<meta http-equiv=refresh>``, CSS ``url()`` in style attributes and
``<style>`` blocks, and resolve relative references against ``<base href>``
(RFC 3986 §5). Plain text yields scheme URLs, ``www.`` hosts, defanged forms
(``hxxp``, ``[.]``, ``(dot)``) and bare domains when they carry a path or a
common top-level domain. Work is bounded: HTML size, URL count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from trustcheck.links.domains import normalize_host, split_host
from trustcheck.message.html import CONTROL_CHARS, parse_html
from trustcheck.verdict import Finding, Link, Severity

__all__ = ["MAX_HTML_CHARS", "LinkSet", "collect_links", "extract_links", "host_of"]

#: HTML beyond this many characters per part is not parsed (a finding says so).
MAX_HTML_CHARS = 2_000_000

_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)['\"]?\s*\)", re.IGNORECASE)
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\"\s;]+)", re.IGNORECASE)
# Defanged indicators: hxxp://, h**p, [.] (.) {.} [dot] (dot), [:]
_DEFANG = (
    (re.compile(r"\bh(?:xx|\*\*|tt)p(s?)(?:\[:\]|:)//", re.IGNORECASE), r"http\1://"),
    (re.compile(r"\s?[\[\(\{](?:\.|dot)[\]\)\}]\s?", re.IGNORECASE), "."),
)
_DEFANGED_DOT = re.compile(r"[\[\(\{](?:\.|dot)[\]\)\}]", re.IGNORECASE)
_SCHEME_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
# A host-looking run: labels of word characters/hyphens joined by any dot form
# (ASCII, ideographic, fullwidth), optionally a port and a path.
_BARE = re.compile(
    r"(?<![\w@.\-/])((?:[\w-]{1,63}[.\u3002\uff0e\uff61]){1,8}[a-zA-Z\u00a0-\uffff][\w-]{1,62})"
    r"(:\d{1,5})?(/[^\s<>\"'`]*)?",
)
# Where a _BARE match's first dot can stand: after a label character and before
# the next label or the top-level domain. re skips to dots in C.
_BARE_DOT = re.compile(r"[.\u3002\uff0e\uff61](?<=[\w-].)(?=[\w\-\u00a0-\uffff])")
_LABEL_MAX = 63
# A dotted-quad IP in prose is a link only with a port or a path (not a version number).
# "Not after a word character or dot" is tested after the first digit, so the
# pattern starts with \d and re skips to digits in C.
_BARE_IP = re.compile(r"(\d(?<![\w.]\d)\d{0,2}(?:\.\d{1,3}){3})(?::(\d{1,5}))?(/[^\s<>\"'`]*)?")
_TRAILING = ".,;:!?'\"»”’>"
# Bare domains without a path are links only under a TLD people actually use in
# prose; otherwise "file.zip", "README.md" and "node.js" would be links.
_COMMON_TLDS = frozenset((
    "com", "net", "org", "info", "biz", "io", "co", "me", "ly", "gl", "kr", "jp", "cn", "uk",
    "de", "fr", "ru", "us", "ca", "au", "in", "br", "it", "es", "nl", "eu", "app", "xyz",
    "top", "shop", "online", "site", "store", "live", "club", "vip", "icu", "link", "click",
))


@dataclass(frozen=True, slots=True)
class LinkSet:
    """Links found in a message plus any limit findings."""

    links: tuple[Link, ...]
    findings: tuple[Finding, ...] = ()


def host_of(url: str) -> tuple[str | None, str | None]:
    """(normalised A-label host, registrable domain) of a URL; (None, None) when it has none."""
    try:
        parts = urlsplit(url.strip())
        netloc = parts.netloc
    except ValueError:
        return None, None
    if not netloc:
        return None, None
    hostport = netloc.rpartition("@")[2]
    host = normalize_host(hostport)
    if host is None:
        return None, None
    reg = split_host(host.ascii).registrable
    return host.ascii, reg


def _link(url: str, source: str, text: str | None = None, flags: tuple[str, ...] = ()) -> Link:
    host, reg = host_of(url)
    if host is not None and reg is None:
        reg = host  # IP literals and suffix-less hosts stand for themselves
    return Link(url=url, host=host, registrable_domain=reg, source=source, text=text, flags=flags)


class _Collector:
    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.links: list[Link] = []
        self.seen: set[tuple[str, str, str | None]] = set()
        self.dropped = 0

    def add(self, url: str, source: str, text: str | None = None,
            flags: tuple[str, ...] = ()) -> None:
        url = url.strip()
        if not url or url.startswith("#"):
            return
        key = (url, source, text)
        if key in self.seen:
            return
        if len(self.links) >= self.limit:
            self.dropped += 1
            return
        self.seen.add(key)
        self.links.append(_link(url, source, text, flags))


def collect_links(*, html: Sequence[str] = (), text: str = "",
                  limits_max_urls: int = 2000) -> LinkSet:
    """Every URL in ``html`` parts and ``text``, with a finding when a limit cut work short."""
    out = _Collector(limits_max_urls)
    findings: list[Finding] = []
    for part in html:
        if len(part) > MAX_HTML_CHARS:
            findings.append(Finding(
                "html.size_limit", Severity.LOW,
                f"HTML part of {len(part):,} characters; only the first "
                f"{MAX_HTML_CHARS:,} were searched for links.",
                {"chars": len(part), "limit": MAX_HTML_CHARS}))
            part = part[:MAX_HTML_CHARS]
        _from_html(part, out)
    for url, _ in _text_urls(text):
        out.add(url, "text")
    if out.dropped:
        findings.append(Finding(
            "link.count_limit", Severity.LOW,
            f"More than {out.limit} URLs; {out.dropped} were not checked.",
            {"limit": out.limit, "dropped": out.dropped}))
    return LinkSet(tuple(out.links), tuple(findings))


def extract_links(*, html: Sequence[str] = (), text: str = "",
                  limits_max_urls: int = 2000) -> tuple[Link, ...]:
    """Every URL in ``html`` parts and ``text`` (see :func:`collect_links` for limit findings)."""
    return collect_links(html=html, text=text, limits_max_urls=limits_max_urls).links


# -- HTML


def _from_html(markup: str, out: _Collector) -> None:
    if not markup.strip():
        return
    doc: lxml.html.HtmlElement | None
    if CONTROL_CHARS.search(markup) is None:
        # The document visible text was read from: the same elements (comments
        # and PIs, removed there, have no tag and are skipped below).
        doc = parse_html(markup)
    else:
        try:
            doc = lxml.html.document_fromstring(markup)
        except (lxml.etree.ParserError, ValueError):
            doc = None
    if doc is None:
        return
    base = ""
    for el in doc.iter("base"):
        declared = (el.get("href") or "").strip()
        if declared.lower().startswith(("http://", "https://")):
            base = declared
            break

    def resolve(ref: str) -> str:
        ref = ref.strip()
        if base and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", ref):
            return urljoin(base, ref)
        return ref

    for el in doc.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("a", "area"):
            target = el.get("href")
            if target is not None:
                shown: str | None = (
                    " ".join(lxml.html.HtmlElement.text_content(el).split())
                    if tag == "a" else el.get("alt"))
                out.add(resolve(target), "href", shown or None)
        elif tag in ("img", "iframe", "frame", "embed", "script", "input", "video", "source"):
            src = el.get("src")
            if src:
                flags = ("privacy.tracking_pixel",) if tag == "img" and _is_pixel(el) else ()
                out.add(resolve(src), "src", el.get("alt") or None, flags)
        elif tag == "form":
            action = el.get("action")
            if action:
                out.add(resolve(action), "form")
        elif tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            m = _REFRESH.search(el.get("content") or "")
            if m:
                out.add(resolve(m.group(1)), "meta")
        elif tag == "style" and el.text:
            for m in _CSS_URL.finditer(el.text):
                out.add(resolve(m.group(1)), "css")
        if tag:
            background = el.get("background")
            if background:
                out.add(resolve(background), "src")
            style = el.get("style")
            if style and "url(" in style.lower():
                for m in _CSS_URL.finditer(style):
                    out.add(resolve(m.group(1)), "css")


def _is_pixel(el: lxml.html.HtmlElement) -> bool:
    def dim(name: str) -> int | None:
        raw = (el.get(name) or "").strip().lower().removesuffix("px")
        return int(raw) if raw.isdigit() else None

    w, h = dim("width"), dim("height")
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    return w is not None and h is not None and w <= 1 and h <= 1


# -- plain text


def _undefang(text: str) -> str:
    # Each pattern needs a literal its own scan would look for at every
    # position: "//" for a scheme, a bracketed dot for a domain. Most text has
    # neither, and a substring or character-class search finds that at once.
    if "//" in text:
        text = _undefang_schemes(text)
    if _DEFANGED_DOT.search(text):
        text = _DEFANG[1][0].sub(_DEFANG[1][1], text)
    return text


# The longest defanged scheme the first _DEFANG pattern matches, "hxxps[:]//".
_SCHEME_REACH = 10


def _undefang_schemes(text: str) -> str:
    """``_DEFANG[0][0].sub(_DEFANG[0][1], text)``, searched only near each "//".

    The pattern starts with \\b, so re tried it at every position. A match
    ends with "//" and starts at most _SCHEME_REACH characters before its end:
    each "//" bounds a short window, and the windows are visited in order,
    as sub visits matches.
    """
    pattern, replacement = _DEFANG[0]
    pieces: list[str] = []
    pos = 0
    slash = text.find("//")
    while slash >= 0:
        m = pattern.search(text, max(pos, slash + 2 - _SCHEME_REACH), slash + 2)
        if m is None:
            slash = text.find("//", slash + 1)
            continue
        pieces.append(text[pos:m.start()])
        pieces.append(m.expand(replacement))
        pos = m.end()
        slash = text.find("//", pos)
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def _text_urls(text: str) -> Iterator[tuple[str, int]]:
    """(url, offset) for each URL-looking run in plain text."""
    if not text:
        return
    text = _undefang(text)
    taken: list[tuple[int, int]] = []
    # Every scheme URL holds "://"; the pattern's \b start is tried at every position.
    for m in _SCHEME_URL.finditer(text) if "://" in text else ():
        url = _trim(m.group(0))
        taken.append((m.start(), m.start() + len(url)))
        yield url, m.start()
    for m in _BARE_IP.finditer(text):
        if (m.group(2) or m.group(3)) and not any(a <= m.start() < b for a, b in taken):
            taken.append((m.start(), m.end()))
            yield "http://" + _trim(m.group(0)), m.start()
    for m in _bare_matches(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        end = m.end()
        if end < len(text) and text[end] == "@":
            continue  # the domain part of an e-mail address
        host, port, path = m.group(1), m.group(2) or "", m.group(3) or ""
        norm = normalize_host(host)
        if norm is None:
            continue
        suffix = split_host(norm.ascii).suffix
        if not suffix:
            continue
        tld = suffix.rsplit(".", 1)[-1]
        if not (path or port or host.lower().startswith("www.") or tld in _COMMON_TLDS):
            continue
        yield "http://" + _trim(host + port + path), m.start()


def _bare_matches(text: str) -> Iterator[re.Match[str]]:
    """``_BARE.finditer(text)``, tried only where a match can start.

    A match starts at the first character of the label before its first dot
    (the look-behind rules out starting inside a label), so each dot that
    can be a first dot names the one place to try; runs of label characters
    longer than a label cannot start a match.
    """
    end = 0
    for dot in _BARE_DOT.finditer(text):
        start = dot.start() - 1
        low = max(start - _LABEL_MAX, 0)
        while start > low and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            start -= 1  # str.isalnum() or "_" is what re's \w matches
        if start < end:
            continue  # inside the previous match: finditer does not overlap matches
        m = _BARE.match(text, start)
        if m is not None:
            yield m
            end = m.end()


def _trim(url: str) -> str:
    url = url.rstrip(_TRAILING)
    # A closing bracket belongs to the URL only if the URL opened one (Wikipedia links).
    while url and url[-1] in ")]" and url.count("(" if url[-1] == ")" else "[") < url.count(
            url[-1]):
        url = url[:-1].rstrip(_TRAILING)
    return url


def domain_in_text(text: str) -> tuple[str, str] | None:
    """(host, registrable) of the first URL or domain an anchor text shows, if any."""
    for url, _ in _text_urls(text):
        host, reg = host_of(url)
        if host is not None:
            return host, reg or host
    return None

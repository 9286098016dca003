"""Host names as a link check must see them: one canonical form per host.

Attackers write hosts that a browser canonicalises but a naive string compare
does not: upper case, a trailing root dot, fullwidth or ideographic full stops
as label separators (UTS #46 §4 maps U+3002, U+FF0E and U+FF61 to ".") and
invisible characters (zero-width joiners, bidi overrides) that most renderers
drop. :func:`normalize_host` undoes all of that and remembers what it saw, and
:func:`split_host` splits the result with the Public Suffix List from
tldextract's bundled snapshot (never downloaded).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

import tldextract

__all__ = ["HostParts", "NormalizedHost", "is_ip_literal", "normalize_host", "split_host"]

# UTS #46 §4 step 1 (and IDNA2003) treat these as label separators.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

# Characters a renderer shows as nothing, or that reorder what is shown: the
# RTL override trick (U+202E) and zero-width joiners inside a brand name.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# RFC 1035 §2.3.4: a name is at most 253 octets in text form; a longer "host"
# is not a host, and bounding it keeps the IDNA codec's work bounded.
_MAX_HOST = 253


@dataclass(frozen=True, slots=True)
class NormalizedHost:
    """A host in canonical form plus what had to be removed to get there."""

    ascii: str
    """Lower-case, dot-separated, IDN labels in A-label (``xn--``) form."""
    unicode: str
    """The same host with A-labels decoded (U-labels), for script checks."""
    had_invisible: bool = False
    """Zero-width or other invisible characters were removed."""
    had_bidi: bool = False
    """Bidirectional control characters (e.g. U+202E RTL override) were removed."""

    @property
    def is_idn(self) -> bool:
        return self.ascii != self.unicode


@dataclass(frozen=True, slots=True)
class HostParts:
    """A host split at the public suffix (PSL), all in A-label form."""

    subdomain: str
    label: str
    """The registrable label, e.g. ``apple`` in ``id.apple.co.uk``."""
    suffix: str

    @property
    def registrable(self) -> str | None:
        """eTLD+1 (``apple.co.uk``), or None when the host is a bare suffix or has none."""
        if not self.label or not self.suffix:
            return None
        return f"{self.label}.{self.suffix}"


def normalize_host(raw: str) -> NormalizedHost | None:
    """Canonicalise a host name (or ``host:port``); None when it cannot be a host.

    >>> normalize_host("WWW.Apple.COM.").ascii
    'www.apple.com'
    >>> normalize_host("аpple。com").ascii
    'xn--pple-43d.com'
    """
    if not raw or len(raw) > 4 * _MAX_HOST:
        return None
    if _is_plain(raw):
        # Fast path (most hosts): already canonical lower-case ASCII, no IDN, no IP.
        return NormalizedHost(raw, raw, False, False)
    host = raw.strip()
    had_bidi = bool(_BIDI.search(host))
    cleaned = _INVISIBLE.sub("", host)
    had_invisible = cleaned != host
    # NFKC folds fullwidth letters/digits (UTS #46 mapping step); then lower-case.
    host = unicodedata.normalize("NFKC", cleaned.translate(_DOTS)).translate(_DOTS).lower()
    if host.startswith("[") and "]" in host:  # IPv6 literal, RFC 3986 §3.2.2
        inner = host[1 : host.index("]")]
        return NormalizedHost(inner, inner, had_invisible, had_bidi) if _is_ipv6(inner) else None
    if host.count(":") == 1:
        host, _, port = host.partition(":")
        if port and not port.isdigit():
            return None
    host = host.strip(".")
    if not host or len(host) > _MAX_HOST * 2 or ".." in host:
        return None
    if is_ip_literal(host):
        return NormalizedHost(host, host, had_invisible, had_bidi)
    ascii_labels: list[str] = []
    unicode_labels: list[str] = []
    for label in host.split("."):
        pair = _label_forms(label)
        if pair is None:
            return None
        ascii_labels.append(pair[0])
        unicode_labels.append(pair[1])
    ascii_host = ".".join(ascii_labels)
    if len(ascii_host) > _MAX_HOST:
        return None
    return NormalizedHost(ascii_host, ".".join(unicode_labels), had_invisible, had_bidi)


_PLAIN = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*")


def _is_plain(raw: str) -> bool:
    """Canonical as written: lower-case LDH labels, no A-label to decode, not an IP
    literal (every IPv4 form ends in a label starting with a digit)."""
    return (len(raw) <= _MAX_HOST and _PLAIN.fullmatch(raw) is not None
            and "xn--" not in raw and not raw[raw.rfind(".") + 1].isdigit())


def _label_forms(label: str) -> tuple[str, str] | None:
    """(A-label, U-label) for one label, or None if it is not a usable DNS label."""
    if not label or len(label) > 63 * 4:
        return None
    if label.isascii():
        if not all(c.isalnum() or c in "-_" for c in label):
            return None
        if label.startswith("xn--"):
            try:
                return label, label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                return label, label  # undecodable A-label: keep it as written
        return label, label
    if any(unicodedata.category(c)[0] in "PSZC" and c not in "-_" for c in label):
        return None  # spaces, punctuation or symbols: prose, not a host
    try:
        encoded = "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        return None
    if len(encoded) > 63:
        return None
    return encoded, label


def is_ip_literal(host: str) -> bool:
    """True for a dotted IPv4 (also the legacy forms browsers accept) or IPv6 literal."""
    if _is_ipv6(host):
        return True
    if not host or not host[host.rfind(".") + 1 :][:1].isdigit():
        return False  # every IPv4 form ends in a decimal, octal or 0x-hex part
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return False
    # WHATWG URL §4.3 IPv4 parser: decimal, 0x-hex and 0-octal parts, fewer than
    # four parts allowed (http://3232235777/ is 192.168.1.1) — all are IP literals.
    return all(re.fullmatch(r"0x[0-9a-f]*|[0-9]+", p) for p in parts) and (
        len(parts) == 4 or len(parts) == 1 or parts[-1].isdigit()
    )


def _is_ipv6(host: str) -> bool:
    if ":" not in host:
        return False
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # Bundled PSL snapshot only: no download, no cache directory (design: offline).
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=65536)
def split_host(ascii_host: str) -> HostParts:
    """Split a normalised A-label host at its public suffix (private PSL section included)."""
    ext = _extractor()(ascii_host, include_psl_private_domains=True)
    return HostParts(ext.subdomain, ext.domain, ext.suffix)

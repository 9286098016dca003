"""Decode tracking redirectors that carry their target in the URL itself. Never fetches.

A wrapped link (``https://www.google.com/url?q=https://evil.example``) must be
judged by where it leads. Only formats whose target is readable from the URL are
decoded; opaque ones (Mimecast ``protect-*.mimecast.com`` tokens, ESP click
tracking) are left alone — resolving them would need a request.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["MAX_UNWRAP_DEPTH", "unwrap", "unwrap_all"]

#: Redirectors nest (a Safe Links URL around a Proofpoint URL); stop after this many.
MAX_UNWRAP_DEPTH = 4

# Query parameters that, across many open redirectors, hold the destination.
_GENERIC_PARAMS: tuple[str, ...] = (
    "url", "u", "q", "redirect", "redirect_url", "redirect_uri", "redirecturl", "target",
    "dest", "destination", "goto", "next", "link", "to", "r", "continue",
)
_KNOWN_PARAM: dict[str, tuple[str, ...]] = {
    # host suffix -> parameter names, checked before the generic list
    "google.com/url": ("q", "url"),
    "safelinks.protection.outlook.com": ("url",),
    "facebook.com/l.php": ("u",),
    "l.instagram.com": ("u",),
    "youtube.com/redirect": ("q",),
    "slack-redir.net/link": ("url",),
}
_V2_ESCAPE = re.compile(r"-([0-9A-F]{2})")
_HTTP = re.compile(r"https?://", re.IGNORECASE)


def unwrap(url: str) -> str | None:
    """The target a redirector URL carries, or None if ``url`` is not a decodable redirector."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.endswith("urldefense.proofpoint.com") and path.startswith("/v2/url"):
        return _proofpoint_v2(parts.query)
    if host.endswith("urldefense.com") and path.startswith("/v3/__"):
        return _proofpoint_v3(url)
    params = parse_qsl(parts.query, keep_blank_values=False)
    if not params:
        return None
    where = host + path
    names = _GENERIC_PARAMS
    for key, known in _KNOWN_PARAM.items():
        if key in where:
            names = known
            break
    values = {k.lower(): v for k, v in params}
    for name in names:
        value = values.get(name)
        if value:
            target = _as_url(value)
            if target is not None:
                return target
    return None


def unwrap_all(url: str) -> tuple[str, ...]:
    """Every decoded hop, outermost first (empty when ``url`` is not a redirector)."""
    hops: list[str] = []
    current = url
    for _ in range(MAX_UNWRAP_DEPTH):
        nxt = unwrap(current)
        if nxt is None or nxt == current or nxt in hops:
            break
        hops.append(nxt)
        current = nxt
    return tuple(hops)


def _as_url(value: str) -> str | None:
    # parse_qsl already percent-decoded once; double-encoded targets are common.
    for candidate in (value, unquote(value)):
        candidate = candidate.strip()
        if _HTTP.match(candidate):
            return candidate
    return None


def _proofpoint_v2(query: str) -> str | None:
    # v2: u= holds the URL with "-XX" hex escapes and "_" for "/" (Proofpoint's
    # documented URL Defense v2 format).
    for key, value in parse_qsl(query):
        if key == "u":
            decoded = _V2_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value.replace("_", "/"))
            return decoded if _HTTP.match(decoded) else None
    return None


def _proofpoint_v3(url: str) -> str | None:
    # v3: https://urldefense.com/v3/__<url>__;<base64 of replaced chars>!!<signature>
    start = url.find("/v3/__") + len("/v3/__")
    end = url.find("__;", start)
    if end == -1:
        end = url.find("__", start)
    if end == -1:
        return None
    target = url[start:end]
    # "*" marks characters moved into the trailer; the host is almost never affected.
    return target if _HTTP.match(target) else None

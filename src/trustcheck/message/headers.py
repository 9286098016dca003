"""Header sections: splitting, unfolding, parameters (RFC 2045/2231) and addresses.

Written for hostile input: every function is a single pass over bounded data,
with no regular expression that can backtrack badly and no recursion.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import idna

from trustcheck.message._report import Report
from trustcheck.message.charsets import decode_8bit, lookup_charset
from trustcheck.message.limits import Limits
from trustcheck.verdict import Severity

__all__ = ["Address", "RawHeader", "parse_params", "split_message"]

# RFC 5322 §2.2: field-name = 1*ftext, printable US-ASCII except ":". Whitespace
# before the colon is obsolete syntax (§4.5.2) that we still accept.
_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
# A field and its continuation lines, LF line ends (CRLF already made LF).
_FIELD_BLOCK = re.compile(
    rb"(([\x21-\x39\x3b-\x7e]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)(?:\n|\Z))")


@dataclass(frozen=True, slots=True)
class RawHeader:
    """One header field: name as written and the unfolded value as bytes."""

    name: str
    value: bytes


def split_message(data: bytes, limits: Limits, report: Report) -> tuple[list[RawHeader], bytes]:
    """Split a message into its header fields and its body.

    The header section ends at the first empty line (RFC 5322 §2.1). A line that
    is neither a field nor a continuation also ends it, as in the stdlib parser,
    with a ``mime.defect`` finding; the body then starts at that line.
    """
    if data.startswith((b"\n", b"\r\n")):
        return [], data[data.index(b"\n") + 1:]
    blank = _blank_line(data)
    if blank is None:
        head, body = data, b""
    else:
        head, body = data[:blank[0]], data[blank[1]:]
    headers = _regular_fields(head, limits)
    if headers is not None:
        return headers, body
    return _split_lines(data, head, body, limits, report)


def _regular_fields(head: bytes, limits: Limits) -> list[RawHeader] | None:
    """The fields of a header section with nothing to report, in one pattern pass.

    Returns None (the line-by-line split decides) when a line is neither a field
    nor a continuation, a CR stands anywhere but before LF, or a count or length
    limit would be reached: then there is a finding to make or a value to cut.
    """
    if b"\r" in head:
        head = head.replace(b"\r\n", b"\n")
        if b"\r" in head:
            return None
    found = _FIELD_BLOCK.findall(head)
    # Matches do not overlap: they cover the whole section when their lengths add up to it.
    if sum(len(whole) for whole, _, _ in found) != len(head) or len(found) > limits.max_headers:
        return None
    values = [value.replace(b"\n", b"") for _, _, value in found]
    if len(head) > limits.max_header_length and any(
            len(value) > limits.max_header_length for value in values):
        return None
    return [RawHeader(name.decode("ascii"), value.strip(b" \t\r\n"))
            for (_, name, _), value in zip(found, values, strict=True)]


def _split_lines(data: bytes, head: bytes, body: bytes, limits: Limits,
                 report: Report) -> tuple[list[RawHeader], bytes]:
    """split_message line by line, reporting defects and limits."""
    headers: list[RawHeader] = []
    name: str | None = None
    parts: list[bytes] = []
    size = 0
    truncated = False
    pos = 0
    n = len(head)
    while pos < n:
        end = head.find(b"\n", pos)
        if end < 0:
            end = n
        line = head[pos:end]
        line_start = pos
        pos = end + 1
        if line.endswith(b"\r"):
            line = line[:-1]
        if line[:1] in (b" ", b"\t"):
            # RFC 5322 §2.2.3: unfolding removes the CRLF, keeps the whitespace.
            if name is not None and not truncated:
                size += len(line)
                parts.append(line)
            continue
        if name is not None:
            headers.append(_finish(name, parts, limits, report))
            name = None
        fm = _FIELD.match(line)
        if fm is None:
            report.add("mime.defect", Severity.INFO,
                       "A line in the header section is not a header field; the body was taken "
                       "to start there.", line=line[:80].decode("latin-1"))
            return headers, data[line_start:]  # head is a prefix of data
        if len(headers) >= limits.max_headers:
            report.limit("header.count_limit",
                         f"More than {limits.max_headers} header fields; the rest were ignored.",
                         limit=limits.max_headers)
            break
        name = fm.group(1).decode("ascii")
        parts = [line[fm.end():]]
        size = len(parts[0])
        truncated = False
        if size > limits.max_header_length:
            truncated = True
    if name is not None:
        headers.append(_finish(name, parts, limits, report))
    return headers, body


def _blank_line(data: bytes) -> tuple[int, int] | None:
    """Start and end of the first empty line, or None (find() is far faster than a regex)."""
    best: tuple[int, int] | None = None
    for sep in (b"\n\n", b"\n\r\n"):
        i = data.find(sep, 0, None if best is None else best[0] + 1)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, i + len(sep))
    if best is not None and best[0] > 0 and data[best[0] - 1] == 0x0D:
        best = (best[0] - 1, best[1])  # the CR of "\r\n\r\n" belongs to the last header line
    return best


def _finish(name: str, parts: list[bytes], limits: Limits, report: Report) -> RawHeader:
    value = b"".join(parts)
    if len(value) > limits.max_header_length:
        report.limit("header.length_limit",
                     f"Header {name[:60]} is longer than {limits.max_header_length} bytes; "
                     "it was truncated.", header=name[:60], limit=limits.max_header_length)
        value = value[:limits.max_header_length]
    return RawHeader(name, value.strip(b" \t\r\n"))


def header_text(value: bytes, report: Report) -> str:
    """Decode a raw header value (RFC 6532 UTF-8, or legacy 8-bit) without RFC 2047."""
    if value.isascii() and b"\x1b" not in value and b"\x00" not in value:
        return value.decode("ascii")  # most values: what decode_8bit would return, nothing to drop
    text, ok = decode_8bit(value)
    if not ok:
        report.add("header.encoding_error", Severity.INFO,
                   "A header holds 8-bit bytes that are neither UTF-8 nor cp949; "
                   "read as latin-1.")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


# ---------------------------------------------------------------- parameters

_MAX_PARAM_INPUT = 16 * 1024


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """Parse ``type/subtype; name=value; ...`` into the lower-cased first token and params.

    Handles quoted strings with backslash escapes (RFC 2045 §5.1) and RFC 2231
    extended and continued parameters (``name*0*=utf-8''%ED%99%8D``). A single
    pass; input beyond 16 KiB is ignored (no real parameter list is that long).
    """
    value = value[:_MAX_PARAM_INPUT]
    items: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
        elif quoted and ch == "\\":
            buf.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == ";" and not quoted:
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    items.append("".join(buf))
    first = items[0].strip().lower()
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    for item in items[1:]:
        key, sep, val = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        if "*" in key:
            # RFC 2231 §3/§4: name*N (continuation), trailing * means percent-encoded.
            base, _, rest = key.partition("*")
            encoded = key.endswith("*")
            index_text = rest.rstrip("*")
            index = int(index_text) if index_text.isdigit() and len(index_text) < 5 else 0
            extended.setdefault(base, {})[index] = (val, encoded)
        else:
            simple.setdefault(key, val)
    for base, pieces in extended.items():
        simple[base] = _join_rfc2231([pieces[i] for i in sorted(pieces)])
    return first, simple


def _join_rfc2231(pieces: list[tuple[str, bool]]) -> str:
    charset = ""
    data = bytearray()
    for i, (val, encoded) in enumerate(pieces):
        if encoded:
            if i == 0 and val.count("'") >= 2:
                charset, _lang, val = val.split("'", 2)
            data.extend(urllib.parse.unquote_to_bytes(val))
        else:
            data.extend(val.encode("utf-8", "surrogateescape"))
    codec = lookup_charset(charset) if charset else None
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_8bit(bytes(data))[0]


# ---------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address header.

    ``domain`` is lower-case, IDN domains in A-label (punycode) form, so it can be
    compared with DNS names; ``domain_unicode`` gives the U-label form for display.
    ``address`` is ``local@domain`` with that normalised domain, or ``""`` when the
    header held no usable address (garbage is tolerated, never raised on).
    """

    display_name: str
    address: str
    local: str
    domain: str

    @property
    def domain_unicode(self) -> str:
        """The domain in Unicode (U-label) form, or as stored when it cannot be decoded."""
        if "xn--" not in self.domain:
            return self.domain
        try:
            return idna.decode(self.domain)
        except (idna.IDNAError, UnicodeError, ValueError):
            try:
                return self.domain.encode("ascii").decode("idna")
            except UnicodeError:
                return self.domain

    def __str__(self) -> str:
        return f"{self.display_name} <{self.address}>" if self.display_name else self.address


def to_a_label(domain: str) -> str:
    """Lower-case a domain and convert an IDN to A-labels; garbage is returned lower-cased."""
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii() or domain.startswith("["):
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def make_address(display_name: str, addr_spec: str) -> Address:
    """Build an :class:`Address` from a decoded display name and an addr-spec."""
    addr_spec = addr_spec.strip()
    local, at, domain = addr_spec.rpartition("@")
    if not at:
        return Address(display_name.strip(), addr_spec, addr_spec, "")
    domain = to_a_label(domain)
    return Address(display_name.strip(), f"{local}@{domain}" if domain else local, local, domain)

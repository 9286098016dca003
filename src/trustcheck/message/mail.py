"""Parse an RFC 5322 / MIME e-mail into the facts every check works from.

:func:`parse_email` never raises on malformed mail: problems become findings in
:attr:`ParsedEmail.findings`. It raises :class:`~trustcheck.errors.InputError`
only for input that is not a message at all (a wrong type, an unreadable file).

Input rule: ``bytes`` (and ``bytearray``/``memoryview``) and ``str`` are message
*content*; an ``os.PathLike`` (``pathlib.Path``) is a file to read;
``email.message.Message`` is serialised back to bytes. A ``str`` is never taken
for a path: use :func:`load_email` for a path given as a string.

The MIME walk is our own, iterative and bounded (see :mod:`.limits`), rather
than the stdlib ``email`` parser: that parser recurses once per nesting level
(a 1,000-deep multipart hits ``RecursionError``), its ``email.policy.default``
raises on some malformed headers, and its parameter parser is quadratic on
hostile ``Content-Type`` values. The stdlib still does what it does well:
address lists (``email.utils.getaddresses``) and dates.
"""

from __future__ import annotations

import binascii
import email.message
import email.utils
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trustcheck.errors import InputError, MessageParseError
from trustcheck.message._report import Report
from trustcheck.message.charsets import decode_body, decode_rfc2047
from trustcheck.message.forward import find_inline_forward, loose_date
from trustcheck.message.headers import (
    Address,
    header_text,
    make_address,
    parse_params,
    split_message,
)
from trustcheck.message.html import html_to_text, normalise_space
from trustcheck.message.limits import Limits
from trustcheck.verdict import Finding, Severity

__all__ = ["Address", "Attachment", "ParsedEmail", "load_email", "parse_email"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A non-body MIME part. Described, never unpacked, never executed.

    ``size`` is the decoded size in bytes (for base64 computed from the encoded
    length, without decoding). ``content_type`` is lower-case ``type/subtype``.
    """

    filename: str | None
    content_type: str
    size: int
    disposition: str | None
    is_inline: bool


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """One parsed e-mail: headers, addresses, bodies, attachments, forwarded originals.

    ``raw`` holds the exact input bytes (minus an mbox ``From`` line): DKIM
    verifies those. ``headers`` are in message order with the names as written
    and values unfolded and RFC 2047-decoded; ``raw_header_all`` gives values
    unfolded but not RFC 2047-decoded, as Authentication-Results and Received
    parsers need. ``source`` is ``"message"`` for the input itself, ``"rfc822"``
    for an original attached as ``message/rfc822``, ``"inline"`` for one
    reconstructed from a forwarded text block (no original bytes survive there,
    so ``raw`` is our reconstruction and cannot carry a valid DKIM signature).
    """

    raw: bytes = field(repr=False)
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    from_: tuple[Address, ...]
    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    return_path: str | None
    """Reverse-path without ``<>``; ``""`` for the null reverse-path ``<>``."""
    subject: str
    message_id: str | None
    """The Message-ID field as written (with its angle brackets), or None."""
    date: datetime | None
    """The Date field as an aware datetime (``-0000`` read as UTC), or None."""
    text: str = field(repr=False)
    """The text/plain bodies, decoded and joined."""
    html: tuple[str, ...] = field(repr=False)
    """The text/html bodies, decoded, each within ``Limits.max_html_bytes``."""
    visible_text: str = field(repr=False)
    """``text`` plus the readable text of each HTML body (skipped when it repeats ``text``)."""
    attachments: tuple[Attachment, ...]
    forwarded: tuple[ParsedEmail, ...]
    findings: tuple[Finding, ...]
    language: str | None
    """``"ko"``, ``"en"`` or None; see :func:`guess_language`."""
    source: str = "message"
    raw_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    _first: dict[str, str] = field(init=False, repr=False, compare=False)
    """Lower-cased name -> first decoded value: ``header`` is asked ~13 times a message."""

    def __post_init__(self) -> None:
        first: dict[str, str] = {}
        for n, v in self.headers:
            first.setdefault(n.lower(), v)
        object.__setattr__(self, "_first", first)

    def header(self, name: str) -> str | None:
        """The first (topmost) decoded value of header ``name`` (case-insensitive), or None."""
        return self._first.get(name.lower())

    def header_all(self, name: str) -> tuple[str, ...]:
        """Every decoded value of header ``name``, top to bottom."""
        key = name.lower()
        return tuple(v for n, v in self.headers if n.lower() == key)

    def raw_header_all(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` unfolded but not RFC 2047-decoded, top to bottom."""
        key = name.lower()
        return tuple(v for n, v in self.raw_headers if n.lower() == key)


# ---------------------------------------------------------------- entry points


def load_email(path: str | os.PathLike[str], /, *, limits: Limits | None = None) -> ParsedEmail:
    """Read and parse the message in file ``path``; InputError if it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        msg = f"Cannot read message file {os.fspath(path)!s}: {reason}."
        raise InputError(msg) from exc
    return parse_email(data, limits=limits)


def parse_email(
    data: bytes | bytearray | memoryview | str | email.message.Message | os.PathLike[str],
    /,
    *,
    limits: Limits | None = None,
) -> ParsedEmail:
    """Parse a message given as bytes, text, a stdlib Message or a path (see module doc).

    Never raises on malformed mail; raises InputError for a wrong type or an
    unreadable file.
    """
    given: object = Limits() if limits is None else limits
    if not isinstance(given, Limits):
        msg = f"limits must be a trustcheck.message.Limits, not {type(given).__name__}."
        raise InputError(msg)
    limits = given
    if isinstance(data, os.PathLike):
        return load_email(data, limits=limits)
    raw = _to_bytes(data)
    return _parse(raw, limits, _Budget(limits.max_parts), forward_depth=0, source="message")


def _to_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        try:
            # Text read with surrogateescape round-trips to the original bytes.
            return data.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return data.encode("utf-8", "replace")
    if isinstance(data, email.message.Message):
        try:
            return data.as_bytes()
        except (UnicodeError, LookupError, ValueError, TypeError, AttributeError,
                KeyError, IndexError):
            pass
        except RecursionError as exc:
            msg = "The email.message.Message is nested too deeply to serialise."
            raise MessageParseError(msg) from exc
        try:
            return data.as_string().encode("utf-8", "surrogateescape")
        except (UnicodeError, LookupError, ValueError, TypeError, AttributeError,
                KeyError, IndexError, RecursionError) as exc:
            msg = f"The email.message.Message cannot be serialised: {exc}."
            raise MessageParseError(msg) from exc
    msg = (f"Expected e-mail bytes, str, email.message.Message or a path, "
           f"not {type(data).__name__}.")
    raise InputError(msg)


# ---------------------------------------------------------------- parsing


class _Budget:
    """MIME parts left for the whole parse, forwarded originals included."""

    __slots__ = ("parts",)

    def __init__(self, parts: int) -> None:
        self.parts = parts


@dataclass(slots=True)
class _Body:
    texts: list[str] = field(default_factory=list)
    text_bytes: int = 0
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    nested: list[bytes] = field(default_factory=list)


# RFC 5322 §3.6: fields that may occur at most once.
_SINGLETONS = ("from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id")
# getaddresses walks characters in Python: bound its input per header name.
_MAX_ADDRESS_INPUT = 32 * 1024
_MAX_ADDRESSES = 200


def _parse(raw: bytes, limits: Limits, budget: _Budget, *, forward_depth: int,
           source: str) -> ParsedEmail:
    report = Report()
    if raw.startswith(b"From "):
        # mbox From_ line (RFC 4155): envelope data, not part of the message.
        nl = raw.find(b"\n")
        raw = raw[nl + 1:] if nl >= 0 else b""
    data = raw
    if len(data) > limits.max_bytes:
        report.limit("message.size_limit",
                     f"The message is {len(data)} bytes; only the first {limits.max_bytes} "
                     "were parsed.", size=len(data), limit=limits.max_bytes)
        data = data[:limits.max_bytes]
    if b"\x00" in data:
        report.add("message.nul_bytes", Severity.LOW,
                   "The message contains NUL bytes, which RFC 5322 does not allow; "
                   "they were dropped from decoded text.")
    fields, body_bytes = split_message(data, limits, report)
    raw_pairs = [(f.name, header_text(f.value, report)) for f in fields]
    pairs = [(name, decode_rfc2047(value, report) if "=?" in value else value)
             for name, value in raw_pairs]

    keys = [f.name.lower() for f in fields]
    first_raw: dict[str, str] = {}
    first_decoded: dict[str, str] = {}
    counts: dict[str, int] = {}
    for key, (_, rv), (_, dv) in zip(keys, raw_pairs, pairs, strict=True):
        if key not in first_raw:
            first_raw[key] = rv
            first_decoded[key] = dv
            counts[key] = 1
        else:
            counts[key] += 1

    def every(name: str, table: list[tuple[str, str]]) -> list[str]:
        if counts.get(name, 0) == 0:
            return []
        return [v for key, (_, v) in zip(keys, table, strict=True) if key == name]
    for key in _SINGLETONS:
        if counts.get(key, 0) > 1:
            report.add("header.duplicate", Severity.LOW,
                       f"The {key} header occurs {counts[key]} times; RFC 5322 §3.6 allows one.",
                       header=key, count=counts[key])
    if not counts.get("from") and source != "inline":
        report.add("header.missing_from", Severity.INFO,
                   "The message has no From header (RFC 5322 §3.6 requires one).")

    body = _Body()
    _walk(first_raw.get("content-type"), first_raw.get("content-transfer-encoding"),
          first_raw.get("content-disposition"), body_bytes, limits, report, budget, body)

    text = "\n".join(t for t in body.texts if t)
    visible = _visible_text(text, body.html, limits, report)

    forwarded: list[ParsedEmail] = []
    inline_source = text or visible
    candidates = list(body.nested)
    inline = find_inline_forward(inline_source) if inline_source else None
    if (candidates or inline) and forward_depth >= limits.max_forward_depth:
        report.limit("forward.depth_limit",
                     f"Forwarded originals nest deeper than {limits.max_forward_depth}; "
                     "the deeper ones were not extracted.", limit=limits.max_forward_depth)
    else:
        forwarded.extend(_parse(nested, limits, budget, forward_depth=forward_depth + 1,
                                source="rfc822") for nested in candidates)
        if inline is not None:
            lines = [f"{name}: {value}" for name, value in inline.headers]
            synthetic = ("\r\n".join(lines) + "\r\n\r\n" + inline.body).encode("utf-8")
            forwarded.append(_parse(synthetic, limits, budget, forward_depth=forward_depth + 1,
                                    source="inline"))

    subject = first_decoded.get("subject") or ""
    # Everything that may add a finding runs before report.findings() is taken.
    from_ = _addresses(every("from", raw_pairs), report)
    sender = _addresses(every("sender", raw_pairs)[:1], report)
    reply_to = _addresses(every("reply-to", raw_pairs), report)
    to = _addresses(every("to", raw_pairs), report)
    cc = _addresses(every("cc", raw_pairs), report)
    date = _date(first_decoded.get("date"), report, loose=source == "inline")
    return ParsedEmail(
        raw=raw,
        headers=tuple(pairs),
        from_=from_,
        sender=sender[0] if sender else None,
        reply_to=reply_to,
        to=to,
        cc=cc,
        return_path=_return_path(first_raw.get("return-path")),
        subject=subject,
        message_id=(first_decoded.get("message-id") or "").strip() or None,
        date=date,
        text=text,
        html=tuple(body.html),
        visible_text=visible,
        attachments=tuple(body.attachments),
        forwarded=tuple(forwarded),
        findings=report.findings(),
        language=guess_language(subject + "\n" + visible),
        source=source,
        raw_headers=tuple(raw_pairs),
    )


def _walk(ctype: str | None, cte: str | None, disposition: str | None, body: bytes,
          limits: Limits, report: Report, budget: _Budget, out: _Body) -> None:
    """Walk the MIME tree iteratively (an explicit stack, never recursion)."""
    # (content-type, cte, disposition, body, depth, default type)
    stack: list[tuple[str | None, str | None, str | None, bytes, int, str]] = [
        (ctype, cte, disposition, body, 0, "text/plain")]
    while stack:
        ctype, cte, disposition, body, depth, default = stack.pop()
        mime, params = parse_params(ctype) if ctype else (default, {})
        if mime.count("/") != 1 or " " in mime:
            if ctype:
                report.add("mime.defect", Severity.INFO,
                           f"Invalid Content-Type {mime[:60]!r}; read as {default} "
                           "(RFC 2045 §5.2).", content_type=mime[:60])
            mime = default
        main = mime.partition("/")[0]
        if main == "multipart":
            if depth >= limits.max_depth:
                report.limit("mime.depth_limit",
                             f"MIME parts nest deeper than {limits.max_depth}; the deeper "
                             "parts were not read.", limit=limits.max_depth)
                continue
            boundary = params.get("boundary", "")
            if not boundary:
                report.add("mime.defect", Severity.INFO,
                           "A multipart has no boundary parameter; read as text.")
                mime, params = "text/plain", {}
            else:
                child_default = "message/rfc822" if mime == "multipart/digest" else "text/plain"
                children = []
                for part in _split_multipart(body, boundary, report):
                    if budget.parts <= 0:
                        report.limit("mime.part_limit",
                                     f"More than {limits.max_parts} MIME parts; the rest "
                                     "were not read.", limit=limits.max_parts)
                        break
                    budget.parts -= 1
                    fields, part_body = split_message(part, limits, report)
                    values = {}
                    for f in fields:
                        key = f.name.lower()
                        if key in ("content-type", "content-transfer-encoding",
                                   "content-disposition") and key not in values:
                            values[key] = header_text(f.value, report)
                    children.append((values.get("content-type"),
                                     values.get("content-transfer-encoding"),
                                     values.get("content-disposition"), part_body, depth + 1,
                                     child_default))
                if children or budget.parts <= 0:
                    stack.extend(reversed(children))
                    continue
                # No delimiter at all: show the body as text rather than hide it,
                # as a hostile sender might want scanners to skip what clients display.
                mime, params = "text/plain", {}
        _leaf(mime, params, cte, disposition, body, limits, report, out)


_DELIMITER_TAIL = re.compile(rb"[ \t]*\r?(?:\n|\Z)")
_MAX_FALSE_DELIMITERS = 100_000


def _split_multipart(body: bytes, boundary: str, report: Report) -> Iterator[bytes]:
    """Yield the body parts between boundary delimiter lines (RFC 2046 §5.1.1).

    A delimiter is ``--boundary`` at the start of a line, optionally ``--`` (the
    close delimiter), then only whitespace to the end of the line. ``bytes.find``
    does the scanning: a regular expression anchored with ``^`` cannot use a fast
    literal search and was 30 times slower on large bodies.
    """
    needle = b"--" + boundary.encode("utf-8", "replace")[:200]
    start: int | None = None
    pos = 0
    rejected = 0
    while True:
        i = body.find(needle, pos)
        if i < 0:
            break
        pos = i + 1
        j = i + len(needle)
        close = body.startswith(b"--", j)
        tail = _DELIMITER_TAIL.match(body, j + 2 if close else j)
        if (i > 0 and body[i - 1] != 0x0A) or tail is None:
            rejected += 1
            if rejected > _MAX_FALSE_DELIMITERS:
                report.add("mime.defect", Severity.INFO,
                           "A multipart body repeats its boundary string without delimiters "
                           "too often; the rest was not searched.")
                break
            continue
        if start is not None:
            yield _strip_eol(body[start:i])
        if close:  # the rest is epilogue
            return
        start = pos = tail.end()
    if start is None:
        report.add("mime.defect", Severity.INFO,
                   "A multipart body has no boundary delimiter; it was read as text.")
        return
    report.add("mime.defect", Severity.INFO,
               "A multipart body has no close delimiter; the last part runs to the end.")
    yield body[start:]


def _strip_eol(part: bytes) -> bytes:
    # The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    if part.endswith(b"\r\n"):
        return part[:-2]
    if part.endswith(b"\n"):
        return part[:-1]
    return part


def _leaf(mime: str, params: dict[str, str], cte: str | None, disposition: str | None,
          body: bytes, limits: Limits, report: Report, out: _Body) -> None:
    disp, dparams = parse_params(disposition) if disposition else ("", {})
    filename = dparams.get("filename") or params.get("name")
    if filename is not None:
        filename = decode_rfc2047(filename, report).strip() or None
    encoding = (cte or "").strip().lower()
    is_body_text = mime in ("text/plain", "text/html") and disp != "attachment" and not (
        filename and disp != "inline")
    if is_body_text:
        decoded = _decode_cte(body, encoding, report)
        if mime == "text/html":
            if len(decoded) > limits.max_html_bytes:
                report.limit("html.size_limit",
                             f"An HTML body is {len(decoded)} bytes; only the first "
                             f"{limits.max_html_bytes} were read.", size=len(decoded),
                             limit=limits.max_html_bytes)
                decoded = decoded[:limits.max_html_bytes]
            charset = params.get("charset") or _meta_charset(decoded)
            out.html.append(decode_body(decoded, charset, report, where="an HTML body")
                            .replace("\x00", ""))
        else:
            room = limits.max_text_bytes - out.text_bytes
            if len(decoded) > room:
                report.limit("text.size_limit",
                             f"The text bodies exceed {limits.max_text_bytes} bytes; the rest "
                             "was not read.", limit=limits.max_text_bytes)
                decoded = decoded[:max(room, 0)]
            out.text_bytes += len(decoded)
            text = decode_body(decoded, params.get("charset"), report,
                               where="a text body").replace("\x00", "")
            if params.get("format", "").lower() == "flowed":
                text = _unflow(text, delsp=params.get("delsp", "").lower() == "yes")
            out.texts.append(text)
        return
    if mime in ("message/rfc822", "message/global"):
        out.nested.append(_decode_cte(body, encoding, report))
    out.attachments.append(Attachment(
        filename=filename,
        content_type=mime,
        size=_decoded_size(body, encoding, report),
        disposition=disp or None,
        is_inline=disp == "inline",
    ))


def _unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676 §4.2, §4.4)."""
    out: list[str] = []
    pending = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing (§4.4)
        if line == "-- " and pending:
            out.append(pending)  # a signature separator ends a paragraph (§4.3)
            pending = ""
        if line.endswith(" ") and line != "-- ":  # a flowed line continues (§4.2)
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)


def _meta_charset(html: bytes) -> str | None:
    """The charset an HTML body declares in a <meta> tag, for parts with no MIME label."""
    m = _META_CHARSET.search(html[:4096])
    return m.group(1).decode("ascii") if m else None


_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_B64_ALLOWED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n"


def _decode_cte(body: bytes, encoding: str, report: Report) -> bytes:
    """Undo a Content-Transfer-Encoding (RFC 2045 §6); garbage becomes a finding."""
    if encoding == "base64":
        if body.translate(None, _B64_ALLOWED):
            report.add("mime.defect", Severity.INFO,
                       "A base64 body contains characters outside the base64 alphabet; "
                       "they were skipped.")
        try:
            return binascii.a2b_base64(body)
        except binascii.Error:
            report.add("mime.defect", Severity.INFO,
                       "A base64 body is malformed; the decodable part was kept.")
            cleaned = _B64_JUNK.sub(b"", body)
            cleaned = cleaned[:len(cleaned) - len(cleaned) % 4]
            try:
                return binascii.a2b_base64(cleaned)
            except binascii.Error:
                return b""
    if encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    if encoding not in ("", "7bit", "8bit", "binary"):
        report.add("mime.defect", Severity.INFO,
                   f"Unknown Content-Transfer-Encoding {encoding[:40]!r}; body read as is.",
                   encoding=encoding[:40])
    return body


def _decoded_size(body: bytes, encoding: str, report: Report) -> int:
    if encoding == "base64":
        # Size from the encoded length: attachments are never decoded.
        n = len(body.translate(None, b" \t\r\n"))
        return max(n * 3 // 4 - body.rstrip()[-2:].count(b"="), 0)
    if encoding == "quoted-printable":
        return len(binascii.a2b_qp(body))
    return len(body)


_HTML_TEXT_BUDGET_FACTOR = 2


def _visible_text(text: str, html: list[str], limits: Limits, report: Report) -> str:
    pieces = [normalise_space(text)] if text else []
    budget = _HTML_TEXT_BUDGET_FACTOR * limits.max_html_bytes
    for markup in html:
        if budget <= 0:
            report.limit("html.size_limit",
                         "The HTML bodies together are too large; only the first were "
                         "turned into visible text.", limit=limits.max_html_bytes)
            break
        budget -= len(markup)
        rendered = html_to_text(markup)
        if rendered and rendered not in pieces and _squash(rendered) != _squash(text):
            pieces.append(rendered)
    return "\n\n".join(pieces)


def _squash(text: str) -> str:
    return "".join(text.split())


#: One angle address whose display name holds an unquoted comma and no other address.
_UNQUOTED_COMMA_NAME = re.compile(
    r"^(?P<name>[^<>@\"]*,[^<>@\"]*)<(?P<addr>[^<>@\s]+@[^<>\s]+)>\s*$")


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
# A display-name word: characters the stdlib parser reads as part of an atom (no dot).
_NAME_WORD = r"[^\s\x00-\x1f\x7f()<>@,:;.\"\[\]\\]+"
#: One plain address: ``a@b.c``, ``Name Words <a@b.c>``, ``"Quoted" <a@b.c>`` or ``<a@b.c>``.
_PLAIN_ADDRESS = re.compile(
    rf"[ \t]*(?:(?P<spec>{_ADDR_SPEC})|(?:(?P<words>{_NAME_WORD}(?:[ \t]+{_NAME_WORD})*)"
    rf"|\"(?P<quoted>[^\"\\\r\n]*)\")?[ \t]*<(?P<route>{_ADDR_SPEC})>)[ \t]*")


def _getaddresses(value: str) -> list[tuple[str, str]]:
    """``email.utils.getaddresses([value])``; lists of plain addresses by one match each.

    The stdlib parser walks the value a character at a time in Python; most
    From/To values are plain addresses separated by commas, which it reads one
    comma-separated item at a time as the match groups say (phrase words joined
    by one space, a quoted name without its quotes). Anything else, a comma in
    a quoted name included, goes to the stdlib parser.
    """
    out: list[tuple[str, str]] = []
    for item in value.split(",") if "," in value else (value,):
        m = _PLAIN_ADDRESS.fullmatch(item)
        if m is None:
            return email.utils.getaddresses([value])
        words = m["words"]
        if m["spec"] is not None:
            out.append(("", m["spec"]))
        else:
            out.append((" ".join(words.split()) if words is not None else m["quoted"] or "",
                        m["route"]))
    return out


def _addresses(values: list[str], report: Report) -> tuple[Address, ...]:
    out: list[Address] = []
    room = _MAX_ADDRESS_INPUT
    for value in values:
        if room <= 0:
            break
        value = value[:room]
        room -= len(value)
        single = _UNQUOTED_COMMA_NAME.match(value)
        if single is not None:
            # "Smith, John <j@x.example>" or "Microsoft account team ,_<x@y.example>":
            # RFC 5322 wants the comma quoted, so the strict parse splits off a bogus
            # domain-less mailbox; mail clients show the whole prefix as the name.
            name = single["name"].strip().strip('"').strip()
            out.append(make_address(decode_rfc2047(name, report), single["addr"].strip()))
            continue
        for name, addr in _getaddresses(value):
            if not name and not addr:
                continue
            out.append(make_address(decode_rfc2047(name, report), addr))
            if len(out) >= _MAX_ADDRESSES:
                return tuple(out)
    return tuple(out)


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if "<" in value:
        value = value[value.find("<") + 1:]
        value = value[:value.find(">")] if ">" in value else value
    # RFC 5321 §4.1.2: drop an obsolete source route "@a,@b:".
    if value.startswith("@") and ":" in value:
        value = value.split(":", 1)[1]
    return value.strip()


def _date(value: str | None, report: Report, *, loose: bool = False) -> datetime | None:
    if not value:
        return None
    value = value[:200]
    if loose:
        # A reconstructed forward: the client's display format, rarely RFC 5322.
        found = loose_date(value)
        if found is not None:
            return found
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        if not loose:
            report.add("header.date_invalid", Severity.INFO,
                       "The Date header cannot be read as an RFC 5322 date.", date=value[:100])
        return None
    if parsed.tzinfo is None:
        # The stdlib returns a naive datetime both for "-0000" (RFC 5322 §3.3: UTC,
        # local zone unknown) and for a date with no zone at all, which is invalid.
        if "-0000" not in value:
            if loose:
                return None
            report.add("header.date_invalid", Severity.INFO,
                       "The Date header names no time zone; it was read as UTC.",
                       date=value[:100])
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# ---------------------------------------------------------------- language

# Bounded prefixes: an unbounded "\S+://" backtracks quadratically on long tokens.
_URLISH = re.compile(r"[A-Za-z][\w+.-]{0,20}://\S*|[\w.+-]{1,64}@\S*|www\.\S*")
# Every _URLISH match holds one of these, at most 65 characters after its start
# (the "[\w.+-]{1,64}@" branch is the longest reach).
_URLISH_ANCHORS = ("://", "@", "www.")
_URLISH_REACH = 65
# Runs, not single characters: counting with runs builds a list of words
# instead of one string per letter, and the totals are the same.
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_LETTER = re.compile(r"[^\W\d_]+")
_LANGUAGE_SAMPLE = 8_000
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def guess_language(text: str) -> str | None:
    """A cheap guess: ``"ko"``, ``"en"`` or None.

    URLs and addresses are ignored. ``"ko"`` when Hangul makes up at least a
    quarter of the letters (a Hangul syllable carries what two or three Latin
    letters do, and Korean mail is full of Latin brand names); else ``"en"``
    when most letters are Latin; else None.
    """
    sample = _strip_urlish(text[:_LANGUAGE_SAMPLE])
    # ASCII letters are all Latin: count them in bytes (bytes.translate deletes
    # the others in C) and run the patterns over the other characters alone.
    ascii_letters = len(sample.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))
    others = "" if sample.isascii() else "".join(_NON_ASCII.findall(sample))
    letters = ascii_letters + _count(_LETTER, others)
    if not letters:
        return None
    if _count(_HANGUL, others) * 4 >= letters:
        return "ko"
    if (ascii_letters + _count(_LATIN, others)) * 2 > letters:
        return "en"
    return None


def _count(runs: re.Pattern[str], text: str) -> int:
    return sum(map(len, runs.findall(text)))


def _strip_urlish(text: str) -> str:
    """``_URLISH.sub(" ", text)``, without trying the pattern at every position.

    Trying the three branches at each of 8,000 positions dominated the language
    guess; a match can only start within reach of its anchor, so each search
    starts there and finds the same leftmost match.
    """
    pieces: list[str] = []
    pos = 0
    # Where each anchor next occurs; found again only once pos has passed it
    # (searching for every anchor after every match rescanned the text).
    found = [text.find(a) for a in _URLISH_ANCHORS]
    while True:
        for k, i in enumerate(found):
            if 0 <= i < pos:
                found[k] = text.find(_URLISH_ANCHORS[k], pos)
        anchor = min((i for i in found if i >= 0), default=-1)
        if anchor < 0:
            break
        m = _URLISH.search(text, max(pos, anchor - _URLISH_REACH))
        if m is None:
            break
        pieces.append(text[pos:m.start()])
        pieces.append(" ")
        pos = m.end()
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)

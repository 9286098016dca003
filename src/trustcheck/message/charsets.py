"""Charsets as they appear in real mail: labels, aliases, fallbacks, RFC 2047 words.

Mail in the wild mislabels its charsets all the time. The rules here follow what
receiving clients do (the WHATWG Encoding Standard's label table is the model):

* ``euc-kr`` and ``ks_c_5601-1987`` are decoded as cp949 (Unified Hangul Code),
  its superset, because Korean senders label cp949 text as either;
* ``gb2312``/``gbk`` as gb18030, ``big5`` as big5hkscs, ``shift_jis`` as cp932,
  ``iso-8859-1``/``us-ascii`` as windows-1252, ``windows-874``/``tis-620`` as cp874;
* unlabeled or unknown 8-bit text is tried as UTF-8, then cp949, then latin-1
  (which never fails), so nothing is lost and Korean mail still reads right;
* bytes-to-bytes or meta codecs Python happens to know (``rot13``, ``zlib``,
  ``idna``, ``unicode_escape``) are never accepted as a message charset.
"""

from __future__ import annotations

import binascii
import codecs
import re
from functools import lru_cache

from trustcheck.message._report import Report
from trustcheck.verdict import Severity

__all__ = ["decode_8bit", "decode_body", "decode_rfc2047", "lookup_charset"]

_ALIASES: dict[str, str] = {
    # Korean: cp949 is a superset of EUC-KR (KS X 1001) and what senders really use.
    "euc-kr": "cp949", "euc_kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949", "ks_c_5601-1989": "cp949", "ksc5601": "cp949", "ksc_5601": "cp949",
    "korean": "cp949", "windows-949": "cp949", "x-windows-949": "cp949", "uhc": "cp949",
    "iso-ir-149": "cp949", "csksc56011987": "cp949", "x-euc-kr": "cp949",
    # Chinese
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "csgb2312": "gb18030", "chinese": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    # Japanese
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "windows-31j": "cp932", "csshiftjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jp", "x-euc-jp": "euc_jp",
    # Western: the labels are routinely applied to windows-1252 text.
    "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252", "ansi_x3.4-1968": "cp1252",
    "x-user-defined": "cp1252", "windows-1252": "cp1252", "cp-850": "cp850",
    # Thai
    "windows-874": "cp874", "tis-620": "cp874", "iso-8859-11": "cp874", "x-windows-874": "cp874",
    # Unicode
    "utf8": "utf-8", "utf-8": "utf-8", "x-utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "unicode-1-1-utf-7": "utf-7", "utf-7": "utf-7", "x-unicode20utf8": "utf-8",
    "iso-8859-8-i": "iso-8859-8", "iso-8859-6-i": "iso-8859-6",
}

# Python codecs that are not text charsets, or whose "decoding" interprets the
# data (escape sequences, IDNA), must never be selected by a message's label.
_REFUSED = frozenset({
    "idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined", "mbcs", "oem",
    "charmap", "escape_codec", "uu_codec", "zlib_codec", "bz2_codec", "hex_codec",
    "base64_codec", "quopri_codec", "rot_13",
})

#: Labels that explicitly say "we do not know" (RFC 1428 ``unknown-8bit``).
_UNKNOWN_LABELS = frozenset({"unknown-8bit", "x-unknown", "unknown", "default", "charset", ""})


@lru_cache(maxsize=512)
def lookup_charset(label: str) -> str | None:
    """Return the Python codec name for a MIME charset label, or None if unknown.

    >>> lookup_charset("KS_C_5601-1987"), lookup_charset("gb2312"), lookup_charset("rot13")
    ('cp949', 'gb18030', None)
    """
    name = label.strip().strip("\"'").strip().lower()
    if name in _UNKNOWN_LABELS or len(name) > 64:
        return None
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return info.name


def decode_8bit(data: bytes) -> tuple[str, bool]:
    """Decode unlabeled bytes: UTF-8, then cp949, then latin-1.

    Returns the text and whether one of the first two decoded strictly (latin-1
    always "succeeds", so reaching it means we are guessing).
    """
    if data.isascii():
        if b"\x1b$" in data or b"\x1b(" in data:
            # Raw ISO-2022-JP (7-bit with escape sequences), common in old Japanese mail.
            try:
                return data.decode("iso2022_jp_ext"), True
            except UnicodeDecodeError:
                pass
        return data.decode("ascii"), True
    for codec in ("utf-8", "cp949"):
        try:
            return data.decode(codec), True
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), False


def decode_body(data: bytes, label: str | None, report: Report, *, where: str) -> str:
    """Decode a body in its declared charset; unknown labels and bad bytes become findings."""
    if label is None or not label.strip():
        return decode_8bit(data)[0]
    return _decode_labeled(
        data, label, report,
        unknown=f"Unknown charset {label[:64]!r} in {where}; decoded as UTF-8/cp949/latin-1.",
        invalid=("charset.decode_error",
                 f"Bytes in {where} are not valid {label[:64]}; invalid sequences were replaced."),
    )


def _decode_labeled(data: bytes, label: str, report: Report, *, unknown: str,
                    invalid: tuple[str, str]) -> str:
    """Decode bytes declared as ``label`` (a body or an RFC 2047 word), never raising.

    An unknown label is reported with the ``unknown`` message and read as
    UTF-8/cp949/latin-1; bytes the codec rejects are reported as ``invalid``
    (code, message) and replaced.
    """
    codec = lookup_charset(label)
    if codec is None:
        report.add("charset.unknown", Severity.INFO, unknown, charset=label[:64])
        return decode_8bit(data)[0]
    if codec == "cp1252" and not data.isascii():
        # "us-ascii"/"iso-8859-1" labels on UTF-8 text are common; prefer UTF-8 when it fits.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    except (LookupError, ValueError, TypeError):  # a codec that misbehaves on odd input
        return decode_8bit(data)[0]
    code, message = invalid
    report.add(code, Severity.INFO, message, charset=label[:64])
    try:
        return data.decode(codec, "replace")
    except (LookupError, ValueError, TypeError):
        return data.decode("latin-1")


# RFC 2047 §2: encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="
# Lenient like mail clients: words are also recognised inside other text and quotes.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)\?=")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    raw = text.encode("ascii", "replace")
    if encoding in "bB":
        # Tolerate missing padding and stray characters, as clients do.
        cleaned = raw.translate(None, b" \t\r\n=")
        if not cleaned.isalnum():
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", cleaned)
        if len(cleaned) % 4 == 1:
            return None  # not a whole number of bytes: truncated or not base64 at all
        try:
            return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return None
    # RFC 2047 §4.2: "_" is space, "=XX" a byte.
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))


def decode_rfc2047(value: str, report: Report) -> str:
    """Decode RFC 2047 encoded words in an unfolded header value.

    Adjacent encoded words are joined without the whitespace between them
    (RFC 2047 §6.2), and their bytes are concatenated before decoding when they
    share a charset: senders split multi-byte characters across words.
    Malformed words are left as written and reported as ``header.encoding_error``.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pos = 0
    pending: bytearray | None = None
    pending_charset = ""
    last_end = -1

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            out.append(_decode_word(bytes(pending), pending_charset, report))
            pending = None

    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos:m.start()]
        adjacent = last_end >= 0 and not gap.strip(" \t\r\n")
        charset = m.group(1).split("*", 1)[0]
        data = _word_bytes(m.group(2), m.group(3))
        if data is None:
            flush()
            out.append(gap)
            out.append(m.group(0))
            report.add("header.encoding_error", Severity.INFO,
                       "A malformed RFC 2047 encoded word was left as written.",
                       word=m.group(0)[:100])
        elif adjacent and pending is not None and charset.lower() == pending_charset.lower():
            pending.extend(data)
        else:
            flush()
            if not adjacent:
                out.append(gap)
            pending = bytearray(data)
            pending_charset = charset
        pos = last_end = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _decode_word(data: bytes, charset: str, report: Report) -> str:
    return _decode_labeled(
        data, charset, report,
        unknown=(f"Unknown charset {charset[:64]!r} in an encoded header word; "
                 "decoded as UTF-8/cp949/latin-1."),
        invalid=("header.encoding_error",
                 f"An encoded header word is not valid {charset[:64]}; "
                 "invalid sequences were replaced."),
    )

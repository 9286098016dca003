"""DKIM verification (RFC 6376, Ed25519 per RFC 8463, key rules of RFC 8301).

:func:`verify_dkim` checks **every** DKIM-Signature header field of a message
and returns one :class:`DkimResult` per field, in header order.

dkimpy supplies the canonicalisation algorithms, the RSA/ASN.1 code and the
key-record decoding; the verification steps are ours because dkimpy's own
``DKIM.verify`` cannot be driven the way trustcheck needs:

* it reads ``time.time()`` for ``t=``/``x=`` (we take an injected clock);
* it turns a DNS timeout, a missing key and a bad key all into ``False``
  (RFC 6376 §6.1.2 and RFC 8601 need ``temperror`` vs ``permerror`` vs ``fail``);
* its ``b=`` removal regex backtracks quadratically on hostile folding, so the
  tag list is split by hand here (bounded work on hostile input).

Result words (RFC 8601 §2.7.1) chosen for RFC 6376 §6.1 outcomes:

==============================================  ===========
signature field malformed, required tag absent  permerror
``t=`` in the future, ``x=`` past               permerror
``rsa-sha1`` (RFC 8301 §3.1)                    permerror
RSA key < ``min_key_bits`` (RFC 8301 §3.2)      permerror
key lookup NXDOMAIN / no TXT ("key not found")  permerror
key lookup timeout / SERVFAIL                   temperror
key record unusable (syntax, revoked, k= ≠ a=)  fail
body hash mismatch                              fail
signature does not verify                       fail
==============================================  ===========

RFC 6376 §6.1.2 calls a missing or unusable key PERMFAIL; RFC 8601 maps that
to ``permerror``. A key record that exists but cannot verify the signature is
reported as ``fail``, as dkimpy, OpenDKIM and the shared DKIM vectors do: the
signer's published key does not vouch for the message.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nacl.exceptions
import nacl.signing
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.crypto import DigestTooLargeError, UnparsableKeyError, parse_public_key
from dkim.crypto import RSASSA_PKCS1_v1_5_verify as _rsa_verify

from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.dns.base import Outcome, Resolver
from trustcheck.errors import InputError
from trustcheck.verdict import JSON, MethodResult

__all__ = ["DkimResult", "verify_dkim"]

Now = datetime | float | None
Header = tuple[bytes, bytes]
"""``(name, value)`` as in the message: value keeps its leading space and CRLF."""

_MAX_SIGNATURES = 16
"""RFC 6376 §8.4 lets verifiers limit the signatures they check (cost bound)."""
_MAX_SIG_FIELD = 16_384
"""A DKIM-Signature/ARC field larger than this is refused unparsed (bounded work)."""
_MAX_H_ENTRIES = 256
_MAX_RSA_BITS = 8192
"""Larger RSA moduli cost much more per verification and no signer uses them."""
_FUTURE_LEEWAY = 36_000
"""How far ``t=`` may lie ahead of ``now``, seconds. RFC 6376 §3.5 only says verifiers
MAY ignore future timestamps; signer clocks are often wrong (a real Facebook
signature in the shared vectors is 5.3 h ahead), so allow 10 h as dkimpy does."""

_TAG_NAME = re.compile(rb"[A-Za-z][A-Za-z0-9_]*\Z")
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}\Z")
_FWS = re.compile(rb"[ \t\r\n]+")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z")
_HEADER_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_HASHES: Mapping[str, Callable[[bytes], Any]] = {
    "rsa-sha256": hashlib.sha256,
    "ed25519-sha256": hashlib.sha256,
    "rsa-sha1": hashlib.sha1,
}


@dataclass(frozen=True, slots=True)
class DkimResult:
    """The outcome for one DKIM-Signature header field.

    ``body_length_limited`` is true when the signature carries ``l=``: content
    appended after the signed length is not covered (RFC 6376 §8.2), and
    ``unsigned_body_bytes`` says how much of the canonical body that is.
    """

    result: AuthWord
    index: int
    """Position among the message's DKIM-Signature fields, 0 = topmost."""
    domain: str | None = None
    selector: str | None = None
    algorithm: str | None = None
    identity: str | None = None
    reason: str | None = None
    header_b: str | None = None
    """First 8 characters of ``b=`` (RFC 6008 ``header.b``), to tell signatures apart."""
    canonicalization: str | None = None
    signed_headers: tuple[str, ...] = ()
    key_bits: int | None = None
    timestamp: int | None = None
    expiration: int | None = None
    body_length: int | None = None
    body_length_limited: bool = False
    unsigned_body_bytes: int = 0
    testing: bool = False
    """The key record says ``t=y``: the domain is testing DKIM (RFC 6376 §3.6.1)."""

    def to_method_result(self) -> MethodResult:
        """This result in RFC 8601 terms (method ``dkim``)."""
        pairs = (
            ("header.d", self.domain),
            ("header.i", self.identity),
            ("header.s", self.selector),
            ("header.a", self.algorithm),
            ("header.b", self.header_b),
        )
        props = {name: value for name, value in pairs if value}
        details: dict[str, JSON] = {
            "index": self.index,
            "key_bits": self.key_bits,
            "canonicalization": self.canonicalization,
            "signed_headers": list(self.signed_headers),
            "timestamp": self.timestamp,
            "expiration": self.expiration,
            "body_length": self.body_length,
            "body_length_limited": self.body_length_limited,
            "unsigned_body_bytes": self.unsigned_body_bytes,
            "testing": self.testing,
        }
        return MethodResult(
            method="dkim",
            result=self.result,
            source=ResultSource.CHECKED,
            reason=self.reason,
            properties=props,
            details=details,
        )


def verify_dkim(
    message: bytes,
    *,
    resolver: Resolver,
    now: Now = None,
    min_key_bits: int = 1024,
) -> tuple[DkimResult, ...]:
    """Verify every DKIM-Signature of ``message``; one result each, in header order.

    ``message`` is the raw message; LF line endings are read as CRLF, as an
    MTA would have received them. ``now`` is the verification time for
    ``t=``/``x=`` (a ``datetime``, Unix seconds, or ``None`` for the current
    time). Keys are looked up through ``resolver`` only. An unsigned message
    gives an empty tuple (RFC 8601 ``dkim=none``).
    """
    headers, body = split_message(_raw_bytes(message, "verify_dkim"))
    clock = to_unix(now)
    keys = KeyFetcher(resolver)
    canon_bodies: dict[bytes, bytes] = {}  # per body algorithm: signatures share one pass
    results: list[DkimResult] = []
    sig_fields = [h for h in headers if h[0].lower() == b"dkim-signature"]
    for index, sig_field in enumerate(sig_fields):
        if index >= _MAX_SIGNATURES:
            results.append(
                DkimResult(
                    AuthWord.POLICY,
                    index,
                    reason=f"not evaluated: more than {_MAX_SIGNATURES} signatures",
                )
            )
            continue
        results.append(
            _verify_one(headers, body, index, sig_field, keys, clock, min_key_bits, canon_bodies)
        )
    return tuple(results)


# --------------------------------------------------------------------------- one signature


class SigError(Exception):
    """A signature ends with ``word`` for ``reason`` (internal control flow)."""

    def __init__(self, word: AuthWord, reason: str) -> None:
        super().__init__(reason)
        self.word = word
        self.reason = reason


@dataclass(slots=True)
class _Facts:
    """What is known about a signature so far (mutable while verifying)."""

    fields: dict[str, Any] = field(default_factory=dict)

    def result(self, word: AuthWord, index: int, reason: str | None) -> DkimResult:
        return DkimResult(word, index, reason=reason, **self.fields)


def _verify_one(
    headers: Sequence[Header],
    body: bytes,
    index: int,
    sig_field: Header,
    keys: KeyFetcher,
    now: int,
    min_key_bits: int,
    canon_bodies: dict[bytes, bytes],
) -> DkimResult:
    facts = _Facts()
    try:
        tags = parse_tags(sig_field[1])
        _collect_facts(tags, facts)
        _check_signature_tags(tags, now)
        algorithm = _text(tags["a"]).lower()
        key = keys.fetch(_text(tags["s"]), _text(tags["d"]))
        facts.fields["key_bits"] = key.bits
        facts.fields["testing"] = key.testing
        check_key(key, algorithm, min_key_bits)
        if key.strict and _identity_domain(tags) != _text(tags["d"]).lower():
            # RFC 6376 §3.6.1 t=s: the i= domain must equal d=, not a subdomain.
            raise SigError(AuthWord.FAIL, "key has t=s and i= is a subdomain of d=")
        canon = canonicalization(tags.get("c"))
        body_algorithm: bytes = canon.body_algorithm.name
        cbody = canon_bodies.get(body_algorithm)
        if cbody is None:
            cbody = canon.canonicalize_body(body)
            canon_bodies[body_algorithm] = cbody
        if "l" in tags:
            length = int(tags["l"])
            if length > len(cbody):
                raise SigError(AuthWord.FAIL, "body is shorter than l= (content removed)")
            facts.fields["unsigned_body_bytes"] = len(cbody) - length
            cbody = cbody[:length]
        check_body_hash(tags, algorithm, cbody)
        names = [n for n in signed_header_names(tags) if n]
        # RFC 6376 §8.15: a second From above the signed one must not slip through
        # unsigned; hashing one more "from" makes such a signature fail (as dkimpy does).
        if "from" in names:
            names.append("from")
        data = header_hash_input(canon, select_headers(headers, names), sig_field)
        if not verify_signature(key, algorithm, data, tags["b"]):
            raise SigError(AuthWord.FAIL, "signature did not verify")
    except SigError as exc:
        return facts.result(exc.word, index, exc.reason)
    return facts.result(AuthWord.PASS, index, None)


def _collect_facts(tags: Mapping[str, bytes], facts: _Facts) -> None:
    f = facts.fields
    f["domain"] = _text(tags["d"]).lower() if "d" in tags else None
    f["selector"] = _text(tags["s"]) if "s" in tags else None
    f["algorithm"] = _text(tags["a"]).lower() if "a" in tags else None
    f["identity"] = _text(tags["i"]) if "i" in tags else None
    f["header_b"] = _FWS.sub(b"", tags["b"])[:8].decode("ascii", "replace") if "b" in tags else None
    f["canonicalization"] = _text(tags.get("c", b"simple/simple")).lower()
    f["signed_headers"] = tuple(signed_header_names(tags)) if "h" in tags else ()
    for name, key in (("timestamp", "t"), ("expiration", "x"), ("body_length", "l")):
        value = tags.get(key, b"")
        f[name] = int(value) if value.isdigit() and len(value) <= 76 else None
    f["body_length_limited"] = "l" in tags


def _check_signature_tags(tags: Mapping[str, bytes], now: int) -> None:
    """RFC 6376 §3.5 and §6.1.1: required tags and their syntax; t=/x= against ``now``."""
    for required in ("v", "a", "b", "bh", "d", "h", "s"):
        if required not in tags:
            raise SigError(AuthWord.PERMERROR, f"signature missing required tag {required}=")
    if tags["v"] != b"1":
        raise SigError(AuthWord.PERMERROR, "v= is not 1")
    check_common_tags(tags, arc=False)
    if "from" not in signed_header_names(tags):
        # RFC 6376 §6.1.1: "From field not signed" is PERMFAIL.
        raise SigError(AuthWord.PERMERROR, "From field not signed (h= lacks from)")
    if "i" in tags:
        domain = _identity_domain(tags)
        d = _text(tags["d"]).lower()
        if domain != d and not domain.endswith("." + d):
            raise SigError(AuthWord.PERMERROR, "i= domain is not d= or a subdomain of it")
    if "q" in tags and b"dns/txt" not in [q.strip().lower() for q in tags["q"].split(b":")]:
        raise SigError(AuthWord.PERMERROR, "q= does not offer dns/txt")
    if "l" in tags and (not tags["l"].isdigit() or len(tags["l"]) > 76):
        raise SigError(AuthWord.PERMERROR, "l= is not a decimal number")
    check_times(tags, now)


def check_common_tags(tags: Mapping[str, bytes], *, arc: bool) -> None:
    """Syntax shared by DKIM-Signature, ARC-Message-Signature and ARC-Seal (RFC 6376 §3.5)."""
    algorithm = _text(tags["a"]).lower() if "a" in tags else ""
    if algorithm not in _HASHES:
        raise SigError(AuthWord.PERMERROR, f"unknown signature algorithm a={algorithm!r}")
    if algorithm == "rsa-sha1":
        # RFC 8301 §3.1: verifiers MUST NOT consider rsa-sha1 signatures valid.
        raise SigError(AuthWord.PERMERROR, "rsa-sha1 is not accepted (RFC 8301 §3.1)")
    for tag in ("b", "bh"):
        if tag in tags and not _is_base64(tags[tag]):
            raise SigError(AuthWord.PERMERROR, f"{tag}= is not valid base64")
    check_domain(tags.get("d", b""), "d=")
    check_domain(tags.get("s", b""), "s=")
    if "c" in tags:
        canonicalization(tags["c"])
    if "h" in tags:
        names = signed_header_names(tags)
        if len(names) > _MAX_H_ENTRIES:
            raise SigError(AuthWord.PERMERROR, f"h= lists more than {_MAX_H_ENTRIES} fields")
        for name in names:
            if name and not _HEADER_NAME.match(name.encode("utf-8", "replace") + b":"):
                raise SigError(AuthWord.PERMERROR, f"h= has an invalid field name {name!r}")


def check_times(tags: Mapping[str, bytes], now: int) -> None:
    """RFC 6376 §3.5 ``t=`` and ``x=``: decimal, x ≥ t, not expired, not in the future."""
    t_value = x_value = None
    if "t" in tags:
        if not tags["t"].isdigit() or len(tags["t"]) > 12:
            raise SigError(AuthWord.PERMERROR, "t= is not a decimal timestamp")
        t_value = int(tags["t"])
        if t_value > now + _FUTURE_LEEWAY:
            raise SigError(AuthWord.PERMERROR, "t= is in the future")
    if "x" in tags:
        if not tags["x"].isdigit() or len(tags["x"]) > 12:
            raise SigError(AuthWord.PERMERROR, "x= is not a decimal timestamp")
        x_value = int(tags["x"])
        if t_value is not None and x_value < t_value:
            raise SigError(AuthWord.PERMERROR, "x= is earlier than t=")
        if x_value < now:
            raise SigError(AuthWord.PERMERROR, "signature expired (x= is past)")


def check_key(key: Key, algorithm: str, min_key_bits: int) -> None:
    """RFC 6376 §6.1.2 steps 6-8 and RFC 8301 §3.2: is the key usable for ``a=``?"""
    key_type, _, hash_name = algorithm.partition("-")
    if key.kind != key_type:
        raise SigError(AuthWord.FAIL, f"key type k={key.kind} does not match a={algorithm}")
    if key.hashes is not None and hash_name not in key.hashes:
        raise SigError(AuthWord.FAIL, f"key record h= does not allow {hash_name}")
    if key.kind == "rsa" and key.bits < min_key_bits:
        raise SigError(
            AuthWord.PERMERROR,
            f"RSA key too small: {key.bits} bits < {min_key_bits} (RFC 8301 §3.2)",
        )


def check_body_hash(tags: Mapping[str, bytes], algorithm: str, cbody: bytes) -> None:
    """RFC 6376 §3.7: ``bh=`` must equal the hash of the canonical body."""
    digest = _HASHES[algorithm](cbody).digest()
    expected = base64.b64decode(_FWS.sub(b"", tags["bh"]))
    if digest != expected:
        raise SigError(AuthWord.FAIL, "body hash mismatch")


# --------------------------------------------------------------------------- tag lists


def parse_tags(value: bytes) -> dict[str, bytes]:
    """Parse an RFC 6376 §3.2 tag=value list; raises :class:`SigError` (permerror)."""
    if len(value) > _MAX_SIG_FIELD:
        raise SigError(AuthWord.PERMERROR, "signature field too large")
    tags: dict[str, bytes] = {}
    parts = value.split(b";")
    if parts and not parts[-1].strip():
        parts.pop()  # a trailing ";" is allowed
    for part in parts:
        name, eq, val = part.partition(b"=")
        name = name.strip(b" \t\r\n")
        if not eq or not _TAG_NAME.match(name):
            raise SigError(AuthWord.PERMERROR, f"malformed tag {_text(part.strip())[:40]!r}")
        key = name.decode("ascii")
        if key in tags:
            raise SigError(AuthWord.PERMERROR, f"duplicate tag {key}=")
        tags[key] = val.strip(b" \t\r\n")
    return tags


def signed_header_names(tags: Mapping[str, bytes]) -> list[str]:
    """The ``h=`` list, lower-cased, in order (duplicates kept: RFC 6376 §5.4.2)."""
    return [_text(n).strip(" \t\r\n").lower() for n in tags.get("h", b"").split(b":")]


def strip_b_value(value: bytes) -> bytes:
    """The field value with the ``b=`` tag's value deleted (RFC 6376 §3.7).

    Everything from the ``=`` up to the last base64 character of the value
    goes (folding inside the value included); anything after that stays,
    matching what the signer hashed before adding the value.
    """
    out: list[bytes] = []
    for part in value.split(b";"):
        name, eq, val = part.partition(b"=")
        if eq and name.strip(b" \t\r\n") == b"b":
            end = max((i for i, c in enumerate(val) if c not in b" \t\r\n"), default=-1)
            part = name + eq + val[end + 1 :]
        out.append(part)
    return b";".join(out)


def canonicalization(c_value: bytes | None) -> CanonicalizationPolicy:
    """The policy for ``c=`` (default simple/simple); permerror when it is unknown."""
    raw = (c_value if c_value is not None else b"simple/simple").lower()
    try:
        return CanonicalizationPolicy.from_c_value(raw)
    except InvalidCanonicalizationPolicyError:
        raise SigError(AuthWord.PERMERROR, f"invalid c= {_text(raw)!r}") from None


def check_domain(value: bytes, what: str) -> str:
    """A d= or s= value must be a domain name / selector (RFC 6376 §3.5, RFC 5890 A-labels)."""
    text = _text(value).lower()
    try:
        ascii_name = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise SigError(AuthWord.PERMERROR, f"{what} is not a domain name") from None
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > 253 or not all(_LABEL.match(lb) for lb in labels):
        raise SigError(AuthWord.PERMERROR, f"{what} {text!r} is not a domain name")
    return ascii_name


def _identity_domain(tags: Mapping[str, bytes]) -> str:
    ident = _text(tags.get("i", b"@" + tags.get("d", b"")))
    return ident.rpartition("@")[2].lower()


def _is_base64(value: bytes) -> bool:
    compact = _FWS.sub(b"", value)
    return bool(compact) and len(compact) % 4 == 0 and bool(_BASE64.match(compact))


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


# --------------------------------------------------------------------------- hashing


def select_headers(headers: Sequence[Header], names: Sequence[str]) -> list[Header]:
    """Pick the fields ``h=`` names, each repeat one further up (RFC 6376 §5.4.2).

    A name with no (further) instance is skipped: signing a missing field is
    how signers prevent its later addition.
    """
    by_name: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(headers):
        by_name.setdefault(_text(name).strip().lower(), []).append(i)
    picked: list[Header] = []
    for wanted in names:
        stack = by_name.get(wanted)
        if stack:
            picked.append(headers[stack.pop()])
    return picked


def header_hash_input(
    canon: CanonicalizationPolicy, selected: Sequence[Header], sig_field: Header
) -> bytes:
    """The bytes RFC 6376 §3.7 hashes: selected fields, then the signature field.

    The signature field has its ``b=`` value removed and no trailing CRLF.
    """
    stripped = (sig_field[0], strip_b_value(sig_field[1]))
    parts: list[bytes] = []
    for name, value in canon.canonicalize_headers(list(selected)):
        parts += (name, b":", value)
    ((name, value),) = canon.canonicalize_headers([stripped])
    parts += (name, b":", value.rstrip(b"\r\n") if value.endswith(b"\r\n") else value)
    return b"".join(parts)


def verify_signature(key: Key, algorithm: str, data: bytes, b_value: bytes) -> bool:
    """Check ``b=`` over ``data`` with ``key`` (RSASSA-PKCS1-v1_5 or Ed25519, RFC 8463 §3)."""
    signature = base64.b64decode(_FWS.sub(b"", b_value))
    digest = _HASHES[algorithm](data)
    if key.kind == "ed25519":
        try:
            # RFC 8463 §3: Ed25519 signs the SHA-256 hash of the canonical data.
            key.ed25519.verify(digest.digest(), signature)  # type: ignore[union-attr]
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return False
        except nacl.exceptions.CryptoError:
            return False
        return True
    assert key.rsa is not None
    modulus_len = (key.rsa["modulus"].bit_length() + 7) // 8
    if len(signature) != modulus_len:  # RFC 8017 §8.2.2 step 1
        return False
    try:
        return bool(_rsa_verify(digest, signature, key.rsa))
    except (DigestTooLargeError, AssertionError, ValueError):
        return False


# --------------------------------------------------------------------------- messages


def split_message(raw: bytes) -> tuple[list[Header], bytes]:
    """Header fields and body of a raw message, lines normalised to CRLF.

    Tolerant: an mbox ``From `` line is skipped, and a line that is neither a
    field nor a continuation starts the body (as the stdlib parser does),
    rather than rejecting the message.
    """
    headers, body = _split_message(raw)
    return list(headers), body


# DKIM and ARC verification split the same message one after the other: the
# last split is kept (the key is the bytes object, whose hash Python caches).
@functools.lru_cache(maxsize=1)
def _split_message(raw: bytes) -> tuple[tuple[Header, ...], bytes]:
    # Split only the header block into lines; the body, often most of the bytes,
    # is normalised in two C-level passes instead of a line-by-line round trip.
    rest: bytes | None
    if raw.startswith((b"\n", b"\r\n")):
        head, rest = b"", raw[1:] if raw.startswith(b"\n") else raw[2:]
    else:
        blank = _blank_line(raw)
        head, rest = (raw, None) if blank is None else (raw[: blank[0]], raw[blank[1]:])
    # What re.split(rb"\r?\n", head) gives, with two C-level passes.
    lines = head.replace(b"\r\n", b"\n").split(b"\n") if head else []
    headers: list[list[bytes]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            break
        if line[:1] in (b" ", b"\t"):
            if not headers:
                break
            headers[-1][1] += line + b"\r\n"
        else:
            m = _HEADER_NAME.match(line)
            if m is None:
                if line.startswith(b"From ") and not headers:
                    i += 1
                    continue
                break
            colon = line.index(b":")
            headers.append([line[:colon], line[colon + 1 :] + b"\r\n"])
        i += 1
    body_lines = lines[i:]
    if rest is None:
        body = b"\r\n".join(body_lines)
    else:
        # Header lines left over when a non-field line ended the header block, and
        # the blank line after them, belong to the body too.
        leftover = b"\r\n".join([*body_lines, b""]) + b"\r\n" if body_lines else b""
        body = leftover + rest.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return tuple((n, v) for n, v in headers), body


def _blank_line(raw: bytes) -> tuple[int, int] | None:
    """The span of the first match of ``rb"\\r?\\n\\r?\\n"`` in ``raw``, found with bytes.find.

    A match holds a line feed followed by CR LF or LF; the first such line
    feed gives the leftmost match (starting one byte earlier after a CR).
    """
    lf = min((i for i in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if i >= 0), default=-1)
    if lf < 0:
        return None
    start = lf - 1 if lf > 0 and raw[lf - 1:lf] == b"\r" else lf
    return start, lf + (2 if raw[lf + 1:lf + 2] == b"\n" else 3)


def _raw_bytes(message: object, caller: str) -> bytes:
    if isinstance(message, bytes | bytearray | memoryview):
        return bytes(message)
    msg = f"{caller}() needs the raw message as bytes, not {type(message).__name__}."
    raise InputError(msg)


def to_unix(now: Now) -> int:
    """The injected clock as Unix seconds; a naive ``datetime`` is taken as UTC."""
    if now is None:
        return int(time.time())
    if isinstance(now, datetime):
        aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        return int(aware.timestamp())
    return int(now)


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class Key:
    """A decoded DKIM key record (RFC 6376 §3.6.1)."""

    kind: str
    bits: int
    rsa: dict[str, int] | None = None
    ed25519: nacl.signing.VerifyKey | None = None
    hashes: frozenset[str] | None = None
    strict: bool = False
    testing: bool = False


class KeyFetcher:
    """Look keys up through a :class:`Resolver`, once per name per message.

    Plays the role of dkimpy's ``dnsfunc`` but keeps the DNS outcome, so a
    timeout (temperror) is told apart from a missing key (permerror).
    """

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._cache: dict[str, Key | SigError] = {}

    def fetch(self, selector: str, domain: str) -> Key:
        """The key at ``selector._domainkey.domain``; raises :class:`SigError`."""
        owner = check_domain(domain.encode(), "d=")
        name = f"{check_domain(selector.encode(), 's=')}._domainkey.{owner}"
        cached = self._cache.get(name)
        if cached is None:
            try:
                cached = self._lookup(name)
            except SigError as exc:
                cached = exc
            self._cache[name] = cached
        if isinstance(cached, SigError):
            raise SigError(cached.word, cached.reason)
        return cached

    def _lookup(self, name: str) -> Key:
        try:
            answer = self._resolver.resolve(name, "TXT")
        except ValueError:
            raise SigError(AuthWord.PERMERROR, f"invalid key name {name}") from None
        if answer.outcome in (Outcome.TIMEOUT, Outcome.SERVFAIL):
            # RFC 6376 §6.1.2 step 3: a DNS failure is TEMPFAIL, never a failure of the mail.
            raise SigError(AuthWord.TEMPERROR, f"key lookup for {name}: {answer.outcome.value}")
        if not answer.ok:
            reason = f"no key for signature ({name}: {answer.outcome.value})"
            raise SigError(AuthWord.PERMERROR, reason)
        records = [
            b"".join(strings) if strings else text.encode("utf-8")
            for strings, text in zip(
                answer.txt_strings or [() for _ in answer.records], answer.records, strict=False
            )
        ]
        # RFC 6376 §3.6.2.2: several records -> the verifier may pick one; take the
        # first that looks like a key record.
        chosen = next((r for r in records if b"p=" in r), records[0])
        return parse_key_record(chosen)


def parse_key_record(record: bytes) -> Key:
    """Decode a key record; unusable records raise :class:`SigError` (fail)."""
    try:
        tags = parse_tags(record)
    except SigError as exc:
        raise SigError(AuthWord.FAIL, f"key record syntax error: {exc.reason}") from None
    if "v" in tags and tags["v"] != b"DKIM1":
        raise SigError(AuthWord.FAIL, "key record v= is not DKIM1")
    if "p" not in tags:
        raise SigError(AuthWord.FAIL, "key record has no p=")
    p_value = _FWS.sub(b"", tags["p"])
    if not p_value:
        raise SigError(AuthWord.FAIL, "key revoked (empty p=)")
    services = {s.strip().lower() for s in tags.get("s", b"*").split(b":")}
    if not services & {b"*", b"email"}:
        raise SigError(AuthWord.FAIL, "key record is not for e-mail (s=)")
    flags = {f.strip().lower() for f in tags.get("t", b"").split(b":")}
    hashes = (
        frozenset(_text(h).strip().lower() for h in tags["h"].split(b":")) if "h" in tags else None
    )
    kind = _text(tags.get("k", b"rsa")).strip().lower()
    try:
        raw = base64.b64decode(p_value, validate=True)
    except (binascii.Error, ValueError):
        raise SigError(AuthWord.FAIL, "key record p= is not base64") from None
    common: dict[str, Any] = {
        "hashes": hashes,
        "strict": b"s" in flags,
        "testing": b"y" in flags,
    }
    if kind == "ed25519":
        try:
            return Key("ed25519", 256, ed25519=nacl.signing.VerifyKey(raw), **common)
        except (nacl.exceptions.ValueError, nacl.exceptions.TypeError):
            raise SigError(AuthWord.FAIL, "could not parse ed25519 public key") from None
    if kind != "rsa":
        raise SigError(AuthWord.FAIL, f"unknown key type k={kind}")
    try:
        rsa = parse_public_key(raw)
    except (UnparsableKeyError, IndexError, ValueError, TypeError):
        raise SigError(AuthWord.FAIL, "could not parse RSA public key") from None
    bits = int(rsa["modulus"]).bit_length()
    if bits > _MAX_RSA_BITS or int(rsa["publicExponent"]).bit_length() > 64:
        raise SigError(AuthWord.FAIL, f"RSA key too large to verify ({bits} bits)")
    return Key("rsa", bits, rsa={k: int(v) for k, v in rsa.items()}, **common)

"""ARC (RFC 8617): validate an Authenticated Received Chain, and seal one for a gateway.

:func:`verify_arc` follows the validator algorithm of RFC 8617 §5.2 over the
message's ARC sets, using the same signature core as :mod:`trustcheck.auth.dkim`
(dkimpy canonicalisation and RSA code, our own steps). Two deliberate choices:

* **Ed25519 sets are accepted.** RFC 8617 §4.1.2/§4.1.3 take the signature
  algorithm from the DKIM registry, where RFC 8463 added ``ed25519-sha256``;
  dkimpy 1.1.8 accepts only ``rsa-sha256`` in ARC and so fails real chains
  (Stalwart's ``arc/002``) that other validators pass. ``rsa-sha1`` is refused
  (RFC 8301 §3.1).
* **A newest ARC-Seal that says ``cv=fail`` gives ``fail``** (RFC 8617 §5.2
  step 2). dkimpy reports no status (``None``) for such terminated chains; the
  ValiMail suite records that as an empty ``cv``.

A key lookup that times out is ``temperror``, never ``fail`` (trustcheck's rule
for DNS failures); RFC 8617 itself only defines pass/fail/none.

:func:`seal_arc` adds the next ARC set (RFC 8617 §5.1). Its
ARC-Authentication-Results is copied from the sealer's own
Authentication-Results fields **with their comments** (RFC 8617 §4.1.1):
dkimpy ≥ 1.1.7 re-serialises them without comments, which changes the text the
ARC-Seal signs and breaks interoperability with the ValiMail signing suite.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nacl.signing
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import HASH_ALGORITHMS as _DKIMPY_HASHES
from dkim.crypto import RSASSA_PKCS1_v1_5_sign as _rsa_sign
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

from trustcheck.auth.dkim import (
    Header,
    KeyFetcher,
    Now,
    SigError,
    _raw_bytes,
    canonicalization,
    check_body_hash,
    check_common_tags,
    check_domain,
    check_key,
    check_times,
    header_hash_input,
    parse_tags,
    select_headers,
    signed_header_names,
    split_message,
    to_unix,
    verify_signature,
)
from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.dns.base import Resolver
from trustcheck.errors import ConfigError, InputError
from trustcheck.verdict import JSON, MethodResult

__all__ = ["ArcResult", "ArcSet", "seal_arc", "verify_arc"]

_MAX_INSTANCES = 50
"""RFC 8617 §4.2.1: i= is 1..50; more sets make the chain fail."""
_ARC_NAMES = {
    b"arc-seal": "as",
    b"arc-message-signature": "ams",
    b"arc-authentication-results": "aar",
}
_AAR_INSTANCE = re.compile(rb"\s*i\s*=\s*([0-9]+)\s*;")
_RELAXED = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
_MIN_KEY_BITS = 1024
_DEFAULT_SIGNED = (
    *("from", "to", "cc", "subject", "date", "message-id", "reply-to"),
    *("mime-version", "content-type", "content-transfer-encoding"),
)
"""AMS h= by default: the fields a forwarder must not alter (RFC 6376 §5.4.1)."""


@dataclass(frozen=True, slots=True)
class ArcSet:
    """One ARC set (instance) as found and checked."""

    instance: int
    seal_domain: str | None
    seal_selector: str | None
    cv: str | None
    ams_domain: str | None
    ams_selector: str | None
    ams_valid: bool | None
    """None when not checked (the validator stopped earlier)."""
    seal_valid: bool | None
    aar: str
    """The ARC-Authentication-Results payload after ``i=N;`` (authserv-id and results)."""


@dataclass(frozen=True, slots=True)
class ArcResult:
    """Chain validation status of a message (RFC 8617 §5.2, RFC 8601 method ``arc``)."""

    result: AuthWord
    """pass, fail or none (temperror when a key lookup timed out)."""
    instances: int
    sealers: tuple[str, ...]
    """ARC-Seal d= of each set, instance 1 first."""
    reason: str | None = None
    oldest_pass: int | None = None
    """Lowest instance whose AMS still validates, counting down from the newest
    without a gap (RFC 8617 §5.2 step 6); 1 means every AMS validates."""
    sets: tuple[ArcSet, ...] = ()

    def to_method_result(self) -> MethodResult:
        """This result in RFC 8601 terms (method ``arc``)."""
        props: dict[str, str] = {}
        if self.oldest_pass is not None:
            props["header.oldest-pass"] = str(self.oldest_pass)  # RFC 8617 §10.2
        details: dict[str, JSON] = {
            "instances": self.instances,
            "sealers": list(self.sealers),
            "sets": [
                {
                    "instance": s.instance,
                    "seal_domain": s.seal_domain,
                    "cv": s.cv,
                    "ams_domain": s.ams_domain,
                    "ams_valid": s.ams_valid,
                    "seal_valid": s.seal_valid,
                    "aar": s.aar,
                }
                for s in self.sets
            ],
        }
        return MethodResult(
            method="arc",
            result=self.result,
            source=ResultSource.CHECKED,
            reason=self.reason,
            properties=props,
            details=details,
        )


class _ChainError(Exception):
    def __init__(self, word: AuthWord, reason: str) -> None:
        super().__init__(reason)
        self.word = word
        self.reason = reason


@dataclass(slots=True)
class _RawSet:
    aar: list[Header]
    ams: list[Header]
    seal: list[Header]


#: The result for a message without ARC fields (RFC 8617 §5.2: cv "none").
NOT_SEALED = ArcResult(AuthWord.NONE, 0, (), reason="message is not ARC-sealed")


def verify_arc(message: bytes, *, resolver: Resolver, now: Now = None) -> ArcResult:
    """Validate the ARC chain of ``message`` (raw bytes; LF read as CRLF).

    Returns ``none`` for a message without ARC fields, ``pass`` when every
    set is well formed, the newest ARC-Message-Signature and every ARC-Seal
    verify, else ``fail`` with the reason.
    """
    headers, body = split_message(_raw_bytes(message, "verify_arc"))
    clock = to_unix(now)
    keys = KeyFetcher(resolver)
    bodies: dict[bytes, bytes] = {}  # canonical body per c=: up to 50 AMS share it
    raw_sets, problem = _collect_sets(headers)
    if not raw_sets and problem is None:
        return NOT_SEALED
    n = max(raw_sets, default=0)
    parsed: dict[int, dict[str, Any]] = {i: _describe(s) for i, s in sorted(raw_sets.items())}
    sealers = tuple(parsed[i]["seal_domain"] or "" for i in sorted(parsed))
    state: dict[int, dict[str, Any]] = {i: {} for i in parsed}

    def finish(word: AuthWord, reason: str | None, oldest: int | None = None) -> ArcResult:
        sets = tuple(
            ArcSet(
                instance=i,
                seal_domain=parsed[i]["seal_domain"],
                seal_selector=parsed[i]["seal_selector"],
                cv=parsed[i]["cv"],
                ams_domain=parsed[i]["ams_domain"],
                ams_selector=parsed[i]["ams_selector"],
                ams_valid=state[i].get("ams"),
                seal_valid=state[i].get("as"),
                aar=parsed[i]["aar"],
            )
            for i in sorted(parsed)
        )
        return ArcResult(word, n, sealers, reason=reason, oldest_pass=oldest, sets=sets)

    try:
        if problem is not None:
            raise _ChainError(AuthWord.FAIL, problem)
        if n > _MAX_INSTANCES:
            raise _ChainError(AuthWord.FAIL, f"more than {_MAX_INSTANCES} ARC sets")
        # RFC 8617 §5.2 step 2: the newest seal already reports a broken chain.
        newest_cv = parsed[n]["cv"]
        if newest_cv == "fail" and len(raw_sets[n].seal) == 1:
            raise _ChainError(AuthWord.FAIL, f"ARC-Seal[{n}] reports cv=fail: chain terminated")
        _check_structure(raw_sets, parsed, n)
        # Step 4: the newest AMS must validate.
        ok, word, why = _check(lambda: _verify_ams(headers, body, bodies, raw_sets[n], keys, clock))
        state[n]["ams"] = ok
        if not ok:
            raise _ChainError(word, f"ARC-Message-Signature[{n}] did not validate: {why}")
        # Steps 5-6 (optional): oldest-pass, from N-1 downwards until one fails.
        oldest = n
        for i in range(n - 1, 0, -1):
            ok, _, _ = _check(
                lambda i=i: _verify_ams(headers, body, bodies, raw_sets[i], keys, clock)
            )
            state[i]["ams"] = ok
            if not ok:
                break
            oldest = i
        # Step 7: every seal, newest first.
        for i in range(n, 0, -1):
            ok, word, why = _check(lambda i=i: _verify_seal(raw_sets, i, keys, clock))
            state[i]["as"] = ok
            if not ok:
                raise _ChainError(word, f"ARC-Seal[{i}] did not validate: {why}")
    except _ChainError as exc:
        return finish(exc.word, exc.reason)
    return finish(AuthWord.PASS, None, oldest)


def _check(step: Any) -> tuple[bool, AuthWord, str]:
    try:
        step()
    except SigError as exc:
        word = AuthWord.TEMPERROR if exc.word is AuthWord.TEMPERROR else AuthWord.FAIL
        return False, word, exc.reason
    return True, AuthWord.PASS, ""


def _collect_sets(headers: Sequence[Header]) -> tuple[dict[int, _RawSet], str | None]:
    """Group ARC fields by instance; report the first field without a usable i=."""
    sets: dict[int, _RawSet] = {}
    problem: str | None = None
    for header in headers:
        kind = _ARC_NAMES.get(header[0].strip().lower())
        if kind is None:
            continue
        instance = _instance_of(kind, header[1])
        if instance is None:
            problem = problem or f"{header[0].decode('ascii', 'replace')} without a valid i="
            continue
        raw = sets.setdefault(instance, _RawSet([], [], []))
        {"aar": raw.aar, "ams": raw.ams, "as": raw.seal}[kind].append(header)
    return sets, problem


def _instance_of(kind: str, value: bytes) -> int | None:
    if kind == "aar":
        m = _AAR_INSTANCE.match(value)
        text = m.group(1) if m else b""
    else:
        try:
            text = parse_tags(value).get("i", b"")
        except SigError:
            # A seal or signature whose tag list cannot be read still belongs to a
            # set; the set then fails to validate rather than vanishing.
            m = re.search(rb"(?:^|;)\s*i\s*=\s*([0-9]+)\s*(?:;|$)", value)
            text = m.group(1) if m else b""
    if not (text.isascii() and text.isdigit()) or len(text) > 3 or int(text) < 1:
        return None
    return int(text)


def _describe(raw: _RawSet) -> dict[str, Any]:
    def tags_of(fields: list[Header]) -> dict[str, bytes]:
        if len(fields) != 1:
            return {}
        try:
            return parse_tags(fields[0][1])
        except SigError:
            return {}

    seal, ams = tags_of(raw.seal), tags_of(raw.ams)

    def text(tags: Mapping[str, bytes], key: str) -> str | None:
        return tags[key].decode("utf-8", "replace").lower() if key in tags else None

    aar = ""
    if len(raw.aar) == 1:
        value = raw.aar[0][1]
        m = _AAR_INSTANCE.match(value)
        rest = value[m.end() :] if m else value
        aar = " ".join(rest.decode("utf-8", "replace").split())
    return {
        "seal_domain": text(seal, "d"),
        "seal_selector": text(seal, "s"),
        "cv": text(seal, "cv"),
        "ams_domain": text(ams, "d"),
        "ams_selector": text(ams, "s"),
        "aar": aar,
    }


def _check_structure(raw_sets: Mapping[int, _RawSet], parsed: Mapping[int, Any], n: int) -> None:
    """RFC 8617 §5.2 step 3: complete sets 1..N, one field of each kind, valid cv=."""
    for i in range(1, n + 1):
        raw = raw_sets.get(i)
        if raw is None:
            raise _ChainError(AuthWord.FAIL, f"ARC set {i} is missing")
        for fields, name in ((raw.aar, "AAR"), (raw.ams, "AMS"), (raw.seal, "AS")):
            if len(fields) != 1:
                what = "missing" if not fields else "duplicated"
                raise _ChainError(AuthWord.FAIL, f"ARC set {i}: {name} {what}")
        cv = parsed[i]["cv"]
        expected = "none" if i == 1 else "pass"
        if cv != expected:
            raise _ChainError(AuthWord.FAIL, f"ARC-Seal[{i}] has cv={cv}, expected {expected}")


def _verify_ams(
    headers: Sequence[Header],
    body: bytes,
    bodies: dict[bytes, bytes],
    raw: _RawSet,
    keys: KeyFetcher,
    now: int,
) -> None:
    """RFC 8617 §4.1.2: an AMS is checked like a DKIM signature over the message."""
    field = raw.ams[0]
    tags = parse_tags(field[1])
    for required in ("i", "a", "b", "bh", "d", "h", "s"):
        if required not in tags:
            raise SigError(AuthWord.FAIL, f"missing {required}=")
    check_common_tags(tags, arc=True)
    check_times(tags, now)
    names = signed_header_names(tags)
    if "arc-seal" in names:
        raise SigError(AuthWord.FAIL, "AMS must not sign ARC-Seal (RFC 8617 §4.1.2)")
    algorithm = tags["a"].decode("ascii").lower()
    key = keys.fetch(tags["s"].decode("utf-8"), tags["d"].decode("utf-8"))
    check_key(key, algorithm, _MIN_KEY_BITS)
    # ARC uses relaxed canonicalisation when c= is absent (as dkimpy and OpenARC do).
    canon = canonicalization(tags.get("c", b"relaxed/relaxed"))
    body_algorithm: bytes = canon.body_algorithm.name
    if body_algorithm not in bodies:
        bodies[body_algorithm] = canon.canonicalize_body(body)
    check_body_hash(tags, algorithm, bodies[body_algorithm])
    wanted = [n for n in names if n]
    if "from" in wanted:
        wanted.append("from")
    data = header_hash_input(canon, select_headers(headers, wanted), field)
    if not verify_signature(key, algorithm, data, tags["b"]):
        raise SigError(AuthWord.FAIL, "signature did not verify")


def _verify_seal(
    raw_sets: Mapping[int, _RawSet], instance: int, keys: KeyFetcher, now: int
) -> None:
    """RFC 8617 §5.1.1: the AS signs sets 1..i (AAR, AMS, AS), relaxed, its own b= empty."""
    field = raw_sets[instance].seal[0]
    tags = parse_tags(field[1])
    for required in ("i", "a", "b", "cv", "d", "s"):
        if required not in tags:
            raise SigError(AuthWord.FAIL, f"missing {required}=")
    if "h" in tags:
        raise SigError(AuthWord.FAIL, "h= is not allowed in ARC-Seal (RFC 8617 §4.1.3)")
    if tags["cv"].lower() not in (b"none", b"pass", b"fail"):
        raise SigError(AuthWord.FAIL, "invalid cv=")
    check_common_tags(tags, arc=True)
    check_times(tags, now)
    algorithm = tags["a"].decode("ascii").lower()
    key = keys.fetch(tags["s"].decode("utf-8"), tags["d"].decode("utf-8"))
    check_key(key, algorithm, _MIN_KEY_BITS)
    covered: list[Header] = []
    for i in range(1, instance + 1):
        raw = raw_sets[i]
        covered += [raw.aar[0], raw.ams[0]]
        if i < instance:
            covered.append(raw.seal[0])
    data = header_hash_input(_RELAXED, covered, field)
    if not verify_signature(key, algorithm, data, tags["b"]):
        raise SigError(AuthWord.FAIL, "signature did not verify")


# --------------------------------------------------------------------------- sealing


def seal_arc(
    message: bytes,
    *,
    selector: bytes | str,
    domain: bytes | str,
    private_key: bytes,
    authserv_id: str,
    timestamp: int | None = None,
    signed_headers: Sequence[str] = _DEFAULT_SIGNED,
    algorithm: str = "rsa-sha256",
    cv: str | None = None,
    now: Now = None,
) -> list[bytes]:
    """The next ARC set for ``message``, as header lines to prepend (AS, AMS, AAR).

    The ARC-Authentication-Results repeats, comments included, the results of
    every Authentication-Results field whose authserv-id is ``authserv_id``
    (RFC 8617 §4.1.1). ``cv`` is the chain status this sealer found; by default
    it is read from the ``arc=`` result in those fields, as ARC-aware MTAs
    record it. Returns an empty list when there is nothing to seal: no
    Authentication-Results of ours, or an existing chain whose status is unknown.
    ``private_key`` is a PEM RSA key, or the base64 Ed25519 seed when
    ``algorithm="ed25519-sha256"``; ``timestamp`` defaults to ``now``.
    """
    headers, body = split_message(_raw_bytes(message, "seal_arc"))
    sel = _ascii(selector).lower()
    dom = _ascii(domain).lower()
    try:
        check_domain(sel.encode(), "selector")
        check_domain(dom.encode(), "domain")
    except SigError as exc:
        raise ConfigError(exc.reason) from None
    signer = _signer(algorithm, private_key)
    results = _our_results(headers, authserv_id)
    if not results:
        return []
    raw_sets, _ = _collect_sets(headers)  # a broken older chain shows in cv, not here
    existing = max(raw_sets, default=0)
    instance = existing + 1
    if instance > _MAX_INSTANCES:
        msg = f"cannot seal: the message already has {existing} ARC sets (RFC 8617 §4.2.1)"
        raise InputError(msg)
    status = (cv or _cv_from_results(results)).lower()
    if status not in ("none", "pass", "fail"):
        msg = f"cv must be none, pass or fail, not {status!r}"
        raise ConfigError(msg)
    if instance == 1 and status != "none":
        msg = "no ARC chain on the message, so cv must be none"
        raise InputError(msg)
    if instance > 1 and status == "none":
        return []  # chain status unknown: do not extend it (RFC 8617 §5.1)
    stamp = str(timestamp if timestamp is not None else to_unix(now)).encode("ascii")

    aar_value = f" i={instance}; {authserv_id};\r\n " + ";\r\n ".join(results) + "\r\n"
    aar: Header = (b"ARC-Authentication-Results", aar_value.encode("utf-8"))

    h_list = ":".join(n.strip().lower() for n in signed_headers)
    if "from" not in h_list.split(":"):
        msg = "signed_headers must include from (RFC 6376 §5.4)"
        raise ConfigError(msg)
    body_hash = _DKIMPY_HASHES[algorithm.encode()](_RELAXED.canonicalize_body(body))
    bh = base64.b64encode(body_hash.digest())
    ams_tags = [
        (b"a", algorithm.encode()),
        (b"b", b""),
        (b"bh", bh),
        (b"c", b"relaxed/relaxed"),
        (b"d", dom.encode()),
        (b"h", h_list.encode()),
        (b"i", str(instance).encode()),
        (b"s", sel.encode()),
        (b"t", stamp),
    ]
    with_aar = [aar, *headers]
    names = h_list.split(":")
    ams = _sign_field(
        b"ARC-Message-Signature",
        ams_tags,
        signer,
        algorithm,
        select_headers(with_aar, names),
    )

    covered: list[Header] = []
    if status != "fail":
        # A failed chain is not vouched for: the new seal covers only its own set.
        for i in sorted(raw_sets):
            raw = raw_sets[i]
            covered += [*raw.aar[:1], *raw.ams[:1], *raw.seal[:1]]
    covered += [aar, ams]
    as_tags = [
        (b"a", algorithm.encode()),
        (b"b", b""),
        (b"cv", status.encode()),
        (b"d", dom.encode()),
        (b"i", str(instance).encode()),
        (b"s", sel.encode()),
        (b"t", stamp),
    ]
    seal = _sign_field(b"ARC-Seal", as_tags, signer, algorithm, covered)
    return [_line(seal), _line(ams), _line(aar)]


def _sign_field(
    name: bytes,
    tags: list[tuple[bytes, bytes]],
    signer: Any,
    algorithm: str,
    covered: Sequence[Header],
) -> Header:
    unsigned = b" " + b"; ".join(k + b"=" + v for k, v in tags)
    data = header_hash_input(_RELAXED, covered, (name, unsigned))
    digest = _DKIMPY_HASHES[algorithm.encode()](data)
    if algorithm == "ed25519-sha256":
        signature = bytes(signer.sign(digest.digest()).signature)
    else:
        signature = bytes(_rsa_sign(digest, signer))
    b_value = base64.b64encode(signature)
    value = b" " + b"; ".join(k + b"=" + (b_value if k == b"b" else v) for k, v in tags)
    # Fold only after "; ": relaxed canonicalisation reads ";\r\n " as "; ",
    # so the signed text and the emitted text canonicalise alike.
    return name, value.replace(b"; ", b";\r\n ") + b"\r\n"


def _line(header: Header) -> bytes:
    return header[0] + b":" + header[1]


def _signer(algorithm: str, private_key: bytes) -> Any:
    if algorithm == "rsa-sha256":
        try:
            return parse_pem_private_key(private_key)
        except (UnparsableKeyError, ValueError, IndexError) as exc:
            msg = f"private_key is not a PEM RSA private key: {exc}"
            raise ConfigError(msg) from None
    if algorithm == "ed25519-sha256":
        try:
            return nacl.signing.SigningKey(base64.b64decode(private_key))
        except (ValueError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
            msg = "private_key is not a base64 Ed25519 seed"
            raise ConfigError(msg) from None
    msg = f"algorithm must be rsa-sha256 or ed25519-sha256, not {algorithm!r}"
    raise ConfigError(msg)


def _ascii(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _split_outside(text: str, sep: str = ";") -> list[str]:
    """Split on ``sep`` outside comments and quoted strings (RFC 5322 §3.2.2-3.2.4)."""
    parts: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    start = 0
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _strip_comments(text: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _our_results(headers: Sequence[Header], authserv_id: str) -> list[str]:
    """Result items (comments kept, whitespace collapsed) of our Authentication-Results."""
    results: list[str] = []
    wanted = authserv_id.strip().lower()
    for name, value in headers:
        if name.strip().lower() != b"authentication-results":
            continue
        text = value.decode("utf-8", "replace")
        parts = _split_outside(text)
        # RFC 8601 §2.2: authserv-id [CFWS authres-version] — compare the id only.
        head = _strip_comments(parts[0]).split()
        if not head or head[0].lower() != wanted:
            continue
        for part in parts[1:]:
            item = " ".join(part.split())
            if item and item.lower() != "none":
                results.append(item)
    return results


def _cv_from_results(results: Sequence[str]) -> str:
    arc = [r for r in results if _strip_comments(r).strip().lower().startswith("arc=")]
    if not arc:
        return "none"
    if len(arc) > 1:
        return "fail"  # conflicting records of the chain status
    word = _strip_comments(arc[0]).strip()[4:].split()
    return word[0].lower() if word else "fail"

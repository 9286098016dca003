"""Authentication-Results (RFC 8601): parse, emit, and decide which upstream results to trust.

Parsing follows the RFC 8601 §2.2 ABNF, including CFWS (comments) between
every token (Appendix B.7), ``none``, authres-version and method-version,
``reason=`` and ``ptype.property=pvalue`` properties. Beyond the grammar it
accepts what real receivers write, each leniency listed here:

* a missing authserv-id (Microsoft 365 writes ``Authentication-Results:
  spf=pass ...``): ``authserv_id`` is None;
* a pvalue that is not an RFC 2045 token, e.g. an unquoted IPv6 address or a
  base64 ``header.b`` containing ``/`` and ``+``: it runs to the next space,
  ``;`` or comment;
* a property without ``ptype.`` (Microsoft's ``action=none``, ``x-tls``'
  ``version=TLSv1.2``): kept with ``ptype=""``;
* ``reason=`` after properties, and a trailing ``;``.

Garbage never raises. :func:`parse_authentication_results` always returns an
:class:`AuthenticationResults`; a resinfo that cannot be read is skipped up to
the next ``;`` and described in :attr:`AuthenticationResults.errors`, so
``.ok`` tells a clean parse from a partial one. Method, result, ptype and
property names are lower-cased (RFC 8601 §2.2: they are case-insensitive);
values keep their case.
"""

from __future__ import annotations

import builtins
import ipaddress
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from trustcheck.auth.received import find_entry_hop, host_matches
from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.verdict import JSON, Auth, Finding, MethodResult, Severity

__all__ = [
    "ARMethod",
    "ARProperty",
    "ArcAuthRecord",
    "AuthenticationResults",
    "TrustedAuthResults",
    "format_authentication_results",
    "parse_arc_authentication_results",
    "parse_authentication_results",
    "read_tags",
    "select_trusted_results",
]

#: Longest header value parsed; longer input is cut and reported in ``errors``.
MAX_VALUE_LENGTH = 64 * 1024
#: Most resinfo entries read from one header field.
MAX_RESULTS = 256

# RFC 2045 §5.1 tspecials: a value containing any of these (or space/CTL) must be quoted.
_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
_KEYWORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# Where a lenient (unquoted, non-token) value ends; controls never belong to a value.
_PVALUE_STOP = frozenset(' ;()"' + "".join(map(chr, range(32))) + "\x7f")
_ADDRESS = re.compile(r"^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*@)?[A-Za-z0-9](?:[A-Za-z0-9.\-]*)$")
_ARC_INSTANCE = re.compile(r"^\s*i\s*=\s*(\d{1,3})\s*;", re.IGNORECASE)


class ARProperty(NamedTuple):
    """One ``ptype.property=value`` (ptype is ``""`` for the non-standard ``name=value``)."""

    ptype: str
    property: str
    value: str

    @builtins.property  # the field named "property" shadows the builtin in this class body
    def key(self) -> str:
        """``"smtp.mailfrom"``, or just ``"action"`` when there is no ptype."""
        return f"{self.ptype}.{self.property}" if self.ptype else self.property


@dataclass(frozen=True, slots=True)
class ARMethod:
    """One resinfo: ``method[/version]=result [reason=...] [ptype.property=value ...]``."""

    method: str
    result: str
    """The result word as written, lower-cased (may be outside RFC 8601, e.g. ``bestguesspass``)."""
    version: int = 1
    reason: str | None = None
    properties: tuple[ARProperty, ...] = ()
    comments: tuple[str, ...] = ()
    """CFWS comments inside this resinfo; informative only (RFC 8601 §2.2)."""

    @property
    def props(self) -> dict[str, str]:
        """Properties keyed ``"ptype.property"``; the first wins when one repeats."""
        out: dict[str, str] = {}
        for p in self.properties:
            out.setdefault(p.key, p.value)
        return out


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    """A parsed Authentication-Results header field value."""

    authserv_id: str | None
    """None when the field has none (Microsoft 365) or it could not be read."""
    version: int = 1
    results: tuple[ARMethod, ...] = ()
    """Empty for ``none`` (RFC 8601 §2.2 no-result) and for unreadable input."""
    errors: tuple[str, ...] = ()
    """What could not be read; empty for a clean parse."""
    instance: int | None = None
    """The ``i=`` of an ARC-Authentication-Results field (RFC 8617 §4.1.1), else None."""

    @property
    def ok(self) -> bool:
        """True when the whole value followed the (lenient) grammar."""
        return not self.errors

    @property
    def error(self) -> str | None:
        """The first problem found, or None."""
        return self.errors[0] if self.errors else None


# --------------------------------------------------------------------------- parser


class _Syntax(Exception):
    """Internal: a grammar error inside one resinfo; never escapes this module."""


class _Scanner:
    """A cursor over the unfolded header value with the RFC 5322 CFWS rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.comments: list[str] = []

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def cfws(self) -> None:
        """Skip folding white space and (nested) comments, collecting the comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch in " \t\r\n":
                self.pos += 1
            elif ch == "(":
                depth, j, start = 1, self.pos + 1, self.pos + 1
                while j < n and depth:
                    c = text[j]
                    if c == "\\":
                        j += 1
                    elif c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                    j += 1
                if depth:
                    msg = f"unclosed comment at column {self.pos}"
                    raise _Syntax(msg)
                self.comments.append(" ".join(text[start : j - 1].split()))
                self.pos = j
            else:
                return

    def keyword(self, what: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _KEYWORD_CHARS:
            self.pos += 1
        if self.pos == start:
            found = self.peek() or "end of field"
            msg = f"expected {what} at column {start}, found {found!r}"
            raise _Syntax(msg)
        return self.text[start : self.pos]

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            found = self.peek() or "end of field"
            msg = f"expected {ch!r} at column {self.pos}, found {found!r}"
            raise _Syntax(msg)
        self.pos += 1

    def digits(self) -> str:
        start = self.pos
        # RFC 5234 DIGIT is ASCII only: str.isdigit() also accepts '²' and other numerals.
        while self.pos < len(self.text) and self.text[self.pos] in "0123456789":
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str:
        """Read an RFC 5322 quoted-string (the opening quote is current)."""
        self.pos += 1
        out: list[str] = []
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch == "\\" and self.pos + 1 < n:
                out.append(text[self.pos + 1])
                self.pos += 2
            elif ch == '"':
                self.pos += 1
                return "".join(out)
            else:
                out.append(ch)
                self.pos += 1
        msg = "unclosed quoted-string"
        raise _Syntax(msg)

    def value(self, what: str) -> str:
        """A value (token / quoted-string), leniently any run up to space, ``;`` or ``(``."""
        if self.peek() == '"':
            return self.quoted()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _PVALUE_STOP:
            self.pos += 1
        if self.pos == start:
            found = self.peek() or "end of field"
            msg = f"expected {what} at column {start}, found {found!r}"
            raise _Syntax(msg)
        return self.text[start : self.pos]

    def skip_to_semicolon(self) -> None:
        """Resynchronise after an error: move to the next ``;`` outside quotes and comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch == ";":
                return
            if ch == '"':
                try:
                    self.quoted()
                except _Syntax:
                    self.pos = n
                continue
            if ch == "(":
                try:
                    self.cfws()
                except _Syntax:
                    self.pos = n
                continue
            self.pos += 1


def _looks_like_methodspec(sc: _Scanner) -> bool:
    """True when the field starts with ``method=`` or ``method/``: no authserv-id (M365)."""
    save = sc.pos
    try:
        sc.keyword("method")
        sc.cfws()
        return sc.peek() in ("=", "/")
    except _Syntax:
        return False
    finally:
        sc.pos = save
        sc.comments.clear()


def _resinfo(sc: _Scanner) -> ARMethod:
    """Parse ``methodspec [reasonspec] *propspec`` (RFC 8601 §2.2); the ``;`` is consumed."""
    sc.comments = []
    sc.cfws()
    method = sc.keyword("method").lower()
    sc.cfws()
    version = 1
    if sc.peek() == "/":
        sc.pos += 1
        sc.cfws()
        digits = sc.digits()
        if not digits:
            msg = f"expected a method-version after '/' in {method!r}"
            raise _Syntax(msg)
        version = int(digits[:9])
        sc.cfws()
    sc.expect("=")
    sc.cfws()
    result = sc.keyword("result").lower()
    reason: str | None = None
    props: list[ARProperty] = []
    while True:
        sc.cfws()
        if sc.at_end() or sc.peek() == ";":
            break
        name = sc.keyword("a property or reason")
        sc.cfws()
        if sc.peek() == ".":
            sc.pos += 1
            sc.cfws()
            prop = sc.keyword("a property name")
            sc.cfws()
            sc.expect("=")
            props.append(ARProperty(name.lower(), prop.lower(), _pvalue(sc)))
        elif sc.peek() == "=":
            sc.pos += 1
            text = _pvalue(sc)
            if name.lower() == "reason" and reason is None:
                reason = text
            else:
                props.append(ARProperty("", name.lower(), text))
        else:
            found = sc.peek() or "end of field"
            msg = f"expected '.' or '=' after {name!r} in {method!r}, found {found!r}"
            raise _Syntax(msg)
    return ARMethod(method, result, version, reason, tuple(props), tuple(sc.comments))


_NEXT_PROPERTY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?=")


def _pvalue(sc: _Scanner) -> str:
    """Read a pvalue after ``=``, skipping the CFWS the grammar allows before it."""
    start = sc.pos
    sc.cfws()
    # An empty pvalue (``smtp.mailfrom=`` for the null sender) is written by real MTAs;
    # then the next thing after the space is another ``ptype.property=``, not a value.
    if sc.at_end() or sc.peek() == ";" or (
        sc.pos > start and sc.peek() != '"' and _NEXT_PROPERTY.match(sc.text, sc.pos)
    ):
        return ""
    return sc.value("a value")


def parse_authentication_results(value: str) -> AuthenticationResults:
    """Parse an Authentication-Results header field *value* (without the field name).

    Never raises: see :attr:`AuthenticationResults.errors`.

    >>> ar = parse_authentication_results("example.com; spf=pass smtp.mailfrom=example.net")
    >>> ar.authserv_id, ar.results[0].method, ar.results[0].result, ar.results[0].props
    ('example.com', 'spf', 'pass', {'smtp.mailfrom': 'example.net'})
    >>> parse_authentication_results("(nothing here)").ok
    False
    """
    errors: list[str] = []
    if len(value) > MAX_VALUE_LENGTH:
        value = value[:MAX_VALUE_LENGTH]
        errors.append(f"field longer than {MAX_VALUE_LENGTH} characters; the rest was ignored")
    sc = _Scanner(value)
    authserv_id: str | None = None
    version = 1
    try:
        sc.cfws()
        if sc.at_end():
            return AuthenticationResults(None, errors=("empty field",))
        if not _looks_like_methodspec(sc):
            authserv_id = sc.value("an authserv-id")
            sc.cfws()
            digits = sc.digits()
            if digits:
                version = int(digits[:9])
                sc.cfws()
            if sc.at_end():
                errors.append("no ';' and no results after the authserv-id")
                return AuthenticationResults(authserv_id, version, errors=tuple(errors))
            sc.expect(";")
    except _Syntax as exc:
        errors.append(str(exc))
        return AuthenticationResults(authserv_id, version, errors=tuple(errors))
    results: list[ARMethod] = []
    first = True
    while not sc.at_end():
        try:
            sc.comments = []
            sc.cfws()
            if sc.at_end():
                break  # trailing ";" (written by Microsoft and others)
            if sc.peek() == ";":
                sc.pos += 1
                continue
            save = sc.pos
            word = sc.keyword("method")
            sc.cfws()
            if word.lower() == "none" and (sc.at_end() or sc.peek() == ";") and first:
                first = False  # RFC 8601 §2.2 no-result
                if not sc.at_end():
                    sc.pos += 1
                continue
            sc.pos = save
            if len(results) >= MAX_RESULTS:
                errors.append(f"more than {MAX_RESULTS} results; the rest was ignored")
                break
            results.append(_resinfo(sc))
            first = False
        except _Syntax as exc:
            errors.append(str(exc))
            sc.skip_to_semicolon()
        if not sc.at_end():
            sc.pos += 1  # the ";" ending this resinfo
    return AuthenticationResults(authserv_id, version, tuple(results), tuple(errors))


def parse_arc_authentication_results(value: str) -> AuthenticationResults:
    """Parse an ARC-Authentication-Results value: ``i=N;`` then an A-R payload (RFC 8617 §4.1.1).

    >>> parse_arc_authentication_results("i=1; mx.microsoft.com 1; spf=pass").instance
    1
    """
    m = _ARC_INSTANCE.match(value)
    if m is None:
        parsed = parse_authentication_results(value)
        return AuthenticationResults(
            parsed.authserv_id, parsed.version, parsed.results,
            ("missing ARC instance tag i=", *parsed.errors),
        )
    parsed = parse_authentication_results(value[m.end() :])
    return AuthenticationResults(
        parsed.authserv_id, parsed.version, parsed.results, parsed.errors, int(m.group(1))
    )


# --------------------------------------------------------------------------- emitter


def _sanitize(text: str) -> str:
    # CR, LF and other controls in a value would let content inject header lines.
    return "".join(" " if (ord(c) < 32 or ord(c) == 127) else c for c in text)


def _quote(text: str) -> str:
    return '"' + _sanitize(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_token(text: str) -> bool:
    return bool(text) and all(33 <= ord(c) < 127 and c not in _TSPECIALS for c in text)


def _format_pvalue(text: str) -> str:
    # RFC 8601 §2.2 lets a pvalue be an address or "@domain" without quotes.
    if _is_token(text) or (_ADDRESS.match(text) and "@" in text and text.isascii()):
        return text
    return _quote(text)


def _is_keyword(text: str) -> bool:
    return bool(text) and all(c in _KEYWORD_CHARS for c in text)


def _atoms(result: MethodResult) -> list[str]:
    method = result.method.lower() if _is_keyword(result.method) else "x-invalid"
    atoms = [f"{method}={result.result.value}"]
    if result.reason is not None:
        atoms.append(f"reason={_quote(result.reason)}")
    for key, val in result.properties.items():
        ptype, dot, prop = key.partition(".")
        if not dot or not _is_keyword(ptype) or not _is_keyword(prop):
            continue  # not a ptype.property name: it has no place in the header
        atoms.append(f"{ptype.lower()}.{prop.lower()}={_format_pvalue(str(val))}")
    return atoms


def format_authentication_results(
    authserv_id: str,
    results: Sequence[MethodResult],
    *,
    linesep: str = "\r\n",
    width: int = 78,
    field_name: str = "Authentication-Results",
) -> str:
    """Return an Authentication-Results field *value* for ``results`` (RFC 8601 §2.2).

    Each result starts a new folded line; a line longer than ``width``
    (counting ``field_name: `` on the first line) is folded between
    properties. ``reason`` is always quoted; other values are quoted when they
    are not RFC 2045 tokens (addresses like ``user@example.com`` stay bare).
    Property names that are not ``ptype.property`` are left out; control
    characters in values become spaces. No results gives ``authserv-id; none``.
    Pass ``linesep=" "`` for a single-line value.

    >>> from trustcheck.verdict import MethodResult
    >>> from trustcheck.auth.results import AuthWord
    >>> format_authentication_results("mx.example", [MethodResult(
    ...     "spf", AuthWord.PASS, properties={"smtp.mailfrom": "example.net"})], linesep=" ")
    'mx.example; spf=pass smtp.mailfrom=example.net'
    """
    ident = authserv_id if _is_token(authserv_id) else _quote(authserv_id)
    if not results:
        return f"{ident}; none"
    fold = None if linesep in ("", " ") else linesep + "\t"
    head = f"{ident};"
    column = len(field_name) + 2 + len(head)
    parts: list[str] = [head]
    for n, result in enumerate(results):
        atoms = _atoms(result)
        last = n == len(results) - 1
        if not last:
            atoms[-1] += ";"
        for k, atom in enumerate(atoms):
            starts_result = k == 0
            if fold is not None and (starts_result or column + 1 + len(atom) > width):
                parts.append(fold + atom)
                column = 8 + len(atom)
            else:
                parts.append(" " + atom)
                column += 1 + len(atom)
    return "".join(parts)


# --------------------------------------------------------------------------- trust


@dataclass(frozen=True, slots=True)
class ArcAuthRecord:
    """What a trusted ARC intermediary recorded on arrival (RFC 8617 §4.1.1).

    RFC 8617 §7.2: a receiver may use the ARC-Authentication-Results of
    intermediaries it trusts when the chain validates. The record alone proves
    nothing; :func:`trustcheck.auth.authenticate.authenticate` uses it only when
    the trusted receiver (or our own check) says ``arc=pass``.
    """

    instance: int
    """The ARC set's ``i=``: 1 is the first intermediary that saw the message."""
    authserv_id: str
    seal_domain: str
    """``d=`` of the same set's ARC-Seal; the authserv-id lies at or below it."""
    spf: MethodResult | None = None
    dkim: tuple[MethodResult, ...] = ()
    dmarc: MethodResult | None = None
    client_ip: str | None = None
    """The client address the intermediary names (``smtp.remote-ip``, Microsoft's
    ``(sender ip is ...)`` comment), when it names one."""

    @property
    def header_from(self) -> str | None:
        """The RFC 5322.From domain the intermediary's DMARC result speaks of."""
        if self.dmarc is None:
            return None
        said = self.dmarc.properties.get("header.from", "").strip().lower().rstrip(".")
        return said or None


@dataclass(frozen=True, slots=True)
class TrustedAuthResults:
    """Upstream results taken from trusted Authentication-Results headers, and what was ignored.

    All results carry ``source=ResultSource.TRUSTED_UPSTREAM``.
    """

    spf: MethodResult | None = None
    dkim: tuple[MethodResult, ...] = ()
    dmarc: MethodResult | None = None
    arc: MethodResult | None = None
    other: tuple[MethodResult, ...] = ()
    """Further methods (``compauth``, ``iprev``, ``auth``, ``bimi`` ...), first of each."""
    authserv_ids: tuple[str, ...] = ()
    """Which trusted authserv-ids supplied results (``"microsoft-365"`` for the id-less form)."""
    findings: tuple[Finding, ...] = ()
    arc_records: tuple[ArcAuthRecord, ...] = ()
    """ARC-Authentication-Results of trusted intermediaries, oldest instance first:
    authserv-id trusted (``mx.microsoft.com`` with ``trust_microsoft_365``) and
    sealed by that set's ARC-Seal of the same domain. Wherever they sit in the
    header: the chain's seals, not the position, vouch for them (RFC 8617 §5.2)."""

    @property
    def found(self) -> bool:
        """True when any trusted result was taken."""
        return bool(self.spf or self.dkim or self.dmarc or self.arc or self.other)

    def to_auth(self) -> Auth:
        """The results as a :class:`trustcheck.verdict.Auth` (BIMI left for the BIMI check)."""
        return Auth(spf=self.spf, dkim=self.dkim, dmarc=self.dmarc, arc=self.arc)


_M365_ID = "microsoft-365"
_M365_ARC_IDS = frozenset({"mx.microsoft.com"})
#: Result words some receivers write that RFC 8601 does not register, mapped to the nearest word.
_WORD_ALIASES: Mapping[str, AuthWord] = {
    "hardfail": AuthWord.FAIL,
    # Microsoft: no DMARC record, but the message would pass one; not an RFC 7489 pass.
    "bestguesspass": AuthWord.NONE,
    "invalid": AuthWord.PERMERROR,
}


def _word(result: str) -> AuthWord:
    try:
        return AuthWord(result)
    except ValueError:
        return _WORD_ALIASES.get(result, AuthWord.NONE)


def _to_method_result(entry: ARMethod, authserv_id: str) -> MethodResult:
    details: dict[str, JSON] = {"authserv_id": authserv_id}
    word = _word(entry.result)
    if word.value != entry.result:
        details["reported_result"] = entry.result
    if entry.comments:
        details["comments"] = list(entry.comments)
    props: dict[str, str] = {}
    for p in entry.properties:
        if p.ptype:
            props.setdefault(p.key, p.value)
        else:
            details.setdefault(p.property, p.value)
    return MethodResult(
        method=entry.method,
        result=word,
        source=ResultSource.TRUSTED_UPSTREAM,
        reason=entry.reason,
        properties=props,
        details=details,
    )


@dataclass(slots=True)
class _Merge:
    spf: MethodResult | None = None
    dkim: list[MethodResult] = field(default_factory=list)
    dkim_keys: set[tuple[str, ...]] = field(default_factory=set)
    dmarc: MethodResult | None = None
    arc: MethodResult | None = None
    other: dict[str, MethodResult] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def add(self, parsed: AuthenticationResults, ident: str, *, fill_only: bool = False) -> None:
        """Merge one header's results; topmost header first, so the first seen wins."""
        used = False
        for entry in parsed.results:
            res = _to_method_result(entry, ident)
            if entry.method == "dkim":
                if fill_only and self.dkim:
                    continue
                key = (entry.result, *(entry.props.get(k, "") for k in
                                       ("header.d", "header.i", "header.s", "header.b")))
                if key not in self.dkim_keys:
                    self.dkim_keys.add(key)
                    self.dkim.append(res)
                    used = True
            elif entry.method == "spf":
                # Prefer the MAIL FROM result (RFC 7208 §2.4) over a HELO-only one.
                if self.spf is None or ("smtp.mailfrom" in res.properties
                                        and "smtp.mailfrom" not in self.spf.properties
                                        and not fill_only):
                    self.spf = res
                    used = True
            elif entry.method == "dmarc":
                if self.dmarc is None:
                    self.dmarc = res
                    used = True
            elif entry.method == "arc":
                if self.arc is None:
                    self.arc = res
                    used = True
            elif entry.method not in self.other:
                self.other[entry.method] = res
                used = True
        if used and ident not in self.ids:
            self.ids.append(ident)

    def result(self, findings: list[Finding],
               arc_records: tuple[ArcAuthRecord, ...] = ()) -> TrustedAuthResults:
        dmarc = self.dmarc
        compauth = self.other.get("compauth")
        if dmarc is not None and compauth is not None:
            # Microsoft's composite verdict belongs next to DMARC for the reader.
            extra: dict[str, JSON] = {"result": compauth.result.value,
                                      "reason": compauth.reason}
            dmarc = MethodResult(dmarc.method, dmarc.result, dmarc.source, dmarc.reason,
                                 dmarc.properties, {**dmarc.details, "compauth": extra})
        return TrustedAuthResults(
            spf=self.spf, dkim=tuple(self.dkim), dmarc=dmarc, arc=self.arc,
            other=tuple(self.other.values()), authserv_ids=tuple(self.ids),
            findings=tuple(findings), arc_records=arc_records,
        )


def _header_kind(name: str) -> str | None:
    low = name.strip().lower()
    if low == "authentication-results":
        return "ar"
    if low == "arc-authentication-results":
        return "aar"
    return None


def select_trusted_results(
    headers: Sequence[tuple[str, str]],
    *,
    trusted_authserv_ids: Collection[str],
    trust_microsoft_365: bool = False,
    trusted_receivers: Collection[str] | None = None,
) -> TrustedAuthResults:
    """Pick the upstream authentication results that may be believed.

    ``headers`` are ``(name, value)`` pairs in message order, topmost first.

    The rule (RFC 8601 §5 and §7.1: only results from inside our trust
    boundary count, and a border MTA is supposed to strip look-alikes of its
    own header, which we do not rely on):

    1. Find the trusted entry hop with
       :func:`trustcheck.auth.received.find_entry_hop`: ``by`` hosts are
       matched against ``trusted_receivers`` or, when that is None, against
       the trusted authserv-ids themselves (``mx.google.com`` writes
       ``by mx.google.com``; subdomains match).
    2. Headers above the entry hop were added inside the boundary, and so were
       fields between it and the next older Received header: receivers whose
       milters write below their own Received header (Postfix hides that header
       from milters; Gmail and kernel.org look like this) are covered.
       With no trusted hop at all, only fields above the topmost Received
       header (added at final delivery) count.
    3. An ``Authentication-Results`` field counts when it lies in that zone
       and its authserv-id is one of ``trusted_authserv_ids`` (exact,
       case-insensitive). Upper (newer) fields win when methods repeat.
    4. With ``trust_microsoft_365``, the id-less Microsoft form counts when it
       lies above the EOP inbound edge hop (see :mod:`trustcheck.auth.received`);
       ``ARC-Authentication-Results`` from ``mx.microsoft.com`` in the same zone
       fills in methods the plain field lacks (``arc``). ``Authentication-Results-
       Original`` is what Microsoft moved aside from the sender's side: never used.

    Findings: ``authres.untrusted_pass`` (LOW) for each ignored field from an
    untrusted authserv-id that claims a ``pass``; ``authres.misplaced_trusted``
    (MEDIUM) for a field naming a trusted authserv-id (or the Microsoft form)
    found outside the trusted zone, i.e. written by someone else.
    """
    trusted_ids = {t.strip().lower() for t in trusted_authserv_ids if t.strip()}
    receivers: Collection[str] = (
        trusted_receivers if trusted_receivers is not None else sorted(trusted_ids)
    )
    merge = _Merge()
    findings: list[Finding] = []

    generic_entry = find_entry_hop(headers, trusted_receivers=receivers) if receivers else None
    first_received = next(
        (i for i, (n, _) in enumerate(headers) if n.strip().lower() == "received"), len(headers)
    )
    parsed: list[tuple[int, str, AuthenticationResults]] = []
    for i, (name, value) in enumerate(headers):
        kind = _header_kind(name)
        if kind == "ar":
            parsed.append((i, kind, parse_authentication_results(value)))
        elif kind == "aar":
            parsed.append((i, kind, parse_arc_authentication_results(value)))

    # -- zone for fields with a trusted authserv-id
    if generic_entry is None:
        zone_end = first_received
        entry_index = first_received
    else:
        # Postfix hides its own Received header from milters, so a milter's
        # Authentication-Results inserted "at the top" land just below it (kernel.org
        # and Gmail headers look like this). The zone therefore runs down to the next
        # older Received header. Fields there could in principle have come with the
        # message, which is why RFC 8601 §5 has the border MTA delete incoming fields
        # that claim its authserv-id: trusting an authserv-id means trusting that.
        entry_index = generic_entry[0]
        zone_end = next(
            (j for j in range(entry_index + 1, len(headers))
             if headers[j][0].strip().lower() == "received"),
            len(headers),
        )

    # -- zone for the Microsoft 365 form
    m365_end: int | None = None
    if trust_microsoft_365:
        edge = find_entry_hop(headers, trust_microsoft_365=True)
        m365_end = edge[0] if edge is not None else None

    used: set[int] = set()
    for i, kind, ar in parsed:
        ident = (ar.authserv_id or "").lower()
        if kind != "ar" or not ar.results:
            continue
        if ident and ident in trusted_ids:
            if i < zone_end:
                merge.add(ar, ident)
                used.add(i)
            else:
                findings.append(_misplaced(ar, ident, i))
        elif ar.authserv_id is None and trust_microsoft_365:
            if m365_end is not None and i < m365_end:
                merge.add(ar, _M365_ID)
                used.add(i)
            else:
                findings.append(_misplaced(ar, _M365_ID, i))
    if m365_end is not None:
        # The ARC-Authentication-Results Microsoft wrote on arrival: only to fill gaps.
        for i, kind, ar in parsed:
            if (kind == "aar" and i < m365_end and (ar.authserv_id or "").lower()
                    in _M365_ARC_IDS):
                merge.add(ar, _M365_ID, fill_only=True)
                used.add(i)
                break
    for i, kind, ar in parsed:
        if kind != "ar" or i in used:
            continue
        ident = (ar.authserv_id or "").lower()
        if ident in trusted_ids or (ar.authserv_id is None and trust_microsoft_365):
            continue  # reported above as misplaced
        claimed: list[JSON] = [f"{r.method}={r.result}" for r in ar.results
                               if r.result == "pass"]
        if claimed:
            shown = ar.authserv_id if ar.authserv_id is not None else "(no authserv-id)"
            findings.append(Finding(
                code="authres.untrusted_pass",
                severity=Severity.LOW,
                message=(f"Ignored Authentication-Results from untrusted {shown} claiming "
                         f"{', '.join(str(c) for c in claimed)}."),
                evidence={"authserv_id": ar.authserv_id, "claimed": claimed,
                          "header_index": i},
            ))
    arc_ids = trusted_ids | (_M365_ARC_IDS if trust_microsoft_365 else frozenset())
    return merge.result(findings, _arc_records(headers, parsed, arc_ids))


_TAG = re.compile(r"(?:^|;)\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*([^;]*)")
_SENDER_IP = re.compile(r"\bsender ip is ([0-9A-Fa-f:.]+)", re.IGNORECASE)
#: Properties in which receivers record the SMTP client address (RFC 8601 §2.7.3, iprev).
_CLIENT_IP_KEYS = ("smtp.remote-ip", "smtp.client-ip", "policy.iprev")


def read_tags(value: str) -> dict[str, str]:
    """The tags of a ``tag=value`` list (RFC 6376 §3.2), read leniently: names lower-cased,
    the first of a repeated tag kept, nothing raised for malformed parts.

    For reading who a signature or seal names; verification parses strictly
    (:func:`trustcheck.auth.dkim.parse_tags`).
    """
    tags: dict[str, str] = {}
    for m in _TAG.finditer(" ".join(value[:MAX_VALUE_LENGTH].split())):
        tags.setdefault(m.group(1).lower(), m.group(2).strip())
    return tags


def _seal_domains(headers: Sequence[tuple[str, str]]) -> dict[int, list[str]]:
    """``i=`` → ``d=`` of every ARC-Seal field (RFC 8617 §4.1.3), unreadable ones as ``""``."""
    out: dict[int, list[str]] = {}
    for name, value in headers:
        if name.strip().lower() != "arc-seal":
            continue
        tags = read_tags(value)
        instance = tags.get("i", "")
        if instance.isascii() and instance.isdigit() and len(instance) <= 3:
            out.setdefault(int(instance), []).append(tags.get("d", "").lower().rstrip("."))
    return out


def _client_ip(ar: AuthenticationResults) -> str | None:
    for entry in ar.results:
        props = entry.props
        candidates = [props[k] for k in _CLIENT_IP_KEYS if k in props]
        candidates += [m.group(1) for c in entry.comments for m in [_SENDER_IP.search(c)] if m]
        for text in candidates:
            try:
                return str(ipaddress.ip_address(text.strip().strip("[]")))
            except ValueError:
                continue
    return None


def _arc_records(
    headers: Sequence[tuple[str, str]],
    parsed: Sequence[tuple[int, str, AuthenticationResults]],
    arc_ids: Collection[str],
) -> tuple[ArcAuthRecord, ...]:
    """The ARC-Authentication-Results of trusted intermediaries (RFC 8617 §7.2), oldest first.

    A set counts when its instance has exactly one ARC-Authentication-Results and
    one ARC-Seal (RFC 8617 §5.2 step 3: anything else breaks the chain), the
    authserv-id is trusted, and the seal's ``d=`` is that authserv-id's domain or
    a parent of it (``mx.microsoft.com`` under ``d=microsoft.com``): the key that
    signs the set belongs to the organisation the results claim to come from. Any
    sender can seal a chain of its own with a copied authserv-id; it cannot seal
    with the trusted organisation's key.
    """
    if not arc_ids:
        return ()
    aars: dict[int, list[AuthenticationResults]] = {}
    for _, kind, ar in parsed:
        if kind == "aar" and ar.instance is not None:
            aars.setdefault(ar.instance, []).append(ar)
    seals = _seal_domains(headers) if aars else {}
    records: list[ArcAuthRecord] = []
    for instance in sorted(aars):
        found, sealed_by = aars[instance], seals.get(instance, [])
        if len(found) != 1 or len(sealed_by) != 1:
            continue
        ar, seal_domain = found[0], sealed_by[0]
        ident = (ar.authserv_id or "").lower()
        if not ar.results or ident not in arc_ids or not seal_domain or not host_matches(
                ident, [seal_domain]):
            continue
        merge = _Merge()
        merge.add(ar, ident)
        records.append(ArcAuthRecord(
            instance=instance, authserv_id=ident, seal_domain=seal_domain,
            spf=merge.spf, dkim=tuple(merge.dkim), dmarc=merge.dmarc,
            client_ip=_client_ip(ar),
        ))
    return tuple(records)


def _misplaced(ar: AuthenticationResults, ident: str, index: int) -> Finding:
    claimed: list[JSON] = [f"{r.method}={r.result}" for r in ar.results]
    return Finding(
        code="authres.misplaced_trusted",
        severity=Severity.MEDIUM,
        message=(f"Ignored Authentication-Results naming trusted {ident} outside the trusted "
                 f"hops (claims {', '.join(str(c) for c in claimed)}); it was not written by "
                 "that receiver."),
        evidence={"authserv_id": ident, "claimed": claimed, "header_index": index},
    )

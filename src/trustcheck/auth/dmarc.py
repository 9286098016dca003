"""DMARC (RFC 7489, RFC 9989 "DMARCbis"): does an aligned, authenticated identifier vouch for From?

Two modes, chosen per call:

* ``"dmarcbis"`` (default) - RFC 9989: the policy record and every
  Organizational Domain come from a DNS Tree Walk (§4.10), ``psd=`` marks
  public-suffix operators, ``np=`` covers non-existent subdomains, ``t=y``
  asks receivers to apply one level less (``pct=`` is gone).
* ``"rfc7489"`` - RFC 7489: the policy record is looked up at the Author
  Domain, then at its Organizational Domain from the bundled Public Suffix
  List (§6.6.3); ``pct=`` sampling applies; ``np=`` as RFC 9091 added it.

Record parsing (:func:`parse_dmarc_record`) is pure; :func:`check_dmarc`
does the lookups through an injected :class:`~trustcheck.dns.Resolver`. A
TIMEOUT/SERVFAIL anywhere that decides the outcome gives ``temperror``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from trustcheck.auth.orgdomain import (
    Psd,
    normalize_domain,
    psl_organizational_domain,
    tree_walk_org_domain,
    tree_walk_targets,
)
from trustcheck.auth.results import AuthWord
from trustcheck.dns.base import Outcome, Resolver
from trustcheck.errors import InputError, TrustcheckError
from trustcheck.verdict import JSON, MethodResult

__all__ = [
    "AuthenticatedIdentifier",
    "Disposition",
    "DmarcRecord",
    "DmarcRecordError",
    "DmarcResult",
    "Mode",
    "check_dmarc",
    "organizational_domain",
    "parse_dmarc_record",
]

Mode = Literal["dmarcbis", "rfc7489"]
Alignment = Literal["r", "s"]


class Disposition(enum.StrEnum):
    """A DMARC policy / the handling a receiver applies (RFC 7489 §6.3 ``p=``)."""

    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    def downgraded(self) -> Disposition:
        """One level less strict: what ``t=y`` (RFC 9989) or an unsampled ``pct=`` asks for."""
        return {
            Disposition.REJECT: Disposition.QUARANTINE,
            Disposition.QUARANTINE: Disposition.NONE,
        }.get(self, Disposition.NONE)


class DmarcRecordError(TrustcheckError, ValueError):
    """A TXT record that is not a usable DMARC record; ``kind`` says why.

    ``"syntax"``: not a well-formed ``v=DMARC1`` tag list (a ``permerror``);
    ``"policy"``: well-formed, but no valid ``p=`` and no valid ``rua=``, so
    RFC 7489 §6.6.3 / RFC 9989 §4.10.1 say to apply no DMARC processing.
    """

    def __init__(self, message: str, *, kind: Literal["syntax", "policy"]) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """A parsed DMARC Policy Record (tag names per RFC 7489 §6.3 and RFC 9989 §4.7)."""

    p: Disposition
    sp: Disposition | None = None
    np: Disposition | None = None
    adkim: Alignment = "r"
    aspf: Alignment = "r"
    pct: int = 100
    t: bool = False
    psd: Psd = "u"
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: tuple[str, ...] = ("0",)
    rf: tuple[str, ...] = ("afrf",)
    ri: int = 86400
    p_implied: bool = False
    """True when ``p=none`` was assumed because ``p=`` was missing/invalid but ``rua=`` valid."""
    raw: str = field(default="", compare=False)


_POLICIES = {d.value: d for d in Disposition}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s,!]+(![0-9]+[kmgt]?)?$")
_TAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def parse_dmarc_record(text: str, *, strict: bool = True) -> DmarcRecord:
    """Parse a DMARC record's text; pure, no lookups.

    The record must start with ``v=DMARC1`` (case-sensitive, RFC 7489 §6.4)
    and be a ``;``-separated list of ``tag=value`` pairs; tag names and other
    values are case-insensitive, unknown tags are ignored (§6.3). Without a
    valid ``p=`` (or with an invalid ``sp=``/``np=``) a record with a valid
    ``rua=`` counts as ``p=none`` (§6.6.3 step 6, RFC 9989 §4.10.1). With
    ``strict=False`` invalid values of the other tags - ``sp=``/``np=``
    included, which then inherit ``p=`` - fall back to their defaults, as §6.3
    permits ("syntax errors in the remainder of the record SHOULD be discarded
    in favor of default values"); :func:`check_dmarc` reads records so, since
    a typo in ``sp=`` should not switch off a domain's ``p=reject``. With
    ``strict=True`` they raise. Raises :class:`DmarcRecordError`.
    """
    terms = [term.strip(" \t") for term in text.split(";")]
    if not terms or terms[0].replace(" ", "").replace("\t", "") != "v=DMARC1":
        msg = "not a DMARC record: it must start with v=DMARC1"
        raise DmarcRecordError(msg, kind="syntax")
    tags: dict[str, str] = {}
    for term in terms[1:]:
        if not term:
            continue  # "v=DMARC1; p=none;" ends in an empty term
        name, sep, value = term.partition("=")
        name = name.strip(" \t").lower()
        if not sep or not _TAG_NAME.match(name):
            msg = f"malformed tag {term!r} (expected tag=value)"
            raise DmarcRecordError(msg, kind="syntax")
        tags.setdefault(name, value.strip(" \t"))
    values: dict[str, object] = {}
    rua = _uris(tags.get("rua"))
    for name, value in tags.items():
        parser = _TAG_PARSERS.get(name)
        if parser is None:
            continue  # unknown tags MUST be ignored (RFC 7489 §6.3)
        parsed = parser(value)
        if parsed is None:
            if name == "p" or (strict and name in ("sp", "np")):
                values[name] = None  # handled below (§6.6.3 step 6)
                continue
            if strict:
                msg = f"invalid value for {name}=: {value!r}"
                raise DmarcRecordError(msg, kind="syntax")
            continue
        values[name] = parsed
    policy_ok = isinstance(values.get("p"), Disposition)
    sub_ok = all(values.get(tag, True) is not None for tag in ("sp", "np"))
    implied = False
    if not (policy_ok and sub_ok):
        if rua is None or not rua:
            what = "no valid p= tag" if not policy_ok else "an invalid sp=/np= tag"
            msg = f"record has {what} and no valid rua= (RFC 7489 6.6.3)"
            raise DmarcRecordError(msg, kind="policy")
        values.update(p=Disposition.NONE, sp=None, np=None)
        implied = True
    return DmarcRecord(
        p=values["p"],  # type: ignore[arg-type]
        sp=values.get("sp"),  # type: ignore[arg-type]
        np=values.get("np"),  # type: ignore[arg-type]
        adkim=values.get("adkim", "r"),  # type: ignore[arg-type]
        aspf=values.get("aspf", "r"),  # type: ignore[arg-type]
        pct=values.get("pct", 100),  # type: ignore[arg-type]
        t=values.get("t", False),  # type: ignore[arg-type]
        psd=values.get("psd", "u"),  # type: ignore[arg-type]
        rua=rua or (),
        ruf=values.get("ruf", ()),  # type: ignore[arg-type]
        fo=values.get("fo", ("0",)),  # type: ignore[arg-type]
        rf=values.get("rf", ("afrf",)),  # type: ignore[arg-type]
        ri=values.get("ri", 86400),  # type: ignore[arg-type]
        p_implied=implied,
        raw=text,
    )


def _policy(value: str) -> Disposition | None:
    return _POLICIES.get(value.lower())


def _choice(*allowed: str) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        value = value.lower()
        return value if value in allowed else None

    return parse


def _flag(value: str) -> bool | None:
    return {"y": True, "n": False}.get(value.lower())


def _int_range(low: int, high: int) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        if not (value.isascii() and value.isdigit()):
            return None
        number = int(value)
        return number if low <= number <= high else None

    return parse


def _uris(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated DMARC URI list (RFC 7489 §6.4); None when any entry is malformed."""
    if value is None:
        return None
    uris = tuple(part.strip(" \t") for part in value.split(","))
    if not all(_URI.match(uri) for uri in uris):
        return None
    return uris


def _list(separator: str, *allowed: str) -> Callable[[str], tuple[str, ...] | None]:
    def parse(value: str) -> tuple[str, ...] | None:
        items = tuple(part.strip(" \t").lower() for part in value.split(separator))
        return items if items and all(item in allowed for item in items) else None

    return parse


_TAG_PARSERS: dict[str, Callable[[str], object]] = {
    "p": _policy,
    "sp": _policy,
    "np": _policy,
    "adkim": _choice("r", "s"),
    "aspf": _choice("r", "s"),
    "pct": _int_range(0, 100),
    "t": _flag,
    "psd": _choice("y", "n", "u"),
    "rua": _uris,
    "ruf": _uris,
    "fo": _list(":", "0", "1", "d", "s"),
    "rf": _list(",", "afrf", "iodef"),
    "ri": _int_range(0, 2**32 - 1),
}


class AuthenticatedIdentifier(Protocol):
    """What DMARC needs from an SPF or DKIM result: its word and its domain."""

    @property
    def result(self) -> AuthWord | str: ...

    @property
    def domain(self) -> str | None:
        """The checked domain or d=; None for a signature too broken to name one."""
        ...


@dataclass(frozen=True, slots=True)
class DmarcResult:
    """The outcome of a DMARC evaluation for one Author Domain."""

    result: AuthWord
    """pass, fail, none, temperror or permerror (RFC 7489 §11.2)."""
    from_domain: str
    """The normalised Author Domain ("" when the given one was not a domain name)."""
    mode: Mode
    policy: Disposition | None = None
    """The published policy that applies to the Author Domain (p=, sp= or np=)."""
    disposition: Disposition = Disposition.NONE
    """What a receiver would apply: the policy on fail, lowered by t=y / pct<100; else none."""
    policy_tag: Literal["p", "sp", "np"] | None = None
    record_domain: str | None = None
    """Where the policy record was found (without ``_dmarc.``)."""
    org_domain: str | None = None
    aligned_spf: bool = False
    aligned_dkim: tuple[str, ...] = ()
    """The d= domains of passing DKIM signatures that aligned."""
    record: DmarcRecord | None = None
    reason: str | None = None

    def to_method_result(self) -> MethodResult:
        """This result as an RFC 8601 ``dmarc`` method entry (``header.from``, ``policy.*``)."""
        properties = {"header.from": self.from_domain or "none"}
        if self.policy is not None:
            properties["policy.dmarc"] = self.policy.value
        details: dict[str, JSON] = {
            "mode": self.mode,
            "policy_tag": self.policy_tag,
            "disposition": self.disposition.value,
            "record_domain": self.record_domain,
            "org_domain": self.org_domain,
            "aligned_spf": self.aligned_spf,
            "aligned_dkim": list(self.aligned_dkim),
        }
        if self.record is not None:
            details.update(
                adkim=self.record.adkim,
                aspf=self.record.aspf,
                pct=self.record.pct,
                testing=self.record.t,
                psd=self.record.psd,
            )
        return MethodResult(
            method="dmarc",
            result=self.result,
            reason=self.reason,
            properties=properties,
            details=details,
        )


class _DnsTempError(Exception):
    """A lookup could not complete (TIMEOUT/SERVFAIL): the evaluation ends in temperror."""


@dataclass(frozen=True, slots=True)
class _Found:
    """What ``_dmarc.<domain>`` holds: nothing, a record, or a broken/ambiguous record set."""

    domain: str
    record: DmarcRecord | None = None
    error: DmarcRecordError | None = None
    multiple: bool = False

    @property
    def present(self) -> bool:
        return self.record is not None or self.error is not None or self.multiple


class _Lookups:
    """Per-evaluation DMARC record cache, so the tree walks never ask the same name twice."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._seen: dict[str, _Found] = {}

    def at(self, domain: str) -> _Found:
        found = self._seen.get(domain)
        if found is None:
            found = self._fetch(domain)
            self._seen[domain] = found
        return found

    def _fetch(self, domain: str) -> _Found:
        try:
            answer = self._resolver.resolve(f"_dmarc.{domain}", "TXT")
        except ValueError:
            return _Found(domain)  # a name the resolver refuses has no record
        if answer.outcome.is_error:
            msg = f"DNS {answer.outcome.value} looking up _dmarc.{domain}"
            raise _DnsTempError(msg)
        # RFC 7489 §6.6.3 step 3: discard records that do not start with v=DMARC1.
        texts = [t for t in answer.records if t.replace(" ", "").startswith("v=DMARC1")]
        if not texts:
            return _Found(domain)
        if len(texts) > 1:
            # §6.6.3 step 4: several records -> DMARC processing is not applied.
            return _Found(domain, multiple=True)
        try:
            return _Found(domain, record=parse_dmarc_record(texts[0], strict=False))
        except DmarcRecordError as error:
            return _Found(domain, error=error)

    def psd(self, domain: str) -> Psd | None:
        found = self.at(domain)
        return found.record.psd if found.record is not None else None


def organizational_domain(domain: str, *, resolver: Resolver, mode: Mode = "dmarcbis") -> str:
    """The Organizational Domain of ``domain``: RFC 9989 tree walk, or RFC 7489 PSL.

    Raises :class:`~trustcheck.errors.InputError` for a ``domain`` that is
    not a domain name; a DNS failure during the walk raises
    :class:`TimeoutError` (callers inside this module report ``temperror``).
    """
    normal = normalize_domain(domain)
    if normal is None:
        msg = f"not a domain name: {domain!r}"
        raise InputError(msg)
    try:
        return _org_domain(normal, _Lookups(resolver), mode)
    except _DnsTempError as error:
        raise TimeoutError(str(error)) from None


def _org_domain(domain: str, lookups: _Lookups, mode: Mode) -> str:
    if mode == "rfc7489":
        return psl_organizational_domain(domain) or domain
    return tree_walk_org_domain(domain, lookups.psd)


def check_dmarc(
    *,
    from_domain: str,
    spf: AuthenticatedIdentifier | None,
    dkim: Sequence[AuthenticatedIdentifier],
    resolver: Resolver,
    mode: Mode = "dmarcbis",
) -> DmarcResult:
    """Evaluate DMARC for the RFC 5322.From domain ``from_domain``.

    ``spf`` is the SPF result for the MAIL FROM (or, for a null reverse-path,
    HELO) identity, ``dkim`` one result per DKIM signature; both need only
    ``.result`` (an RFC 8601 word) and ``.domain`` (the checked domain / d=).
    Returns ``none`` when no policy record applies, ``permerror`` for a From
    domain that is not a domain or a malformed record, ``temperror`` when DNS
    could not answer, otherwise ``pass`` (an aligned pass) or ``fail``.
    """
    if mode not in ("dmarcbis", "rfc7489"):
        msg = f"mode must be 'dmarcbis' or 'rfc7489', not {mode!r}"
        raise ValueError(msg)
    author = _author_domain(from_domain)
    if author is None:
        # RFC 7489 §6.6.1: without a usable Author Domain DMARC cannot be evaluated.
        return DmarcResult(
            AuthWord.PERMERROR,
            from_domain="",
            mode=mode,
            reason=f"not a usable From domain: {from_domain!r}",
        )
    lookups = _Lookups(resolver)
    try:
        return _evaluate(author, spf, dkim, lookups, resolver, mode)
    except _DnsTempError as error:
        return DmarcResult(AuthWord.TEMPERROR, from_domain=author, mode=mode, reason=str(error))


def _author_domain(text: str) -> str | None:
    """A normalised From domain, or None when ``text`` cannot be one (no dot, spaces, ``@``)."""
    text = text.strip()
    if "." not in text.strip(".") or any(c.isspace() or c in '@<>,;"' for c in text):
        return None
    return normalize_domain(text)


def _evaluate(
    author: str,
    spf: AuthenticatedIdentifier | None,
    dkim: Sequence[AuthenticatedIdentifier],
    lookups: _Lookups,
    resolver: Resolver,
    mode: Mode,
) -> DmarcResult:
    found, org = _discover_policy(author, lookups, mode)
    base = DmarcResult(AuthWord.NONE, from_domain=author, mode=mode, org_domain=org)
    if found is None:
        return _replace(base, reason="no DMARC policy record")
    base = _replace(base, record_domain=found.domain)
    if found.multiple:
        return _replace(base, reason=f"several DMARC records at _dmarc.{found.domain}")
    if found.error is not None:
        if found.error.kind == "policy":
            return _replace(base, reason=str(found.error))
        return _replace(base, result=AuthWord.PERMERROR, reason=str(found.error))
    record = found.record
    assert record is not None  # present, not multiple, no error
    aligned_spf, aligned_dkim, pending = _alignment(author, org, record, spf, dkim, lookups, mode)
    passed = aligned_spf or bool(aligned_dkim)
    tag, policy = _applicable_policy(author, found.domain, record, resolver, must_know=not passed)
    result = AuthWord.PASS if passed else AuthWord.FAIL
    reason = None
    if not passed and pending:
        # An identifier could not be checked for alignment because DNS failed.
        return _replace(base, result=AuthWord.TEMPERROR, record=record, reason=pending)
    disposition = Disposition.NONE
    if not passed:
        disposition = policy
        if mode == "dmarcbis" and record.t:
            disposition = policy.downgraded()  # RFC 9989 t=y: testing, one level less
        elif mode == "rfc7489" and record.pct < 100:
            # RFC 7489 §6.6.4: messages outside the pct sample get the next policy down;
            # trustcheck does not sample, so it reports the milder outcome.
            disposition = policy.downgraded()
            reason = f"pct={record.pct}: receivers apply {policy.value} to a sample only"
    return DmarcResult(
        result,
        from_domain=author,
        mode=mode,
        policy=policy,
        disposition=disposition,
        policy_tag=tag,
        record_domain=found.domain,
        org_domain=org,
        aligned_spf=aligned_spf,
        aligned_dkim=aligned_dkim,
        record=record,
        reason=reason,
    )


def _replace(base: DmarcResult, **changes: object) -> DmarcResult:
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _discover_policy(author: str, lookups: _Lookups, mode: Mode) -> tuple[_Found | None, str]:
    """Find the policy record for ``author`` and its Organizational Domain."""
    if mode == "rfc7489":
        # RFC 7489 §6.6.3: the Author Domain first, then its Organizational Domain.
        org = psl_organizational_domain(author) or author
        found = lookups.at(author)
        if not found.present and org != author:
            found = lookups.at(org)
        return (found if found.present else None), org
    # RFC 9989 §4.10.1: walk up from the Author Domain; the first record found applies.
    policy: _Found | None = None
    for name in tree_walk_targets(author):
        candidate = lookups.at(name)
        if candidate.present:
            policy = candidate
            break
    org = tree_walk_org_domain(author, lookups.psd)
    return policy, org


def _alignment(
    author: str,
    org: str,
    record: DmarcRecord,
    spf: AuthenticatedIdentifier | None,
    dkim: Sequence[AuthenticatedIdentifier],
    lookups: _Lookups,
    mode: Mode,
) -> tuple[bool, tuple[str, ...], str | None]:
    """Identifier Alignment (RFC 7489 §3.1, RFC 9989 §4.4) of SPF and each DKIM pass."""
    pending: str | None = None

    def aligned(identifier: str, how: Alignment) -> bool:
        nonlocal pending
        domain = normalize_domain(identifier)
        if domain is None:
            return False
        if domain == author:
            return True  # identical domains align in both modes
        if how == "s":
            return False  # strict: exact match only
        try:
            return _org_domain(domain, lookups, mode) == org
        except _DnsTempError as error:
            pending = str(error)
            return False

    spf_ok = (
        spf is not None and _word(spf.result) is AuthWord.PASS and bool(spf.domain)
        and aligned(spf.domain or "", record.aspf)
    )
    dkim_ok: list[str] = []
    for signature in dkim:
        if _word(signature.result) is not AuthWord.PASS or not signature.domain:
            continue
        domain = normalize_domain(signature.domain) or signature.domain
        if domain not in dkim_ok and aligned(domain, record.adkim):
            dkim_ok.append(domain)
    return spf_ok, tuple(dkim_ok), pending


def _word(value: AuthWord | str) -> AuthWord | None:
    try:
        return AuthWord(str(value).lower())
    except ValueError:
        return None


def _applicable_policy(
    author: str,
    record_domain: str,
    record: DmarcRecord,
    resolver: Resolver,
    *,
    must_know: bool,
) -> tuple[Literal["p", "sp", "np"], Disposition]:
    """Which of p=, sp=, np= governs ``author`` (RFC 7489 §6.3, RFC 9091 §4, RFC 9989 §4.7)."""
    if record_domain == author:
        return "p", record.p
    if record.np is not None:
        try:
            exists = _domain_exists(author, resolver)
        except _DnsTempError:
            if must_know:
                raise
            exists = True  # the message passed; the policy is only informative
        if not exists:
            return "np", record.np
    if record.sp is not None:
        return "sp", record.sp
    return "p", record.p


def _domain_exists(domain: str, resolver: Resolver) -> bool:
    """RFC 9091 §2.7 / RFC 9989: non-existent means NXDOMAIN or NODATA for A, AAAA and MX."""
    for rdtype in ("A", "AAAA", "MX"):
        answer = resolver.resolve(domain, rdtype)
        if answer.outcome is Outcome.ANSWER:
            return True
        if answer.outcome.is_error:
            msg = f"DNS {answer.outcome.value} probing {rdtype} {domain}"
            raise _DnsTempError(msg)
    return False

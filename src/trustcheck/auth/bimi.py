"""BIMI (draft-brand-indicators-for-message-identification): record lookup and eligibility.

BIMI is a *weak* positive brand signal: it says the domain owner published a
logo location and enforces DMARC, not that the brand is who the reader thinks
(a lookalike domain can publish BIMI with ``p=reject`` too). Only combine it
with a From domain that the registry lists for the brand.

Nothing is downloaded: neither the SVG at ``l=`` nor the Verified Mark
Certificate at ``a=`` (a scanner fetching URLs named by mail is an abuse
channel, rspamd#3935). ``authority`` is reported as published, unverified.

Eligibility (checked first, so an ineligible message costs no DNS lookup):
the draft requires DMARC pass with a policy at enforcement (``quarantine`` or
``reject``, ``pct=100``); Gmail additionally requires an aligned DKIM pass
since the 2023 SPF-only spoofing reports. Otherwise the result is ``skipped``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.dns.base import Outcome, Resolver
from trustcheck.verdict import JSON, MethodResult

__all__ = ["BimiRecord", "BimiResult", "BimiWord", "check_bimi", "parse_bimi_record"]

_SELECTOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{1,63}$"
)
#: Longest record text parsed; BIMI records are a couple of URLs.
_MAX_RECORD = 4096


class BimiWord(enum.StrEnum):
    """The ``bimi=`` result words of the draft's Authentication-Results registration."""

    PASS = "pass"  # noqa: S105  (a result word, not a password)
    NONE = "none"
    FAIL = "fail"
    TEMPERROR = "temperror"
    DECLINED = "declined"
    SKIPPED = "skipped"

    @property
    def auth_word(self) -> AuthWord:
        """The nearest RFC 8601 word: ``declined`` and ``skipped`` become ``none``."""
        if self in (BimiWord.DECLINED, BimiWord.SKIPPED):
            return AuthWord.NONE
        return AuthWord(self.value)


@dataclass(frozen=True, slots=True)
class BimiRecord:
    """A parsed ``v=BIMI1`` record."""

    location: str | None
    """``l=``: where the SVG logo is published (HTTPS); None or empty means declined."""
    authority: str | None
    """``a=``: where the mark certificate (VMC/CMC) is published; never fetched."""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BimiResult:
    """The outcome of :func:`check_bimi`."""

    result: BimiWord
    domain: str
    """The From domain checked."""
    selector: str
    record_domain: str | None = None
    """Where the record was found (``default._bimi.example.com``), or None."""
    location: str | None = None
    authority: str | None = None
    reason: str | None = None

    @property
    def brand_signal(self) -> bool:
        """True when BIMI passed: logo published, DMARC at enforcement (evidence unverified)."""
        return self.result is BimiWord.PASS

    def to_method_result(self) -> MethodResult:
        """The result as an RFC 8601 ``bimi`` method (``header.d``, ``header.selector``)."""
        props = {"header.d": self.domain, "header.selector": self.selector}
        if self.location:
            props["policy.indicator-uri"] = self.location
        details: dict[str, JSON] = {"bimi_result": self.result.value,
                                    "record_domain": self.record_domain,
                                    "authority": self.authority,
                                    "authority_verified": False}
        return MethodResult(
            method="bimi",
            result=self.result.auth_word,
            source=ResultSource.CHECKED,
            reason=self.reason,
            properties=props,
            details=details,
        )


def parse_bimi_record(text: str) -> BimiRecord | str:
    """Parse a BIMI TXT record; return the record, or a string saying why it is invalid.

    ``v=BIMI1`` must come first (draft §4.2); tags are ``name=value`` separated
    by ``;``; unknown tags are ignored; ``l=`` and ``a=`` must be ``https:`` URIs
    when not empty.

    >>> parse_bimi_record("v=BIMI1; l=https://example.com/logo.svg").location
    'https://example.com/logo.svg'
    >>> parse_bimi_record("v=BIMI2; l=https://example.com/logo.svg")
    'first tag must be v=BIMI1'
    """
    if len(text) > _MAX_RECORD:
        return f"record longer than {_MAX_RECORD} characters"
    tags: dict[str, str] = {}
    order: list[str] = []
    for raw in text.split(";"):
        part = raw.strip()
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = name.strip().lower()
        if not eq or not name:
            return f"malformed tag {part[:40]!r}"
        if name in tags:
            return f"duplicate tag {name!r}"
        tags[name] = value.strip()
        order.append(name)
    if not order or order[0] != "v" or tags["v"] != "BIMI1":
        return "first tag must be v=BIMI1"
    location = tags.get("l") or None
    authority = tags.get("a") or None
    for tag, uri in (("l", location), ("a", authority)):
        if uri is not None:
            # Earlier drafts allowed a comma-separated list in l=; take the first URI.
            first = uri.split(",")[0].strip()
            parts = urlsplit(first)
            if parts.scheme.lower() != "https" or not parts.hostname:
                return f"{tag}= must be an https URI, not {first[:80]!r}"
            if tag == "l":
                location = first
            else:
                authority = first
    return BimiRecord(location=location, authority=authority, tags=tags)


def _lookup(
    resolver: Resolver, name: str
) -> tuple[str, BimiRecord | None, str | None]:
    """Look up one BIMI name: ``("found"|"absent"|"temperror"|"fail", record, reason)``."""
    answer = resolver.resolve(name, "TXT")
    if answer.outcome.is_error:
        return "temperror", None, f"DNS {answer.outcome.value} for {name}"
    if answer.outcome is not Outcome.ANSWER:
        return "absent", None, None
    candidates = [r for r in answer.records if r.lstrip().lower().startswith("v=bimi1")]
    if not candidates:
        return "absent", None, None
    if len(candidates) > 1:
        return "fail", None, f"{len(candidates)} BIMI records at {name}"
    parsed = parse_bimi_record(candidates[0].strip())
    if isinstance(parsed, str):
        return "fail", None, f"invalid record at {name}: {parsed}"
    return "found", parsed, None


def check_bimi(
    *,
    from_domain: str,
    dmarc_result: AuthWord | str,
    dmarc_policy: str | None,
    dmarc_pct: int | None,
    aligned_dkim_pass: bool,
    resolver: Resolver,
    selector: str = "default",
    org_domain: str | None = None,
) -> BimiResult:
    """Look up and judge the BIMI record for ``from_domain``.

    ``dmarc_policy`` is the policy DMARC applied (``none``/``quarantine``/``reject``)
    and ``dmarc_pct`` its ``pct=`` (None when absent, i.e. 100). The record is
    looked up at ``<selector>._bimi.<from_domain>`` and, when absent there, at
    ``<selector>._bimi.<org_domain>`` (draft §4.3). A DNS timeout or SERVFAIL
    gives ``temperror``; no record gives ``none``; ``v=BIMI1; l=;`` (an explicit
    refusal) gives ``declined``; a malformed or duplicated record gives ``fail``.
    """
    domain = from_domain.strip().rstrip(".").lower()
    sel = selector.strip().lower() or "default"

    def out(word: BimiWord, reason: str, *, record_domain: str | None = None,
            location: str | None = None, authority: str | None = None) -> BimiResult:
        return BimiResult(word, domain, sel, record_domain, location, authority, reason)

    if not _DOMAIN.match(domain):
        return out(BimiWord.FAIL, f"invalid From domain {from_domain[:80]!r}")
    if not _SELECTOR.match(sel) or len(sel) > 63:
        return out(BimiWord.FAIL, f"invalid BIMI selector {selector[:80]!r}")
    word = str(dmarc_result).strip().lower()
    policy = (dmarc_policy or "").strip().lower()
    if word != AuthWord.PASS.value:
        return out(BimiWord.SKIPPED, f"DMARC result is {word or 'missing'}, not pass")
    if policy not in ("quarantine", "reject"):
        return out(BimiWord.SKIPPED, f"DMARC policy p={policy or 'missing'} is not at enforcement")
    if dmarc_pct is not None and dmarc_pct < 100:
        return out(BimiWord.SKIPPED, f"DMARC pct={dmarc_pct} is below 100")
    if not aligned_dkim_pass:
        return out(BimiWord.SKIPPED, "no aligned DKIM pass (SPF-only DMARC pass is not enough)")

    names = [f"{sel}._bimi.{domain}"]
    org = (org_domain or "").strip().rstrip(".").lower()
    if org and org != domain and _DOMAIN.match(org):
        names.append(f"{sel}._bimi.{org}")
    for name in names:
        status, record, reason = _lookup(resolver, name)
        if status == "temperror":
            return out(BimiWord.TEMPERROR, reason or "DNS error", record_domain=name)
        if status == "fail":
            return out(BimiWord.FAIL, reason or "invalid record", record_domain=name)
        if status == "found" and record is not None:
            if record.location is None:
                return out(BimiWord.DECLINED, "the domain declines to publish a BIMI logo",
                           record_domain=name, authority=record.authority)
            return out(BimiWord.PASS, "BIMI record found and DMARC at enforcement",
                       record_domain=name, location=record.location,
                       authority=record.authority)
    return out(BimiWord.NONE, f"no BIMI record at {' or '.join(names)}")

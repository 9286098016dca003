"""The verdict: what trustcheck concludes about one message, and why.

Every check reports :class:`Finding` objects; a :class:`Policy` turns the
findings into a :class:`Status` and a 0–100 risk ``score``. Results are frozen
and serialise to JSON-safe dicts with :meth:`Verdict.to_dict`, documented by the
JSON Schema shipped as ``trustcheck/schemas/verdict.schema.json``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.errors import ConfigError

__all__ = [
    "Advice",
    "Auth",
    "Combination",
    "Finding",
    "Link",
    "MethodResult",
    "Policy",
    "Severity",
    "Status",
    "TemplateMatch",
    "Verdict",
    "summarize",
]

JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]


class Status(enum.StrEnum):
    """The verdict word (**contract**: these five words, exactly)."""

    AUTHENTIC = "authentic"
    """Claims a registered brand and is proven to come from it."""
    IMPERSONATION = "impersonation"
    """Claims or imitates a registered brand, but the sender is not that brand."""
    PHISHING = "phishing"
    """A lure with hard evidence (deceptive links, credential or payment bait, abused slots)."""
    SUSPICIOUS = "suspicious"
    """Weaker evidence, or checks that could not complete for a message claiming a brand."""
    UNVERIFIED = "unverified"
    """No brand claim to verify and no red flags."""

    @property
    def flagged(self) -> bool:
        """True for the statuses a gateway or support agent should act on.

        >>> Status.PHISHING.flagged, Status.UNVERIFIED.flagged
        (True, False)
        """
        return self in (Status.PHISHING, Status.IMPERSONATION, Status.SUSPICIOUS)

    @property
    def exit_code(self) -> int:
        """The CLI exit code: 0 for authentic/unverified, 1 for a flagged verdict."""
        return 1 if self.flagged else 0


class Severity(enum.StrEnum):
    """How much a finding weighs on its own, before the policy's per-code weights."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation about a message, with the evidence behind it.

    ``code`` is stable across releases (``link.lookalike``, ``mime.depth_limit``);
    ``message`` is for humans and names the evidence; ``evidence`` carries the
    same facts as JSON-safe data for programs.
    """

    code: str
    severity: Severity
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """JSON-able values: str, numbers, bools, None, lists/tuples and mappings of them."""

    def to_dict(self) -> dict[str, JSON]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": _jsonable(dict(self.evidence)),
        }


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One authentication result in RFC 8601 terms (one per DKIM signature).

    ``properties`` uses RFC 8601 ptype.property names (``smtp.mailfrom``,
    ``header.d``, ``header.from``); ``details`` holds what the header has no
    place for (key size, policy, which identifier aligned).
    """

    method: str
    result: AuthWord
    source: ResultSource = ResultSource.CHECKED
    reason: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "method": self.method,
            "result": self.result.value,
            "source": self.source.value,
            "reason": self.reason,
            "properties": dict(self.properties),
            "details": _jsonable(dict(self.details)),
        }


@dataclass(frozen=True, slots=True)
class Auth:
    """Authentication results for an e-mail (all empty for an SMS)."""

    spf: MethodResult | None = None
    dkim: tuple[MethodResult, ...] = ()
    """One entry per DKIM-Signature header, in header order."""
    dmarc: MethodResult | None = None
    arc: MethodResult | None = None
    bimi: MethodResult | None = None

    def methods(self) -> tuple[MethodResult, ...]:
        """Every result in the order an Authentication-Results header lists them."""
        singles = (self.spf, *self.dkim, self.dmarc, self.arc, self.bimi)
        return tuple(r for r in singles if r is not None)

    def to_dict(self) -> dict[str, JSON]:
        def one(r: MethodResult | None) -> JSON:
            return None if r is None else r.to_dict()

        return {
            "spf": one(self.spf),
            "dkim": [r.to_dict() for r in self.dkim],
            "dmarc": one(self.dmarc),
            "arc": one(self.arc),
            "bimi": one(self.bimi),
        }


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found in the message, as the link checks saw it. Never fetched."""

    url: str
    """The URL as written (after HTML entity decoding)."""
    host: str | None
    """Lower-case host, IDN in A-label form; None for ``mailto:``/``data:`` and the like."""
    registrable_domain: str | None
    """eTLD+1 from the bundled Public Suffix List snapshot."""
    source: str
    """Where it was found: ``href``, ``src``, ``form``, ``meta``, ``css``, ``text``, ``sms``,
    or ``redirect`` for a target decoded from a redirector link (never fetched)."""
    text: str | None = None
    """The anchor's visible text, for ``href`` links."""
    flags: tuple[str, ...] = ()
    """Finding codes this link raised (``link.lookalike``, ``link.shortener`` …)."""

    def to_dict(self) -> dict[str, JSON]:
        return _jsonable(dataclasses.asdict(self))  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class TemplateMatch:
    """The registered template a message looks most like."""

    template_id: str
    version: str
    brand: str
    similarity: Mapping[str, float]
    """Per dimension (``layout``, ``text``, ``overall``), 0.0–1.0."""
    slots: Mapping[str, Any] = field(default_factory=dict)
    violations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, JSON]:
        return {
            "template_id": self.template_id,
            "version": self.version,
            "brand": self.brand,
            "similarity": dict(self.similarity),
            "slots": _jsonable(dict(self.slots)),
            "violations": list(self.violations),
        }


@dataclass(frozen=True, slots=True)
class Advice:
    """What to tell the customer, in the message's language where known."""

    language: str
    lines: tuple[str, ...]
    check_url: str | None = None
    """The brand's official place to check a payment or delivery, from the registry."""
    report_to: tuple[str, ...] = ()
    """Where to report it: the brand's channel, 118 (KR), 7726 (US/UK)."""

    def to_dict(self) -> dict[str, JSON]:
        return {
            "language": self.language,
            "lines": list(self.lines),
            "check_url": self.check_url,
            "report_to": list(self.report_to),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What trustcheck concludes about one message."""

    status: Status
    score: int
    """Risk from 0 (nothing wrong seen) to 100."""
    kind: str
    """``"email"`` or ``"sms"``."""
    brand: str | None = None
    """Registry id of the brand the message claims or imitates."""
    findings: tuple[Finding, ...] = ()
    auth: Auth = field(default_factory=Auth)
    links: tuple[Link, ...] = ()
    template: TemplateMatch | None = None
    advice: Advice | None = None
    summary: str = ""
    """One line for a support agent: the status and the strongest reasons."""
    subject: str | None = field(default=None, repr=False)
    message_id: str | None = field(default=None, repr=False)

    @property
    def flagged(self) -> bool:
        return self.status.flagged

    def codes(self) -> tuple[str, ...]:
        """The finding codes, in order, for quick assertions and logs."""
        return tuple(f.code for f in self.findings)

    def authentication_results(self, authserv_id: str, *, linesep: str = "\r\n") -> str:
        """The ``Authentication-Results`` value a gateway with this authserv-id would add.

        Only results trustcheck checked itself are stated (RFC 8601 §5: a
        receiver reports what it evaluated); trusted upstream results already
        have their own header. With nothing checked the value says ``none``.
        """
        from trustcheck.auth.authres import format_authentication_results

        mine = [m for m in self.auth.methods() if m.source is ResultSource.CHECKED]
        return format_authentication_results(authserv_id, mine, linesep=linesep)

    def to_dict(self) -> dict[str, JSON]:
        """A JSON-safe dict, the exact shape the CLI's ``--json`` prints."""
        return {
            "status": self.status.value,
            "score": self.score,
            "kind": self.kind,
            "brand": self.brand,
            "summary": self.summary,
            "subject": self.subject,
            "message_id": self.message_id,
            "findings": [f.to_dict() for f in self.findings],
            "auth": self.auth.to_dict(),
            "links": [link.to_dict() for link in self.links],
            "template": None if self.template is None else self.template.to_dict(),
            "advice": None if self.advice is None else self.advice.to_dict(),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def _jsonable(value: Any) -> JSON:
    """Turn dataclasses, enums, tuples, sets, bytes and dates into JSON-safe values."""
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def summarize(status: Status, findings: Iterable[Finding],
              weight: Callable[[Finding], float] | None = None) -> str:
    """One line for a support agent: the status and the two strongest reasons.

    Strongest means most severe, then (given the policy's ``weight``) heaviest;
    ties keep the findings' order.

    >>> summarize(Status.UNVERIFIED, [])
    'unverified: no red flags found.'
    """
    ranked = sorted(
        (f for f in findings if f.severity is not Severity.INFO),
        key=lambda f: (-_SEVERITY_RANK[f.severity], -weight(f) if weight else 0.0),
    )
    if not ranked:
        return f"{status.value}: no red flags found."
    reasons = "; ".join(f.message.rstrip(".") for f in ranked[:2])
    more = f" (+{len(ranked) - 2} more)" if len(ranked) > 2 else ""
    return f"{status.value}: {reasons}{more}."


# --------------------------------------------------------------------------- policy

_RANK = {
    Status.UNVERIFIED: 0,
    Status.AUTHENTIC: 0,
    Status.SUSPICIOUS: 1,
    Status.IMPERSONATION: 2,
    Status.PHISHING: 3,
}

#: Weight of a finding whose code has no entry in ``Policy.weights``: the chance,
#: roughly, that a message showing only this finding is malicious.
DEFAULT_SEVERITY_WEIGHTS: Mapping[Severity, float] = {
    Severity.INFO: 0.0,
    Severity.LOW: 0.10,
    Severity.MEDIUM: 0.30,
    Severity.HIGH: 0.60,
    Severity.CRITICAL: 0.90,
}


#: Findings that decide a status by themselves. A key is a finding code, or
#: ``code@severity`` to force only at that severity. Reasons in docs/verdicts.md.
DEFAULT_FORCED: Mapping[str, Status] = {
    # The From domain is a brand's, and DMARC says that domain did not send it.
    "brand.spoofed_domain": Status.IMPERSONATION,
    # The sender name is a brand, the From domain is not one of the brand's.
    "sender.display_name_brand": Status.IMPERSONATION,
    # The message presents itself as a brand from a domain imitating that brand's name.
    "brand.unrelated_domain@high": Status.IMPERSONATION,
    # Hard evidence of a lure: a link to a look-alike of a registered brand domain, or
    # a link that shows a brand's address and goes elsewhere.
    "link.lookalike@high": Status.PHISHING,
    "link.text_href_mismatch@high": Status.PHISHING,
    # The message copies a registered template of a brand but is not authenticated
    # as that brand (layout and text like the brand's own notification).
    "template.impersonation": Status.IMPERSONATION,
    # SMS: the text presents itself as a brand that registered its senders, and this
    # sender is not one of them (Coupang: "only 1577-7011").
    "sms.unregistered_sender@high": Status.IMPERSONATION,
    # A sender ID spelling a brand with look-alike characters: nobody does that by accident.
    "sms.sender_confusable": Status.IMPERSONATION,
    # A domestic brand's message that the carrier marked as sent from abroad.
    "sms.foreign_origin_domestic_brand": Status.IMPERSONATION,
    # A link to an Android package in an SMS is how smishing malware spreads.
    "lure.apk@high": Status.PHISHING,
}


#: Per-code weights that differ from the severity default. A key is a code, or
#: ``code@severity`` for that code at that severity only (looked up first).
#: One cue alone stays below ``suspicious_at`` (30) unless it is hard evidence;
#: two independent cues reach it. Reasons in docs/verdicts.md ("Weights").
DEFAULT_WEIGHTS: Mapping[str, float] = {
    # Stored mail always fails DNS now; a DNS outage is not evidence of fraud.
    "auth.temperror": 0.0,
    # Nothing authenticates the sender (no SPF or DKIM pass, no DMARC record) by a
    # check that did complete: bulk senders must authenticate since 2024 (Gmail,
    # Yahoo), throwaway senders skip it. Low alone; with one lure it reaches 30.
    "auth.unauthenticated": 0.13,
    # Microsoft 365's composite authentication failed (implicit authentication,
    # compauth reason 001): the same cue as auth.unauthenticated, judged by the receiver.
    "auth.composite_fail": 0.13,
    # Many newsletter links leave a brand's domains; one such link is barely a cue.
    "link.off_brand": 0.05,
    # Newsletters embed search boxes that submit elsewhere; a cue, not a lure.
    "link.form_action_external": 0.15,
    # Saved web pages sent as mail carry javascript: links; clients do not run them.
    "link.javascript_uri": 0.20,
    # Intranet and appliance links use bare IPs too; deceptive with a lure.
    "link.ip_literal": 0.20,
    # Shorteners are everywhere in ham; they only hide where a link goes.
    "link.shortener": 0.08,
    # Replies to a free mailbox from an organisation's domain: strong, not alone.
    "sender.reply_to_freemail@medium": 0.25,
    # A lure phrase with something to click, reply or open (credential requests,
    # threats, payment trouble, prizes, advance fees, held parcels).
    "lure.credential@medium": 0.25,
    "lure.threat@medium": 0.22,
    "lure.payment@medium": 0.22,
    "lure.prize@medium": 0.20,
    "lure.advance_fee@medium": 0.22,
    "lure.delivery@medium": 0.20,
    "lure.document@medium": 0.20,
    # Scams that carry no credential lure: romance/adult bait, miracle health
    # products, investment/crypto yields, casino bonuses. Each alone is a pitch.
    "lure.adult@medium": 0.20,
    "lure.health@medium": 0.20,
    "lure.investment@medium": 0.20,
    "lure.gambling@medium": 0.20,
    # A payment notice from a free mailbox with a number to call (content/callback.py):
    # three cues in one, enough for suspicious alone; no shop sends receipts from Gmail.
    "lure.callback@medium": 0.30,
    # Deadline pressure is common in marketing: weaker than the other families.
    "lure.urgency@medium": 0.15,
    # The same phrases with nothing to act on: background only.
    "lure.credential@low": 0.08,
    "lure.threat@low": 0.08,
    "lure.payment@low": 0.08,
    "lure.prize@low": 0.05,
    "lure.advance_fee@low": 0.10,
    "lure.delivery@low": 0.05,
    "lure.document@low": 0.05,
    "lure.urgency@low": 0.05,
    "lure.adult@low": 0.05,
    "lure.health@low": 0.05,
    "lure.investment@low": 0.05,
    "lure.gambling@low": 0.05,
    # Words written to dodge filters: ham has no reason to do this.
    "content.disguised_text.mixed_script": 0.25,
    "content.disguised_text.invisible": 0.25,
    "content.disguised_text.bidi": 0.25,
    "content.disguised_text.math_letters": 0.20,
    # Paragraphs of CSS-hidden words poison filters; a preheader line stays below.
    "content.hidden_text": 0.25,
    # A body that is pictures and a link keeps its words away from text filters;
    # some promotions do this too, so it is a weak cue.
    "content.image_only": 0.15,
    # Mass mail that knows only the recipient's address.
    "content.address_greeting": 0.20,
    "content.recipient_in_subject": 0.15,
    # A From domain that cannot exist on the Internet (no public suffix).
    "content.sender_domain_invalid": 0.25,
    # The trusted receiver had to write the Message-ID: the sender sent none
    # (RFC 5322 §3.6.4 SHOULD). Hygiene, not deception: below a lure's weight.
    "header.message_id_by_receiver": 0.15,
    # The trusted provider's own spam filter junked the message (auth/junk.py).
    # It also junks genuine mail, so alone it stays below suspicious; next to
    # any other cue it tips the balance. High-confidence spam/phishing weighs more.
    "receiver.junk@low": 0.15,
    "receiver.junk@medium": 0.25,
    # Traces of a throwaway bulk sender (content/bulk.py): a machine-made From
    # mailbox, links that all lead away from the sender with no unsubscribe header.
    # Brands rarely do either; each alone stays unverified, two together or one
    # with a lure reach suspicious.
    "content.sender_random_local_part": 0.15,
    "content.links_unrelated": 0.20,
    # Answers requested at a free mailbox named in the text, not the sender's.
    "content.reply_elsewhere": 0.10,
    # Harmless on its own (some clients write it); a cue next to others.
    "content.display_name_is_address": 0.05,
    # A password field inside an e-mail: no legitimate sender asks this way.
    "content.password_form": 0.60,
    # Files that run code or hide their type when opened.
    "attachment.double_extension": 0.80,
    "attachment.executable": 0.60,
    "attachment.html": 0.25,
    "attachment.macro": 0.25,
    "attachment.archive": 0.10,
}


@dataclass(frozen=True, slots=True)
class Combination:
    """Findings that decide a status together: one match from each group.

    A pattern is a code (``link.userinfo``) or a prefix (``lure.*``), with an
    optional ``@severity`` meaning "at this severity or above".
    """

    name: str
    groups: tuple[tuple[str, ...], ...]
    status: Status
    why: str = ""

    def matches(self, findings: Iterable[Finding]) -> bool:
        found = tuple(findings)
        return all(any(_pattern_matches(p, f) for p in group for f in found)
                   for group in self.groups)


def _pattern_matches(pattern: str, finding: Finding) -> bool:
    code, _, severity = pattern.partition("@")
    if code.endswith("*"):
        if not finding.code.startswith(code[:-1]):
            return False
    elif finding.code != code:
        return False
    return not severity or _SEVERITY_RANK[finding.severity] >= _SEVERITY_RANK[Severity(severity)]


#: Combination rules. Reasons in docs/verdicts.md ("Combinations").
DEFAULT_COMBINATIONS: tuple[Combination, ...] = (
    Combination(
        "lure_with_deception",
        (("lure.*@medium",),
         ("link.ip_literal", "link.userinfo", "link.text_href_mismatch@medium",
          "link.lookalike@medium", "link.data_uri", "link.javascript_uri",
          "content.disguised_text.*", "content.hidden_text", "content.password_form",
          "content.sender_domain_invalid",
          "attachment.double_extension", "attachment.executable", "attachment.html")),
        Status.PHISHING,
        "a lure that asks for action, plus a deceptive link, disguised or hidden text, an "
        "impossible sender domain or a dangerous attachment",
    ),
    Combination(
        "two_lures",
        (("lure.credential@medium", "lure.threat@medium", "lure.payment@medium",
          "lure.prize@medium", "lure.advance_fee@medium", "lure.delivery@medium",
          "lure.document@medium"),
         ("lure.urgency@medium", "content.address_greeting", "content.recipient_in_subject",
          "sender.reply_to_freemail", "content.reply_elsewhere",
          "sender.display_name_address")),
        Status.SUSPICIOUS,
        "a lure that asks for action, sent with deadline pressure, as mass mail, or answered "
        "at someone else's free mailbox",
    ),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Turns findings into a status and a score. Every number here is configurable.

    The score combines finding weights like independent pieces of evidence:
    ``100 * (1 - prod(1 - w))``, so two medium findings weigh more than one
    but never reach 100. Each code counts once, at its heaviest finding: ten
    off-brand links are one mechanism, not ten independent pieces of evidence.
    A weight comes from ``weights`` (``code@severity``, then ``code``; defaults
    in :data:`DEFAULT_WEIGHTS`), else from ``severity_weights``. The status is
    the highest of

    * the status a finding code forces (``forced``: e.g. ``brand.impersonation``
      forces ``impersonation``),
    * the status a :class:`Combination` of findings decides (``combinations``:
      e.g. a lure plus a deceptive link is ``phishing``), and
    * the status the score reaches (``phishing_at``, ``suspicious_at``);

    and is ``authentic`` only when a code in ``authentic_codes`` is present and
    nothing else flags the message.

    ``phishing`` means a lure with hard evidence, so a score past ``phishing_at``
    gives ``phishing`` only when a lure finding (a code starting with one of
    ``lure_prefixes``, at medium severity or above) is among the findings;
    otherwise the message is ``suspicious`` (or the forced ``impersonation``).
    Codes in ``never_phishing`` never count towards that score: a DNS failure
    (``auth.temperror``) is not evidence of fraud, and another filter's verdict
    (``receiver.junk``) can make a message suspicious but is not the hard
    evidence ``phishing`` names.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    forced: Mapping[str, Status] = field(default_factory=lambda: dict(DEFAULT_FORCED))
    severity_weights: Mapping[Severity, float] = field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_WEIGHTS)
    )
    suspicious_at: int = 30
    phishing_at: int = 70
    authentic_codes: frozenset[str] = frozenset({"brand.authenticated"})
    never_phishing: frozenset[str] = frozenset({"auth.temperror", "receiver.junk"})
    lure_prefixes: tuple[str, ...] = ("link.", "lure.", "content.", "attachment.",
                                      "template.slot")
    combinations: tuple[Combination, ...] = DEFAULT_COMBINATIONS

    def weight(self, finding: Finding) -> float:
        """The finding's weight: ``code@severity``, else ``code``, else its severity's."""
        w = self.weights.get(f"{finding.code}@{finding.severity.value}")
        if w is None:
            w = self.weights.get(finding.code)
        if w is None:
            w = self.severity_weights.get(finding.severity, 0.0)
        return min(max(w, 0.0), 1.0)

    def score(self, findings: Iterable[Finding]) -> int:
        """``100 * (1 - prod(1 - w))`` over codes, each code counted once at its heaviest."""
        heaviest: dict[str, float] = {}
        for f in findings:
            heaviest[f.code] = max(heaviest.get(f.code, 0.0), self.weight(f))
        keep = 1.0
        for w in heaviest.values():
            keep *= 1.0 - w
        return round(100 * (1.0 - keep))

    def decide(self, findings: Iterable[Finding]) -> tuple[Status, int]:
        """Return ``(status, score)`` for these findings."""
        findings = tuple(findings)
        score = self.score(findings)
        status = Status.UNVERIFIED
        for f in findings:
            forced = self.forced.get(f"{f.code}@{f.severity.value}") or self.forced.get(f.code)
            if forced is not None and _RANK[forced] > _RANK[status]:
                status = forced
        for combo in self.combinations:
            if _RANK[combo.status] > _RANK[status] and combo.matches(findings):
                status = combo.status
        if score >= self.phishing_at:
            evidence = [f for f in findings if f.code not in self.never_phishing]
            lure = any(f.code.startswith(self.lure_prefixes)
                       and _SEVERITY_RANK[f.severity] >= _SEVERITY_RANK[Severity.MEDIUM]
                       for f in findings)
            by_score = (Status.PHISHING if lure and self.score(evidence) >= self.phishing_at
                        else Status.SUSPICIOUS)
        elif score >= self.suspicious_at:
            by_score = Status.SUSPICIOUS
        else:
            by_score = Status.UNVERIFIED
        if _RANK[by_score] > _RANK[status]:
            status = by_score
        if status is Status.UNVERIFIED and any(f.code in self.authentic_codes for f in findings):
            status = Status.AUTHENTIC
        return status, score

    # -- loading

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        """Build a policy from a mapping with the keys of a policy file (see docs/verdicts.md)."""
        known = {"weights", "forced", "severity_weights", "thresholds", "authentic_codes",
                 "never_phishing", "lure_prefixes", "combinations"}
        unknown = set(data) - known
        if unknown:
            msg = f"Unknown policy keys {sorted(unknown)}; expected some of {sorted(known)}."
            raise ConfigError(msg)
        base = cls()
        try:
            weights = {str(k): float(v) for k, v in dict(data.get("weights", {})).items()}
            forced = {str(k): Status(v) for k, v in dict(data.get("forced", {})).items()}
            sev = dict(base.severity_weights)
            sev.update({Severity(k): float(v)
                        for k, v in dict(data.get("severity_weights", {})).items()})
            thresholds = dict(data.get("thresholds", {}))
            suspicious_at = int(thresholds.get("suspicious", base.suspicious_at))
            phishing_at = int(thresholds.get("phishing", base.phishing_at))
            combinations = (base.combinations if "combinations" not in data
                            else tuple(_combination(c) for c in data["combinations"]))
        except (TypeError, ValueError, KeyError) as exc:
            msg = f"Invalid policy value: {exc}."
            raise ConfigError(msg) from exc
        if not 0 < suspicious_at <= phishing_at <= 100:
            msg = (f"Policy thresholds must satisfy 0 < suspicious ({suspicious_at}) <= "
                   f"phishing ({phishing_at}) <= 100.")
            raise ConfigError(msg)
        return cls(
            weights={**base.weights, **weights},
            forced={**base.forced, **forced},
            severity_weights=sev,
            suspicious_at=suspicious_at,
            phishing_at=phishing_at,
            authentic_codes=frozenset(data.get("authentic_codes", base.authentic_codes)),
            never_phishing=frozenset(data.get("never_phishing", base.never_phishing)),
            lure_prefixes=tuple(data.get("lure_prefixes", base.lure_prefixes)),
            combinations=combinations,
        )

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Load a policy from a ``.toml``, ``.yaml`` or ``.yml`` file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"Cannot read policy file {path}: {exc.strerror}."
            raise ConfigError(msg) from exc
        try:
            if path.suffix == ".toml":
                data: Any = tomllib.loads(text)
            else:
                data = yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            msg = f"Policy file {path} is not valid {path.suffix.lstrip('.').upper()}: {exc}"
            raise ConfigError(msg) from exc
        if not isinstance(data, Mapping):
            msg = f"Policy file {path} must hold a table/mapping at the top level."
            raise ConfigError(msg)
        return cls.from_mapping(data)


def _combination(data: Any) -> Combination:
    """One ``combinations`` entry of a policy file: ``{name, all_of: [[...], ...], status}``."""
    if not isinstance(data, Mapping):
        msg = f"a combination must be a table, not {data!r}"
        raise ValueError(msg)
    groups = tuple(tuple(str(p) for p in group) for group in data["all_of"])
    for group in groups:
        for pattern in group:
            severity = pattern.partition("@")[2]
            if severity:
                Severity(severity)  # ValueError on an unknown severity
    if not groups or not all(groups):
        msg = f"combination {data.get('name')!r} needs non-empty 'all_of' groups"
        raise ValueError(msg)
    return Combination(name=str(data["name"]), groups=groups, status=Status(data["status"]),
                       why=str(data.get("why", "")))

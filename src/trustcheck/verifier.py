"""The high-level entry points: :func:`verify_message` and :class:`Verifier`.

Data flows one way: parse → facts → checks → policy → verdict. Each check is a
pure function of the parsed message, the resolver and the registry; this module
only wires them together and never re-parses the message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.message
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from trustcheck.advice import advise
from trustcheck.auth.authenticate import Envelope, authenticate
from trustcheck.brandcheck import decide_brand
from trustcheck.content import content_findings
from trustcheck.errors import InputError
from trustcheck.identity import claim_brand, sender_findings
from trustcheck.links import analyze_links, collect_links
from trustcheck.message import Limits, ParsedEmail, Sms, parse_email
from trustcheck.registry import Registry
from trustcheck.sms import verify_sms
from trustcheck.templates import TemplateSet, check_email_template
from trustcheck.verdict import Finding, Policy, Severity, Verdict, summarize

if TYPE_CHECKING:
    from trustcheck.dns.base import Resolver

__all__ = ["Envelope", "Verifier", "verify_message"]  # Envelope re-exported for callers

MessageInput = bytes | bytearray | memoryview | str | os.PathLike[str] | email.message.Message


class Verifier:
    """A configured verifier. Build one and reuse it: it caches the registry and DNS.

    >>> from trustcheck.dns import StaticResolver
    >>> v = Verifier(resolver=StaticResolver({}, default="TIMEOUT"))
    >>> v.verify(b"From: a@example.com\\r\\nSubject: hi\\r\\n\\r\\nhello\\r\\n").status
    <Status.UNVERIFIED: 'unverified'>
    """

    def __init__(
        self,
        *,
        registry: Registry | None = None,
        resolver: Resolver | None = None,
        trusted_authserv_ids: Iterable[str] = (),
        trust_microsoft_365: bool = False,
        policy: Policy | None = None,
        limits: Limits | None = None,
        trusted_receivers: Iterable[str] | None = None,
        authserv_id: str = "trustcheck.local",
        dmarc_mode: Literal["dmarcbis", "rfc7489"] = "dmarcbis",
        clock: Callable[[], datetime] | None = None,
        unwrap_forwarded: bool = False,
        templates: TemplateSet | None = None,
    ) -> None:
        self.registry = registry if registry is not None else Registry.default()
        self._resolver = resolver
        self.trusted_authserv_ids = frozenset(a.lower() for a in trusted_authserv_ids)
        self.trust_microsoft_365 = trust_microsoft_365
        self.policy = policy or Policy()
        self.limits = limits or Limits()
        self.trusted_receivers = (None if trusted_receivers is None
                                  else frozenset(r.lower() for r in trusted_receivers))
        self.authserv_id = authserv_id
        self.dmarc_mode = dmarc_mode
        self.unwrap_forwarded = unwrap_forwarded
        self.templates = templates if templates is not None else TemplateSet.empty()
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def resolver(self) -> Resolver:
        """The resolver in use; a caching dnspython resolver unless one was given."""
        if self._resolver is None:
            from trustcheck.dns.caching import CachingResolver

            self._resolver = CachingResolver()
        return self._resolver

    # -- entry points

    def verify(
        self,
        message: MessageInput | Sms,
        /,
        *,
        envelope: Envelope | None = None,
        now: datetime | None = None,
    ) -> Verdict:
        """Verify one e-mail (raw bytes, text, a Message, a path) or an :class:`Sms`."""
        if isinstance(message, Sms):
            return self._verify_sms(message, now=now)
        _check_input(message)
        parsed = parse_email(bytes(message) if isinstance(message, bytearray | memoryview)
                             else message, limits=self.limits)
        return self._verify_email(parsed, envelope=envelope, now=now)

    async def averify(
        self,
        message: MessageInput | Sms,
        /,
        *,
        envelope: Envelope | None = None,
        now: datetime | None = None,
    ) -> Verdict:
        """Like :meth:`verify`, run in a worker thread so an event loop never blocks on DNS."""
        return await asyncio.to_thread(self.verify, message, envelope=envelope, now=now)

    # -- e-mail

    def _verify_email(
        self, parsed: ParsedEmail, *, envelope: Envelope | None, now: datetime | None
    ) -> Verdict:
        if self.unwrap_forwarded and parsed.forwarded:
            return self._verify_forwarded(parsed, now=now)
        registry = self.registry
        findings: list[Finding] = list(parsed.findings)
        outcome = authenticate(
            parsed,
            resolver=self.resolver,
            envelope=envelope,
            now=now or self._clock(),
            trusted_authserv_ids=self.trusted_authserv_ids,
            trust_microsoft_365=self.trust_microsoft_365,
            trusted_receivers=self.trusted_receivers,
            dmarc_mode=self.dmarc_mode,
        )
        findings.extend(outcome.findings)

        author = parsed.from_[0] if parsed.from_ else None
        linkset = collect_links(html=parsed.html, text=parsed.text,
                                limits_max_urls=self.limits.max_urls)
        images = [link.url.rsplit("/", 1)[-1] for link in linkset.links if link.source == "src"]
        claims = claim_brand(
            registry=registry,
            from_domain=author.domain if author else None,
            display_name=author.display_name if author else None,
            reply_to_domains=[a.domain for a in parsed.reply_to if a.domain],
            subject=parsed.subject,
            body=parsed.visible_text,
            image_hints=images,
        )
        list_id, list_post = parsed.header("List-Id"), parsed.header("List-Post")
        findings.extend(sender_findings(
            registry=registry,
            from_address=author.address if author else None,
            display_name=author.display_name if author else None,
            reply_to=[a.address for a in parsed.reply_to],
            return_path=parsed.return_path,
            list_id=list_id,
            list_post=list_post,
            subject=parsed.subject,
            claims=claims,
        ))
        decision = decide_brand(registry=registry, claims=claims, outcome=outcome,
                                mailing_list=bool(list_id or list_post),
                                from_address=author.address if author else None)
        findings.extend(decision.findings)
        authenticated = any(f.code == "brand.authenticated" for f in decision.findings)
        brand_id = decision.brand.id if decision.brand is not None else None
        links, link_findings = analyze_links(linkset.links, registry=registry,
                                             claimed_brand=brand_id)
        findings.extend(linkset.findings)
        findings.extend(link_findings)
        template = check_email_template(
            parsed, templates=self.templates, brand=decision.brand,
            authenticated=authenticated,
            links=links,
        )
        findings.extend(template.findings)
        brand = decision.brand or (registry.get(template.brand_id) if template.brand_id else None)
        brand_id = brand.id if brand is not None else None
        findings.extend(content_findings(
            parsed, links=links, brand=brand,
            authenticated=authenticated,
        ))

        status, score = self.policy.decide(findings)
        return Verdict(
            status=status,
            score=score,
            kind="email",
            brand=brand_id,
            findings=tuple(findings),
            auth=outcome.auth,
            links=links,
            template=template.match,
            summary=summarize(status, findings, self.policy.weight),
            advice=advise(status, brand=brand, language=parsed.language),
            subject=parsed.subject,
            message_id=parsed.message_id,
        )

    def _verify_forwarded(self, parsed: ParsedEmail, *, now: datetime | None) -> Verdict:
        """Verify the first forwarded original instead of the forward around it."""
        original = parsed.forwarded[0]
        inner = self._verify_email(original, envelope=None, now=now)
        forwarder = parsed.from_[0].address if parsed.from_ else None
        note = Finding(
            "message.forwarded_original", Severity.INFO,
            f"Verified the message forwarded by {forwarder or 'the sender'}, not the forward.",
            {"forwarded_by": forwarder, "originals": len(parsed.forwarded)},
        )
        findings = (note, *inner.findings)
        status, score = self.policy.decide(findings)
        return dataclasses.replace(inner, findings=findings, status=status, score=score,
                                   summary=summarize(status, findings, self.policy.weight))

    # -- SMS

    def _verify_sms(self, sms: Sms, *, now: datetime | None) -> Verdict:
        return verify_sms(sms, registry=self.registry, policy=self.policy,
                          templates=self.templates, now=now)


def _check_input(message: object) -> None:
    if not isinstance(
        message, bytes | bytearray | memoryview | str | os.PathLike | email.message.Message
    ):
        msg = (f"Cannot verify a {type(message).__name__}: pass raw bytes, text, a path, "
               "an email.message.Message or an Sms.")
        raise InputError(msg)


_DEFAULT_VERIFIER: Verifier | None = None


def verify_message(
    message: MessageInput | Sms,
    /,
    *,
    envelope: Envelope | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Verify one message with the default registry and a caching DNS resolver.

    For repeated use with your own configuration, build a :class:`Verifier`.
    """
    global _DEFAULT_VERIFIER
    if _DEFAULT_VERIFIER is None:
        _DEFAULT_VERIFIER = Verifier()
    return _DEFAULT_VERIFIER.verify(message, envelope=envelope, now=now)

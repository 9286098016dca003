"""Run every authentication method for one parsed e-mail and merge in trusted upstream results.

Two situations, one function:

* **At the gateway** the SMTP envelope is known (:class:`Envelope`): SPF, DKIM,
  ARC and DMARC are checked now, and an upstream result is used only where our
  own check could not complete (``temperror``).
* **Stored mail** (a support tool, long after delivery): no envelope is given.
  It is derived from the Received header the configured trusted receiver added,
  and that receiver's Authentication-Results, written at arrival with the DNS of
  the time, are preferred over a re-check whose keys may since have rotated.

Each result says where it came from (:class:`~trustcheck.auth.results.ResultSource`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from trustcheck.auth.arc import NOT_SEALED, verify_arc
from trustcheck.auth.authres import ArcAuthRecord, TrustedAuthResults, select_trusted_results
from trustcheck.auth.bimi import check_bimi
from trustcheck.auth.dkim import verify_dkim
from trustcheck.auth.dmarc import DmarcResult, check_dmarc
from trustcheck.auth.junk import microsoft_junk_finding
from trustcheck.auth.received import derive_envelope, receiver_written_message_id
from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.auth.spf import SpfResult, check_spf
from trustcheck.dns.base import Resolver
from trustcheck.message import ParsedEmail
from trustcheck.verdict import Auth, Finding, MethodResult, Severity

__all__ = ["AuthOutcome", "Envelope", "authenticate"]

_DMARC_P = re.compile(r"(?:^|\s)p=(none|quarantine|reject)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the SMTP session said, which the message itself cannot prove.

    A gateway knows all three; a support tool looking at stored mail usually
    knows none and lets trustcheck derive them from a trusted Received header.
    """

    ip: str | None = None
    """The SMTP client's IP address (RFC 7208 §4.1 ``<ip>``)."""
    helo: str | None = None
    """The HELO/EHLO name the client gave."""
    mail_from: str | None = None
    """The MAIL FROM reverse-path, without angle brackets; ``""`` for the null path."""


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    """Authentication of one message, ready for the brand decision."""

    auth: Auth
    findings: tuple[Finding, ...]
    from_domain: str | None
    """The single RFC 5322.From domain, or None when there is not exactly one."""
    dmarc_pass: bool
    """An aligned DMARC pass for ``from_domain`` (checked now or trusted upstream)."""
    complete: bool
    """False when DMARC could not be concluded (temperror, or nothing to check it with)."""
    envelope: Envelope | None
    envelope_source: Literal["given", "received", "none"]
    dkim_domains_passing: tuple[str, ...]
    """d= of every DKIM signature that passed, aligned or not."""
    original: ArcAuthRecord | None = None
    """What the oldest trusted ARC intermediary recorded for the From domain, when the
    chain validates (RFC 8617 §7.2): the authentication before any relaying."""


def authenticate(
    parsed: ParsedEmail,
    *,
    resolver: Resolver,
    envelope: Envelope | None,
    now: datetime,
    trusted_authserv_ids: Collection[str] = (),
    trust_microsoft_365: bool = False,
    trusted_receivers: Collection[str] | None = None,
    dmarc_mode: Literal["dmarcbis", "rfc7489"] = "dmarcbis",
) -> AuthOutcome:
    """Check SPF, every DKIM signature, ARC, DMARC and BIMI; merge trusted upstream results."""
    findings: list[Finding] = []
    trusted = select_trusted_results(
        parsed.headers,
        trusted_authserv_ids=trusted_authserv_ids,
        trust_microsoft_365=trust_microsoft_365,
        trusted_receivers=trusted_receivers,
    )
    findings.extend(trusted.findings)

    source: Literal["given", "received", "none"] = "given"
    receivers = trusted_receivers if trusted_receivers is not None else trusted_authserv_ids
    trust_configured = bool(trusted_authserv_ids or trusted_receivers or trust_microsoft_365)
    if trust_configured:
        findings.extend(_message_id_findings(parsed, receivers, trust_microsoft_365))
    if trust_microsoft_365:
        junk = microsoft_junk_finding(parsed.headers)
        if junk is not None:
            findings.append(junk)
    if envelope is None:
        derived = None
        if trust_configured:
            derived = derive_envelope(
                parsed.headers,
                trusted_receivers=receivers,
                trust_microsoft_365=trust_microsoft_365,
            )
        if derived is not None and derived.ip:
            envelope = Envelope(ip=derived.ip, helo=derived.helo, mail_from=derived.mail_from)
            source = "received"
        else:
            source = "none"
    stored = source != "given"

    from_domain = _from_domain(parsed, findings)

    spf: SpfResult | None = None
    if envelope is not None and envelope.ip:
        mail_from = envelope.mail_from if envelope.mail_from is not None else (
            parsed.return_path or "")
        spf = check_spf(ip=envelope.ip, mail_from=mail_from, helo=envelope.helo or "",
                        resolver=resolver)
    # Most mail carries no ARC chain and much carries no signature: skip the
    # byte-level work then (the results would be "none" and empty anyway).
    dkim = (verify_dkim(parsed.raw, resolver=resolver, now=now)
            if parsed.header("DKIM-Signature") is not None else ())
    arc = (verify_arc(parsed.raw, resolver=resolver, now=now)
           if parsed.header("ARC-Seal") is not None or parsed.header("ARC-Message-Signature")
           else NOT_SEALED)
    dmarc: DmarcResult | None = None
    if from_domain is not None:
        dmarc = check_dmarc(from_domain=from_domain, spf=spf, dkim=dkim, resolver=resolver,
                            mode=dmarc_mode)

    spf_mr = spf.to_method_result() if spf is not None else None
    dkim_mr = tuple(d.to_method_result() for d in dkim)
    arc_mr = arc.to_method_result() if arc.result is not AuthWord.NONE or arc.instances else None
    dmarc_mr = dmarc.to_method_result() if dmarc is not None else None
    merged_spf = _pick(spf_mr, trusted.spf, prefer_upstream=stored)
    merged_dkim = _pick_dkim(dkim_mr, trusted.dkim, prefer_upstream=stored)
    merged_arc = _pick(arc_mr, trusted.arc, prefer_upstream=stored)
    upstream_dmarc = _trusted_dmarc_for(trusted, from_domain)
    merged_dmarc = _pick(dmarc_mr, upstream_dmarc, prefer_upstream=stored)
    if merged_spf is None and spf is None:
        merged_spf = MethodResult("spf", AuthWord.NONE, ResultSource.NOT_CHECKABLE,
                                  reason="no SMTP envelope: client IP unknown")

    bimi_mr = None
    if (dmarc is not None and dmarc.result is AuthWord.PASS and from_domain is not None):
        bimi = check_bimi(
            from_domain=from_domain,
            dmarc_result=dmarc.result,
            dmarc_policy=dmarc.policy.value if dmarc.policy is not None else None,
            dmarc_pct=dmarc.record.pct if dmarc.record is not None else None,
            aligned_dkim_pass=bool(dmarc.aligned_dkim),
            resolver=resolver,
            org_domain=dmarc.org_domain,
        )
        bimi_mr = bimi.to_method_result()

    auth = Auth(spf=merged_spf, dkim=merged_dkim, dmarc=merged_dmarc, arc=merged_arc,
                bimi=bimi_mr)
    dmarc_word = merged_dmarc.result if merged_dmarc is not None else None
    findings.extend(_findings(
        auth, from_domain,
        mailing_list=bool(parsed.header("List-Id") or parsed.header("List-Post"))))
    original = _original(trusted, arc_checked=arc.result, arc_final=merged_arc,
                         from_domain=from_domain)
    if original is not None:
        findings.extend(_original_findings(original, merged_dmarc))
    passing = tuple(
        d.properties.get("header.d", "") for d in merged_dkim
        if d.result is AuthWord.PASS and d.properties.get("header.d")
    )
    return AuthOutcome(
        auth=auth,
        findings=tuple(findings),
        from_domain=from_domain,
        dmarc_pass=dmarc_word is AuthWord.PASS,
        complete=dmarc_word not in (None, AuthWord.TEMPERROR),
        envelope=envelope,
        envelope_source=source,
        dkim_domains_passing=passing,
        original=original,
    )


def _from_domain(parsed: ParsedEmail, findings: list[Finding]) -> str | None:
    """RFC 7489 §6.6.1: DMARC needs exactly one author domain."""
    domains = sorted({a.domain for a in parsed.from_ if a.domain})
    if len(domains) == 1:
        return domains[0]
    if not domains:
        findings.append(Finding(
            "header.no_from_domain", Severity.MEDIUM,
            "The message has no usable From address, so no domain can be authenticated.",
            {"from": [a.address for a in parsed.from_]},
        ))
    else:
        findings.append(Finding(
            "header.multiple_from_domains", Severity.MEDIUM,
            f"The From header names several domains ({', '.join(domains)}); "
            "DMARC cannot tell which one the message speaks for (RFC 7489 §6.6.1).",
            {"domains": domains},
        ))
    return None


def _conclusive(result: MethodResult | None) -> bool:
    return result is not None and result.result not in (AuthWord.TEMPERROR,) and (
        result.source is not ResultSource.NOT_CHECKABLE)


def _pick(checked: MethodResult | None, upstream: MethodResult | None, *,
          prefer_upstream: bool) -> MethodResult | None:
    if upstream is not None and (prefer_upstream or not _conclusive(checked)):
        return upstream
    return checked


def _pick_dkim(checked: Sequence[MethodResult], upstream: Sequence[MethodResult], *,
               prefer_upstream: bool) -> tuple[MethodResult, ...]:
    if upstream and (prefer_upstream or not any(_conclusive(c) for c in checked)):
        return tuple(upstream)
    return tuple(checked)


def _trusted_dmarc_for(trusted: TrustedAuthResults, from_domain: str | None) -> MethodResult | None:
    """An upstream DMARC result counts only when it speaks of this message's From domain."""
    result = trusted.dmarc
    if result is None or from_domain is None:
        return None
    said = result.properties.get("header.from", "").strip().lower().rstrip(".")
    if said and said != from_domain:
        return None
    if not said:
        return replace(result, properties={**result.properties, "header.from": from_domain})
    return result


def _message_id_findings(parsed: ParsedEmail, receivers: Collection[str],
                         trust_microsoft_365: bool) -> list[Finding]:
    """``header.message_id_by_receiver``: a trusted hop had to write the Message-ID."""
    found = receiver_written_message_id(parsed.message_id, parsed.headers,
                                        trusted_receivers=receivers,
                                        trust_microsoft_365=trust_microsoft_365)
    if found is None:
        return []
    index, hop = found
    return [Finding(
        "header.message_id_by_receiver", Severity.LOW,
        f"The receiving host {hop.by} had to write the Message-ID: the sender "
        f"{hop.helo or hop.rdns or hop.ip} sent none (RFC 5322 §3.6.4).",
        {"message_id": parsed.message_id, "by": hop.by, "from_helo": hop.helo,
         "from_ip": hop.ip, "header_index": index},
    )]


def _original(trusted: TrustedAuthResults, *, arc_checked: AuthWord,
              arc_final: MethodResult | None, from_domain: str | None) -> ArcAuthRecord | None:
    """The oldest trusted intermediary's record for ``from_domain``, if the chain validates.

    RFC 8617 §7.2 lets a receiver use the ARC-Authentication-Results of
    intermediaries it trusts, but only through a chain that validates: the
    trusted receiver's ``arc=pass`` (written at arrival) or our own check.
    A record about another From domain says nothing about this message's author.
    """
    if from_domain is None or not trusted.arc_records:
        return None
    chain_ok = arc_checked is AuthWord.PASS or (
        arc_final is not None and arc_final.result is AuthWord.PASS)
    if not chain_ok:
        return None
    for record in trusted.arc_records:  # oldest first
        if record.header_from == from_domain:
            return record
    return None


def _original_findings(original: ArcAuthRecord, final: MethodResult | None) -> list[Finding]:
    """``auth.original_fail``: DMARC failed where the message first entered trusted hands.

    The pattern: a sender's own IP fails DMARC at a provider's first inbound edge,
    a tenant there relays it on through the provider's outbound servers, and the
    final receiver sees an SPF/DMARC pass (the From domain authorises the
    provider). ARC exists so that the *first* result survives such relaying
    (RFC 8617 §1). Only ``fail`` counts: a DNS problem (``temperror``) is never
    a failure, and a first pass is the forwarding case ARC was made for. When
    the final result fails too, ``auth.dmarc_fail`` already says so.
    """
    first = original.dmarc
    if first is None or first.result is not AuthWord.FAIL:
        return []
    if final is not None and final.result is AuthWord.FAIL:
        return []
    final_word = final.result.value if final is not None else None
    dkim_words: list[str] = [d.result.value for d in original.dkim]
    spf_word = original.spf.result.value if original.spf is not None else None
    via = f" from {original.client_ip}" if original.client_ip else ""
    policy = _dmarc_policy(first)
    after = ("it passed only after being relayed" if final_word == "pass"
             else f"the final hop saw {final_word or 'none'}")
    return [Finding(
        "auth.original_fail", Severity.MEDIUM,
        f"DMARC failed for {original.header_from} at the first trusted hop "
        f"({original.authserv_id}{via}, ARC i={original.instance}); {after}.",
        {"instance": original.instance, "authserv_id": original.authserv_id,
         "seal_domain": original.seal_domain, "spf": spf_word, "dkim": list(dkim_words),
         "dmarc": first.result.value, "header_from": original.header_from,
         "client_ip": original.client_ip, "policy": policy, "final_dmarc": final_word},
    )]


def _dmarc_policy(result: MethodResult) -> str | None:
    """The From domain's policy as the checker read it: ``policy.dmarc`` (RFC 7489 §11.2),
    or Microsoft 365's comment ``dmarc=fail (p=reject sp=reject pct=100)``."""
    return result.properties.get("policy.dmarc") or next(
        (m.group(1).lower() for c in result.details.get("comments") or []
         if isinstance(c, str) for m in [_DMARC_P.search(c)] if m), None)


def _findings(auth: Auth, from_domain: str | None, *, mailing_list: bool) -> list[Finding]:
    out: list[Finding] = []
    d = auth.dmarc
    if d is not None and d.result is AuthWord.FAIL:
        policy = _dmarc_policy(d) or "none"
        # Lists rewrite messages and break DKIM (RFC 7960 §3.2): a failure there is
        # expected, and a p=none domain has said it does not stand behind its mail.
        severe = policy in ("reject", "quarantine") and not mailing_list
        out.append(Finding(
            "auth.dmarc_fail",
            Severity.HIGH if severe else Severity.LOW if mailing_list else Severity.MEDIUM,
            f"DMARC fails for {from_domain}: neither SPF nor any DKIM signature is aligned "
            f"with the From domain (the domain's policy is p={policy}).",
            {"from_domain": from_domain, "policy": policy, "source": d.source.value},
        ))
    temp = [m.method for m in auth.methods() if m.result is AuthWord.TEMPERROR]
    if temp:
        out.append(Finding(
            "auth.temperror", Severity.LOW,
            f"Authentication could not complete: DNS did not answer for {', '.join(temp)} "
            "(a temporary error, not evidence of fraud).",
            {"methods": temp},
        ))
    if (d is None or d.result is AuthWord.NONE) and not any(
            m.result is AuthWord.PASS for m in (*auth.dkim, *([auth.spf] if auth.spf else []))):
        out.append(Finding(
            "auth.unauthenticated", Severity.LOW,
            "Nothing authenticates the sender: no SPF pass, no valid DKIM signature, "
            "no DMARC record.",
            {"from_domain": from_domain},
        ))
    elif d is not None and d.result is not AuthWord.FAIL:
        # Microsoft's composite authentication (compauth) also judges senders without a
        # DMARC policy ("implicit" authentication, reason 001): a fail there is the
        # trusted receiver saying it could not tie the message to its From domain.
        # Not reported next to auth.unauthenticated or a DMARC fail, which say as much.
        compauth = d.details.get("compauth")
        if isinstance(compauth, dict) and compauth.get("result") == "fail":
            reason = compauth.get("reason")
            out.append(Finding(
                "auth.composite_fail", Severity.LOW,
                f"The trusted receiver's composite authentication failed for {from_domain} "
                f"(compauth=fail reason={reason}): it could not tie the message to its From "
                "domain.",
                {"from_domain": from_domain, "reason": reason, "dmarc": d.result.value},
            ))
    out.extend(
        Finding(
            "auth.dkim_body_length", Severity.LOW,
            f"The DKIM signature of {m.properties.get('header.d')} covers only part of the "
            "body (l= tag): text after it could have been added by anyone (RFC 6376 §8.2).",
            {"domain": m.properties.get("header.d"),
             "unsigned_bytes": m.details.get("unsigned_body_bytes")},
        )
        for m in auth.dkim if m.details.get("body_length_limited")
    )
    if auth.arc is not None and auth.arc.result is AuthWord.FAIL:
        out.append(Finding(
            "auth.arc_fail", Severity.LOW,
            f"The ARC chain is broken ({auth.arc.reason or 'a seal or signature fails'}).",
            {"reason": auth.arc.reason},
        ))
    return out

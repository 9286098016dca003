"""Is the brand the message claims the brand that sent it?

:mod:`trustcheck.identity` says which brand a message claims and flags sender
names and Reply-To addresses that do not fit. This module adds the one question
only authentication can answer: when the From domain *is* a registered brand
domain, did that domain really send the message?

=========================  ========  =============================================
code                       severity  when
=========================  ========  =============================================
``brand.authenticated``    info      DMARC passes for a brand domain (or, with no
                                     DMARC result, a DKIM signature of the brand does)
``brand.spoofed_domain``   high      the From domain is the brand's and DMARC fails
``brand.list_dmarc_fail``  low       the same, on a mailing list message: lists
                                     rewrite messages and break DKIM (RFC 7960 §3.2)
``brand.unverifiable``     medium    a brand domain whose mail could not be
                                     authenticated (DNS failed, or no DMARC and no
                                     brand signature), when the message speaks *as*
                                     the brand: a role address (``no-reply@``,
                                     ``billing@``) or the brand named in the sender
                                     name or subject — the design's ``suspicious``;
                           low       the same for a person writing from a company
                                     address (``jane.doe@google.com`` on a mailing
                                     list): mail from an employee, not a notification
=========================  ========  =============================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trustcheck.auth.authenticate import AuthOutcome
from trustcheck.auth.results import AuthWord
from trustcheck.identity import BrandClaim, is_freemail
from trustcheck.registry import Brand, Registry
from trustcheck.verdict import Finding, Severity

__all__ = ["CLAIM_THRESHOLD", "BrandDecision", "decide_brand"]

#: A claim at least this strong names the message's brand (identity's own scale).
CLAIM_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class BrandDecision:
    brand: Brand | None
    """The brand the message speaks for: the From domain's owner, else the strongest claim."""
    owner: Brand | None
    """The brand that owns the From domain (never for free-mailbox domains)."""
    findings: tuple[Finding, ...]


def decide_brand(
    *,
    registry: Registry,
    claims: Sequence[BrandClaim],
    outcome: AuthOutcome,
    mailing_list: bool,
    from_address: str | None = None,
) -> BrandDecision:
    """Tie the claimed brand to the authentication outcome."""
    from_domain = outcome.from_domain
    owner = None
    if from_domain and not is_freemail(from_domain):
        owner = registry.brand_for_domain(from_domain)
    top = claims[0] if claims and claims[0].strength >= CLAIM_THRESHOLD else None
    brand = owner or (top.brand if top is not None else None)
    if owner is None:
        return BrandDecision(brand, None, ())
    as_brand = _role_address(from_address) or any(
        c.brand.id == owner.id and c.where & {"display_name", "subject"} for c in claims)
    return BrandDecision(brand, owner,
                         tuple(_owner_findings(owner, outcome, mailing_list, as_brand)))


#: Local parts of addresses that speak for an organisation rather than a person.
_ROLE = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer(?:-daemon)?|postmaster|bounces?|"
    r"info|support|service|services|help|helpdesk|care|contact|hello|team|admin|"
    r"billing|invoices?|receipts?|payments?|orders?|shipping|delivery|accounts?|"
    r"security|alerts?|notifications?|notify|notices?|news|newsletters?|updates?|"
    r"verify|verification|customer[-_.]?\w*|members?(?:hip)?|marketing|promo\w*|"
    r"offers?|rewards?|auto[-_.]?confirm|confirm\w*|messages?|mail|e?statements?)"
    r"(?:[-_.+]\w*)?$",
    re.IGNORECASE,
)


def _role_address(address: str | None) -> bool:
    """True for role addresses (``no-reply@``, ``billing-kr@``) that speak as the brand.

    >>> _role_address("no_reply@email.apple.com"), _role_address("jane.doe@google.com")
    (True, False)
    """
    if not address or "@" not in address:
        return False
    return _ROLE.match(address.rsplit("@", 1)[0]) is not None


def _owner_findings(owner: Brand, outcome: AuthOutcome, mailing_list: bool,
                    as_brand: bool) -> list[Finding]:
    name = owner.display_name
    domain = outcome.from_domain
    dmarc = outcome.auth.dmarc
    word = dmarc.result if dmarc is not None else None
    source = dmarc.source.value if dmarc is not None else None
    # A pass after relaying through another tenant of the same provider is laundering
    # when the provider's own first hop recorded a DMARC fail (auth.original_fail,
    # RFC 8617 §7.2): the brand's domain did not send the message.
    first = outcome.original.dmarc if outcome.original is not None else None
    if first is not None and first.result is AuthWord.FAIL:
        word, source = AuthWord.FAIL, "trusted_arc"
    elif outcome.dmarc_pass:
        return [Finding(
            "brand.authenticated", Severity.INFO,
            f"Authenticated as {name}: DMARC passes for {domain}"
            + (" (result from the trusted receiving host)." if source == "trusted_upstream"
               else "."),
            {"brand": owner.id, "from_domain": domain, "method": "dmarc", "source": source},
        )]
    brand_signed = [d for d in outcome.dkim_domains_passing if owner.owns_domain(d)]
    if word is AuthWord.FAIL:
        if mailing_list:
            return [Finding(
                "brand.list_dmarc_fail", Severity.LOW,
                f"DMARC fails for {name}'s domain {domain} on a mailing-list message; lists "
                "modify messages and break signatures (RFC 7960), so this is not taken as "
                "spoofing.",
                {"brand": owner.id, "from_domain": domain},
            )]
        return [Finding(
            "brand.spoofed_domain", Severity.HIGH,
            f"The message uses {name}'s own domain {domain} in From, but DMARC fails: "
            f"{domain} did not send it.",
            {"brand": owner.id, "from_domain": domain, "source": source},
        )]
    if brand_signed and word in (None, AuthWord.NONE):
        return [Finding(
            "brand.authenticated", Severity.INFO,
            f"Authenticated as {name}: a valid DKIM signature of {brand_signed[0]} "
            f"({domain} publishes no DMARC policy).",
            {"brand": owner.id, "from_domain": domain, "method": "dkim",
             "dkim_domain": brand_signed[0]},
        )]
    why = ("DNS did not answer and no trusted receiver vouched for it"
           if word in (None, AuthWord.TEMPERROR) or not outcome.complete
           else "there is no DMARC policy and no valid signature of the brand")
    return [Finding(
        "brand.unverifiable", Severity.MEDIUM if as_brand else Severity.LOW,
        f"The message comes from {name}'s domain {domain}"
        + ("" if as_brand else " (a personal address, not a notification)")
        + f", but that could not be verified: {why}.",
        {"brand": owner.id, "from_domain": domain, "dmarc": word.value if word else None},
    )]

"""Traces of throwaway bulk senders, read from the message itself.

Bulk senders that stand behind their mail write from a named mailbox of their
own domain (or their e-mail service provider's), link back to that domain, and
offer an unsubscribe header (RFC 2369 §3.2, one-click per RFC 8058; required of
bulk senders by Gmail and Yahoo since February 2024). Senders who register a
domain for one campaign do none of that: the From address is a random string,
the domain exists only to send, and every link leads somewhere else.

Each trace alone is weak (a person's HTML mail may link only to a news site),
so both findings are LOW and count only next to other evidence (see the
weights in :mod:`trustcheck.verdict`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from trustcheck.auth.authres import read_tags
from trustcheck.identity import is_freemail
from trustcheck.links.analyze import known_trackers
from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand
from trustcheck.registry.names import registrable_domain
from trustcheck.verdict import Finding, Link, Severity

# Case changes in a run of letters: "aUZryvsT", "KmigQSymPHYPBfT".
_CASE_CHANGE = re.compile(r"[a-z](?=[A-Z])|[A-Z](?=[a-z])")
# Words written together: "NinjaAirfryer", "JohnSmith", "McDonald", "iPhone" (each
# capital after the first starts a word of three or more letters). "PREWMosE" is not
# caught and need not be: a rule with few false positives beats one that names
# every campaign.
_WORDLIKE = re.compile(r"[A-Z]?[a-z]*(?:[A-Z][a-z]{2,})*")
_LETTER_DIGIT = re.compile(r"[a-zA-Z](?=[0-9])|[0-9](?=[a-zA-Z])")
# Five consonants in a row occur in few words of the languages our users write
# ("strengths" is one); y and w are left out because they stand for vowels.
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvxz]{5}")
_WEB = ("http://", "https://")


def machine_made_local_part(local: str) -> bool:
    """True when an address's local part looks generated, not chosen by a person.

    Only plain runs of letters and digits of six or more characters are judged:
    people and role mailboxes use names, dots and dashes (``jane.doe``,
    ``no-reply``), and VERP/ID-style locals appear in envelope senders, not in
    From. A run counts as generated when its letter case flips in the middle of
    words (``aUZryvsT``), letters and digits alternate (``7wq1vg3kn9``) or five
    consonants follow each other (``zqhjsw``).
    """
    if len(local) < 6 or not local.isascii() or not local.isalnum():
        return False
    letters = re.sub(r"[0-9]", "", local)
    if (len(letters) >= 5 and not _WORDLIKE.fullmatch(letters)
            and len(_CASE_CHANGE.findall(letters)) / len(letters) >= 0.35):
        return True
    if len(_LETTER_DIGIT.findall(local)) >= 4:
        return True
    return _CONSONANTS.search(local.lower()) is not None


def bulk_findings(parsed: ParsedEmail, links: Sequence[Link],
                  brand: Brand | None = None) -> list[Finding]:
    """``content.sender_random_local_part`` and ``content.links_unrelated`` (both LOW).

    ``brand`` is the registered brand the message claims, if any: when it owns the
    From domain, links to its other domains lead home too (a brand that sends from
    one domain and hosts on another).
    """
    out: list[Finding] = []
    author = parsed.from_[0] if parsed.from_ else None
    if author is None or not author.address or "@" not in author.address:
        return out
    local = author.address.rsplit("@", 1)[0]
    if machine_made_local_part(local):
        out.append(Finding(
            "content.sender_random_local_part", Severity.LOW,
            f"The sender address {author.address} begins with a machine-made string, "
            "not a person's or a department's name.",
            {"from_address": author.address, "local_part": local},
        ))
    finding = _unrelated_links(parsed, links, author.domain, brand)
    if finding is not None:
        out.append(finding)
    return out


def _unrelated_links(parsed: ParsedEmail, links: Sequence[Link], from_domain: str | None,
                     brand: Brand | None) -> Finding | None:
    # Mailing lists carry links to anything, and plain-text mail between people
    # links to whatever it discusses: only HTML mail sent without an unsubscribe
    # header, i.e. bulk mail that does not present itself as bulk mail, is judged.
    # People write HTML too (webmail sends it by default) and link to whatever they
    # talk about: a free mailbox or a reply in a conversation is not bulk mail.
    if not parsed.html or not from_domain or is_freemail(from_domain):
        return None
    if any(parsed.header(h) is not None
           for h in ("List-Unsubscribe", "List-Id", "List-Post", "In-Reply-To")):
        return None
    own = _sender_domains(parsed, from_domain)
    brand_home = brand if brand is not None and brand.owns_domain(from_domain) else None
    trackers = known_trackers()
    away: Counter[str] = Counter()
    for link in links:
        if link.source != "href" or not link.host or not link.url.lower().startswith(_WEB):
            continue
        domain = link.registrable_domain or link.host
        # A subdomain of a sender domain is home too (checked by suffix, so names
        # outside the public suffix list, like intranet hosts, work as well).
        if (domain in own or any(domain.endswith("." + o) for o in own)
                or (brand_home is not None and brand_home.owns_domain(domain))):
            return None  # one link home is enough: the sender stands behind its domain
        if domain not in trackers:  # ESP click wrappers say nothing about the sender
            away[domain] += 1
    if not away:
        return None
    shown = [d for d, _ in away.most_common(5)]
    return Finding(
        "content.links_unrelated", Severity.LOW,
        f"Every link leads away from the sender's domain {from_domain} (to "
        f"{', '.join(shown)}), and the message offers no unsubscribe header as bulk "
        "senders must.",
        {"from_domain": from_domain, "link_domains": shown, "links": sum(away.values())},
    )


def _sender_domains(parsed: ParsedEmail, from_domain: str) -> frozenset[str]:
    """Registrable domains the sender answers for: From, Sender, envelope, DKIM d=."""
    names = [from_domain]
    if parsed.sender is not None and parsed.sender.domain:
        names.append(parsed.sender.domain)
    if parsed.return_path and "@" in parsed.return_path:
        names.append(parsed.return_path.rsplit("@", 1)[1].strip().rstrip(">"))
    # Signatures that may be broken: read leniently, not verified.
    names += [d for d in (read_tags(sig).get("d") for sig in parsed.header_all("DKIM-Signature"))
              if d]
    out: set[str] = set()
    for name in names:
        name = name.strip().lower().rstrip(".")
        out.add(registrable_domain(name) or name)
    return frozenset(out)

"""Received trace fields: parse them, and find where a message entered our trust boundary.

A support tool verifies stored mail long after delivery, so the SMTP envelope
(client IP, HELO, MAIL FROM) is no longer at hand. The trusted receiver wrote
it down in its own ``Received`` header (RFC 5321 §4.4); this module reads it
back from there.

Only the receiver's *own* hop can be believed: every ``Received`` header below
it was written by machines outside our control and may be forged.

Which hop is the entry hop (the rule, shared with :mod:`trustcheck.auth.authres`):

* **Configured receivers** (``trusted_receivers``): host names; a ``by`` host
  matches when it equals one or is a subdomain of one. Scanning from the top
  (newest) header, the first matching hop starts the trusted run; the run
  continues while the following (older) hops are also ``by`` trusted hosts.
  The last hop of the run is the entry hop: its ``from`` part describes the
  outside client. Hops above the first trusted one (local delivery, internal
  relays with IP-literal names such as Gmail's ``by 2002:a05:...``) are
  tolerated because an outsider can never add a header *above* our own.
* **Microsoft 365** (``trust_microsoft_365``): every hop inside Exchange Online
  is ``by`` some ``*.outlook.com`` host, including hops in the *sender's*
  tenant when a message travels M365 to M365, so "contiguous Microsoft hops"
  would run straight into the sender's side. The inbound edge is the EOP
  front end, whose host names end in ``.mail.protection.outlook.com``
  (``.mail.protection.office365.us`` in the US government cloud). The entry
  hop is the *topmost* such hop; the sender's tenant's hops, and its
  Authentication-Results, lie below it. This held for every Microsoft-delivered
  sample in the phishing_pot corpus we studied (604 of 604 messages whose
  Microsoft ``Authentication-Results`` lies above that hop, none below).

:func:`trusted_hops` lists the hops written by trusted machines (the run of
configured receivers; for Microsoft 365 the entry edge and the contiguous
Exchange Online hops below it, through which a Microsoft tenant relayed the
message), and :func:`receiver_written_message_id` tells when one of them had to
write the Message-ID because the sender sent none.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from trustcheck.auth.orgdomain import psl_organizational_domain

__all__ = [
    "MICROSOFT_365_EDGE_SUFFIXES",
    "MICROSOFT_365_HOST_DOMAINS",
    "DerivedEnvelope",
    "ReceivedHop",
    "derive_envelope",
    "find_entry_hop",
    "host_matches",
    "parse_received",
    "receiver_written_message_id",
    "trusted_hops",
]

#: ``by`` host suffixes of the Exchange Online Protection inbound front ends.
MICROSOFT_365_EDGE_SUFFIXES: tuple[str, ...] = (
    ".mail.protection.outlook.com",
    ".mail.protection.office365.us",
)

#: Domains of Exchange Online's own hosts: mailbox servers (``*.prod.outlook.com``,
#: ``*.prod.exchangelabs.com``), front ends (``*.outlook.office365.com``) and EOP edges.
MICROSOFT_365_HOST_DOMAINS: tuple[str, ...] = (
    "outlook.com",
    "office365.com",
    "exchangelabs.com",
    "office365.us",
)

#: Longest Received value looked at; real ones are a few hundred characters.
_MAX_VALUE = 8192

_CLAUSES = frozenset({"from", "by", "via", "with", "id", "for"})
_BRACKET_IP = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]+)(?:%[^\]]*)?\](?::\d+)?", re.IGNORECASE)
_BARE_IP = re.compile(r"^(?:ipv6:)?([0-9a-f:.]+)$", re.IGNORECASE)
_HELO_EQ = re.compile(r"\bhelo=([^\s()]+)", re.IGNORECASE)
_HELO_WORD = re.compile(r"^helo\s+(\S+)$", re.IGNORECASE)
_ENVELOPE_FROM = re.compile(r"envelope-from\s*<?([^<>\s()]*)>?", re.IGNORECASE)
_ANGLE = re.compile(r"^<(.*)>$", re.DOTALL)
_COMMENT_SPECIAL = re.compile(r"[\\()]")


@dataclass(frozen=True, slots=True)
class ReceivedHop:
    """One parsed ``Received`` header (RFC 5321 §4.4 Time-stamp-line).

    ``helo`` is what the client said in HELO/EHLO, ``rdns`` the name the
    receiver found by reverse DNS (None when it printed ``unknown`` or nothing),
    ``ip`` the client address it recorded.
    """

    by: str | None
    """The receiving host (lower-case, trailing dot removed)."""
    helo: str | None = None
    rdns: str | None = None
    ip: str | None = None
    protocol: str | None = None
    """The ``with`` clause: ``ESMTPS``, ``SMTP``, ``Microsoft SMTP Server`` …"""
    id: str | None = None
    recipient: str | None = None
    """The ``for`` clause, without angle brackets."""
    envelope_from: str | None = None
    """MAIL FROM when the receiver recorded it (Exim, Sendmail: ``(envelope-from <...>)``)."""
    timestamp: datetime | None = None
    """The date after the last ``;``; None when missing or unreadable."""


@dataclass(frozen=True, slots=True)
class DerivedEnvelope:
    """The SMTP envelope as the trusted entry hop recorded it."""

    ip: str | None
    helo: str | None
    by: str | None
    mail_from: str | None
    """``envelope-from`` of the entry hop, else the ``Return-Path`` header; ``""`` is the null
    sender ``<>``; None when neither was recorded."""
    timestamp: datetime | None
    """When the message arrived at the trusted receiver: use as ``now=`` for DKIM ``x=``."""
    mail_from_source: str | None
    """``"received"``, ``"return-path"`` or None."""
    hop: ReceivedHop


# --------------------------------------------------------------------------- parsing


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split a Received clause list into ``("word", w)`` and ``("comment", c)`` tokens.

    Comments nest (RFC 5322 §3.2.2) and are kept because the interesting data
    (client IP, rDNS, HELO of Exim, envelope-from) lives in them. An unbalanced
    comment runs to the end of the text rather than failing.

    Words between comments are ``str.split`` runs (the same white space as
    ``str.isspace``); inside a comment only ``\\``, ``(`` and ``)`` are visited.
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        k = text.find("(", i)
        if k < 0:
            out.extend(("word", w) for w in text[i:].split())
            break
        out.extend(("word", w) for w in text[i:k].split())
        depth, j = 1, k + 1
        while depth:
            m = _COMMENT_SPECIAL.search(text, j)
            if m is None:
                break
            j = m.end()
            ch = m.group()
            if ch == "\\":
                j += 1
            elif ch == "(":
                depth += 1
            else:
                depth -= 1
        body = text[k + 1 : j - 1] if depth == 0 else text[k + 1 :]
        out.append(("comment", " ".join(body.split())))
        i = j if depth == 0 else n
    return out


def _norm_host(host: str) -> str | None:
    host = host.strip().strip("<>").rstrip(".").lower()
    return host or None


def _ip(text: str) -> str | None:
    """Return the canonical IP address in ``text`` (``[ip]``, ``[IPv6:ip]`` or bare), or None."""
    m = _BRACKET_IP.search(text) or _BARE_IP.match(text.strip())
    if m is None:
        return None
    try:
        return str(ipaddress.ip_address(m.group(1)))
    except ValueError:
        return None


def _from_clause(word: str | None, comments: list[str], hop: dict[str, str | None]) -> None:
    """Fill helo/rdns/ip from ``from WORD (comment) (comment)...`` in its many dialects.

    Postfix/Sendmail/Google: ``from HELO (rdns [ip])``; Postfix ``unknown [ip]``;
    Exim: ``from rdns ([ip] helo=HELO)`` or ``from [ip] (helo=HELO)``;
    Microsoft: ``from HELO (ip)``; qmail: ``from rdns (HELO name) (ip)``.
    """
    helo = word
    if word is not None and word.startswith("["):
        hop["ip"] = _ip(word)
        helo = None
    for comment in comments:
        m = _HELO_EQ.search(comment)
        if m:
            if hop.get("rdns") is None and helo is not None and _ip(helo) is None:
                hop["rdns"] = helo
            helo = m.group(1)
        m2 = _HELO_WORD.match(comment)
        if m2:
            if word is not None and word.lower() != "unknown":
                hop["rdns"] = word
            helo = m2.group(1)
        if hop.get("ip") is None:
            ip = _ip(comment.split()[-1] if _BRACKET_IP.search(comment) is None else comment)
            if ip is not None:
                hop["ip"] = ip
                before = comment[: comment.find("[")].split() if "[" in comment else []
                if before and hop.get("rdns") is None:
                    name = before[-1].rpartition("@")[2]
                    if name.lower() not in ("unknown", "helo=") and _ip(name) is None:
                        hop["rdns"] = name
    if helo is not None and helo.lower() == "unknown":
        helo = None
    # HELO keeps its case (SPF's %{h} macro expands it as sent); only a trailing dot goes.
    hop["helo"] = helo.rstrip(".") or None if helo is not None else None
    if hop.get("rdns") is not None:
        hop["rdns"] = _norm_host(hop["rdns"] or "")


@functools.lru_cache(maxsize=4096)  # pure; each header is read by several trust rules
def parse_received(value: str) -> ReceivedHop | None:
    """Parse one ``Received`` header value; None when it has neither ``from`` nor ``by``.

    Never raises: unknown clauses and comments are skipped, an unreadable date
    gives ``timestamp=None``.

    >>> hop = parse_received("from mx.example (mx.example [192.0.2.1]) by mx.test (Postfix) "
    ...                      "with ESMTPS id 4QZ; Mon, 5 Jun 2023 17:54:02 +0000")
    >>> hop.helo, hop.ip, hop.by
    ('mx.example', '192.0.2.1', 'mx.test')
    """
    text = " ".join(value[:_MAX_VALUE].split())
    clauses, sep, date_text = text.rpartition(";")
    if not sep:
        clauses, date_text = text, ""
    fields: dict[str, str | None] = {}
    current: str | None = None
    values: dict[str, str | None] = {}
    comments: dict[str, list[str]] = {}
    all_comments: list[str] = []
    for kind, tok in _tokens(clauses):
        if kind == "comment":
            all_comments.append(tok)
            if current is not None:
                comments.setdefault(current, []).append(tok)
            continue
        low = tok.lower()
        if low in _CLAUSES and (current is None or values.get(current) is not None
                                or current == "with"):
            if low in values:
                # A clause keyword seen twice: the later one is a word of the previous clause.
                continue
            current = low
            values[current] = None
            continue
        if current is not None:
            if values.get(current) is None:
                values[current] = tok
            elif current == "from":
                # fetchmail/older MTAs: ``from phobos [127.0.0.1] by ...``
                comments.setdefault("from", []).append(tok)
            elif current == "with":
                values[current] = f"{values[current]} {tok}"
    if "from" not in values and "by" not in values:
        return None
    if "from" in values:
        _from_clause(values["from"], comments.get("from", []), fields)
    envelope_from: str | None = None
    for comment in all_comments:
        m = _ENVELOPE_FROM.search(comment)
        if m:
            envelope_from = m.group(1)
            break
    recipient = values.get("for")
    if recipient is not None:
        m = _ANGLE.match(recipient)
        recipient = m.group(1) if m else recipient
    return ReceivedHop(
        by=_norm_host(values["by"] or "") if values.get("by") else None,
        helo=fields.get("helo"),
        rdns=fields.get("rdns"),
        ip=fields.get("ip"),
        protocol=values.get("with"),
        id=values.get("id"),
        recipient=recipient,
        envelope_from=envelope_from,
        timestamp=_date(date_text),
    )


def _date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # RFC 5322 §3.3: "-0000" is UTC with no local zone known; keep every stamp comparable.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- entry hop


def host_matches(host: str | None, names: Collection[str]) -> bool:
    """True when ``host`` equals one of ``names`` or is a subdomain of one (case-insensitive).

    >>> host_matches("mx1.Example.COM.", ["example.com"])
    True
    >>> host_matches("badexample.com", ["example.com"])
    False
    """
    if not host:
        return False
    host = host.rstrip(".").lower()
    for name in names:
        name = name.strip().rstrip(".").lower()
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _is_m365_edge(host: str | None) -> bool:
    return bool(host) and str(host).lower().endswith(MICROSOFT_365_EDGE_SUFFIXES)


def _hops(headers: Sequence[tuple[str, str]]) -> list[tuple[int, ReceivedHop | None]]:
    return [
        (i, parse_received(value))
        for i, (name, value) in enumerate(headers)
        if name.strip().lower() == "received"
    ]


def _receiver_run(
    hops: Sequence[tuple[int, ReceivedHop | None]], receivers: Collection[str]
) -> list[tuple[int, ReceivedHop]]:
    """The first contiguous run of hops ``by`` a configured receiver, newest first."""
    run: list[tuple[int, ReceivedHop]] = []
    for i, hop in hops:
        if hop is not None and host_matches(hop.by, receivers):
            run.append((i, hop))
        elif run:
            break
    return run


def _m365_run(hops: Sequence[tuple[int, ReceivedHop | None]]) -> list[tuple[int, ReceivedHop]]:
    """The topmost EOP edge hop and the contiguous Exchange Online hops below it, newest first.

    Below the edge lie, when a Microsoft tenant relayed the message, that tenant's
    mailbox servers and *its* inbound edge: still Microsoft's machines, recording
    what reached Microsoft first. The run stops at the first host outside Microsoft.
    """
    run: list[tuple[int, ReceivedHop]] = []
    for i, hop in hops:
        if not run:
            if hop is not None and _is_m365_edge(hop.by):
                run.append((i, hop))
        elif hop is not None and host_matches(hop.by, MICROSOFT_365_HOST_DOMAINS):
            run.append((i, hop))
        else:
            break
    return run


def find_entry_hop(
    headers: Sequence[tuple[str, str]],
    *,
    trusted_receivers: Collection[str] | None = None,
    trust_microsoft_365: bool = False,
) -> tuple[int, ReceivedHop] | None:
    """Return ``(header index, hop)`` of the hop where the message entered the trusted boundary.

    ``headers`` are ``(name, value)`` pairs in message order, topmost first.
    See the module docstring for the rule. None when no trusted hop is found.
    Configured receivers are tried first; the Microsoft 365 edge rule applies
    when they find nothing and ``trust_microsoft_365`` is set.
    """
    hops = _hops(headers)
    if trusted_receivers:
        run = _receiver_run(hops, trusted_receivers)
        if run:
            return run[-1]
    if trust_microsoft_365:
        m365 = _m365_run(hops)
        if m365:
            return m365[0]
    return None


def trusted_hops(
    headers: Sequence[tuple[str, str]],
    *,
    trusted_receivers: Collection[str] | None = None,
    trust_microsoft_365: bool = False,
) -> tuple[tuple[int, ReceivedHop], ...]:
    """``(header index, hop)`` of every hop written by a trusted machine, newest first.

    Configured receivers: their run, as in :func:`find_entry_hop`. Microsoft 365:
    the entry edge and the contiguous Exchange Online hops below it (see
    :func:`_m365_run`). Empty when no trust is configured or no such hop exists.
    """
    hops = _hops(headers)
    out: list[tuple[int, ReceivedHop]] = []
    if trusted_receivers:
        out += _receiver_run(hops, trusted_receivers)
    if trust_microsoft_365:
        seen = {i for i, _ in out}
        out += [(i, hop) for i, hop in _m365_run(hops) if i not in seen]
    return tuple(sorted(out, key=lambda pair: pair[0]))


def _first_label(host: str | None) -> str:
    return (host or "").strip().rstrip(".").lower().partition(".")[0]


def _received_from_elsewhere(hop: ReceivedHop) -> bool:
    """True when the hop took the message from another machine over the network.

    A local submission (loopback client, ``localhost``, or a client named like the
    receiving host itself: Exchange's ``from X by X with mapi``) is the sender's own
    host finishing the message, which may legitimately add the Message-ID there
    (RFC 6409 §8.3 lets a submission server add a missing one).
    """
    if hop.ip is not None:
        try:
            if ipaddress.ip_address(hop.ip).is_loopback:
                return False
        except ValueError:
            pass
    names = [n for n in (hop.helo, hop.rdns) if n]
    if not names and hop.ip is None:
        return False  # no from clause: nothing says where the message came from
    own = _first_label(hop.by)
    return all(_first_label(n) not in (own, "localhost") for n in names)


def _message_id_host(message_id: str) -> str | None:
    """The id-right of ``<id-left@id-right>`` (RFC 5322 §3.6.4) when it is a host name."""
    text = message_id.strip()
    m = _ANGLE.match(text)
    text = m.group(1) if m else text
    _, at, host = text.rpartition("@")
    host = host.strip().rstrip(".").lower()
    if not at or not host or host.startswith("[") or _ip(host) is not None or "." not in host:
        return None
    return host


def receiver_written_message_id(
    message_id: str | None,
    headers: Sequence[tuple[str, str]],
    *,
    trusted_receivers: Collection[str] | None = None,
    trust_microsoft_365: bool = False,
) -> tuple[int, ReceivedHop] | None:
    """The trusted hop that wrote the Message-ID because the sender sent none, or None.

    RFC 5322 §3.6.4: every message SHOULD carry a Message-ID from its originator.
    A receiving MTA that gets none adds its own, naming itself (Microsoft's EOP
    edge writes ``<uuid@SG2PEPF000B66CE.apcprd03.prod.outlook.com>`` on
    ``by SG2PEPF000B66CE.mail.protection.outlook.com``). The rule: the Message-ID's
    host and the hop's ``by`` host are the same machine — same first DNS label
    (case-insensitive) *and* the same organisational domain (RFC 7489 §3.2), so a
    sender's ``<x@mx.sender.example>`` never matches our ``by mx.example.net`` —
    and the hop received the message from another machine. Only trusted hops count
    (:func:`trusted_hops`; for Microsoft 365 only EOP edges, where mail from
    outside enters Microsoft): a sender's own hops are its own business.
    """
    if not message_id:
        return None
    host = _message_id_host(message_id)
    if host is None:
        return None
    label = _first_label(host)
    org = psl_organizational_domain(host)
    for i, hop in trusted_hops(headers, trusted_receivers=trusted_receivers,
                               trust_microsoft_365=trust_microsoft_365):
        if trust_microsoft_365 and host_matches(hop.by, MICROSOFT_365_HOST_DOMAINS) and (
                not _is_m365_edge(hop.by)):
            continue  # a mailbox server: Outlook writes the ids of mail composed there
        if (_first_label(hop.by) == label and org is not None
                and psl_organizational_domain(hop.by or "") == org
                and _received_from_elsewhere(hop)):
            return i, hop
    return None


def derive_envelope(
    headers: Sequence[tuple[str, str]],
    *,
    trusted_receivers: Collection[str] | None = None,
    trust_microsoft_365: bool = False,
) -> DerivedEnvelope | None:
    """Recover the SMTP envelope of a stored message from its trusted entry hop.

    ``headers`` are ``(name, value)`` pairs in message order, topmost first.
    Returns None when no trusted receiver is configured or none of the
    ``Received`` headers was added by one: an envelope read from an untrusted
    hop would be the sender's own claim. MAIL FROM comes from the hop's
    ``envelope-from`` comment, else from the topmost ``Return-Path`` header
    (RFC 5321 §4.4: the final delivery records the reverse-path there).
    """
    found = find_entry_hop(
        headers, trusted_receivers=trusted_receivers, trust_microsoft_365=trust_microsoft_365
    )
    if found is None:
        return None
    _, hop = found
    mail_from = hop.envelope_from
    source: str | None = "received" if mail_from is not None else None
    if mail_from is None:
        for name, value in headers:
            if name.strip().lower() == "return-path":
                text = " ".join(value.split())
                m = re.search(r"<([^<>]*)>", text)
                mail_from = m.group(1) if m else text
                source = "return-path"
                break
    return DerivedEnvelope(
        ip=hop.ip,
        helo=hop.helo,
        by=hop.by,
        mail_from=mail_from,
        timestamp=hop.timestamp,
        mail_from_source=source,
        hop=hop,
    )

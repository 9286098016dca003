"""Organizational Domains: the Public Suffix List (RFC 7489) and the DNS Tree Walk (RFC 9989).

DMARC's relaxed alignment compares *Organizational Domains*, and there are two
ways to find one:

* RFC 7489 §3.2 takes the registrable domain under the Public Suffix List
  (PSL). trustcheck ships a PSL snapshot (``trustcheck/data/public_suffix_list.dat``,
  MPL-2.0) and never downloads one, so results are reproducible.
* RFC 9989 (DMARCbis) §4.10 replaces the PSL by a walk up the DNS tree,
  reading the ``psd=`` tag of the DMARC records it finds (§4.10.2).

This module holds the pure parts of both: PSL matching, the list of names a
tree walk queries, and the §4.10.2 selection. The DNS side of the tree walk
lives in :mod:`trustcheck.auth.dmarc`, which owns DMARC record parsing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

__all__ = [
    "MAX_TREE_WALK_QUERIES",
    "PublicSuffixList",
    "default_psl",
    "normalize_domain",
    "psl_organizational_domain",
    "registrable_domain",
    "tree_walk_org_domain",
    "tree_walk_targets",
]

#: RFC 9989 §4.10: a tree walk makes at most eight DMARC queries.
MAX_TREE_WALK_QUERIES = 8

Psd = Literal["y", "n", "u"]


def normalize_domain(name: str) -> str | None:
    """Lower-case ``name``, drop one trailing dot and convert U-labels to A-labels.

    Returns None when ``name`` is not a usable domain name: empty, a leading
    dot or an empty label, a label longer than 63 octets (RFC 1035 §2.3.4),
    or a label IDNA cannot encode.

    >>> normalize_domain("WwW.Example.COM.")
    'www.example.com'
    >>> normalize_domain(".example.com") is None
    True
    """
    if name.endswith("."):
        name = name[:-1]
    if not name or len(name) > 253:
        return None
    labels = []
    for label in name.split("."):
        encoded = _to_alabel(label)
        if encoded is None or not 0 < len(encoded) <= 63:
            return None
        labels.append(encoded)
    return ".".join(labels)


def _to_alabel(label: str) -> str | None:
    if label.isascii():
        return label.lower()
    try:
        # IDNA 2003 ToASCII, as the PSL's own test list expects for its IDN cases.
        return label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


@dataclass(frozen=True, slots=True)
class PublicSuffixList:
    """A parsed Public Suffix List (publicsuffix.org format; ICANN and private sections)."""

    rules: frozenset[str]
    """Plain rules (``com``, ``co.uk``)."""
    wildcards: frozenset[str]
    """Parents of wildcard rules: ``ck`` for ``*.ck``."""
    exceptions: frozenset[str]
    """Exception rules without the ``!``: ``www.ck`` for ``!www.ck``."""

    @classmethod
    def parse(cls, text: str) -> PublicSuffixList:
        """Parse the list's text: one rule per line, ``//`` comments, first word only."""
        rules: set[str] = set()
        wildcards: set[str] = set()
        exceptions: set[str] = set()
        for line in text.splitlines():
            words = line.split()
            if not words or words[0].startswith("//"):
                continue
            rule = words[0]
            target = rules
            if rule.startswith("!"):
                target, rule = exceptions, rule[1:]
            elif rule.startswith("*."):
                target, rule = wildcards, rule[2:]
            name = normalize_domain(rule)
            if name is not None:
                target.add(name)
        return cls(frozenset(rules), frozenset(wildcards), frozenset(exceptions))

    def suffix_labels(self, labels: list[str]) -> int:
        """How many of ``labels`` (an already normalised name) form its public suffix."""
        count = len(labels)
        # Longest candidate first: the PSL algorithm takes the rule matching the
        # most labels, and an exception always outranks the wildcard it excepts.
        for start in range(count):
            candidate = ".".join(labels[start:])
            if candidate in self.exceptions:
                return count - start - 1
            if candidate in self.rules:
                return count - start
            if start + 1 < count and ".".join(labels[start + 1 :]) in self.wildcards:
                return count - start
        return 1  # the default rule "*": an unlisted TLD is a public suffix

    def registrable_domain(self, name: str) -> str | None:
        """The public suffix plus one label, or None if ``name`` is a suffix or not a domain.

        This is the PSL project's ``checkPublicSuffix`` semantics (its test list
        expects ``null`` for a leading dot, an empty input and a bare suffix).
        """
        normal = normalize_domain(name)
        if normal is None or name.startswith("."):
            return None
        labels = normal.split(".")
        suffix = self.suffix_labels(labels)
        if len(labels) <= suffix:
            return None
        return ".".join(labels[-(suffix + 1) :])


@functools.cache
def default_psl() -> PublicSuffixList:
    """The bundled PSL snapshot, parsed once (read-only afterwards, safe to share)."""
    data = resources.files("trustcheck").joinpath("data/public_suffix_list.dat")
    return PublicSuffixList.parse(data.read_text(encoding="utf-8"))


def registrable_domain(name: str, psl: PublicSuffixList | None = None) -> str | None:
    """The registrable domain (eTLD+1) of ``name`` under the bundled PSL, or None.

    >>> registrable_domain("a.b.example.co.uk")
    'example.co.uk'
    >>> registrable_domain("co.uk") is None
    True
    """
    return (psl or default_psl()).registrable_domain(name)


def psl_organizational_domain(name: str, psl: PublicSuffixList | None = None) -> str | None:
    """RFC 7489 §3.2 Organizational Domain of ``name`` (None if ``name`` is not a domain).

    §3.2 takes the longest matching public suffix plus one label. For a name
    that is itself a public suffix there is no such label; the name is then
    its own Organizational Domain, as receivers commonly treat it.

    >>> psl_organizational_domain("mail.example.com")
    'example.com'
    """
    normal = normalize_domain(name)
    if normal is None:
        return None
    return registrable_domain(normal, psl) or normal


def tree_walk_targets(domain: str) -> tuple[str, ...]:
    """The domains an RFC 9989 §4.10 DNS Tree Walk queries (``_dmarc.`` not prefixed), in order.

    The walk queries the starting domain, then - if it has more than seven
    labels - jumps to its last seven labels, then drops one label at a time
    down to the top-level domain: at most eight queries.

    >>> tree_walk_targets("a.mail.example.com")
    ('a.mail.example.com', 'mail.example.com', 'example.com', 'com')
    """
    labels = domain.split(".")
    rest = labels[-(MAX_TREE_WALK_QUERIES - 1) :] if len(labels) > 7 else labels[1:]
    names = [domain]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return tuple(names)


def tree_walk_org_domain(start: str, psd_at: Callable[[str], Psd | None]) -> str:
    """RFC 9989 §4.10.2: the Organizational Domain of ``start`` from a tree walk.

    ``psd_at(domain)`` returns the ``psd=`` value (``"u"`` when absent) of the
    valid DMARC record at ``_dmarc.<domain>``, or None when there is none; it
    may raise to abort the walk (a DNS temporary error). Selection:

    1. a record with ``psd=n`` names the Organizational Domain itself;
    2. a record with ``psd=y``, other than at ``start``, makes the domain one
       label below it the Organizational Domain;
    3. otherwise the record with the fewest labels wins, and with no record
       at all ``start`` is its own Organizational Domain.

    The walk stops at the first ``psd=n``/``psd=y`` record, which is why the
    draft's example queries only two names for ``mail.example.com`` under a
    ``psd=y`` record at ``example.com``.
    """
    labels = start.split(".")
    fewest: str | None = None
    for name in tree_walk_targets(start):
        psd = psd_at(name)
        if psd is None:
            continue
        if psd == "n":
            return name
        if psd == "y" and name != start:
            depth = name.count(".") + 1
            return ".".join(labels[-(depth + 1) :])
        fewest = name
    return fewest or start

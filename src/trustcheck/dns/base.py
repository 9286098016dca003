"""The resolver seam: what a DNS lookup returns, and the protocol every resolver follows.

Checks never see dnspython exceptions. Every lookup returns an :class:`Answer`
whose :attr:`Answer.outcome` tells the five cases apart, because the RFCs treat
them differently: RFC 7208 §5 and RFC 7489 §6.6.3 turn NXDOMAIN and "no data"
into ``none``, while a timeout or SERVFAIL must become ``temperror``
(RFC 7208 §2.6.6, RFC 6376 §6.1.2), never ``fail``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["RDTYPES", "Answer", "Outcome", "Resolver"]

#: Record types trustcheck looks up. Others are refused with ``ValueError``.
RDTYPES = frozenset({"A", "AAAA", "MX", "TXT", "PTR", "CNAME", "NS", "SOA"})


class Outcome(enum.Enum):
    """How a lookup ended."""

    ANSWER = "answer"
    """The name exists and has records of the type asked."""
    NXDOMAIN = "nxdomain"
    """The name does not exist (RCODE 3)."""
    NODATA = "nodata"
    """The name exists but has no records of the type asked."""
    TIMEOUT = "timeout"
    """No server answered in time."""
    SERVFAIL = "servfail"
    """A server answered with an error (SERVFAIL, REFUSED, a broken answer)."""

    @property
    def is_error(self) -> bool:
        """True for outcomes that mean "could not find out": timeout and servfail.

        >>> Outcome.TIMEOUT.is_error, Outcome.NXDOMAIN.is_error
        (True, False)
        """
        return self in (Outcome.TIMEOUT, Outcome.SERVFAIL)


@dataclass(frozen=True, slots=True)
class Answer:
    """The result of one lookup of ``(name, rdtype)``.

    ``records`` holds each record in presentation form: ``"192.0.2.1"`` for A,
    ``"2001:db8::1"`` for AAAA, ``"10 mx.example.com"`` for MX, the target name
    without trailing dot for PTR/CNAME/NS, and for TXT the record's
    character-strings joined with no separator (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    ``txt_strings`` keeps each TXT record's character-strings as bytes for
    callers that need the split (pyspf joins them itself).
    """

    name: str
    """The name asked, lower-case, without trailing dot."""
    rdtype: str
    """The record type asked, upper-case (``"TXT"``)."""
    outcome: Outcome
    records: tuple[str, ...] = ()
    txt_strings: tuple[tuple[bytes, ...], ...] = field(default=(), repr=False)
    ttl: int = 0
    """Seconds the answer may be cached (negative answers: the SOA minimum)."""

    @property
    def ok(self) -> bool:
        """True when the lookup returned records."""
        return self.outcome is Outcome.ANSWER


@runtime_checkable
class Resolver(Protocol):
    """Anything that can look up a name. Implementations never raise on DNS outcomes.

    ``resolve`` returns an :class:`Answer` for every outcome, including timeouts.
    It may raise ``ValueError`` only for a malformed name or an unsupported type.
    """

    def resolve(self, name: str, rdtype: str) -> Answer:
        """Look up ``name`` (no trailing dot needed) for records of ``rdtype``."""
        ...

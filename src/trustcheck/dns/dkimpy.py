"""Adapter from a :class:`~trustcheck.dns.base.Resolver` to dkimpy's ``dnsfunc`` seam.

dkimpy looks keys up by calling ``dnsfunc(name, timeout=...)`` with the key
name as bytes with a trailing dot (``b"sel._domainkey.example.com."``) and
expects the TXT record's octets back, or ``None``. That seam cannot say *why*
there is no key, but RFC 6376 §6.1.2 needs the difference: a DNS failure is
``temperror`` (TEMPFAIL), a missing key ``permerror`` (PERMFAIL).
:class:`DkimDnsLookup` is the callable to pass as ``dnsfunc`` and remembers the
outcome of every name it was asked, so the caller can map ``None`` to the right
word afterwards with :meth:`DkimDnsLookup.word`.

Several TXT records at one key name: dkimpy takes one record. We return the
first record (in the resolver's order; :class:`~trustcheck.dns.CachingResolver`
sorts them) that starts with ``v=DKIM1`` or contains ``p=``, else the first
record, with its character-strings joined with no separator (RFC 6376 §3.6.2.2).

dkimpy's ``timeout`` argument is ignored: the resolver's own timeouts apply.
"""

from __future__ import annotations

import threading

from trustcheck.auth.results import AuthWord
from trustcheck.dns.base import Answer, Outcome, Resolver
from trustcheck.dns.static import normalize_name

__all__ = ["DkimDnsLookup", "dkim_dnsfunc"]


class DkimDnsLookup:
    """A dkimpy ``dnsfunc`` over a :class:`Resolver` that remembers each outcome.

    Use one instance per message: the outcomes are that message's evidence.
    """

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._outcomes: dict[str, Outcome] = {}
        self._last: Outcome | None = None
        self._lock = threading.Lock()

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        """Return the key record at ``name`` as bytes, or ``None`` (see module docstring)."""
        del timeout  # the resolver's lifetime bounds the lookup
        text = _decode(name)
        answer: Answer | None = None
        if text is not None:
            try:
                answer = self._resolver.resolve(text, "TXT")
            except ValueError:
                answer = None
        # A name that is not text or that the resolver refuses cannot hold a
        # key: the same as a name that does not exist (permerror).
        outcome = Outcome.NXDOMAIN if answer is None else answer.outcome
        key = normalize_name(text) if text is not None else repr(name)
        with self._lock:
            self._outcomes[key] = outcome
            self._last = outcome
        if answer is None or not answer.ok:
            return None
        return _choose(answer)

    @property
    def last_outcome(self) -> Outcome | None:
        """The outcome of the most recent lookup, or ``None`` before any."""
        with self._lock:
            return self._last

    def outcome(self, name: bytes | str) -> Outcome | None:
        """The outcome of the last lookup of ``name`` (any spelling), or ``None``."""
        text = _decode(name)
        key = normalize_name(text) if text is not None else repr(name)
        with self._lock:
            return self._outcomes.get(key)

    def word(self, name: bytes | str) -> AuthWord | None:
        """RFC 6376 §6.1.2: the result for a key lookup that gave no usable record.

        ``temperror`` for a timeout or server failure, ``permerror`` for a name
        without a key, ``None`` if a record was found or the name was not asked.
        """
        outcome = self.outcome(name)
        if outcome is None or outcome is Outcome.ANSWER:
            return None
        return AuthWord.TEMPERROR if outcome.is_error else AuthWord.PERMERROR


def dkim_dnsfunc(resolver: Resolver) -> DkimDnsLookup:
    """A callable for dkimpy's ``dnsfunc=`` parameter, answering from ``resolver``.

    >>> from trustcheck.dns import StaticResolver
    >>> zone = {"s._domainkey.example.com": {"TXT": [["v=DKIM1; ", "p=AB"]]}}
    >>> f = dkim_dnsfunc(StaticResolver(zone))
    >>> f(b"s._domainkey.example.com."), f(b"x._domainkey.example.com.")
    (b'v=DKIM1; p=AB', None)
    """
    return DkimDnsLookup(resolver)


def _decode(name: bytes | str) -> str | None:
    if isinstance(name, str):
        return name
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _choose(answer: Answer) -> bytes:
    records = [b"".join(parts) for parts in answer.txt_strings] or [
        text.encode("utf-8") for text in answer.records
    ]
    for record in records:
        stripped = record.lstrip()
        if stripped.startswith(b"v=DKIM1") or b"p=" in record:
            return record
    return records[0]

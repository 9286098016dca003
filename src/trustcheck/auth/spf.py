"""SPF (RFC 7208): is the client IP authorised to send for the envelope sender's domain?

The evaluation itself (record selection, mechanisms, macros, ``exp=``) is
pyspf's ``check_host()``, which passes the whole OpenSPF suite. pyspf looks
names up through a module global (``spf.DNSLookup``); replacing that global
would make concurrent checks with different resolvers interfere. Instead each
check runs a private subclass of ``spf.query`` whose ``dns()`` method asks the
injected :class:`~trustcheck.dns.Resolver`, so all state lives on the query
object and checks are safe to run in parallel.

The resolver is expected to follow CNAMEs as a recursive resolver does
(answering an alias with its target's records); the DNS-outcome mapping is:

* TIMEOUT / SERVFAIL -> ``spf.TempError`` -> ``temperror`` (RFC 7208 §2.6.6);
* NXDOMAIN / NODATA -> no records, counted as a *void lookup* (§4.6.4).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import spf as _pyspf

from trustcheck.auth.results import AuthWord
from trustcheck.dns.base import Answer, Resolver
from trustcheck.errors import InputError
from trustcheck.verdict import JSON, MethodResult

__all__ = ["SpfResult", "check_spf"]

#: RFC 7208 §4.6.4: at most 10 terms that cause DNS queries.
MAX_LOOKUPS = 10
#: RFC 7208 §4.6.4: at most 2 lookups returning NXDOMAIN or no answers.
MAX_VOID_LOOKUPS = 2

# A marker for "no exp= text was found", so a default explanation is told
# apart from a domain's own explanation text.
_DEFAULT_EXPLANATION = "\x00trustcheck-default-explanation\x00"

Identity = Literal["mailfrom", "helo"]


@dataclass(frozen=True, slots=True)
class SpfResult:
    """The outcome of one RFC 7208 ``check_host()`` evaluation."""

    result: AuthWord
    """pass, fail, softfail, neutral, none, temperror or permerror (RFC 8601 §2.7.2)."""
    domain: str
    """The domain whose policy was checked (MAIL FROM domain, or HELO name)."""
    identity: Identity
    """Which identity was checked: ``mailfrom``, or ``helo`` for a null reverse-path."""
    sender: str
    """The <sender> given to check_host(): MAIL FROM, or ``postmaster@<helo>`` (§2.4)."""
    ip: str
    helo: str
    mechanism: str | None = None
    """The mechanism that matched at the top level, as written (None: no match, default)."""
    explanation: str | None = None
    """The domain's ``exp=`` text for a ``fail`` (§6.2); None when none was published."""
    lookups: int = 0
    """DNS-querying terms evaluated (limit: ``max_lookups``)."""
    void_lookups: int = 0
    reason: str | None = None
    """Why a permerror/temperror happened, in words."""

    def to_method_result(self) -> MethodResult:
        """This result as an RFC 8601 ``spf`` method entry."""
        properties = (
            {"smtp.helo": self.helo}
            if self.identity == "helo"
            else {"smtp.mailfrom": self.sender, **({"smtp.helo": self.helo} if self.helo else {})}
        )
        details: dict[str, JSON] = {
            "domain": self.domain,
            "identity": self.identity,
            "client_ip": self.ip,
            "mechanism": self.mechanism,
            "explanation": self.explanation,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
        }
        return MethodResult(
            method="spf",
            result=self.result,
            reason=self.reason,
            properties=properties,
            details=details,
        )


def check_spf(
    *,
    ip: str,
    mail_from: str,
    helo: str,
    resolver: Resolver,
    receiver: str = "trustcheck.invalid",
    max_lookups: int = MAX_LOOKUPS,
    max_void_lookups: int = MAX_VOID_LOOKUPS,
    now: datetime | float | None = None,
) -> SpfResult:
    """Evaluate SPF for a client ``ip`` sending as ``mail_from`` after ``HELO helo``.

    An empty ``mail_from`` (the null reverse-path) checks the HELO identity
    with ``postmaster@<helo>`` as the sender (RFC 7208 §2.4). ``receiver`` is
    the ``%{r}`` macro; ``now`` the ``%{t}`` macro (default: the system clock).
    DNS problems never raise: they end as ``temperror``. A malformed ``ip`` is
    the caller's mistake and raises :class:`~trustcheck.errors.InputError`.

    >>> from trustcheck.dns import StaticResolver
    >>> r = StaticResolver({"example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}})
    >>> check_spf(ip="192.0.2.1", mail_from="a@example.com", helo="mx", resolver=r).result
    <AuthWord.PASS: 'pass'>
    """
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        msg = f"Not an IP address: {ip!r}."
        raise InputError(msg) from None
    if max_lookups < 0 or max_void_lookups < 0:
        msg = "max_lookups and max_void_lookups must not be negative."
        raise InputError(msg)
    sender = mail_from.strip().removeprefix("<").removesuffix(">")
    helo = helo.strip()
    if not sender and not helo:
        return SpfResult(
            result=AuthWord.NONE,
            domain="",
            identity="helo",
            sender="",
            ip=ip,
            helo="",
            reason="no identity to check: null reverse-path and no HELO name",
        )
    query = _Query(
        ip,
        sender,
        helo,
        resolver=resolver,
        receiver=receiver,
        max_lookups=max_lookups,
        max_void_lookups=max_void_lookups,
        now=now,
    )
    word, _code, text = query.check()
    result = AuthWord(word)
    explanation = None
    if result is AuthWord.FAIL and text != _DEFAULT_EXPLANATION:
        explanation = text
    reason = str(query.prob) if result in (AuthWord.PERMERROR, AuthWord.TEMPERROR) else None
    return SpfResult(
        result=result,
        domain=query.o,
        identity="helo" if query.ident == "helo" else "mailfrom",
        sender=query.s,
        ip=ip,
        helo=helo,
        mechanism=query.mechanism,
        explanation=explanation,
        lookups=query.lookups,
        void_lookups=query.void_lookups,
        reason=reason,
    )


class _Query(_pyspf.query):  # type: ignore[misc]  # pyspf ships no type hints
    """pyspf's query, with DNS through an injected resolver and configurable limits."""

    def __init__(
        self,
        ip: str,
        sender: str,
        helo: str,
        *,
        resolver: Resolver,
        receiver: str,
        max_lookups: int,
        max_void_lookups: int,
        now: datetime | float | None,
    ) -> None:
        super().__init__(ip, sender, helo, receiver=receiver, strict=True)
        self._resolver = resolver
        self._max_lookups = max_lookups
        self._max_void_lookups = max_void_lookups
        clock = now.timestamp() if isinstance(now, datetime) else now
        self.t = str(int(time.time() if clock is None else clock))  # the %{t} macro
        self.prob: str | None = None
        self.set_default_explanation(_DEFAULT_EXPLANATION)

    def check_lookups(self) -> None:
        # RFC 7208 §4.6.4: more than the limit of DNS-querying terms is a permerror.
        self.lookups += 1
        if self.lookups > self._max_lookups:
            msg = f"Too many DNS lookups (limit {self._max_lookups}, RFC 7208 4.6.4)"
            raise _pyspf.PermError(msg)

    def validated_ptrs(self) -> list[str]:
        # RFC 7208 §5.5: "If a DNS error occurs while doing an A RR lookup, then
        # that domain name is skipped and the search continues." pyspf would turn
        # the error into a temperror for the whole check, so filter here.
        names = self.dns_ptr(self.i)[: _pyspf.MAX_PTR]
        validated = []
        for name in names:
            try:
                addresses = self.dns_a(name, self.A)
            except _pyspf.TempError:
                continue
            if self.cidrmatch(addresses, self.cidrmax):
                validated.append(name)
        return validated

    def dns(
        self,
        name: str,
        qtype: str,
        cnames: Any = None,
        ignore_void: bool = False,
    ) -> list[Any]:
        """Look ``name`` up through the injected resolver, in the shapes pyspf expects."""
        del cnames  # the resolver follows CNAMEs itself
        name = str(name).removesuffix(".").lower()
        labels = name.split(".")
        if not name or not all(0 < len(label) < 64 for label in labels):
            return []  # not a valid DNS name: no query (RFC 7208 §4.3 treats it as none)
        key = (name, qtype)
        cached: list[Any] | None = self.cache.get(key)
        if cached is None:
            cached = self._lookup(name, qtype)
            self.cache[key] = cached
        if not cached and not ignore_void:
            # RFC 7208 §4.6.4: NXDOMAIN or an empty answer is a void lookup.
            self.void_lookups += 1
            if self.void_lookups > self._max_void_lookups:
                msg = f"Void lookup limit of {self._max_void_lookups} exceeded (RFC 7208 4.6.4)"
                raise _pyspf.PermError(msg)
        return list(cached)

    def _lookup(self, name: str, qtype: str) -> list[Any]:
        if qtype not in ("A", "AAAA", "MX", "TXT", "PTR"):
            return []  # type SPF (99) is obsolete (RFC 7208 §3.1); only TXT is consulted
        try:
            answer = self._resolver.resolve(name, qtype)
        except ValueError:
            return []  # a name the resolver refuses cannot have records
        if answer.outcome.is_error:
            # RFC 7208 §2.6.6 / §4.4: a transient DNS error is a temperror.
            msg = f"DNS {answer.outcome.value} looking up {qtype} {name}"
            raise _pyspf.TempError(msg)
        return _convert(answer)


def _convert(answer: Answer) -> list[Any]:
    """An :class:`Answer` in pyspf's value shapes (see pyspf's ``DNSLookup`` contract)."""
    if not answer.ok:
        return []
    if answer.rdtype == "TXT":
        if answer.txt_strings:
            return [tuple(strings) for strings in answer.txt_strings]
        return [(text.encode("utf-8"),) for text in answer.records]
    if answer.rdtype == "MX":
        values: list[Any] = []
        for record in answer.records:
            preference, _, host = record.partition(" ")
            try:
                values.append((int(preference), host.strip()))
            except ValueError:
                continue  # unreadable MX: skip it rather than crash the check
        return values
    return list(answer.records)

"""A real-DNS resolver: dnspython underneath, a TTL-respecting cache on top.

:class:`CachingResolver` turns every dnspython outcome into an
:class:`~trustcheck.dns.base.Answer` (it never raises on DNS outcomes):

===========================================  =====================
dnspython                                    :class:`Outcome`
===========================================  =====================
an answer (CNAME chains followed)            ``ANSWER``
``NXDOMAIN``                                 ``NXDOMAIN``
``NoAnswer`` (name exists, no such type)     ``NODATA``
``Timeout`` / ``LifetimeTimeout``            ``TIMEOUT``
``NoNameservers`` (SERVFAIL, REFUSED,        ``SERVFAIL``
malformed answers), ``YXDOMAIN``, any other
``DNSException``, ``OSError``
===========================================  =====================

Caching
    Positive answers are kept for their TTL (the smallest TTL along a CNAME
    chain), clamped to ``[min_ttl, max_ttl]``. Negative answers (NXDOMAIN and
    no-data) are kept for ``min(SOA TTL, SOA MINIMUM)`` as RFC 2308 §5 says,
    capped at ``negative_ttl_cap``; a negative answer without an SOA is not
    cached (RFC 2308 §5: "SHOULD NOT be cached"). Timeouts and server failures
    are kept for ``failure_ttl`` (30 s by default): RFC 2308 §7.1 allows up to
    five minutes, but a short value keeps one hostile message with many
    unreachable names from stalling every lookup, without hiding a server that
    recovers. The cache is an LRU bounded by ``cache_size`` entries and keyed
    on ``(name, rdtype)``; the clock is injected so tests control expiry.

Names that cannot exist
    A name with an empty label (``a..b``), a label longer than 63 octets, more
    than 255 octets in wire form, or text IDNA cannot encode can never have a
    record, so the resolver answers ``NXDOMAIN`` without asking the network.
    Such names come straight from hostile messages, and a check must not
    crash on them; ``ValueError`` is kept for unsupported record types, which
    are programming errors.

Thread safety
    One lock guards the cache and counters; lookups themselves run outside it,
    so threads do not wait on each other's network round trips. Two threads
    missing the same key at once may both ask the network; the later answer
    wins. :meth:`CachingResolver.aresolve` shares the same cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver

from trustcheck.dns.base import RDTYPES, Answer, Outcome
from trustcheck.dns.static import normalize_name
from trustcheck.errors import ConfigError

__all__ = ["CacheStats", "CachingResolver"]

_DEFAULT_FAILURE_TTL = 30.0


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters for benchmarks and tests."""

    queries: int
    """Lookups that went to the network."""
    hits: int
    """Lookups answered from the cache."""
    size: int
    """Entries currently held (expired ones included until touched)."""


class CachingResolver:
    """Resolve through dnspython with timeouts and a positive/negative cache.

    ``nameservers=None`` reads the system configuration (``/etc/resolv.conf``);
    otherwise only the given addresses are asked, on ``port``. ``timeout`` is
    per server try, ``lifetime`` the bound on a whole lookup.
    """

    def __init__(
        self,
        *,
        nameservers: Sequence[str] | None = None,
        port: int = 53,
        timeout: float = 2.0,
        lifetime: float = 4.0,
        cache_size: int = 10000,
        clock: Callable[[], float] = time.monotonic,
        min_ttl: int = 0,
        max_ttl: int = 86400,
        negative_ttl_cap: int = 3600,
        failure_ttl: float = _DEFAULT_FAILURE_TTL,
    ) -> None:
        if cache_size < 0 or min_ttl < 0 or max_ttl < min_ttl or negative_ttl_cap < 0:
            msg = (
                "cache_size, min_ttl and negative_ttl_cap must be >= 0 and max_ttl >= min_ttl; "
                f"got {cache_size=}, {min_ttl=}, {max_ttl=}, {negative_ttl_cap=}."
            )
            raise ConfigError(msg)
        if timeout <= 0 or lifetime <= 0 or failure_ttl < 0:
            msg = (
                "timeout and lifetime must be > 0, failure_ttl >= 0; "
                f"got {timeout=}, {lifetime=}, {failure_ttl=}."
            )
            raise ConfigError(msg)
        self._sync = _configure(dns.resolver.Resolver, nameservers, port, timeout, lifetime)
        self._async: dns.asyncresolver.Resolver | None = None
        self._nameservers = nameservers
        self._port = port
        self._timeout = timeout
        self._lifetime = lifetime
        self._clock = clock
        self._cache_size = cache_size
        self._min_ttl = min_ttl
        self._max_ttl = max_ttl
        self._negative_cap = negative_ttl_cap
        self._failure_ttl = failure_ttl
        self._cache: OrderedDict[tuple[str, str], tuple[Answer, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._queries = 0
        self._hits = 0

    @property
    def stats(self) -> CacheStats:
        """Query and cache-hit counts so far."""
        with self._lock:
            return CacheStats(self._queries, self._hits, len(self._cache))

    def clear(self) -> None:
        """Forget every cached answer (counters are kept)."""
        with self._lock:
            self._cache.clear()

    def resolve(self, name: str, rdtype: str) -> Answer:
        """Look up ``name`` for ``rdtype``; never raises on DNS outcomes.

        Raises ``ValueError`` only for a record type outside :data:`RDTYPES`.
        """
        key, early = self._prepare(name, rdtype)
        if early is not None:
            return early
        try:
            result = self._sync.resolve(
                key[0] + ".", key[1], raise_on_no_answer=False, search=False
            )
        except Exception as exc:  # every failure becomes an outcome
            return self._store(key, _from_exception(key, exc, self._negative_ttl))
        return self._store(key, self._from_answer(key, result))

    async def aresolve(self, name: str, rdtype: str) -> Answer:
        """Like :meth:`resolve`, through ``dns.asyncresolver``; shares the cache."""
        key, early = self._prepare(name, rdtype)
        if early is not None:
            return early
        if self._async is None:
            self._async = _configure(
                dns.asyncresolver.Resolver,
                self._nameservers,
                self._port,
                self._timeout,
                self._lifetime,
            )
        try:
            result = await self._async.resolve(
                key[0] + ".", key[1], raise_on_no_answer=False, search=False
            )
        except Exception as exc:  # every failure becomes an outcome
            return self._store(key, _from_exception(key, exc, self._negative_ttl))
        return self._store(key, self._from_answer(key, result))

    def __repr__(self) -> str:
        where = "system" if self._nameservers is None else ",".join(self._nameservers)
        return f"CachingResolver(<{where}:{self._port}>, {len(self._cache)} cached)"

    # -- internals ---------------------------------------------------------

    def _prepare(self, name: str, rdtype: str) -> tuple[tuple[str, str], Answer | None]:
        """Validate, then answer from the cache or from the name's shape alone."""
        rdtype = rdtype.upper()
        if rdtype not in RDTYPES:
            msg = f"Unsupported record type {rdtype!r}."
            raise ValueError(msg)
        key = (normalize_name(name), rdtype)
        if not _can_exist(key[0]):
            return key, Answer(key[0], rdtype, Outcome.NXDOMAIN)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                answer, expires = hit
                if now < expires:
                    self._cache.move_to_end(key)
                    self._hits += 1
                    return key, replace(answer, ttl=max(0, int(expires - now)))
                del self._cache[key]
            self._queries += 1
        return key, None

    def _store(self, key: tuple[str, str], answer: Answer) -> Answer:
        # Failures get a short fixed lifetime (see module docstring, RFC 2308 §7.1).
        lifetime = self._failure_ttl if answer.outcome.is_error else float(answer.ttl)
        if lifetime <= 0 or self._cache_size == 0:
            return answer
        expires = self._clock() + lifetime
        with self._lock:
            self._cache[key] = (answer, expires)
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return answer

    def _negative_ttl(self, response: dns.message.Message | None) -> int:
        """RFC 2308 §5: negative TTL is min(SOA TTL, SOA MINIMUM); no SOA, no caching."""
        if response is None:
            return 0
        for rrset in response.authority:
            if rrset.rdtype == dns.rdatatype.SOA and len(rrset) > 0:
                soa: Any = rrset[0]
                return max(0, min(int(rrset.ttl), int(soa.minimum), self._negative_cap))
        return 0

    def _from_answer(self, key: tuple[str, str], result: dns.resolver.Answer) -> Answer:
        name, rdtype = key
        rrset = result.rrset
        if rrset is None or len(rrset) == 0:
            return Answer(name, rdtype, Outcome.NODATA, ttl=self._negative_ttl(result.response))
        ttl = min(max(int(result.chaining_result.minimum_ttl), self._min_ttl), self._max_ttl)
        try:
            records, strings = _present(rdtype, rrset)
        except (ValueError, AttributeError, UnicodeError):
            # An answer whose records do not have the shape of their type is
            # a broken server, not a fact about the name.
            return Answer(name, rdtype, Outcome.SERVFAIL)
        return Answer(name, rdtype, Outcome.ANSWER, records, strings, ttl)


_R = Any  # dns.resolver.Resolver | dns.asyncresolver.Resolver, built alike


def _configure(
    factory: Callable[..., _R],
    nameservers: Sequence[str] | None,
    port: int,
    timeout: float,
    lifetime: float,
) -> _R:
    try:
        resolver = factory(configure=nameservers is None)
    except dns.resolver.NoResolverConfiguration as exc:
        msg = f"No system DNS configuration ({exc}); pass nameservers=[...]."
        raise ConfigError(msg) from exc
    if nameservers is not None:
        if not nameservers:
            msg = "nameservers must name at least one server (or be None for the system's)."
            raise ConfigError(msg)
        try:
            resolver.nameservers = list(nameservers)
        except ValueError as exc:
            msg = f"Bad nameserver address in {list(nameservers)!r}: {exc}"
            raise ConfigError(msg) from exc
        resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    # Our own cache holds every answer; dnspython's would ignore the clock.
    resolver.cache = None
    return resolver


def _can_exist(name: str) -> bool:
    """False for names no DNS record can have (RFC 1035 §2.3.4 limits, bad IDNA)."""
    if not name:
        return False
    try:
        dns.name.from_text(name + ".")
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return False
    return True


def _from_exception(
    key: tuple[str, str],
    exc: Exception,
    negative_ttl: Callable[[dns.message.Message | None], int],
) -> Answer:
    """Map a dnspython exception to an outcome; see the module table."""
    name, rdtype = key
    if isinstance(exc, dns.resolver.NXDOMAIN):
        responses = exc.kwargs.get("responses") or {}
        response = next(iter(responses.values()), None)
        return Answer(name, rdtype, Outcome.NXDOMAIN, ttl=negative_ttl(response))
    if isinstance(exc, dns.resolver.NoAnswer):
        return Answer(name, rdtype, Outcome.NODATA, ttl=negative_ttl(exc.kwargs.get("response")))
    if isinstance(exc, dns.exception.Timeout):  # LifetimeTimeout is a Timeout
        return Answer(name, rdtype, Outcome.TIMEOUT)
    if isinstance(exc, dns.name.NameTooLong | dns.name.LabelTooLong | dns.name.EmptyLabel):
        return Answer(name, rdtype, Outcome.NXDOMAIN)
    # NoNameservers (SERVFAIL, REFUSED, FORMERR, unparsable replies), YXDOMAIN,
    # OSError from the socket layer and anything else dnspython raises: the
    # question could not be answered, which RFC 7208 §2.6.6 / RFC 6376 §6.1.2
    # treat as a temporary error.
    return Answer(name, rdtype, Outcome.SERVFAIL)


def _present(rdtype: str, rrset: Any) -> tuple[tuple[str, ...], tuple[tuple[bytes, ...], ...]]:
    """Records in the presentation forms documented on :class:`Answer`, sorted.

    An RRset has no order (RFC 2181 §5), and dnspython keeps it in a set; sorting
    makes every verdict reproducible from the same zone data.
    """
    if rdtype == "TXT":
        pairs = sorted(
            (b"".join(parts).decode("utf-8", "replace"), parts)
            for parts in (tuple(bytes(s) for s in rd.strings) for rd in rrset)
        )
        return tuple(text for text, _ in pairs), tuple(parts for _, parts in pairs)
    if rdtype == "MX":
        mx = sorted((int(rd.preference), _host(rd.exchange)) for rd in rrset)
        return tuple(f"{pref} {host}" for pref, host in mx), ()
    if rdtype in ("PTR", "CNAME", "NS"):
        return tuple(sorted(_host(rd.target) for rd in rrset)), ()
    # A, AAAA, SOA: dnspython's presentation form (AAAA already compressed).
    return tuple(sorted(rd.to_text() for rd in rrset)), ()


def _host(name: dns.name.Name) -> str:
    return normalize_name(name.to_text())

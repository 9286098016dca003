"""DNS for trustcheck: the :class:`Resolver` seam and its implementations.

* :class:`StaticResolver` answers from a mapping, offline.
* :class:`CachingResolver` asks real servers through dnspython, with timeouts
  and a TTL-respecting cache (positive and negative answers).
* :func:`load_fixture` reads a recorded DNS fixture file into a
  :class:`StaticResolver`; :class:`RecordingResolver` captures one.
* :mod:`trustcheck.dns.dkimpy` adapts a resolver to dkimpy's ``dnsfunc``
  (imported on demand: it depends on :mod:`trustcheck.auth`).

Every lookup returns an :class:`Answer`; DNS failures are values, not exceptions.
"""

from trustcheck.dns.base import Answer, Outcome, Resolver
from trustcheck.dns.caching import CacheStats, CachingResolver
from trustcheck.dns.fixtures import DNSFixture, RecordingResolver, load_fixture, read_fixture
from trustcheck.dns.static import StaticResolver

__all__ = [
    "Answer",
    "CacheStats",
    "CachingResolver",
    "DNSFixture",
    "Outcome",
    "RecordingResolver",
    "Resolver",
    "StaticResolver",
    "load_fixture",
    "read_fixture",
]

"""DNS for trustcheck: the :class:`Resolver` seam and its implementations.

* :class:`StaticResolver` answers from a mapping, offline.
* :class:`CachingResolver` asks real servers through dnspython, with timeouts
  and a TTL-respecting cache (positive and negative answers).

Every lookup returns an :class:`Answer`; DNS failures are values, not exceptions.
"""

from trustcheck.dns.base import Answer, Outcome, Resolver
from trustcheck.dns.caching import CacheStats, CachingResolver
from trustcheck.dns.static import StaticResolver

__all__ = ["Answer", "CacheStats", "CachingResolver", "Outcome", "Resolver", "StaticResolver"]

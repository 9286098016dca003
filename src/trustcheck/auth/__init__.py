"""E-mail authentication: SPF, DKIM, DMARC, ARC, Authentication-Results, BIMI.

Pure logic over a :class:`trustcheck.dns.Resolver`: nothing here opens a
socket of its own, so every check runs offline against a
:class:`~trustcheck.dns.StaticResolver` in tests.
"""

from trustcheck.auth.results import AuthWord, ResultSource

__all__ = ["AuthWord", "ResultSource"]

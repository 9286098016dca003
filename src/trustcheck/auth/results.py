"""Result words shared by every authentication method.

RFC 8601 §2.7 defines the result tokens an ``Authentication-Results`` header
carries; trustcheck uses exactly those words everywhere (``Verdict.auth``, the
JSON output, the header a gateway adds) so that results never need translating.
"""

from __future__ import annotations

import enum

__all__ = ["AuthWord", "ResultSource"]


class AuthWord(enum.StrEnum):
    """An RFC 8601 result token (§2.7.1 DKIM, §2.7.2 SPF, RFC 7489 §11.2 DMARC, RFC 8617 ARC).

    >>> AuthWord("pass") is AuthWord.PASS
    True
    >>> str(AuthWord.TEMPERROR)
    'temperror'
    """

    PASS = "pass"  # noqa: S105  (an RFC 8601 word, not a password)
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"
    POLICY = "policy"


class ResultSource(enum.StrEnum):
    """Where an authentication result came from (a support tool verifies long after delivery)."""

    CHECKED = "checked"
    """trustcheck evaluated it now, with the resolver it was given."""
    TRUSTED_UPSTREAM = "trusted_upstream"
    """Taken from an Authentication-Results header added by a configured trusted receiver."""
    NOT_CHECKABLE = "not_checkable"
    """Neither: the inputs were missing (no envelope) or DNS could not answer."""


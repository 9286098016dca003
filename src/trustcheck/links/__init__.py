"""Links in a message: extraction, redirector decoding and lookalike analysis.

Links are never fetched. Public names:

* :func:`find_lookalike` / :class:`LookalikeIndex` — is a domain a twist of a
  registered brand domain (reverse dnstwist)?
* :func:`extract_links` — every URL in HTML parts and plain text.
* :func:`analyze_links` — findings (``link.lookalike``, ``link.text_href_mismatch`` …)
  and the links with the codes each raised.
"""

from __future__ import annotations

from trustcheck.links.lookalike import (
    BrandDomains,
    LookalikeIndex,
    LookalikeMatch,
    Technique,
    find_lookalike,
)

__all__ = [
    "BrandDomains",
    "LookalikeIndex",
    "LookalikeMatch",
    "Technique",
    "find_lookalike",
]

"""Links in a message: extraction, redirector decoding and lookalike analysis.

Links are never fetched. Public names:

* :func:`find_lookalike` / :class:`LookalikeIndex` — is a domain a twist of a
  registered brand domain (reverse dnstwist)?
* :func:`extract_links` — every URL in HTML parts and plain text.
* :func:`analyze_links` — findings (``link.lookalike``, ``link.text_href_mismatch`` …)
  and the links with the codes each raised.
"""

from __future__ import annotations

from trustcheck.links.analyze import analyze_links
from trustcheck.links.extract import LinkSet, collect_links, extract_links
from trustcheck.links.lookalike import (
    BrandDomains,
    LookalikeIndex,
    LookalikeMatch,
    Technique,
    find_lookalike,
    lookalike_index,
)
from trustcheck.links.redirectors import unwrap, unwrap_all

__all__ = [
    "BrandDomains",
    "LinkSet",
    "LookalikeIndex",
    "LookalikeMatch",
    "Technique",
    "analyze_links",
    "collect_links",
    "extract_links",
    "find_lookalike",
    "lookalike_index",
    "unwrap",
    "unwrap_all",
]

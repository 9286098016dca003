"""Generic lure detection for e-mail content."""

from __future__ import annotations

from collections.abc import Sequence

from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand
from trustcheck.verdict import Finding, Link

__all__ = ["content_findings"]


def content_findings(
    parsed: ParsedEmail,
    *,
    links: Sequence[Link],
    brand: Brand | None,
    authenticated: bool,
) -> tuple[Finding, ...]:
    """Lure findings for one parsed e-mail (none detected yet)."""
    del parsed, links, brand, authenticated
    return ()

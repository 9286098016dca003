"""The verifier's view of templates: one call per message, one result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand
from trustcheck.verdict import Finding, Link, TemplateMatch

__all__ = ["TemplateCheck", "TemplateSet", "check_email_template"]


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """The registered templates a verifier compares messages with."""

    templates: tuple[object, ...] = ()

    @classmethod
    def empty(cls) -> TemplateSet:
        return cls()

    def __len__(self) -> int:
        return len(self.templates)


@dataclass(frozen=True, slots=True)
class TemplateCheck:
    """What template matching found for one message."""

    match: TemplateMatch | None = None
    findings: tuple[Finding, ...] = ()
    brand_id: str | None = None
    """The brand whose template the message imitates, when the message itself names none."""


def check_email_template(
    parsed: ParsedEmail,
    *,
    templates: TemplateSet,
    brand: Brand | None,
    authenticated: bool,
    links: Sequence[Link],
) -> TemplateCheck:
    """Compare a parsed e-mail with the registered templates (none registered: no match)."""
    del parsed, brand, authenticated, links
    if not len(templates):
        return TemplateCheck()
    return TemplateCheck()

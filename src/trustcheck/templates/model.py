"""Registered templates as values: slots, channel variants, policies.

One :class:`Template` is one version of one notification (``example-pay.receipt@2026-01``),
loaded from one YAML file (see docs/templates.md). Channel variants (e-mail, SMS,
AlimTalk) share one slot schema, because relays fall back from AlimTalk to SMS
with the same variables (research/sms-templates.md §1.2).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "AlimtalkVariant",
    "Button",
    "EmailVariant",
    "Slot",
    "SlotKind",
    "SmsVariant",
    "Template",
    "TemplatePolicy",
]


class SlotKind(enum.StrEnum):
    """The type of a slot: what its values may look like."""

    TEXT = "text"
    NAME = "name"
    MASKED_NAME = "masked_name"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    URL_PATH = "url_path"
    MONEY = "money"
    INT = "int"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    ORDER_ID = "order_id"
    REGEX = "regex"
    CODE = "code"
    ENUM = "enum"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class Slot:
    """One variable part of a template, with the rules its values must follow."""

    name: str
    kind: SlotKind
    max_len: int | None = None
    pattern: str | None = None
    """For ``regex``/``order_id``: the whole value must match (``re.fullmatch``)."""
    prefixes: tuple[str, ...] = ()
    """For ``url``: the fixed prefixes the value must start with (Kakao button rule)."""
    values: tuple[str, ...] = ()
    """For ``enum``: the allowed values."""
    fields: tuple[Slot, ...] = ()
    """For ``list``: the slots of one repeated item."""
    min_items: int = 1
    max_items: int = 100
    example: str | None = None
    allow_any_phone: bool = False
    required: bool = True
    label: str | None = None
    """The name the brand's relay uses (``#{고객명}``), kept when a template is imported."""


@dataclass(frozen=True, slots=True)
class EmailVariant:
    """The e-mail channel: sender addresses, subject, text body and an HTML sample."""

    senders: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    """A real sample with slot values replaced by ``{{slot}}`` markers."""
    list_unsubscribe: bool = False


@dataclass(frozen=True, slots=True)
class SmsVariant:
    """The SMS channel. ``lms`` declares a long message (over 90 EUC-KR bytes in Korea)."""

    body: str
    lms: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    """An AlimTalk button: ``type`` such as ``WL`` (web link), ``name`` fixed, ``link`` a
    fixed prefix with at most a slot as tail."""

    type: str
    name: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class AlimtalkVariant:
    """The Kakao AlimTalk channel."""

    body: str
    channel: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class TemplatePolicy:
    """What the filled-in message may contain beyond the slot types."""

    registry_links: bool = True
    """Links must stay on the brand's registered domains."""
    link_prefixes: tuple[str, ...] = ()
    """Further allowed link prefixes (e.g. a help-centre host run by a vendor)."""
    phones: tuple[str, ...] = ()
    """Phone numbers the message may carry, in E.164; the brand's SMS senders also count."""
    never_asks: tuple[str, ...] = ("password", "card_number", "cvv", "verification_code",
                                   "ssn")


@dataclass(frozen=True, slots=True)
class Template:
    """One registered template version."""

    id: str
    version: str
    brand: str
    slots: tuple[Slot, ...]
    status: str = "active"
    category: str = "transactional"
    locale: str | None = None
    email: EmailVariant | None = None
    sms: SmsVariant | None = None
    alimtalk: AlimtalkVariant | None = None
    policy: TemplatePolicy = field(default_factory=TemplatePolicy)
    sms_max_bytes: int = 90
    """Conformance: a longer SMS body must be declared ``lms`` (EUC-KR bytes, Korea)."""
    fingerprint: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """What ``trustcheck template build`` recorded (layout and text digests)."""
    source: str | None = None

    @property
    def key(self) -> str:
        """``id@version``, the name findings and reports use."""
        return f"{self.id}@{self.version}"

    def slot(self, name: str) -> Slot | None:
        """The slot called ``name`` (top level or inside a list), or None."""
        for s in self.slots:
            if s.name == name:
                return s
            for f in s.fields:
                if f.name == name:
                    return f
        return None

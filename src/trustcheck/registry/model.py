"""The brand registry model: :class:`Brand` and the immutable, indexed :class:`Registry`.

A registry is data (YAML files, see ``brand.schema.json``); this module only holds
it and answers lookups. Reading and validating files lives in
:mod:`trustcheck.registry.loader`, so this module does no I/O of its own except
through :meth:`Registry.load` / :meth:`Registry.default`, which delegate there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from trustcheck.registry.names import (
    fold_name,
    national_digits,
    normalize_domain,
    normalize_sms_sender,
)

__all__ = ["Brand", "Registry"]

#: Auto-derived lookalike labels shorter than this are too generic to protect
#: ("kt", "nts", "gov"); a brand lists them under ``protect:`` when it wants them.
MIN_DERIVED_LABEL = 4


@dataclass(frozen=True, slots=True)
class Brand:
    """One registered brand: who it is and which domains and senders are really its own.

    Every tuple holds normalised values: domains in lower-case A-label form without
    a trailing dot, SMS senders in E.164 (numbers) or as written (short codes,
    alphanumeric IDs).
    """

    id: str
    names: tuple[str, ...]
    verified: date
    sources: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    """Names/aliases that are also ordinary words: they need a sender field or brand context."""
    country: str | None = None
    email_domains: tuple[str, ...] = ()
    dkim_domains: tuple[str, ...] = ()
    web_domains: tuple[str, ...] = ()
    short_link_hosts: tuple[str, ...] = ()
    country_domains: tuple[str, ...] = ()
    """The brand's national sites (``google.fr``, ``amazon.co.jp``): owned, like web domains."""
    service_domains: tuple[str, ...] = ()
    """Infrastructure the brand serves content, APIs or mail from (``office.net``,
    ``dropboxapi.com``): owned, but their labels are not protected against lookalikes."""
    check_urls: tuple[str, ...] = ()
    report_channels: tuple[str, ...] = ()
    sms_senders: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    protect: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    notes: str = ""

    @property
    def display_name(self) -> str:
        """The first registered name, for messages."""
        return self.names[0]

    @property
    def all_domains(self) -> tuple[str, ...]:
        """E-mail, DKIM, web, short-link, country and service domains, in that order,
        without repeats: every domain the brand owns."""
        seen = dict.fromkeys(
            (*self.email_domains, *self.dkim_domains, *self.web_domains, *self.short_link_hosts,
             *self.country_domains, *self.service_domains)
        )
        return tuple(seen)

    @property
    def sending_domains(self) -> tuple[str, ...]:
        """Domains that may legitimately appear in From (e-mail and DKIM domains).

        Falls back to :attr:`all_domains` when the registry lists no sending domain,
        so a brand with only web domains can still be recognised as the sender.
        """
        own = tuple(dict.fromkeys((*self.email_domains, *self.dkim_domains)))
        return own or self.all_domains

    @property
    def lookalike_labels(self) -> tuple[str, ...]:
        """Distinctive second-level labels to protect against lookalikes.

        Derived from the registrable domains of ``web_domains`` and ``email_domains``
        ("apple" from ``apple.com``, "kbstar" from ``kbstar.com``), keeping labels of
        at least :data:`MIN_DERIVED_LABEL` characters, then adding ``protect`` and
        removing ``exclude``. Needs the Public Suffix List, loaded on first use.
        """
        from trustcheck.registry.names import registrable_label

        labels: dict[str, None] = {}
        for domain in (*self.web_domains, *self.email_domains):
            label = registrable_label(domain)
            if label is not None and len(label) >= MIN_DERIVED_LABEL:
                labels[label] = None
        labels.update(dict.fromkeys(self.protect))
        for label in self.exclude:
            labels.pop(label, None)
        return tuple(labels)

    def owns_domain(self, domain: str) -> bool:
        """True if ``domain`` is one of the brand's domains or a subdomain of one."""
        host = normalize_domain(domain)
        if host is None:
            return False
        own = set(self.all_domains)
        return any(suffix in own for suffix in _suffixes(host))

    def sends_from(self, domain: str) -> bool:
        """True if ``domain`` is (under) one of :attr:`sending_domains`."""
        host = normalize_domain(domain)
        if host is None:
            return False
        own = set(self.sending_domains)
        return any(suffix in own for suffix in _suffixes(host))


def _suffixes(host: str) -> Iterable[str]:
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``: most specific first."""
    labels = host.split(".")
    for i in range(len(labels)):
        yield ".".join(labels[i:])


@dataclass(frozen=True, slots=True)
class Registry:
    """An immutable set of brands with indexes by id, domain, name and SMS sender.

    Build one with :meth:`load`, :meth:`default`, :meth:`empty` or ``Registry(brands)``.
    When two brands list the same domain or sender, the first brand (in ``brands``
    order) owns it in the index; ``registry lint`` warns about such overlaps.
    """

    brands: tuple[Brand, ...] = ()
    _by_id: Mapping[str, Brand] = field(init=False, repr=False, compare=False)
    _by_domain: Mapping[str, Brand] = field(init=False, repr=False, compare=False)
    _by_name: Mapping[str, tuple[Brand, ...]] = field(init=False, repr=False, compare=False)
    _by_sender: Mapping[str, tuple[Brand, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Brand] = {}
        by_domain: dict[str, Brand] = {}
        by_name: dict[str, list[Brand]] = {}
        by_sender: dict[str, list[Brand]] = {}
        for brand in self.brands:
            by_id.setdefault(brand.id, brand)
            for domain in brand.all_domains:
                by_domain.setdefault(domain, brand)
            for name in (*brand.names, *brand.aliases):
                bucket = by_name.setdefault(fold_name(name), [])
                if brand not in bucket:
                    bucket.append(brand)
            for senders in brand.sms_senders.values():
                for sender in senders:
                    # Index the national digits too, so "15777011" read without a
                    # country still finds "+8215777011".
                    for key in (sender, national_digits(sender)):
                        if key is None:
                            continue
                        bucket = by_sender.setdefault(key.casefold(), [])
                        if brand not in bucket:
                            bucket.append(brand)
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        object.__setattr__(self, "_by_domain", MappingProxyType(by_domain))
        object.__setattr__(
            self, "_by_name", MappingProxyType({k: tuple(v) for k, v in by_name.items()})
        )
        object.__setattr__(
            self, "_by_sender", MappingProxyType({k: tuple(v) for k, v in by_sender.items()})
        )

    # -- construction

    @classmethod
    def load(cls, path: str | Path) -> Registry:
        """Load a registry from a directory of ``*.yaml`` files (one brand each) or one file.

        Raises :class:`~trustcheck.errors.RegistryError` naming the file, the field
        and what to fix when an entry does not validate against ``brand.schema.json``.
        """
        from trustcheck.registry.loader import load_brands

        return cls(load_brands(Path(path)))

    @classmethod
    def default(cls) -> Registry:
        """The registry shipped with trustcheck (loaded once per process, then cached)."""
        return _default_registry()

    @classmethod
    def empty(cls) -> Registry:
        """A registry with no brands: every message is ``unverified`` at best."""
        return cls(())

    def merge(self, other: Registry) -> Registry:
        """Return ``self`` overlaid with ``other`` (e.g. the default under a user's registry).

        A brand in ``other`` with the same id **replaces** ours as a whole, it is not
        merged field by field: a user who redefines a brand states all its domains,
        so a stale default domain cannot survive unnoticed. New ids are appended.
        Other's brands come first in the result so that they also win index overlaps.
        """
        replaced = {b.id for b in other.brands}
        kept = tuple(b for b in self.brands if b.id not in replaced)
        return Registry((*other.brands, *kept))

    # -- lookups

    def __len__(self) -> int:
        return len(self.brands)

    def __contains__(self, brand_id: object) -> bool:
        return brand_id in self._by_id

    def get(self, brand_id: str) -> Brand | None:
        """The brand with this id, or None."""
        return self._by_id.get(brand_id)

    def brand_for_domain(self, domain: str) -> Brand | None:
        """The brand owning ``domain``: listed exactly or as a parent domain.

        ``id.apple.com`` belongs to Apple because ``apple.com`` is registered; the most
        specific registered suffix wins. Accepts an e-mail address too (uses its domain).
        ``apple.com.evil.example`` belongs to nobody: only suffixes count.
        """
        host = normalize_domain(domain.rpartition("@")[2])
        if host is None:
            return None
        for suffix in _suffixes(host):
            brand = self._by_domain.get(suffix)
            if brand is not None:
                return brand
        return None

    def brands_named(self, name: str) -> tuple[Brand, ...]:
        """Brands whose name or alias equals ``name`` after confusable/case folding."""
        return self._by_name.get(fold_name(name), ())

    def brands_for_sms_sender(self, sender: str, country: str | None = None) -> tuple[Brand, ...]:
        """Brands that registered this SMS sender (number, short code or alphanumeric ID).

        ``country`` is the region used to read a national number ("1577-7011" in KR).
        """
        key = normalize_sms_sender(sender, country)
        if key is None:
            return ()
        return self._by_sender.get(key.casefold(), ())

    @property
    def domain_index(self) -> Mapping[str, Brand]:
        """Read-only map of every registered domain to its brand."""
        return self._by_domain

    @property
    def name_index(self) -> Mapping[str, tuple[Brand, ...]]:
        """Read-only map of folded names and aliases to brands (see ``fold_name``)."""
        return self._by_name


@functools.cache
def _default_registry() -> Registry:
    from trustcheck.registry.loader import load_default

    return Registry(load_default())

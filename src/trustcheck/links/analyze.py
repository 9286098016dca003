"""Judge the links of one message: pure function of the links and the brand registry.

Each check adds a :class:`~trustcheck.verdict.Finding` with a stable code and the
evidence (URL, host, brand, technique) and records the code in the link's
``flags``. Redirectors that carry their target in the URL are decoded (never
fetched) and the target is judged as well, as an extra link with source
``redirect``.

Severity follows what the evidence proves. A lookalike of a registered brand or
an anchor that shows a brand's domain but leads elsewhere is ``high``; the same
mismatch through a known e-mail click tracker, or between two unregistered
domains, is weaker — newsletters do it all the time (rspamd#549, #5060).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from trustcheck.links.domains import is_ip_literal, normalize_host, split_host
from trustcheck.links.extract import domain_in_text, host_of
from trustcheck.links.lookalike import LookalikeIndex, LookalikeMatch, lookalike_index
from trustcheck.links.redirectors import unwrap_all
from trustcheck.links.skeleton import scripts_of
from trustcheck.registry.derived import PerRegistry
from trustcheck.verdict import JSON, Finding, Link, Severity

__all__ = ["analyze_links", "known_shorteners", "known_trackers"]

#: LookalikeMatch.score thresholds: weaker techniques (exact label on a country-code
#: suffix, a bare brand word in a subdomain, distance-2 matches) stay below HIGH.
_HIGH_AT = 0.75
_MEDIUM_AT = 0.55


def _lookalike_severity(score: float) -> Severity:
    if score >= _HIGH_AT:
        return Severity.HIGH
    return Severity.MEDIUM if score >= _MEDIUM_AT else Severity.LOW


_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_NAVIGABLE = frozenset({"href", "form", "text", "meta", "sms", "redirect"})


def _load(name: str) -> frozenset[str]:
    text = (resources.files("trustcheck.links") / "data" / name).read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


@functools.cache
def known_shorteners() -> frozenset[str]:
    """Hosts of public URL shorteners (``data/shorteners.txt``)."""
    return _load("shorteners.txt")


@functools.cache
def known_trackers() -> frozenset[str]:
    """Registrable domains of e-mail trackers and ESP click wrappers (``data/trackers.txt``)."""
    return _load("trackers.txt")


@dataclass(frozen=True, slots=True)
class _BrandView:
    domains: dict[str, frozenset[str]]
    """brand id -> registrable domains it registered"""
    short_hosts: frozenset[str]


def _brand_view(registry: Any) -> _BrandView:
    domains: dict[str, frozenset[str]] = {}
    short: set[str] = set()
    for brand in getattr(registry, "brands", ()):
        regs: set[str] = set()
        for domain in getattr(brand, "all_domains", ()):
            host = normalize_host(domain)
            if host is not None:
                regs.add(split_host(host.ascii).registrable or host.ascii)
        domains[str(brand.id)] = frozenset(regs)
        for host_name in getattr(brand, "short_link_hosts", ()):
            host = normalize_host(host_name)
            if host is not None:
                short.add(host.ascii)
    return _BrandView(domains, frozenset(short))


class _Run:
    """Findings and per-link flags for one call of :func:`analyze_links`."""

    def __init__(self, index: LookalikeIndex, view: _BrandView, claimed: str | None) -> None:
        self.index = index
        self.view = view
        self.claimed = claimed
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str]] = set()
        # registrable domain -> (position in findings, hosts seen, best match)
        self._lookalikes: dict[str, tuple[int, list[str], LookalikeMatch]] = {}

    def add(self, flags: list[str], code: str, severity: Severity, key: str, message: str,
            evidence: dict[str, JSON]) -> None:
        if code not in flags:
            flags.append(code)
        if (code, key) in self._seen:
            return  # one finding per code and URL/host, however often it repeats
        self._seen.add((code, key))
        self.findings.append(Finding(code, severity, message, evidence))

    def owner(self, registrable: str | None) -> str | None:
        return None if registrable is None else self.index.owner(registrable)

    def check(self, link: Link) -> Link:
        flags = list(link.flags)
        url = link.url.strip()
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        ev: dict[str, JSON] = {"url": url[:2000], "source": link.source}
        if "privacy.tracking_pixel" in flags:
            self.add(flags, "privacy.tracking_pixel", Severity.INFO, url,
                     f"Tracking pixel (1x1 or hidden image) loads {link.host or url[:80]}.", ev)
        if link.source in ("href", "form"):
            if scheme == "javascript":
                # Mail clients do not run it, and web pages saved as HTML mail (old news
                # and shop newsletters) carry it: deceptive next to a lure, not alone.
                self.add(flags, "link.javascript_uri", Severity.MEDIUM, url,
                         f"A {link.source} runs JavaScript: {url[:80]}", ev)
            elif scheme == "data":
                self.add(flags, "link.data_uri", Severity.MEDIUM, url[:200],
                         f"A {link.source} opens an inline data: document ({url[:40]}…).", ev)
        if link.host is None:
            return _with_flags(link, flags)
        self._host_checks(link, url, ev, flags)
        return _with_flags(link, flags)

    def _host_checks(self, link: Link, url: str, ev: dict[str, JSON], flags: list[str]) -> None:
        host, reg = link.host or "", link.registrable_domain or link.host or ""
        ev = {**ev, "host": host, "registrable_domain": reg}
        try:
            parts = urlsplit(url)
            port = parts.port
            userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
            scheme = parts.scheme.lower()
        except ValueError:
            port, userinfo, scheme = None, "", ""
        navigable = link.source in _NAVIGABLE
        if userinfo:
            # "paypal.com@evil.example" hides the host; "user:password@host" written out
            # in plain text (how-to mails, list discussions) hides nothing from the reader.
            looks_like_host = "." in userinfo
            severity = (Severity.HIGH if looks_like_host
                        else Severity.LOW if link.source == "text" else Severity.MEDIUM)
            self.add(flags, "link.userinfo", severity,
                     url, f"URL hides its real host behind '{userinfo[:60]}@': it goes to {host}.",
                     {**ev, "userinfo": userinfo[:200]})
        if is_ip_literal(host):
            self.add(flags, "link.ip_literal", Severity.MEDIUM if navigable else Severity.LOW,
                     host, f"Link to a bare IP address {host} instead of a domain.", ev)
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            self.add(flags, "link.unusual_port", Severity.LOW, f"{host}:{port}",
                     f"Link to {host} on unusual port {port}.", {**ev, "port": port})
        if (host in known_shorteners() or reg in known_shorteners()) and not (
                host in self.view.short_hosts or self.owner(reg) is not None):
            self.add(flags, "link.shortener", Severity.LOW, host,
                     f"Shortened link via {host} hides its destination.", ev)
        if reg in known_trackers():
            self.add(flags, "privacy.tracker", Severity.INFO, reg,
                     f"Link or image through tracking service {reg}.", ev)
        match = self.index.match(host)
        if match is not None:
            self.lookalike(flags, host, reg, match, ev)
        else:
            norm = normalize_host(host)
            if norm is not None and (norm.is_idn or norm.had_invisible or norm.had_bidi):
                label_scripts = scripts_of(norm.unicode.replace(".", ""))
                names: list[JSON] = [*sorted(label_scripts)]
                if len(label_scripts) > 1:
                    self.add(flags, "link.punycode", Severity.LOW, host,
                             f"Internationalised host {norm.unicode} mixes scripts "
                             f"({', '.join(sorted(label_scripts))}).",
                             {**ev, "unicode": norm.unicode, "scripts": names})
        if link.source == "form" and scheme in ("http", "https"):
            claimed_regs = self.view.domains.get(self.claimed or "", frozenset())
            if reg not in claimed_regs:
                self.add(flags, "link.form_action_external", Severity.MEDIUM, url,
                         f"A form in the message submits to {host}.", ev)
        if self.claimed is not None and navigable and link.source != "redirect":
            regs = self.view.domains.get(self.claimed)
            if regs is not None and reg not in regs:
                self.add(flags, "link.off_brand", Severity.LOW, reg,
                         f"Link to {reg}, which is not a registered domain of {self.claimed}.",
                         {**ev, "brand": self.claimed})

    def lookalike(self, flags: list[str], host: str, reg: str, match: LookalikeMatch,
                  ev: dict[str, JSON]) -> None:
        """One ``link.lookalike`` finding per registrable domain, all its hosts in evidence.

        cdn., track. and appleid. of one squatted domain are one deception, not three:
        the finding keeps the strongest host match and lists every host.
        """
        if "link.lookalike" not in flags:
            flags.append("link.lookalike")
        prior = self._lookalikes.get(reg)
        if prior is None:
            hosts, best, position = [host], match, len(self.findings)
            self.findings.append(Finding("link.lookalike", Severity.INFO, "", {}))
        else:
            position, hosts, best = prior
            if host in hosts:
                return
            hosts.append(host)
            if match.score > best.score:
                best, ev = match, {**ev}
            else:
                ev = dict(self.findings[position].evidence)
        self._lookalikes[reg] = (position, hosts, best)
        shown = hosts[0] if len(hosts) == 1 else f"{reg} ({', '.join(hosts)})"
        hosts_json: list[JSON] = [*hosts]
        self.findings[position] = Finding(
            "link.lookalike", _lookalike_severity(best.score),
            f"{shown} imitates {best.brand}'s domain {best.official} "
            f"({best.technique.value}).",
            {**ev, **best.to_evidence(), "hosts": hosts_json})

    def mismatch(self, link: Link, target_reg: str | None, flags: list[str]) -> None:
        """Anchor text shows one domain, the href (after decoding redirectors) another."""
        if link.source != "href" or not link.text or target_reg is None:
            return
        shown = domain_in_text(link.text)
        if shown is None:
            return
        shown_host, shown_reg = shown
        if shown_reg == target_reg or shown_reg == link.registrable_domain:
            return
        shown_brand = self.owner(shown_reg)
        href_brand = self.owner(target_reg)
        if shown_brand is not None and shown_brand == href_brand:
            return  # both registered to the same brand (apple.com shown, icloud.com linked)
        through_tracker = (link.registrable_domain in known_trackers()
                           or target_reg in known_trackers())
        # Only a registered brand's domain in the text makes this strong evidence;
        # between two unregistered domains it is everyday newsletter practice.
        if shown_brand is not None:
            severity = Severity.MEDIUM if through_tracker else Severity.HIGH
        elif is_ip_literal(target_reg):
            # A domain shown, a bare IP behind it: no mailer or tracker links so, the
            # text is there to hide where the link goes.
            severity = Severity.MEDIUM
        else:
            severity = Severity.INFO if through_tracker else Severity.LOW
        self.add(flags, "link.text_href_mismatch", severity, link.url,
                 f"Link text shows {shown_host} but the link goes to {target_reg}.",
                 {"url": link.url[:2000], "text_domain": shown_reg, "href_domain": target_reg,
                  "text_brand": shown_brand, "href_brand": href_brand,
                  "through_tracker": through_tracker})


def _with_flags(link: Link, flags: list[str]) -> Link:
    """``replace(link, flags=tuple(flags))``; ``link`` itself when no flag was added (most)."""
    new = tuple(flags)
    return link if new == link.flags else replace(link, flags=new)


def analyze_links(links: Iterable[Link], *, registry: Any = None,
                  claimed_brand: str | None = None
                  ) -> tuple[tuple[Link, ...], tuple[Finding, ...]]:
    """Flag deceptive links; returns the links (with ``flags`` set) and the findings.

    ``registry`` is a :class:`trustcheck.registry.Registry` (default:
    ``Registry.default()``); ``claimed_brand`` the id of the brand the message
    claims, which enables ``link.off_brand`` and relaxes ``link.form_action_external``
    for the brand's own forms. Decoded redirector targets are appended after the
    link that carried them, with source ``redirect``.
    """
    index = lookalike_index(registry)
    view = _view_for(registry if registry is not None else _default_registry_obj())
    run = _Run(index, view, claimed_brand)
    out: list[Link] = []
    for link in links:
        checked = run.check(link)
        hops: Sequence[str] = unwrap_all(link.url) if link.host else ()
        extra: list[Link] = []
        for hop in hops:
            host, reg = host_of(hop)
            extra.append(run.check(Link(url=hop, host=host, registrable_domain=reg or host,
                                        source="redirect", text=None)))
        final_reg = extra[-1].registrable_domain if extra else checked.registrable_domain
        flags = list(checked.flags)
        run.mismatch(checked, final_reg, flags)
        out.append(_with_flags(checked, flags))
        out.extend(extra)
    return tuple(out), tuple(run.findings)


_view_for: PerRegistry[Any, _BrandView] = PerRegistry(lambda registry: _brand_view(registry))
"""The brand-domain view of each registry."""


def _default_registry_obj() -> object:
    from trustcheck.links.lookalike import _default_registry

    return _default_registry()

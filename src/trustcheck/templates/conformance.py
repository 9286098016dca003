"""CI conformance: a brand checks its own rendered notifications against its templates.

One :class:`ConformanceReport` per sample, deviations field by field, rendered
as text, JSON or JUnit XML. The checks are what the brand promises its
customers and what receivers enforce: From and DKIM domain within the registry
(DKIM, not SPF only — the Gmail BIMI lesson, research/anchors.md §4.6), the
registered subject and text, the registered layout, slot values of their type,
links on the brand's domains, List-Unsubscribe for marketing mail (RFC 8058),
and for Korean SMS the 90-byte EUC-KR limit unless declared LMS and the
``(광고)`` / ``무료수신거부`` lines for advertising (정보통신망법 §50,
research/sms-templates.md §2.4).
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from trustcheck.errors import InputError
from trustcheck.links import collect_links
from trustcheck.message import ParsedEmail, parse_email
from trustcheck.registry import Brand
from trustcheck.templates.check import TemplateSet, _email_entry, _rank_email
from trustcheck.templates.layout import html_facts, jaccard, text_shingles
from trustcheck.templates.model import Template
from trustcheck.templates.pattern import Compiled, compile_text, normalise
from trustcheck.templates.slots import validate_slots

__all__ = [
    "ConformanceReport",
    "Deviation",
    "check_conformance",
    "render_json",
    "render_junit",
    "render_text",
]

LAYOUT_MIN = 0.9
"""A brand's own rendering must keep this much of the registered layout."""


@dataclass(frozen=True, slots=True)
class Deviation:
    """One field of a sample that differs from its template."""

    field: str
    expected: str
    actual: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "expected": self.expected, "actual": self.actual,
                "message": self.message}


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    """The result for one sample."""

    sample: str
    template: str | None
    channel: str
    deviations: tuple[Deviation, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.deviations

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "template": self.template, "channel": self.channel,
                "ok": self.ok, "deviations": [d.to_dict() for d in self.deviations]}

    def to_text(self) -> str:
        """Human-readable: one line when it conforms, one line per deviation otherwise."""
        head = f"{self.sample}: {self.template or 'no template'} ({self.channel})"
        if self.ok:
            return f"{head}: conforms"
        lines = [f"{head}: {len(self.deviations)} deviation(s)"]
        for d in self.deviations:
            lines.append(f"  {d.field}: {d.message}")
            lines.append(f"    expected: {d.expected}")
            lines.append(f"    actual:   {d.actual}")
        return "\n".join(lines)


def check_conformance(
    sample: bytes | str,
    *,
    templates: TemplateSet,
    template_id: str | None = None,
    name: str = "sample",
    channel: str | None = None,
) -> ConformanceReport:
    """Check one rendered message against its registered template.

    ``sample`` is a raw e-mail (bytes or text starting with headers) or an SMS
    / AlimTalk text; ``channel`` (``email``, ``sms``, ``alimtalk``) overrides the
    guess. ``template_id`` (``id`` or ``id@version``) names the template; without
    it the best-matching registered template is used.
    """
    started = time.perf_counter()
    if channel is None:
        channel = "email" if _looks_like_email(sample) else "sms"
    forced: Template | None = None
    if template_id is not None:
        versions = templates.versions(template_id)
        if not versions:
            msg = f"No registered template {template_id!r}."
            raise InputError(msg)
        forced = versions[0]
        if len(versions) > 1 and channel == "email":
            # "acme.receipt" without a version: the version the sample is closest to.
            forced = _closest(sample, versions)
    if channel == "email":
        raw = sample.encode("utf-8") if isinstance(sample, str) else sample
        template, deviations = _email(parse_email(raw), templates, forced)
    else:
        text = sample.decode("utf-8", "replace") if isinstance(sample, bytes) else sample
        template, channel, deviations = _sms(text, templates, forced, channel)
    return ConformanceReport(sample=name, template=template.key if template else None,
                             channel=channel, deviations=tuple(deviations),
                             seconds=time.perf_counter() - started)


def _closest(sample: bytes | str, versions: Sequence[Template]) -> Template:
    raw = sample.encode("utf-8") if isinstance(sample, str) else sample
    parsed = parse_email(raw)
    facts = html_facts(parsed.html[0]) if parsed.html else None
    shown = facts.text if facts is not None and facts.text else normalise(parsed.text)
    sub = TemplateSet(tuple(versions))
    ranked = _rank_email(sub, facts.layout if facts else frozenset(), text_shingles(shown), None)
    return ranked[0].entry.template if ranked else versions[0]


def _looks_like_email(sample: bytes | str) -> bool:
    head = sample[:2000]
    text = head.decode("latin-1") if isinstance(head, bytes) else head
    return re.search(r"(?im)^(from|subject|received|return-path|dkim-signature):", text) is not None


# --------------------------------------------------------------------------- e-mail


def _email(parsed: ParsedEmail, templates: TemplateSet,
           forced: Template | None) -> tuple[Template | None, list[Deviation]]:
    facts = html_facts(parsed.html[0]) if parsed.html else None
    shown = facts.text if facts is not None and facts.text else normalise(parsed.text)
    layout = facts.layout if facts is not None else frozenset()
    if forced is not None:
        if forced.email is None:
            return forced, [Deviation("channel", "a template with an e-mail channel", "e-mail",
                                      f"{forced.key} has no e-mail variant")]
        entry = _email_entry(forced)
    else:
        ranked = _rank_email(templates, layout, text_shingles(shown), None)
        if not ranked or ranked[0].overall < 0.5:
            best = f"{ranked[0].entry.template.key} {ranked[0].overall:.0%}" if ranked else "none"
            return None, [Deviation("template", "a registered template", f"best: {best}",
                                    "matches no registered template; register it or name it "
                                    "with --template")]
        entry = ranked[0].entry
    t = entry.template
    assert t.email is not None
    owner = templates.brand(t.brand)
    out: list[Deviation] = []
    out.extend(_sender(parsed, t, owner))
    if entry.subject is not None:
        out.extend(_text_dev("subject", entry.subject, normalise(parsed.subject)))
    values: dict[str, Any] = {}
    if entry.html is not None:
        if facts is None:
            out.append(Deviation("html", "an HTML part", "none", "the template has HTML"))
        else:
            lay = jaccard(layout, entry.layout)
            if lay < LAYOUT_MIN:
                out.append(Deviation("html.layout", f"≥ {LAYOUT_MIN:.0%} of {t.key}",
                                     f"{lay:.0%}", "the HTML structure differs from the "
                                     "registered layout; re-register the template if intended"))
            values = entry.html.match(facts.text) or {}
            if not values:
                out.extend(_text_dev("html.text", entry.html, facts.text))
    if entry.text is not None:
        plain = normalise(parsed.text)
        got = entry.text.match(plain)
        if got is None:
            out.extend(_text_dev("text", entry.text, plain))
        else:
            values = {**got, **values}
    if entry.subject is not None:
        values.update(entry.subject.match(normalise(parsed.subject)) or {})
    out.extend(_slots(t, values, owner))
    out.extend(_links(parsed, t, owner))
    if (t.category == "marketing" or t.email.list_unsubscribe) and not parsed.header(
            "List-Unsubscribe"):
        out.append(Deviation("headers.List-Unsubscribe", "present (RFC 2369, one-click RFC 8058)",
                             "missing", "bulk/marketing mail must offer unsubscribing"))
    return t, out


def _sender(parsed: ParsedEmail, t: Template, owner: Brand | None) -> Iterable[Deviation]:
    assert t.email is not None
    author = parsed.from_[0] if parsed.from_ else None
    address = (author.address or "").lower() if author else ""
    domain = (author.domain or "").lower() if author else ""
    if t.email.senders and address not in t.email.senders:
        yield Deviation("from", ", ".join(t.email.senders), address or "(none)",
                        "From is not a registered sender address of this template")
    elif owner is not None and not owner.sends_from(domain or "."):
        yield Deviation("from", ", ".join(owner.sending_domains), domain or "(none)",
                        "From domain is not one of the brand's sending domains")
    sigs = parsed.header_all("DKIM-Signature")
    dkim_domains = [m.group(1).lower() for s in sigs
                    for m in [re.search(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", s)] if m]
    own = [d for d in dkim_domains if owner is None or owner.owns_domain(d)]
    aligned = [d for d in own if domain == d or domain.endswith("." + d) or d.endswith(
        "." + domain)]
    if not aligned:
        yield Deviation("dkim", f"a DKIM-Signature with d= aligned to {domain or 'From'}",
                        ", ".join(dkim_domains) or "none",
                        "sign with the brand's own domain; SPF alone does not align for "
                        "forwarded mail")


def _text_dev(field: str, compiled: Compiled, text: str) -> list[Deviation]:
    where = compiled.first_mismatch(text)
    if where is None:
        return []
    line, expected, actual = where
    return [Deviation(field, expected, actual, f"line {line} differs from the template")]


def _slots(t: Template, values: dict[str, Any], owner: Brand | None) -> Iterable[Deviation]:
    phones = set(t.policy.phones)
    if owner is not None:
        phones.update(n for ns in owner.sms_senders.values() for n in ns)
    for v in validate_slots(t.slots, values, allowed_phones=phones,
                            region=owner.country if owner is not None else None):
        slot = t.slot(v.slot)
        kind = slot.kind.value if slot is not None else "?"
        yield Deviation(f"slot.{v.slot}", f"a {kind} value", v.value, v.reason)


def _links(parsed: ParsedEmail, t: Template, owner: Brand | None) -> Iterable[Deviation]:
    linkset = collect_links(html=parsed.html, text=parsed.text, limits_max_urls=500)
    for link in linkset.links:
        if link.source not in ("href", "src", "form"):
            continue
        if not link.url.lower().startswith(("http://", "https://")):
            continue
        if t.policy.link_prefixes and link.url.startswith(t.policy.link_prefixes):
            continue
        if owner is not None and link.host and owner.owns_domain(link.host):
            if link.url.lower().startswith("http://"):
                yield Deviation("links", "https://", link.url, "link without TLS")
            continue
        yield Deviation("links", "a registered domain of " + (t.brand), link.url,
                        f"{link.source} link outside the brand's registered domains")


# --------------------------------------------------------------------------- SMS


def _sms(text: str, templates: TemplateSet, forced: Template | None,
         channel: str) -> tuple[Template | None, str, list[Deviation]]:
    norm = normalise(text)
    candidates = [forced] if forced is not None else [
        t for t in templates.templates if t.sms is not None or t.alimtalk is not None]
    best: tuple[float, Template, str, Compiled] | None = None
    words = set(norm.split())
    for t in candidates:
        for ch, body in (("sms", t.sms.body if t.sms else None),
                         ("alimtalk", t.alimtalk.body if t.alimtalk else None)):
            if not body or (channel == "alimtalk" and ch != "alimtalk"):
                continue
            compiled = compile_text(normalise(body))
            score = 2.0 if compiled.match(norm) is not None else (
                len(words & set(normalise(body).split())) / max(1, len(body.split())))
            if best is None or score > best[0]:
                best = (score, t, ch, compiled)
    if best is None or (forced is None and best[0] < 0.3):
        return None, channel, [Deviation("template", "a registered SMS/AlimTalk template",
                                         norm[:80], "matches no registered template")]
    _, t, ch, compiled = best
    out = _text_dev(f"{ch}.body", compiled, norm)
    values = compiled.match(norm) or {}
    owner = templates.brand(t.brand)
    out.extend(_slots(t, values, owner))
    if ch == "sms" and not (t.sms is not None and t.sms.lms):
        out.extend(_sms_length(text.strip(), t))
    if t.category == "marketing":
        first = text.strip().split("\n", 1)[0]
        if not first.startswith("(광고)"):
            out.append(Deviation("marketing.label", "(광고) at the start", first[:30],
                                 "advertising must start with (광고)"))
        if "무료수신거부" not in text and "무료거부" not in text:
            out.append(Deviation("marketing.opt_out", "무료수신거부 080-…", "missing",
                                 "advertising must state the free opt-out number"))
    return t, ch, out


def _sms_length(text: str, t: Template) -> Iterable[Deviation]:
    # Korea counts an SMS in EUC-KR bytes (90; longer is an LMS, billed and shown
    # differently); elsewhere one SMS is 160 GSM-7 characters (70 in UCS-2).
    if (t.locale or "").lower().startswith("ko"):
        size = len(text.encode("euc-kr", "replace"))
        if size > t.sms_max_bytes:
            yield Deviation("sms.length", f"≤ {t.sms_max_bytes} EUC-KR bytes (SMS)",
                            f"{size} bytes", "too long for an SMS; declare lms: true or "
                            "shorten it")
        return
    limit = 160 if all(ord(ch) < 128 for ch in text) else 70
    if len(text) > limit:
        yield Deviation("sms.length", f"≤ {limit} characters (one SMS)", f"{len(text)}",
                        "the text will be split into several SMS; declare lms: true if "
                        "intended")


# --------------------------------------------------------------------------- rendering


def render_text(reports: Sequence[ConformanceReport]) -> str:
    """All reports and a summary line."""
    failed = sum(not r.ok for r in reports)
    body = "\n".join(r.to_text() for r in reports)
    return f"{body}\n{len(reports)} sample(s), {failed} with deviations."


def render_json(reports: Sequence[ConformanceReport]) -> str:
    """``{"samples": n, "failed": n, "reports": [...]}``."""
    failed = sum(not r.ok for r in reports)
    return json.dumps({"samples": len(reports), "failed": failed,
                       "reports": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=2)


def render_junit(reports: Sequence[ConformanceReport], *, suite: str = "trustcheck.conformance"
                 ) -> str:
    """JUnit XML: one testcase per sample, one failure listing its deviations."""
    failures = sum(not r.ok for r in reports)
    total = sum(r.seconds for r in reports)
    root = ET.Element("testsuites", name=suite, tests=str(len(reports)),
                      failures=str(failures), errors="0", time=f"{total:.3f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(reports)),
                       failures=str(failures), errors="0", skipped="0", time=f"{total:.3f}")
    for r in reports:
        case = ET.SubElement(ts, "testcase", classname=r.template or "unmatched",
                             name=r.sample, time=f"{r.seconds:.3f}")
        if not r.ok:
            fail = ET.SubElement(case, "failure", type="conformance",
                                 message="; ".join(f"{d.field}: {d.message}"
                                                   for d in r.deviations)[:500])
            fail.text = r.to_text()
    return ET.tostring(root, encoding="unicode", xml_declaration=True)

"""Turn an :class:`~trustcheck.message.Sms` into a :class:`~trustcheck.verdict.Verdict`.

An SMS has no SPF or DKIM. What can be checked (research/sms-templates.md §2):

1. **Who claims to send it**: bracket tags ("[쿠팡]"), names and aliases in the text
   (confusable-folded by :func:`trustcheck.identity.claim_brand_sms`; Latin noise
   between Hangul letters is removed first), an alphanumeric sender ID spelling a
   brand, or a sender number a brand registered.
2. **Whether the sender is that brand's**: the number, short code or ID must be
   registered for the brand in the recipient's country (the registry's
   ``sms_senders``). A look-alike sender ID ("PAYPAI", "AMAZ0N") or a carrier
   label saying the message came from abroad (``[국제발신]``, mandatory in Korea
   since the 2015 Telecommunications Business Act amendment) on a domestic
   brand's message is a hard mismatch.
3. **Links** (:mod:`trustcheck.links`: lookalikes, shorteners, IP literals) and
   **lures** (:mod:`trustcheck.sms.lures`: intent + channel + pressure).

Finding codes raised here: ``sms.registered_sender``, ``sms.unregistered_sender``,
``sms.sender_confusable``, ``sms.sender_unverifiable``, ``sms.sender_unknown``,
``sms.sender_invalid``, ``sms.foreign_sender``, ``sms.foreign_origin``,
``sms.foreign_origin_domestic_brand``, ``lure.foreign_link_on_brand_channel``,
``brand.authenticated``, plus the ``link.*`` and ``lure.*`` codes of those modules.
The statuses some of them force are in the default policy
(:data:`trustcheck.verdict.DEFAULT_FORCED`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from trustcheck.advice import advise
from trustcheck.identity import BrandClaim, claim_brand_sms
from trustcheck.links import analyze_links, collect_links
from trustcheck.message import Sms
from trustcheck.registry import Brand, Registry
from trustcheck.registry.names import fold_words
from trustcheck.sms.lures import scan_lures
from trustcheck.sms.sender import SenderKind, SmsSender, parse_sender
from trustcheck.templates import TemplateSet, check_sms_template
from trustcheck.verdict import Finding, Link, Policy, Severity, Verdict, summarize

__all__ = ["verify_sms"]

# Latin letters slipped between Hangul syllables to dodge keyword filters
# ("청zb첩px장", research/sms-templates.md §2.7).
_LATIN_NOISE = re.compile(r"(?<=[\uac00-\ud7a3])[A-Za-z]{1,4}(?=[\uac00-\ud7a3])")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_BRACKET = re.compile(r"[\[［【]")
_INVISIBLE = dict.fromkeys(
    (0x00AD, 0x034F, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
     *range(0x2060, 0x2070), 0xFEFF), None)
_INVISIBLE_RE = re.compile("[" + "".join(chr(c) for c in _INVISIBLE) + "]")
_DIGITS = re.compile(r"\D")
# Anything the link extractor could read as a URL (scheme, host.tld, defanged dot,
# dotted quad); most texts have none, and skipping the extractor keeps SMS fast.
# Only ASCII top-level domains: "요.진짜" ends a Korean sentence, it is no host
# (IDN TLDs still arrive as xn-- or with a scheme).
_URLISH = re.compile(
    r"://|[\w-][.\u3002\uff0e\uff61][A-Za-z]{2}|[\[({](?:\.|dot)[\])}]|"
    r"\d\.\d{1,3}\.\d|www", re.IGNORECASE)
# A brand named this early in the text presents the message as the brand's.
_PRESENT_WITHIN = 60


def verify_sms(
    sms: Sms,
    *,
    registry: Registry,
    policy: Policy,
    templates: TemplateSet | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Verify one SMS against the registry and return the verdict.

    ``templates`` are the registered SMS/AlimTalk templates: a text that copies one
    from a sender the brand did not register is ``template.impersonation``, foreign
    content in a registered sender's slots ``template.slot_*``. ``now`` is accepted
    for the verifier's uniform call.
    Never raises on odd text or senders: those become findings.
    """
    del now
    text = sms.text
    # Labels need a bracket; most texts have none, so skip re-reading the body.
    labels = sms.labels if _BRACKET.search(sms.body) else ()
    country = (sms.country or "").upper() or None
    sender = parse_sender(sms.sender, country)
    korean = _HANGUL.search(text) is not None
    if country is None and labels:
        country = "KR"  # only Korean carriers write these labels (research §2.1-2.2)
    if country is None and sender is not None and sender.kind is SenderKind.PHONE:
        country = sender.region
    if country is None and korean:
        country = "KR"
    clean = text
    if not text.isascii():
        # Zero-width and other invisible characters split words against keyword
        # filters; they are kept for the link checks (which flag them in hosts).
        if _INVISIBLE_RE.search(text):
            clean = text.translate(_INVISIBLE)
        if korean:
            clean = _LATIN_NOISE.sub("", clean)

    claims = claim_brand_sms(registry=registry, body=clean, sender=sms.sender, country=country)
    brand, presents = _claimed(claims, clean)
    findings: list[Finding] = []
    sender_brand = _sender_checks(findings, registry, sender, brand, presents, country)
    if brand is None and sender_brand is not None:
        brand, presents = sender_brand, True

    foreign = any(label.strip("[]") in ("국제발신", "국외발신", "해외발신") for label in labels)
    if foreign:
        # The label is a Korean carrier's: a Korean brand's message from abroad is a
        # hard mismatch (research §2.2) unless it came from a number the brand
        # registered abroad.
        abroad = sender is not None and sender.kind is SenderKind.PHONE and (
            sender.region not in (None, "KR"))
        domestic = (brand is not None and presents and brand.country == "KR"
                    and not (abroad and any(f.code == "sms.registered_sender"
                                            for f in findings))
                    and not (abroad and brand is not None and sender is not None
                             and _registered_abroad(brand, sender)))
        findings.append(Finding(
            "sms.foreign_origin", Severity.INFO,
            f"The carrier marked this SMS as sent from abroad ({', '.join(labels)}).",
            {"labels": list(labels)},
        ))
        if domestic and brand is not None:
            findings.append(Finding(
                "sms.foreign_origin_domestic_brand", Severity.HIGH,
                f"The text presents itself as {brand.display_name}, a {brand.country} brand, "
                "but the carrier marked it as sent from abroad.",
                {"brand": brand.id, "labels": list(labels), "brand_country": brand.country},
            ))

    links: tuple[Link, ...] = ()
    if _URLISH.search(text):
        links = _sms_links(findings, text, registry, brand)
    on_brand = bool(links) and brand is not None and all(_owns(brand, link) for link in links)
    registered = any(f.code == "sms.registered_sender" for f in findings)

    scan = scan_lures(clean, links=links, brand_links=on_brand,
                      own_numbers=_own_numbers(brand) if brand is not None else frozenset(),
                      country=country, trusted_sender=registered)
    findings.extend(scan.findings)
    if foreign and korean and scan.intents:
        # "[국제발신] 해외결제 798,000원 승인": a Korean-language notice about the
        # reader's money or parcels that came from abroad (research §2.2, §2.6).
        idx = next(i for i, f in enumerate(findings) if f.code == "sms.foreign_origin")
        findings[idx] = dataclasses.replace(
            findings[idx], severity=Severity.MEDIUM,
            message=findings[idx].message.rstrip(".") + ", yet it is a Korean notice about "
            + ", ".join(sorted(scan.intents)) + ".",
            evidence={**findings[idx].evidence, "intents": sorted(scan.intents)})
    if brand is not None and presents and not registered and links and not on_brand:
        off = next(link for link in links if not _owns(brand, link))
        findings.append(Finding(
            "lure.off_brand_link", Severity.MEDIUM,
            f"The text presents itself as {brand.display_name} but links to "
            f"{off.registrable_domain or off.url[:60]}, which is not one of its domains.",
            {"brand": brand.id, "url": off.url[:2000], "host": off.host},
        ))
    if registered and brand is not None and links and not on_brand:
        off = next(link for link in links if not _owns(brand, link))
        findings.append(Finding(
            "lure.foreign_link_on_brand_channel", Severity.HIGH,
            f"{brand.display_name}'s registered sender carries a link to "
            f"{off.registrable_domain or off.url[:60]}, which is not one of its domains "
            "(a hijacked or abused sending account).",
            {"brand": brand.id, "url": off.url[:2000], "host": off.host},
        ))
    if registered and brand is not None and not scan.lure and (not links or on_brand) and (
            not foreign):
        findings.append(Finding(
            "brand.authenticated", Severity.INFO,
            f"Sent from {sender.raw if sender else ''}, a registered SMS sender of "
            f"{brand.display_name}" + (f" in {country}" if country else "") + ".",
            {"brand": brand.id, "sender": sender.key if sender else None, "country": country},
        ))

    match = None
    if templates is not None and len(templates):
        result = check_sms_template(sms.text, templates=templates, brand=brand,
                                    sender_registered=registered)
        findings.extend(result.findings)
        match = result.match
        if brand is None and result.brand_id:
            brand = registry.get(result.brand_id)

    status, score = policy.decide(findings)
    language = "ko" if korean else "en"
    advice = advise(status, brand=brand, language=language, sms_country=country)
    if status.flagged:
        extra = _sms_advice(findings, language)
        if extra:
            advice = dataclasses.replace(advice, lines=(*advice.lines, *extra))
    return Verdict(
        status=status,
        score=score,
        kind="sms",
        brand=brand.id if brand is not None else None,
        findings=tuple(findings),
        links=links,
        template=match,
        summary=summarize(status, findings, policy.weight),
        advice=advice,
    )


# -------------------------------------------------------------------- helpers

# SMS-specific advice, added to :func:`trustcheck.advice.advise`'s lines when the
# finding that calls for it is present. Never quotes the message itself.
_ADVICE: Mapping[str, Mapping[str, str]] = {
    "contact": {
        "en": "Do not call the number or message the contact given in the text; look up the "
              "company's official number yourself.",
        "ko": "문자에 적힌 번호로 전화하거나 메신저 아이디로 연락하지 마세요. 공식 고객센터 번호는 "
              "직접 찾아 확인하세요.",
    },
    "foreign": {
        "en": "The carrier marked this text as sent from abroad; a domestic company's notices "
              "do not come from abroad.",
        "ko": "[국제발신] 표시는 해외에서 보낸 문자라는 뜻입니다. 국내 회사의 결제·배송 안내는 "
              "해외에서 오지 않습니다.",
    },
    "apk": {
        "en": "Do not install apps from links in a text message; use the official app store.",
        "ko": "문자 속 링크로 앱을 설치하지 마세요. 앱은 공식 앱 마켓에서만 설치하세요.",
    },
}


def _sms_advice(findings: Sequence[Finding], language: str) -> tuple[str, ...]:
    codes = {f.code for f in findings}
    wanted = []
    if codes & {"lure.callback_number", "lure.messenger_id"}:
        wanted.append("contact")
    if "sms.foreign_origin_domestic_brand" in codes or any(
            f.code == "sms.foreign_origin" and f.severity is not Severity.INFO
            for f in findings):
        wanted.append("foreign")
    if "lure.apk" in codes:
        wanted.append("apk")
    return tuple(_ADVICE[key][language if language in ("en", "ko") else "en"]
                 for key in wanted)



def _claimed(claims: Sequence[BrandClaim], text: str) -> tuple[Brand | None, bool]:
    """The brand the text claims, and whether it *presents* itself as that brand.

    Presenting means a bracket tag ("[쿠팡]") or the name early in the text; a
    mention further down ("bought it on Coupang") names a brand without claiming
    to be it. Claims resting only on the sender number are left to the sender check.
    """
    if not claims:
        return None, False
    head = " " + fold_words(text[:_PRESENT_WITHIN]) + " "
    for claim in claims:
        textual = [e for e in claim.evidence if e.where in ("sms_tag", "body")]
        if not textual:
            continue
        presents = any(e.where == "sms_tag" for e in textual) or any(
            (" " + fold_words(e.alias) + " ") in head
            or head.find(" " + fold_words(e.alias)) != -1
            for e in textual)
        return claim.brand, presents
    return None, False


# A URL broken over two lines by the sender or a screenshot transcription
# ("https://tinyurl.com/\nyb2njqwj", "www.mxc.kr/\n14Xf").
_WRAPPED = re.compile(r"(?<=[/.=?&])[ \t]*\r?\n[ \t]*(?=[A-Za-z0-9])")
# Bare hosts with any public suffix ("nboa.osie.fund", "j.vyed.today"): an SMS has
# no room for file names, so three labels under a real suffix are a link.
_BARE_HOST = re.compile(
    r"(?<![\w@.\-/])((?:[A-Za-z0-9][A-Za-z0-9\-]{0,62}\.){2,4}[A-Za-z]{2,24})(?![\w.\-@])")


def _sms_links(
    findings: list[Finding], text: str, registry: Registry, brand: Brand | None
) -> tuple[Link, ...]:
    """Links of the text (unwrapped), checked by :func:`analyze_links`; findings appended."""
    unwrapped = _WRAPPED.sub("", text)
    linkset = collect_links(text=unwrapped, limits_max_urls=50)
    found = list(linkset.links)
    hosts = {link.host for link in found}
    extra = [m.group(1) for m in _BARE_HOST.finditer(unwrapped)]
    if extra:
        more = collect_links(text=" ".join("http://" + h for h in extra[:10]))
        found.extend(link for link in more.links
                     if link.host not in hosts and link.registrable_domain not in (None, link.host)
                     and not any(link.host and h and h.endswith("." + link.host) for h in hosts))
    findings.extend(linkset.findings)
    if not found:
        return ()
    links, link_findings = analyze_links(
        [dataclasses.replace(link, source="sms") for link in found],
        registry=registry, claimed_brand=brand.id if brand else None)
    findings.extend(link_findings)
    return links


def _senders_in(brand: Brand, country: str | None) -> tuple[str, ...]:
    if country is not None:
        return brand.sms_senders.get(country, ())
    return tuple(s for values in brand.sms_senders.values() for s in values)


def _is_registered(brand: Brand, sender: SmsSender, country: str | None) -> bool:
    key = sender.key.casefold()
    digits = _DIGITS.sub("", sender.key)
    for registered in _senders_in(brand, country):
        if registered.casefold() == key:
            return True
        if sender.kind is not SenderKind.ALPHANUMERIC and digits and (
                _DIGITS.sub("", registered).endswith(digits) and len(digits) >= 7):
            return True  # "15777011" read without a country still matches "+8215777011"
    return False


def _registered_abroad(brand: Brand, sender: SmsSender) -> bool:
    """The sender is one the brand registered for some country other than Korea."""
    return any(_is_registered(brand, sender, country)
               for country in brand.sms_senders if country != "KR")


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _named_by_id(registry: Registry, sender: SmsSender) -> tuple[Brand | None, bool]:
    """The brand an alphanumeric sender ID spells, and whether it uses look-alikes."""
    raw = sender.key
    candidates = registry.brands_named(raw) or registry.brands_named(
        " ".join(re.split(r"[\W_]+", raw)).strip())
    if not candidates:
        # Registered alphanumeric IDs ("ExamplePay") of any brand, folded.
        folded = fold_words(raw).replace(" ", "")
        for brand in registry.brands:
            for values in brand.sms_senders.values():
                for value in values:
                    if not value[:1].isdigit() and not value.startswith("+") and fold_words(
                            value).replace(" ", "") == folded:
                        candidates = (brand,)
                        break
    if not candidates:
        return None, False
    brand = candidates[0]
    spellings = (*brand.names, *brand.aliases,
                 *(v for values in brand.sms_senders.values() for v in values))
    plain = _squash(raw)
    confusable = all(_squash(name) != plain for name in spellings)
    return brand, confusable


def _sender_checks(
    findings: list[Finding],
    registry: Registry,
    sender: SmsSender | None,
    brand: Brand | None,
    presents: bool,
    country: str | None,
) -> Brand | None:
    """Add the sender findings; return the brand the sender itself points to, if any."""
    if sender is None:
        if brand is not None and presents:
            findings.append(Finding(
                "sms.sender_unknown", Severity.INFO,
                f"No sender was given, so the SMS cannot be tied to {brand.display_name}'s "
                "registered senders.", {"brand": brand.id}))
        return None
    if sender.kind is SenderKind.INVALID:
        findings.append(Finding(
            "sms.sender_invalid", Severity.LOW,
            f"The sender {sender.raw!r} is not a possible phone number.",
            {"sender": sender.raw}))
    own = [b for b in registry.brands_for_sms_sender(sender.key, country)
           if _is_registered(b, sender, country)]
    id_brand, confusable = (_named_by_id(registry, sender)
                            if sender.kind is SenderKind.ALPHANUMERIC else (None, False))
    target = brand if (brand is not None and presents) else None
    if target is None and id_brand is not None:
        target = id_brand
    if target is None:
        if own:
            findings.append(_registered(own[0], sender, country))
            return own[0]
        return None
    if any(b.id == target.id for b in own):
        findings.append(_registered(target, sender, country))
        return target
    if confusable and id_brand is not None:
        findings.append(Finding(
            "sms.sender_confusable", Severity.HIGH,
            f"The sender ID {sender.raw!r} imitates {id_brand.display_name} with look-alike "
            "characters.",
            {"sender": sender.raw, "brand": id_brand.id,
             "expected": list(_senders_in(id_brand, country))}))
        return id_brand
    registered = _senders_in(target, country)
    if registered:
        findings.append(Finding(
            "sms.unregistered_sender", Severity.HIGH,
            f"The text presents itself as {target.display_name}, which sends SMS "
            + (f"in {country} " if country else "")
            + f"only from {', '.join(registered)}; this came from {sender.raw}.",
            {"brand": target.id, "sender": sender.key, "country": country,
             "registered": list(registered)}))
    else:
        findings.append(Finding(
            "sms.sender_unverifiable", Severity.LOW,
            f"{target.display_name} registered no SMS senders"
            + (f" for {country}" if country else "")
            + f", so {sender.raw} cannot be verified as its own.",
            {"brand": target.id, "sender": sender.key, "country": country}))
    if (sender.kind is SenderKind.PHONE and target.country and sender.region
            and sender.region != target.country and country == target.country
            and not _registered_abroad(target, sender)):
        findings.append(Finding(
            "sms.foreign_sender", Severity.MEDIUM,
            f"{target.display_name} is a {target.country} brand, but the sender {sender.raw} "
            f"is a {sender.region} number.",
            {"brand": target.id, "sender": sender.key, "sender_region": sender.region}))
    return target if id_brand is not None else None


def _registered(brand: Brand, sender: SmsSender, country: str | None) -> Finding:
    return Finding(
        "sms.registered_sender", Severity.INFO,
        f"{sender.raw} is a registered SMS sender of {brand.display_name}"
        + (f" in {country}" if country else "") + ".",
        {"brand": brand.id, "sender": sender.key, "country": country})


def _owns(brand: Brand, link: Link) -> bool:
    host = link.host or ""
    if not host:
        return True  # mailto:/tel: and the like lead nowhere on the web
    return brand.owns_domain(host)


def _own_numbers(brand: Brand) -> frozenset[str]:
    """National digits of the brand's registered numbers (to not call them callback lures)."""
    out: set[str] = set()
    for values in brand.sms_senders.values():
        for value in values:
            digits = _DIGITS.sub("", value)
            if len(digits) >= 7:
                out.add(digits[-8:])
    return frozenset(out)

"""Lookalike domains: a table of labelled hosts against a small stand-in registry.

Each row is (host as seen in a message, expected brand id or None, expected
technique or None). The registry here is a stand-in with the interface of
trustcheck.registry (brands with id, all_domains, lookalike_labels).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck.links.lookalike import (
    MIN_EDIT_LABEL,
    BrandDomains,
    LookalikeIndex,
    LookalikeMatch,
    Technique,
    find_lookalike,
)


@dataclass(frozen=True)
class _Brand:
    id: str
    all_domains: tuple[str, ...]
    lookalike_labels: tuple[str, ...]


@dataclass(frozen=True)
class _Registry:
    brands: tuple[_Brand, ...]


REGISTRY = _Registry((
    _Brand("apple", ("apple.com", "icloud.com", "email.apple.com"), ("apple", "icloud")),
    _Brand("paypal", ("paypal.com", "paypal.de", "paypal.me"), ("paypal",)),
    _Brand("amazon", ("amazon.com", "amazon.co.uk", "amazonses.com"), ("amazon",)),
    _Brand("google", ("google.com", "gmail.com"), ("google", "gmail")),
    _Brand("microsoft", ("microsoft.com", "microsoftonline.com", "office.com"),
           ("microsoft", "microsoftonline")),
    _Brand("netflix", ("netflix.com",), ("netflix",)),
    _Brand("coupang", ("coupang.com",), ("coupang",)),
    _Brand("naver", ("naver.com",), ("naver",)),
    _Brand("kakao", ("kakao.com", "kakaocorp.com"), ("kakao",)),
    _Brand("kbstar", ("kbstar.com", "kbcard.com"), ("kbstar", "kbcard")),
    _Brand("dhl", ("dhl.com", "dhl.de"), ("dhl",)),
    _Brand("ups", ("ups.com",), ("ups",)),
    _Brand("samsung", ("samsung.com",), ("samsung",)),
    _Brand("facebook", ("facebook.com", "fb.com"), ("facebook",)),
    _Brand("wellsfargo", ("wellsfargo.com",), ()),  # labels derived from the domains
))

INDEX = LookalikeIndex.from_registry(REGISTRY)

T = Technique
CASES: list[tuple[str, str | None, Technique | None]] = [
    # --- brand-owned: never a lookalike
    ("apple.com", None, None),
    ("www.apple.com", None, None),
    ("id.apple.com", None, None),
    ("email.apple.com", None, None),
    ("APPLE.COM", None, None),
    ("apple.com.", None, None),
    ("icloud.com", None, None),
    ("paypal.de", None, None),
    ("www.paypal.me", None, None),
    ("amazon.co.uk", None, None),
    ("smile.amazon.co.uk", None, None),
    ("bounces.amazonses.com", None, None),
    ("mail.google.com", None, None),
    ("gmail.com", None, None),
    ("login.microsoftonline.com", None, None),
    ("office.com", None, None),
    ("kbcard.com", None, None),
    ("m.kbstar.com", None, None),
    ("wellsfargo.com", None, None),
    ("connect.secure.wellsfargo.com", None, None),
    ("WWW.NAVER.COM:443", None, None),
    ("kakaocorp.com", None, None),
    # --- unrelated ordinary domains
    ("example.com", None, None),
    ("wikipedia.org", None, None),
    ("github.com", None, None),
    ("stackoverflow.com", None, None),
    ("nytimes.com", None, None),
    ("bbc.co.uk", None, None),
    ("daum.net", None, None),
    ("gmarket.co.kr", None, None),
    ("cloudflare.com", None, None),
    ("pineapple.com", None, None),
    ("applebees.com", None, None),
    ("snapple.com", None, None),
    ("grapple.io", None, None),
    ("dhlparts.org", None, None),
    ("groups.io", None, None),
    ("supplies.com", None, None),
    ("upstart.com", None, None),
    ("cups.org", None, None),
    ("kbs.co.kr", None, None),
    ("navy.mil", None, None),
    # A real word one edit from a 5-letter protected label still matches: the cost
    # of single-edit rules from MIN_EDIT_LABEL up (measured on Tranco, see benchmarks).
    ("never.com", None, None),  # the edit lands on a common English word: that word
    ("navor.com", "naver", T.VOWEL_SWAP),
    ("localhost", None, None),
    ("192.168.0.1", None, None),
    ("[2001:db8::1]", None, None),
    ("", None, None),
    ("a..b.com", None, None),
    ("not a host", None, None),
    ("com", None, None),
    ("co.uk", None, None),
    ("x" * 300 + ".com", None, None),
    ("-apple.com", "apple", None),
    # --- tld-swap: the exact protected label under another suffix
    ("apple.net", "apple", T.TLD_SWAP),
    ("apple.xyz", "apple", T.TLD_SWAP),
    ("paypal.co", "paypal", T.TLD_SWAP),
    ("paypal.com.ru", "paypal", T.TLD_SWAP),
    ("amazon.shop", "amazon", T.TLD_SWAP),
    ("netflix.top", "netflix", T.TLD_SWAP),
    ("coupang.kr", "coupang", T.TLD_SWAP),
    ("naver.co", "naver", T.TLD_SWAP),
    ("kakao.support", "kakao", T.TLD_SWAP),
    ("dhl.xyz", "dhl", T.TLD_SWAP),
    ("ups.info", "ups", T.TLD_SWAP),
    ("samsung.online", "samsung", T.TLD_SWAP),
    ("login.paypal.com.ru", "paypal", T.TLD_SWAP),
    ("wellsfargo.net", "wellsfargo", T.TLD_SWAP),
    ("kbstar.co.kr", "kbstar", T.TLD_SWAP),
    # --- omission
    ("aple.com", "apple", T.OMISSION),
    ("appl.com", "apple", T.OMISSION),
    ("paypl.com", "paypal", T.OMISSION),
    ("amzon.com", "amazon", T.OMISSION),
    ("gogle.com", "google", T.OMISSION),
    ("microsft.com", "microsoft", T.OMISSION),
    ("netflx.com", "netflix", T.OMISSION),
    ("coupng.com", "coupang", T.OMISSION),
    ("samsng.com", "samsung", T.OMISSION),
    ("facebok.com", "facebook", T.OMISSION),
    ("wellsfarg.com", "wellsfargo", T.OMISSION),
    # --- repetition
    ("appple.com", "apple", T.REPETITION),
    ("paypall.com", "paypal", T.REPETITION),
    ("amazzon.com", "amazon", T.REPETITION),
    ("gooogle.com", "google", T.REPETITION),
    ("netfllix.net", "netflix", T.REPETITION),
    ("coupangg.com", "coupang", T.REPETITION),
    ("kakkao.com", "kakao", T.REPETITION),
    # --- transposition
    ("aplpe.com", "apple", T.TRANSPOSITION),
    ("paypla.com", "paypal", T.TRANSPOSITION),
    ("amzaon.com", "amazon", T.TRANSPOSITION),
    ("googel.com", "google", T.TRANSPOSITION),
    ("mircosoft.com", "microsoft", T.TRANSPOSITION),
    ("netlfix.com", "netflix", T.TRANSPOSITION),
    ("cuopang.com", "coupang", T.TRANSPOSITION),
    ("nvaer.com", "naver", T.TRANSPOSITION),
    ("samusng.com", "samsung", T.TRANSPOSITION),
    # --- hyphenation
    ("app-le.com", "apple", T.HYPHENATION),
    ("pay-pal.com", "paypal", T.HYPHENATION),
    ("ama-zon.com", "amazon", T.HYPHENATION),
    ("micro-soft.com", "microsoft", T.HYPHENATION),
    ("net-flix.com", "netflix", T.HYPHENATION),
    ("cou-pang.com", "coupang", T.HYPHENATION),
    ("face-book.com", "facebook", T.HYPHENATION),
    ("sam-sung.net", "samsung", T.HYPHENATION),
    # --- vowel swap
    ("appla.com", "apple", T.VOWEL_SWAP),
    ("paypel.com", "paypal", T.VOWEL_SWAP),
    ("amazan.com", "amazon", T.VOWEL_SWAP),
    ("guogle.com", "google", T.VOWEL_SWAP),
    ("netflex.com", "netflix", T.VOWEL_SWAP),
    ("coupeng.com", "coupang", T.VOWEL_SWAP),
    ("kakeo.com", "kakao", T.VOWEL_SWAP),
    ("samsong.com", "samsung", T.VOWEL_SWAP),
    # --- addition (one character appended)
    ("applex.com", "apple", T.ADDITION),
    ("paypal1.com", "paypal", T.ADDITION),
    ("amazonz.com", "amazon", T.ADDITION),
    ("netflixy.com", "netflix", T.ADDITION),
    ("coupangk.com", "coupang", T.ADDITION),
    # --- keyboard replacement and insertion
    ("spple.com", "apple", T.REPLACEMENT),
    ("paypak.com", "paypal", T.REPLACEMENT),
    ("amazom.com", "amazon", None),
    ("googke.com", "google", T.REPLACEMENT),
    ("netflux.com", "netflix", None),
    ("xoupang.com", "coupang", T.REPLACEMENT),
    ("apqple.com", "apple", T.INSERTION),
    ("paypoal.com", "paypal", T.INSERTION),
    ("amazpon.com", "amazon", T.INSERTION),
    ("goiogle.com", "google", T.INSERTION),
    # --- bitsquatting (one bit flipped)
    ("aqple.com", "apple", T.BITSQUATTING),
    ("qaypal.com", "paypal", T.BITSQUATTING),
    ("amaznn.com", "amazon", None),
    ("coupajg.com", "coupang", T.BITSQUATTING),
    # --- ASCII homoglyphs (one or two substitutions, multi-character too)
    ("app1e.com", "apple", T.HOMOGLYPH),
    ("paypa1.com", "paypal", T.HOMOGLYPH),
    ("g00gle.com", "google", T.HOMOGLYPH),
    ("goog1e.com", "google", T.HOMOGLYPH),
    ("rnicrosoft.com", "microsoft", T.HOMOGLYPH),
    ("micros0ft.com", "microsoft", T.HOMOGLYPH),
    ("arnazon.com", "amazon", T.HOMOGLYPH),
    ("amaz0n.com", "amazon", T.HOMOGLYPH),
    ("netf1ix.com", "netflix", T.HOMOGLYPH),
    ("faceb00k.com", "facebook", T.HOMOGLYPH),
    ("wellsfarqo.com", "wellsfargo", T.HOMOGLYPH),
    ("sarnsung.com", "samsung", T.HOMOGLYPH),
    ("app1e.co.kr", "apple", T.HOMOGLYPH),
    ("upss.com", None, None),  # short labels: no single-edit rules
    ("dh1.com", "dhl", T.HOMOGLYPH),  # ...but homoglyphs still count
    ("vps.com", "ups", T.HOMOGLYPH),
    # --- IDN: whole-script Cyrillic, mixed script (UTS #39 skeleton), Latin diacritics
    ("xn--80ak6aa92e.com", "apple", T.CYRILLIC),  # аррӏе
    ("аррӏе.com", "apple", T.CYRILLIC),
    ("xn--pple-43d.com", "apple", T.IDN_SKELETON),  # аpple
    ("аpple.com", "apple", T.IDN_SKELETON),
    ("pаypal.com", "paypal", T.IDN_SKELETON),
    ("paypаl.com", "paypal", T.IDN_SKELETON),
    ("аmazon.com", "amazon", T.IDN_SKELETON),
    ("gооgle.com", "google", T.IDN_SKELETON),
    ("nеtflix.com", "netflix", T.IDN_SKELETON),
    ("faсebook.com", "facebook", T.IDN_SKELETON),
    ("äpple.com", "apple", T.HOMOGLYPH),
    ("applé.com", "apple", T.HOMOGLYPH),
    ("páypal.com", "paypal", T.HOMOGLYPH),
    ("ǥoogle.com", "google", T.HOMOGLYPH),
    ("ɑmazon.com", "amazon", T.HOMOGLYPH),
    ("micrøsoft.com", "microsoft", T.HOMOGLYPH),
    ("ԁhl.com", "dhl", T.IDN_SKELETON),
    ("υps.com", "ups", T.IDN_SKELETON),  # Greek upsilon
    ("аpp1e.com", "apple", T.HOMOGLYPH),  # Cyrillic а plus digit one
    ("xn--pple-43d.xn--p1ai", "apple", T.IDN_SKELETON),  # аpple.рф
    ("한국.kr", None, None),
    ("münchen.de", None, None),
    ("例子.中国", None, None),
    # --- label separators, case, trailing dots, ports, invisible characters
    ("аpple。com", "apple", T.IDN_SKELETON),
    ("paypa1．com", "paypal", T.HOMOGLYPH),
    ("app1e｡com", "apple", T.HOMOGLYPH),
    ("ＡＰＰＬＥ.net", "apple", T.TLD_SWAP),
    ("apple。com", None, None),
    ("Ａpple．com", None, None),
    ("PAYPA1.COM", "paypal", T.HOMOGLYPH),
    ("app1e.com.", "apple", T.HOMOGLYPH),
    ("app1e.com..", "apple", T.HOMOGLYPH),
    ("app1e.com:8443", "apple", T.HOMOGLYPH),
    ("APPLE.COM:443", None, None),
    ("pay\u200dpal.net", "paypal", T.TLD_SWAP),  # zero-width joiner dropped
    ("app\u200ble.org", "apple", T.TLD_SWAP),  # zero-width space dropped
    ("\u202eapple.xyz", "apple", T.TLD_SWAP),  # RTL override dropped
    ("ama\u00adzon.co", "amazon", T.TLD_SWAP),  # soft hyphen dropped
    ("pay\ufeffpal.com", None, None),  # BOM inside the brand's own domain: still its own
    ("  apple.net  ", "apple", T.TLD_SWAP),
    # --- subdomain: a dot inserted into the label
    ("ap.ple.com", "apple", T.SUBDOMAIN),
    ("pay.pal.com", "paypal", T.SUBDOMAIN),
    ("ama.zon.com", "amazon", T.SUBDOMAIN),
    ("micro.soft.com", "microsoft", T.SUBDOMAIN),
    ("cou.pang.com", "coupang", T.SUBDOMAIN),
    ("d.hl.com", "dhl", T.SUBDOMAIN),
    # --- various: the official suffix glued to the label
    ("applecom.com", "apple", T.VARIOUS),
    ("paypal-de.com", "paypal", None),
    ("paypalde.com", "paypal", T.VARIOUS),
    ("amazoncouk.com", "amazon", T.VARIOUS),
    # --- dictionary (combosquatting)
    ("apple-billing.com", "apple", T.DICTIONARY),
    ("appleid-verify.com", "apple", None),
    ("secure-paypal.net", "paypal", T.DICTIONARY),
    ("paypal-login-secure.com", "paypal", T.DICTIONARY),
    ("paypalsupport.com", "paypal", T.DICTIONARY),
    ("securepaypal.com", "paypal", T.DICTIONARY),
    ("amazon-refund.info", "amazon", T.DICTIONARY),
    ("amazonaccount.com", "amazon", T.DICTIONARY),
    ("netflix-billing.com", "netflix", T.DICTIONARY),
    ("netflixpayment.com", "netflix", T.DICTIONARY),
    ("coupang-delivery.kr", "coupang", T.DICTIONARY),
    ("naver-login.com", "naver", T.DICTIONARY),
    ("kakao-verify.net", "kakao", T.DICTIONARY),
    ("dhl-tracking.com", "dhl", T.DICTIONARY),
    ("dhltracking.com", "dhl", T.DICTIONARY),
    ("ups-delivery.info", "ups", T.DICTIONARY),
    ("upsparcel.com", "ups", T.DICTIONARY),
    ("microsoft-support-team.com", "microsoft", T.DICTIONARY),
    ("microsoftonline-login.com", "microsoft", T.DICTIONARY),
    ("secureloginapple.com", "apple", T.DICTIONARY),
    ("paypa1-login.com", "paypal", T.DICTIONARY),
    ("apple-2024.com", "apple", T.DICTIONARY),
    ("samsung-xyzzy.com", "samsung", T.DICTIONARY),  # distinctive label hyphenated to anything
    ("upsinfo.com", None, None),  # short label glued to a weak word
    ("dhlnet.com", None, None),
    ("applewood.com", None, None),  # unknown word glued on: not a combosquat...
    ("paypalhq.com", None, None),
    ("netflixdirect.com", "netflix", T.DICTIONARY),  # ...unless the label is long (7+)
    ("samsungworld.com", "samsung", T.DICTIONARY),
    ("worldsamsung.com", "samsung", T.DICTIONARY),
    ("my-apple-tree-farm.com", None, None),
    ("kakaotalk-unrelated-words.com", None, None),
    # --- brand in subdomain
    ("apple.com.evil.ru", "apple", T.BRAND_IN_SUBDOMAIN),
    ("www.paypal.com.secure-login.xyz", "paypal", T.BRAND_IN_SUBDOMAIN),
    ("paypal.com-account.example.com", "paypal", T.BRAND_IN_SUBDOMAIN),
    ("amazon.co.uk.refunds.example.net", "amazon", T.BRAND_IN_SUBDOMAIN),
    ("dhl.com.track.example.net", "dhl", T.BRAND_IN_SUBDOMAIN),
    ("ups.com.tracking.example.org", "ups", T.BRAND_IN_SUBDOMAIN),
    ("netflix.evil.example.ru", "netflix", T.BRAND_IN_SUBDOMAIN),
    ("secure.coupang-login.example.org", "coupang", T.BRAND_IN_SUBDOMAIN),
    ("ups.example.com", None, None),  # a short label alone in a subdomain is common
    ("paypal.com.example", None, None),  # no public suffix at all: not a public host
    ("apple-login.github.io", "apple", T.DICTIONARY),  # private PSL: github.io is a suffix
    # --- fuzzy fallback (distance 2 on long labels)
    ("wellsfrago.com", "wellsfargo", None),
    ("microsoftonlnie.com", "microsoft", None),
    ("wellfsargo.com", "wellsfargo", None),
]


@pytest.mark.parametrize(("domain", "brand", "technique"), CASES)
def test_lookalike_table(domain: str, brand: str | None, technique: Technique | None) -> None:
    match = INDEX.match(domain)
    if brand is None:
        assert match is None, f"{domain!r} wrongly matched {match}"
        return
    assert match is not None, f"{domain!r} should imitate {brand}"
    assert match.brand == brand
    if technique is not None:
        assert match.technique is technique, match
    assert 0.0 < match.score <= 1.0
    assert match.official in {b.id: b.all_domains for b in REGISTRY.brands}[brand]


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize("domain", ["аpple.com", "app1e.com", "apple-billing.com", "apple.net"])
def test_find_lookalike_with_registry_object(domain: str) -> None:
    match = find_lookalike(domain, REGISTRY)
    assert isinstance(match, LookalikeMatch)
    assert match.brand == "apple"
    assert match.official == "apple.com"
    assert match.to_evidence()["technique"] == match.technique.value


def test_index_is_cached_per_registry() -> None:
    from trustcheck.links.lookalike import lookalike_index

    assert lookalike_index(REGISTRY) is lookalike_index(REGISTRY)


@pytest.mark.parametrize(
    ("entries", "domain", "brand"),
    [
        ([("acme", ["acme-corp.example"], ["acmecorp"])], "acmecorp.net", "acme"),
        ([BrandDomains("acme", ("acmecorp.com",))], "acmecorp.net", "acme"),
        ([BrandDomains("acme", ("acmecorp.com",))], "acmec0rp.com", "acme"),
        ([BrandDomains("acme", ("acmecorp.com",)),
          BrandDomains("other", ("acmecorp.net",))], "acmecorp.net", None),
        ([BrandDomains("acme", ("not a domain",))], "acme.com", None),
        ([], "apple.com", None),
    ],
)
def test_index_from_tuples(entries: list[object], domain: str, brand: str | None) -> None:
    index = LookalikeIndex(entries)  # type: ignore[arg-type]
    match = index.match(domain)
    assert (match.brand if match else None) == brand


@pytest.mark.parametrize("label", ["ups", "dhl", "kbcd"])
def test_short_labels_skip_single_edits(label: str) -> None:
    assert len(label) < MIN_EDIT_LABEL
    index = LookalikeIndex([("b", [f"{label}.com"], [label])])
    assert index.match(f"{label}x.com") is None  # addition
    assert index.match(f"{label[:-1]}.com") is None  # omission


# Ordinary words (module docstring): a brand whose secondary labels are common words.
WORDY = LookalikeIndex([
    BrandDomains("microsoft", ("microsoft.com", "office.com", "live.com", "outlook.com"),
                 ("microsoft", "office", "live", "outlook")),
    BrandDomains("google", ("google.com", "gmail.com"), ("google", "gmail")),
    BrandDomains("binance", ("binance.com",), ("binance",)),
    BrandDomains("chase", ("chase.com",), ("chase",)),
])
WORD_CASES: list[tuple[str, str | None, Technique | None]] = [
    # secondary labels that are ordinary words: strict rules only
    ("office.net", None, None),
    ("outlook.de", None, None),
    ("mango-office.ru", None, None),
    ("officedepot.com", None, None),
    ("liveinternet.ru", None, None),
    ("outlook.example.biz", None, None),
    ("offices.com", None, None),
    ("offlce.com", "microsoft", T.HOMOGLYPH),
    ("0ffice.com", "microsoft", T.HOMOGLYPH),
    ("office-login.com", "microsoft", T.DICTIONARY),
    ("secure-outlook-verify.com", "microsoft", T.DICTIONARY),
    ("office.com.evil.ru", "microsoft", T.BRAND_IN_SUBDOMAIN),
    ("of.fice.com", "microsoft", T.SUBDOMAIN),
    # edits that land on an ordinary word are that word
    ("mail.com", None, None),
    ("finance.com", None, None),
    ("chose.com", None, None),
    ("gmial.com", "google", T.TRANSPOSITION),
    ("binanse.com", "binance", None),
    # a primary label that is a word keeps every rule
    ("chase.net", "chase", T.TLD_SWAP),
    ("chasse.com", "chase", T.REPETITION),
    ("chase-alerts.com", "chase", T.DICTIONARY),
    ("microsoft.net", "microsoft", T.TLD_SWAP),
]


@pytest.mark.parametrize(("domain", "brand", "technique"), WORD_CASES)
def test_ordinary_word_rule(domain: str, brand: str | None, technique: Technique | None) -> None:
    match = WORDY.match(domain)
    assert (match.brand if match else None) == brand, match
    if match is not None and technique is not None:
        assert match.technique is technique, match


def test_ordinary_word_rule_can_be_switched_off() -> None:
    index = LookalikeIndex([BrandDomains("google", ("google.com", "gmail.com"),
                                         ("google", "gmail"))], common_words=())
    match = index.match("mail.com")
    assert match is not None
    assert match.technique is Technique.OMISSION


@pytest.mark.parametrize("junk", ["\x00", "a" * 5000, "....", "[::1", "xn--.com", "xn--zz9zz.com",
                                  "http://apple.com", "apple.com/path", "\u202e", "@", ":::"])
def test_bad_input_never_raises(junk: str) -> None:
    INDEX.match(junk)




@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_hosts_never_raise(s: str) -> None:
    match = INDEX.match(s)
    assert match is None or 0.0 < match.score <= 1.0


def test_find_lookalike_default_registry() -> None:
    pytest.importorskip("trustcheck.registry.loader")
    match = find_lookalike("paypa1.com")
    assert match is not None
    assert match.brand == "paypal"
    assert find_lookalike("www.paypal.com") is None

"""Link extraction, redirector decoding and link findings, as data tables."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck.links import analyze_links, collect_links, extract_links, unwrap, unwrap_all
from trustcheck.verdict import Severity


@dataclass(frozen=True)
class _Brand:
    id: str
    all_domains: tuple[str, ...]
    lookalike_labels: tuple[str, ...]
    short_link_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Registry:
    brands: tuple[_Brand, ...]


REGISTRY = _Registry((
    _Brand("apple", ("apple.com", "icloud.com", "email.apple.com"), ("apple", "icloud")),
    _Brand("paypal", ("paypal.com", "paypal.me"), ("paypal",)),
    _Brand("amazon", ("amazon.com", "amazon.co.uk", "amzn.to"), ("amazon",), ("amzn.to",)),
    _Brand("coupang", ("coupang.com", "coupa.ng"), ("coupang",), ("coupa.ng",)),
    _Brand("naver", ("naver.com", "naver.me"), ("naver",), ("naver.me",)),
))


def a(href: str, text: str = "click here") -> str:
    return f'<a href="{href}">{text}</a>'


# (id, html, claimed brand, codes that must be raised, codes that must not be raised)
LINK_CASES: list[tuple[str, str, str | None, set[str], set[str]]] = [
    ("plain-official", a("https://www.apple.com/account"), "apple", set(),
     {"link.off_brand", "link.lookalike", "link.text_href_mismatch"}),
    ("official-text-official-href", a("https://apple.com/x", "www.apple.com"), "apple", set(),
     {"link.text_href_mismatch"}),
    ("same-brand-other-domain", a("https://www.icloud.com/", "apple.com"), "apple", set(),
     {"link.text_href_mismatch", "link.off_brand"}),
    ("subdomain-text", a("https://apple.com/", "support.apple.com/billing"), None, set(),
     {"link.text_href_mismatch"}),
    ("brand-text-evil-href", a("https://evil.example.com/login", "https://www.apple.com/"),
     "apple", {"link.text_href_mismatch", "link.off_brand"}, set()),
    ("brand-text-evil-href-no-claim", a("http://203.0.113.9/x", "paypal.com"), None,
     {"link.text_href_mismatch", "link.ip_literal"}, {"link.off_brand"}),
    ("unknown-text-other-href", a("https://b.example.org/", "www.a-shop.com"), None,
     {"link.text_href_mismatch"}, set()),
    ("idn-text-punycode-href", a("https://xn--mnchen-3ya.de/", "münchen.de"), None, set(),
     {"link.text_href_mismatch", "link.punycode"}),
    ("text-not-a-domain", a("https://evil.example.com/", "Verify your account"), None, set(),
     {"link.text_href_mismatch"}),
    ("text-email-address", a("mailto:help@apple.com", "help@apple.com"), None, set(),
     {"link.text_href_mismatch"}),
    ("text-file-name", a("https://files.example.com/r.pdf", "receipt.pdf"), None, set(),
     {"link.text_href_mismatch"}),
    ("tracker-wrapped-brand-text", a("https://u123.ct.sendgrid.net/ls/click?upn=abc",
                                     "www.apple.com"), None,
     {"link.text_href_mismatch", "privacy.tracker"}, set()),
    ("google-redirect-to-shown", a("https://www.google.com/url?q=https://www.paypal.com/x",
                                   "paypal.com"), None, set(), {"link.text_href_mismatch"}),
    ("google-redirect-to-lookalike", a("https://www.google.com/url?q=https://paypa1.com/x",
                                       "paypal.com"), None,
     {"link.lookalike", "link.text_href_mismatch"}, set()),
    ("safelinks-to-lookalike",
     a("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fapple-billing.com%2F"
       "&data=05%7C01&reserved=0"), None, {"link.lookalike"}, set()),
    ("proofpoint-v2", a("https://urldefense.proofpoint.com/v2/url?u=https-3A__app1e.com_id&d=DwM"),
     None, {"link.lookalike"}, set()),
    ("proofpoint-v3", a("https://urldefense.com/v3/__https://amaz0n.com/refund__;!!AbC$"), None,
     {"link.lookalike"}, set()),
    ("facebook-redirect", a("https://l.facebook.com/l.php?u=https%3A%2F%2Fnaver-login.com%2F"),
     None, {"link.lookalike"}, set()),
    ("generic-redirect", a("https://r.example.net/out?redirect=https%3A%2F%2Fcoupang-pay.kr"), None,
     {"link.lookalike"}, set()),
    ("lookalike-homoglyph", a("https://paypa1.com/signin"), None, {"link.lookalike"}, set()),
    ("lookalike-idn", a("https://xn--pple-43d.com/"), None, {"link.lookalike"},
     {"link.punycode"}),
    ("lookalike-unicode-href", a("https://аpple.com/"), None, {"link.lookalike"}, set()),
    ("lookalike-combosquat", a("https://apple-billing.com/"), None, {"link.lookalike"}, set()),
    ("lookalike-brand-in-subdomain", a("https://apple.com.verify-id.ru/"), None,
     {"link.lookalike"}, set()),
    ("lookalike-tld-swap", a("https://coupang.shop/"), None, {"link.lookalike"}, set()),
    ("lookalike-typo", a("https://amazn.com/"), None, {"link.lookalike"}, set()),
    ("userinfo-domain", a("https://apple.com@evil.example.com/"), None, {"link.userinfo"}, set()),
    ("userinfo-token", a("https://user:pass@files.example.com/"), None, {"link.userinfo"},
     set()),
    ("ip-literal", a("http://198.51.100.7/login"), None, {"link.ip_literal"}, set()),
    ("ip-literal-decimal", a("http://3232235777/"), None, {"link.ip_literal"}, set()),
    ("ipv6-literal", a("http://[2001:db8::1]/"), None, {"link.ip_literal"}, set()),
    ("unusual-port", a("https://shop.example.com:8443/"), None, {"link.unusual_port"}, set()),
    ("default-port", a("https://shop.example.com:443/"), None, set(), {"link.unusual_port"}),
    ("javascript-href", a("javascript:document.forms[0].submit()"), None,
     {"link.javascript_uri"}, set()),
    ("javascript-uppercase", a("JavaScript:void(0)"), None, {"link.javascript_uri"}, set()),
    ("data-href", a("data:text/html;base64,PHNjcmlwdD4="), None, {"link.data_uri"}, set()),
    ("data-img-is-fine", '<img src="data:image/png;base64,iVBORw0KGgo=">', None, set(),
     {"link.data_uri"}),
    ("shortener", a("https://bit.ly/3abcDEF"), None, {"link.shortener"}, set()),
    ("shortener-korean", a("https://han.gl/xYz"), None, {"link.shortener"}, set()),
    ("brand-short-host", a("https://amzn.to/3xyz"), "amazon", set(),
     {"link.shortener", "link.off_brand"}),
    ("brand-short-host-coupang", a("https://coupa.ng/abc"), None, set(), {"link.shortener"}),
    ("off-brand", a("https://shop.example.com/"), "apple", {"link.off_brand"}, set()),
    ("off-brand-no-claim", a("https://shop.example.com/"), None, set(), {"link.off_brand"}),
    ("form-external", '<form action="https://collect.example.net/p" method=post></form>',
     "apple", {"link.form_action_external"}, set()),
    ("form-brand-own", '<form action="https://www.apple.com/search"></form>', "apple", set(),
     {"link.form_action_external"}),
    ("form-javascript", '<form action="javascript:steal()"></form>', None,
     {"link.javascript_uri"}, set()),
    ("tracking-pixel", '<img src="https://t.example.com/o.gif" width="1" height="1">', None,
     {"privacy.tracking_pixel"}, set()),
    ("hidden-pixel", '<img src="https://t.example.com/o.gif" style="display: none">', None,
     {"privacy.tracking_pixel"}, set()),
    ("normal-image", '<img src="https://cdn.example.com/logo.png" width="120" height="40">',
     None, set(), {"privacy.tracking_pixel"}),
    ("tracker-domain", '<img src="https://open.mailchimp.com/x.gif">', None,
     {"privacy.tracker"}, set()),
    ("mixed-script-idn", a("https://xn--80ak6aa92e.xn--e1a4c/"), None, set(), set()),
    ("mixed-script-not-brand", a("https://bаnk-example.com/"), None, {"link.punycode"},
     {"link.lookalike"}),
    ("base-href-resolves", '<base href="https://paypa1.com/"><a href="login">Log in</a>', None,
     {"link.lookalike"}, set()),
    ("meta-refresh", '<meta http-equiv="refresh" content="0; url=https://paypal-verify.com/">',
     None, {"link.lookalike"}, set()),
    ("css-url", '<div style="background-image: url(\'http://198.51.100.8/bg.png\')"></div>', None,
     {"link.ip_literal"}, set()),
    ("area-href", '<map><area href="https://app1e.com/" alt="Apple"></map>', None,
     {"link.lookalike"}, set()),
    ("iframe", '<iframe src="https://paypal.com.evil-login.ru/"></iframe>', None,
     {"link.lookalike"}, set()),
    ("broken-html", '<a href="https://amaz0n.com/x"><b>unclosed <i>tags', None,
     {"link.lookalike"}, set()),
    ("empty-href", '<a href="">x</a><a href="#top">top</a>', None, set(), {"link.lookalike"}),
]


@pytest.mark.parametrize(("html", "claimed", "must", "must_not"),
                         [c[1:] for c in LINK_CASES], ids=[c[0] for c in LINK_CASES])
def test_link_findings(html: str, claimed: str | None, must: set[str],
                       must_not: set[str]) -> None:
    links = extract_links(html=[html])
    checked, findings = analyze_links(links, registry=REGISTRY, claimed_brand=claimed)
    codes = {f.code for f in findings}
    assert must <= codes, f"missing {must - codes}; got {codes}"
    assert not (must_not & codes), f"unexpected {must_not & codes}"
    flagged = {code for link in checked for code in link.flags}
    assert codes <= flagged  # every finding is recorded on the link that raised it
    for f in findings:
        assert f.message
        assert "url" in f.evidence


def test_enough_link_cases() -> None:
    assert len(LINK_CASES) >= 50


@pytest.mark.parametrize(
    ("html", "text_domain", "severity"),
    [
        (a("https://evil.example.com/", "www.paypal.com"), "paypal.com", Severity.HIGH),
        (a("https://u1.ct.sendgrid.net/ls/click", "www.paypal.com"), "paypal.com",
         Severity.MEDIUM),
        (a("https://b.example.org/", "a-shop.com"), "a-shop.com", Severity.LOW),
        (a("https://u1.ct.sendgrid.net/ls/click", "a-shop.com"), "a-shop.com", Severity.INFO),
        (a("http://200.60.235.177/ncua/", "www.a-credit-union.org"), "a-credit-union.org",
         Severity.MEDIUM),
    ],
)
def test_mismatch_severity(html: str, text_domain: str, severity: Severity) -> None:
    _, findings = analyze_links(extract_links(html=[html]), registry=REGISTRY)
    (f,) = [f for f in findings if f.code == "link.text_href_mismatch"]
    assert f.severity is severity
    assert f.evidence["text_domain"] == text_domain
    assert text_domain in f.message


@pytest.mark.parametrize(
    ("html", "text", "severity"),
    [
        ([a("https://paypal.com@evil.example/")], "", Severity.HIGH),  # hides the host
        ([a("https://user:pass@files.example.com/")], "", Severity.MEDIUM),  # behind a text
        ([], "Mirror it: wget https://user:pass@files.example.com/a/", Severity.LOW),  # shown
    ],
)
def test_userinfo_severity(html: list[str], text: str, severity: Severity) -> None:
    _, findings = analyze_links(extract_links(html=html, text=text), registry=REGISTRY)
    (f,) = [f for f in findings if f.code == "link.userinfo"]
    assert f.severity is severity


@pytest.mark.parametrize(
    ("href", "severity"),
    [
        ("https://paypa1.com/", Severity.HIGH),  # homoglyph
        ("https://paypal-login.com/", Severity.HIGH),  # combosquat with a lure word
        ("https://paypal.com.evil.ru/", Severity.HIGH),  # official domain spelled out
        ("https://coupang.top/", Severity.HIGH),  # exact label, generic TLD
        ("https://coupang.de/", Severity.LOW),  # exact label, country code: often the brand's
        ("https://coupang.evil.ru/", Severity.LOW),  # bare brand word as a subdomain label
    ],
)
def test_lookalike_severity(href: str, severity: Severity) -> None:
    _, findings = analyze_links(extract_links(html=[a(href)]), registry=REGISTRY)
    (f,) = [f for f in findings if f.code == "link.lookalike"]
    assert f.severity is severity


def test_lookalike_finding_names_the_evidence() -> None:
    _, findings = analyze_links(extract_links(html=[a("https://paypa1.com/")]), registry=REGISTRY)
    (f,) = [f for f in findings if f.code == "link.lookalike"]
    assert f.severity is Severity.HIGH
    assert f.evidence["brand"] == "paypal"
    assert f.evidence["official"] == "paypal.com"
    assert f.evidence["technique"] == "homoglyph"
    assert "paypa1.com" in f.message
    assert "paypal.com" in f.message


@pytest.mark.parametrize(
    ("hrefs", "expected"),
    [
        # one squatted registrable domain, three hosts: one finding naming all three
        (["https://cdn.apple-billing-support.com/a", "https://track.apple-billing-support.com/b",
          "https://appleid.apple-billing-support.com/c"],
         {"apple-billing-support.com": ["cdn.apple-billing-support.com",
                                        "track.apple-billing-support.com",
                                        "appleid.apple-billing-support.com"]}),
        # the same host twice is still one host
        (["https://paypa1.com/a", "https://paypa1.com/b"], {"paypa1.com": ["paypa1.com"]}),
        # two registrable domains: two findings
        (["https://paypa1.com/", "https://x.apple-login.com/", "https://y.apple-login.com/"],
         {"paypa1.com": ["paypa1.com"],
          "apple-login.com": ["x.apple-login.com", "y.apple-login.com"]}),
        # a weak host first, a strong one later: the finding takes the strong match
        (["https://coupang.evil.ru/", "https://coupang.com.evil.ru/"],
         {"evil.ru": ["coupang.evil.ru", "coupang.com.evil.ru"]}),
    ],
)
def test_lookalike_once_per_registrable_domain(hrefs: list[str],
                                               expected: dict[str, list[str]]) -> None:
    html = "".join(a(h) for h in hrefs)
    checked, findings = analyze_links(extract_links(html=[html]), registry=REGISTRY)
    found = [f for f in findings if f.code == "link.lookalike"]
    assert {f.evidence["registrable_domain"]: f.evidence["hosts"] for f in found} == expected
    for f in found:
        hosts = f.evidence["hosts"]
        assert isinstance(hosts, list)
        assert all(str(h) in f.message for h in hosts)
    assert all("link.lookalike" in link.flags for link in checked if link.source == "href")


def test_lookalike_keeps_the_strongest_host() -> None:
    html = a("https://coupang.evil.ru/") + a("https://coupang.com.evil.ru/")
    _, findings = analyze_links(extract_links(html=[html]), registry=REGISTRY)
    (f,) = [f for f in findings if f.code == "link.lookalike"]
    assert f.severity is Severity.HIGH
    assert f.evidence["technique"] == "brand-in-subdomain"
    assert f.evidence["host"] == "coupang.com.evil.ru"


def test_redirect_target_is_listed() -> None:
    html = a("https://www.google.com/url?q=https://paypa1.com/x")
    checked, _ = analyze_links(extract_links(html=[html]), registry=REGISTRY)
    assert [link.source for link in checked] == ["href", "redirect"]
    assert checked[1].host == "paypa1.com"
    assert "link.lookalike" in checked[1].flags


def test_repeated_links_give_one_finding() -> None:
    html = a("https://bit.ly/a", "one") + a("https://bit.ly/a", "two")
    _, findings = analyze_links(extract_links(html=[html]), registry=REGISTRY)
    assert [f.code for f in findings].count("link.shortener") == 1


# --- extraction from HTML


def test_html_sources_and_text() -> None:
    html = ('<base href="https://x.example.com/a/"><a href="b">Go to <b>www.apple.com</b></a>'
            '<img src="/p.gif" width=1 height=1><form action="https://f.example.com/post"></form>'
            '<style>.h{background:url("https://c.example.com/bg.png")}</style>'
            '<td background="https://bg.example.com/t.png"></td>'
            '<meta http-equiv="refresh" content="5;URL=\'https://r.example.com/\'">')
    links = extract_links(html=[html])
    got = {(link.url, link.source, link.text) for link in links}
    assert ("https://x.example.com/a/b", "href", "Go to www.apple.com") in got
    assert ("https://x.example.com/p.gif", "src", None) in got
    assert ("https://f.example.com/post", "form", None) in got
    assert ("https://c.example.com/bg.png", "css", None) in got
    assert ("https://bg.example.com/t.png", "src", None) in got
    assert ("https://r.example.com/", "meta", None) in got
    pixel = next(link for link in links if link.url.endswith("p.gif"))
    assert pixel.flags == ("privacy.tracking_pixel",)


@pytest.mark.parametrize("markup", ["", "   ", "<", "<html></html>", "\x00\x01", "<a href>x</a>",
                                    "<a href='http://[::1'>x</a>", "<!-- <a href=x> -->",
                                    "<?xml version='1.0'?><a href='http://a.example.com'>x</a>"])
def test_hostile_html_never_raises(markup: str) -> None:
    links = extract_links(html=[markup])
    analyze_links(links, registry=REGISTRY)


def test_url_limit_gives_a_finding() -> None:
    html = "".join(a(f"https://h{i}.example.com/") for i in range(30))
    result = collect_links(html=[html], limits_max_urls=10)
    assert len(result.links) == 10
    assert [f.code for f in result.findings] == ["link.count_limit"]
    assert result.findings[0].evidence["dropped"] == 20


def test_html_size_limit_gives_a_finding() -> None:
    from trustcheck.links.extract import MAX_HTML_CHARS

    html = a("https://early.example.com/") + " " * MAX_HTML_CHARS + a("https://late.example.com/")
    result = collect_links(html=[html])
    assert [link.host for link in result.links] == ["early.example.com"]
    assert [f.code for f in result.findings] == ["html.size_limit"]


# --- extraction from plain text

TEXT_CASES: list[tuple[str, list[str]]] = [
    ("Visit https://www.apple.com/account today.", ["https://www.apple.com/account"]),
    ("see hxxps://evil[.]com/login now", ["https://evil.com/login"]),
    ("hxxp://bad(.)example(.)com/x", ["http://bad.example.com/x"]),
    ("go to paypal(dot)com/verify", ["http://paypal.com/verify"]),
    ("open apple.com/verify please", ["http://apple.com/verify"]),
    ("www.naver.com 에서 확인하세요", ["http://www.naver.com"]),
    ("[쿠팡] 결제완료 coupang-pay.kr 확인", ["http://coupang-pay.kr"]),
    ("문의: 1588-1234, 금액 12.500원", []),
    ("version 3.14.2 released", []),
    ("see README.md and file.zip", []),
    ("mail me at help@apple.com", []),
    ("(https://en.wikipedia.org/wiki/A_(b))", ["https://en.wikipedia.org/wiki/A_(b)"]),
    ("link: https://a.example.com/x.", ["https://a.example.com/x"]),
    ("аpple。com/login", ["http://аpple。com/login"]),
    ("bit.ly/3xYz", ["http://bit.ly/3xYz"]),
    ("192.0.2.1/admin", ["http://192.0.2.1/admin"]),
    ("Hello. World.", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "urls"), TEXT_CASES)
def test_text_urls(text: str, urls: list[str]) -> None:
    assert [link.url for link in extract_links(text=text)] == urls


# --- redirectors

REDIRECTS: list[tuple[str, str | None]] = [
    ("https://www.google.com/url?q=https://evil.example.com/x&sa=D", "https://evil.example.com/x"),
    ("https://www.google.com/url?sa=t&url=https%3A%2F%2Fa.example.com%2F",
     "https://a.example.com/"),
    ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fb.example.com%2Fp%3Fq%3D1"
     "&data=x", "https://b.example.com/p?q=1"),
    ("https://urldefense.proofpoint.com/v2/url?u=https-3A__c.example.com_a-3Fb-3D1&d=x",
     "https://c.example.com/a?b=1"),
    ("https://urldefense.com/v3/__https://d.example.com/p__;!!x$", "https://d.example.com/p"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fe.example.com%2F&h=x",
     "https://e.example.com/"),
    ("https://r.example.net/c?target=https%253A%252F%252Ff.example.com", "https://f.example.com"),
    ("https://www.google.com/search?q=paypal", None),
    ("https://example.com/?next=/account", None),
    ("https://protect-eu.mimecast.com/s/AbCdEf?domain=g.example.com", None),
    ("mailto:a@example.com", None),
    ("not a url", None),
    ("http://[::1/", None),
]


@pytest.mark.parametrize(("url", "target"), REDIRECTS)
def test_unwrap(url: str, target: str | None) -> None:
    assert unwrap(url) == target


def test_unwrap_nested_and_bounded() -> None:
    inner = "https://www.google.com/url?q=https://x.example.com/"
    outer = ("https://nam02.safelinks.protection.outlook.com/?url="
             + inner.replace(":", "%3A").replace("/", "%2F").replace("?", "%3F")
             .replace("=", "%3D"))
    assert unwrap_all(outer) == (inner, "https://x.example.com/")
    loop = "https://r.example.com/?url=https://r.example.com/?url=https://r.example.com/"
    assert len(unwrap_all(loop)) <= 4


# --- hostile input: any text or markup gives links or nothing, never an exception



_CHARS = list("ab.:/@[]()-_%?=&#<>\"' \u3002\uff0e\u200d\u202ea1аx")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CHARS), max_size=120))
def test_random_text_and_markup_never_raise(s: str) -> None:
    links = extract_links(html=[s], text=s)
    analyze_links(links, registry=REGISTRY, claimed_brand="apple")

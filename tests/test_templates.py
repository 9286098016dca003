"""Registered templates: fixture variants through the Verifier, SMS matching, slots, lint.

Every case is a row of a table; the fixture messages are described in
fixtures/templates/README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck import Registry, RegistryError, Status, Verifier
from trustcheck.dns import load_fixture
from trustcheck.links import analyze_links, collect_links
from trustcheck.message import parse_email
from trustcheck.templates import TemplateSet, check_email_template, check_sms_template
from trustcheck.templates.check import TEMPLATE_FORCED
from trustcheck.templates.loader import (
    import_text,
    lint_template,
    load_templates,
    template_from_mapping,
)
from trustcheck.templates.model import Slot, SlotKind
from trustcheck.templates.pattern import compile_text, normalise
from trustcheck.templates.slots import validate_slots
from trustcheck.verdict import DEFAULT_FORCED, Policy

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "fixtures" / "templates" / "messages"
REGISTRY = Registry.default().merge(Registry.load(ROOT / "fixtures" / "registry" / "brands"))
TEMPLATES = TemplateSet.load(ROOT / "fixtures" / "registry" / "templates", registry=REGISTRY)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# The default policy plus what template findings force (the lead merges TEMPLATE_FORCED
# into DEFAULT_FORCED; until then the tests state it).
POLICY = Policy(forced={**DEFAULT_FORCED, **TEMPLATE_FORCED})
VERIFIER = Verifier(registry=REGISTRY, resolver=load_fixture(ROOT / "fixtures/dns/examplepay.yaml"),
                    trusted_authserv_ids=["mx.example.net"], templates=TEMPLATES, policy=POLICY)

# (file, status, codes that must be present, codes that must be absent, template key or None)
VARIANTS = [
    ("genuine-en-1item.eml", Status.AUTHENTIC, {"brand.authenticated", "template.match"},
     {"template.impersonation"}, "example-pay.receipt@2026-01"),
    ("genuine-en-3items.eml", Status.AUTHENTIC, {"template.match"}, {"template.impersonation"},
     "example-pay.receipt@2026-01"),
    ("genuine-en-12items.eml", Status.AUTHENTIC, {"template.match"}, {"template.impersonation"},
     "example-pay.receipt@2026-01"),
    ("genuine-ko-2items.eml", Status.AUTHENTIC, {"template.match"}, {"template.impersonation"},
     "example-pay.receipt.ko@2026-01"),
    ("genuine-newlayout-2027.eml", Status.AUTHENTIC, {"template.match"},
     {"template.impersonation"}, "example-pay.receipt@2027-03"),
    ("callback-scam-slot.eml", Status.PHISHING, {"brand.authenticated", "template.slot_phone"},
     {"template.match", "template.impersonation"}, "example-pay.receipt@2026-01"),
    ("clone-swapped-links.eml", Status.PHISHING, {"template.impersonation", "template.slot_link"},
     {"brand.authenticated", "template.match"}, "example-pay.receipt@2026-01"),
    ("clone-scrambled-classes.eml", Status.IMPERSONATION, {"template.impersonation"},
     {"brand.authenticated", "template.match", "template.slot_link"},
     "example-pay.receipt@2026-01"),
    ("newsletter-unrelated.eml", Status.UNVERIFIED, set(),
     {"template.match", "template.impersonation"}, None),
]


@pytest.mark.parametrize(("name", "status", "present", "absent", "template"), VARIANTS,
                         ids=[v[0] for v in VARIANTS])
def test_fixture_variants(name: str, status: Status, present: set[str], absent: set[str],
                          template: str | None) -> None:
    verdict = VERIFIER.verify((MESSAGES / name).read_bytes(), now=NOW)
    codes = set(verdict.codes())
    assert verdict.status is status, verdict.summary
    assert present <= codes, codes
    assert not absent & codes, codes
    if template is None:
        assert verdict.template is None
        return
    assert verdict.template is not None
    assert f"{verdict.template.template_id}@{verdict.template.version}" == template
    assert verdict.brand == "example-pay"
    for f in verdict.findings:
        if f.code.startswith("template."):
            assert template in f.message, f.message  # every finding names the template
            assert f.evidence["template"] == template


def test_verdicts_validate_against_schema() -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("trustcheck").joinpath(
        "schemas/verdict.schema.json").read_text(encoding="utf-8"))
    for name, *_ in VARIANTS:
        verdict = VERIFIER.verify((MESSAGES / name).read_bytes(), now=NOW)
        jsonschema.validate(json.loads(verdict.to_json()), schema)


def test_authenticated_mail_fitting_no_template_is_noted() -> None:
    # The brand's own receipt fixture from the verifier tests: authentic, but not one
    # of the registered layouts.
    raw = (ROOT / "fixtures" / "messages" / "examplepay-receipt.eml").read_bytes()
    verdict = VERIFIER.verify(raw, now=NOW)
    assert verdict.status is Status.AUTHENTIC
    assert "template.unmatched" in verdict.codes()
    assert verdict.template is None


@pytest.mark.parametrize(("name", "slot", "value"), [
    ("genuine-en-3items.eml", "total", "$15.77"),
    ("genuine-en-3items.eml", "customer_name", "Minji Kim"),
    ("genuine-ko-2items.eml", "total", "18,600원"),
    ("genuine-newlayout-2027.eml", "order_id", "EP-9001-0007"),
    ("callback-scam-slot.eml", "customer_name", "Refund desk call +1 (808) 555-0199"),
])
def test_slot_values_extracted(name: str, slot: str, value: str) -> None:
    verdict = VERIFIER.verify((MESSAGES / name).read_bytes(), now=NOW)
    assert verdict.template is not None
    assert verdict.template.slots[slot] == value


@pytest.mark.parametrize(("name", "items"), [
    ("genuine-en-1item.eml", 1), ("genuine-en-3items.eml", 3), ("genuine-en-12items.eml", 12),
    ("genuine-ko-2items.eml", 2), ("genuine-newlayout-2027.eml", 2),
])
def test_line_items_counted(name: str, items: int) -> None:
    verdict = VERIFIER.verify((MESSAGES / name).read_bytes(), now=NOW)
    assert verdict.template is not None
    assert len(verdict.template.slots["items"]) == items


def test_impersonation_explains_links_and_names_brand() -> None:
    verdict = VERIFIER.verify((MESSAGES / "clone-swapped-links.eml").read_bytes(), now=NOW)
    finding = next(f for f in verdict.findings if f.code == "template.impersonation")
    assert "layout 100%" in finding.message
    assert "examplepay-billing-help.example" in finding.message
    assert "4 of 5 links" in finding.message
    assert verdict.advice is not None
    assert verdict.advice.check_url == "https://examplepay.example/activity"


# --------------------------------------------------------------------------- SMS

EP = REGISTRY.get("example-pay")
# (case, text, brand claimed, sender registered, codes, template id or None)
SMS = [
    ("genuine card approval",
     "Example Pay: $42.10 paid at Corner Bakery on 11/21 at 10:02. Not you? Review at "
     "https://pay.example/r7731", EP, True, {"template.match"}, "example-pay.card_approval"),
    ("same text, unregistered sender",
     "Example Pay: $42.10 paid at Corner Bakery on 11/21 at 10:02. Not you? Review at "
     "https://pay.example/r7731", EP, False, {"template.impersonation"},
     "example-pay.card_approval"),
    ("clone with a foreign link, no brand claimed",
     "Example Pay: $942.10 paid at Apple Store on 11/21 at 03:12. Not you? Review at "
     "https://examplepay-secure.example/login", None, False,
     {"template.impersonation", "template.slot_link"}, "example-pay.card_approval"),
    ("genuine channel, callback number in merchant",
     "Example Pay: $899.00 paid at CALL 1-808-555-0199 on 11/21 at 10:02. Not you? Review at "
     "https://pay.example/r7731", EP, True, {"template.slot_phone"}, "example-pay.card_approval"),
    ("genuine channel, link outside prefixes",
     "Example Pay: $42.10 paid at Corner Bakery on 11/21 at 10:02. Not you? Review at "
     "https://pay-example.example/r7731", EP, True, {"template.slot_url"},
     "example-pay.card_approval"),
    ("AlimTalk genuine",
     "[이그잼플페이] 김*지님, 동네빵집에서 42,100원 결제가 완료되었습니다.\n결제일시: 11/21 10:02\n"
     "본인 결제가 아니면 이그잼플페이 앱에서 확인해 주세요.", EP, True, {"template.match"},
     "example-pay.payment_done"),
    ("AlimTalk SMS fallback, zero-width noise",
     "[이그잼플페이] 김*지님 동네빵집에서 42,100원\u200b 결제완료 (11/21 10:02)", EP, True,
     {"template.match"}, "example-pay.payment_done"),
    ("AlimTalk, unmasked name with phone",
     "[이그잼플페이] 환불문의 010-1234-5678님, 동네빵집에서 42,100원 결제가 완료되었습니다.\n"
     "결제일시: 11/21 10:02\n본인 결제가 아니면 이그잼플페이 앱에서 확인해 주세요.", EP, True,
     {"template.slot_phone"}, "example-pay.payment_done"),
    ("unrelated personal SMS", "Running late, see you at 7", None, False, set(), None),
]


@pytest.mark.parametrize(("case", "text", "brand", "registered", "codes", "template"), SMS,
                         ids=[s[0] for s in SMS])
def test_sms_templates(case: str, text: str, brand: object, registered: bool, codes: set[str],
                       template: str | None) -> None:
    result = check_sms_template(text, templates=TEMPLATES, brand=brand,  # type: ignore[arg-type]
                                sender_registered=registered)
    got = {f.code for f in result.findings}
    assert codes <= got, (case, got)
    if template is None:
        assert result.match is None
        assert not got
    else:
        assert result.match is not None
        assert result.match.template_id == template
        assert result.brand_id == (None if brand is not None else "example-pay")
    if "template.match" in codes:
        assert got == {"template.match"}


# --------------------------------------------------------------------------- units

@pytest.mark.parametrize(("kind", "value", "ok"), [
    (SlotKind.MONEY, "$42.10", True), (SlotKind.MONEY, "42,100원", True),
    (SlotKind.MONEY, "call me", False), (SlotKind.DATE, "Nov 21, 2026", True),
    (SlotKind.DATE, "2026년 11월 21일", True), (SlotKind.DATE, "soon", False),
    (SlotKind.TIME, "10:02", True), (SlotKind.TIME, "25:99", False),
    (SlotKind.NAME, "Minji Kim", True), (SlotKind.NAME, "Minji 2", False),
    (SlotKind.NAME, "Call +1 808 555 0199", False), (SlotKind.MASKED_NAME, "김*지", True),
    (SlotKind.MASKED_NAME, "김민지", False), (SlotKind.EMAIL, "a@example.net", True),
    (SlotKind.EMAIL, "not an address", False), (SlotKind.CODE, "483921", True),
    (SlotKind.TEXT, "visit www.evil.example now", False), (SlotKind.TEXT, "Corner Bakery", True),
    (SlotKind.URL_PATH, "EP-7731", True), (SlotKind.URL_PATH, "//evil.example/x", False),
])
def test_slot_types(kind: SlotKind, value: str, ok: bool) -> None:
    violations = validate_slots([Slot("s", kind)], {"s": value})
    assert (not violations) is ok, violations


@pytest.mark.parametrize(("text", "message", "expected"), [
    ("Hi {{name}}, total {{total}}.", "Hi Bob, total $5.", {"name": "Bob", "total": "$5"}),
    ("A\n{{#items}}{{t}}\n{{p}}{{/items}}\nSubtotal\n{{s}}",
     "A\nx\n$1\ny\n$2\nSubtotal\n$3",
     {"items": [{"t": "x", "p": "$1"}, {"t": "y", "p": "$2"}], "s": "$3"}),
    ("Code {{code}} expires", "Code 1234 expires soon", None),
    ("literal \\{{x}} and {{y}}", "literal {{x}} and z", {"y": "z"}),
])
def test_compile_and_match(text: str, message: str, expected: dict[str, object] | None) -> None:
    assert compile_text(text).match(normalise(message)) == expected


@pytest.mark.parametrize("text", ["{{#a}}x", "x{{/a}}", "{{a}} and {{a}}"])
def test_bad_template_text_is_an_error(text: str) -> None:
    with pytest.raises(RegistryError):
        compile_text(text)


def test_hostile_text_is_bounded() -> None:
    compiled = compile_text("{{a}} x {{b}} x {{c}} x {{d}} end")
    hostile = normalise(" x " * 5000)
    assert compiled.match(hostile, search=True) is None


def _template(body: str, slots: dict[str, object]) -> dict[str, object]:
    return {"schema": "trustcheck.template/v1", "id": "t.one", "version": "1", "brand": "b",
            "channels": {"sms": {"body": body}}, "slots": slots}


@pytest.mark.parametrize(("body", "slots", "rule"), [
    ("{{a}}", {"a": {"type": "text", "example": "x"}}, "all-variable"),
    ("Hi {{a}} {{b}}", {"a": {"type": "text", "example": "x"},
                         "b": {"type": "text", "example": "y"}}, "adjacent-slots"),
    ("Hi {{a}}", {"a": {"type": "text"}}, "example-required"),
    ("Go {{u}}", {"u": {"type": "url", "example": "https://a.example/x"}}, "link-prefix"),
    ("Go {{u}}", {"u": {"type": "url", "prefix": ["http://"], "example": "http://x"}},
     "link-prefix"),
    ("Hi {{zz}}", {}, "undeclared-slot"),
])
def test_lint_rules(body: str, slots: dict[str, object], rule: str) -> None:
    issues = lint_template(template_from_mapping(_template(body, slots)))
    assert rule in {i.rule for i in issues}


def test_fixture_templates_lint_clean() -> None:
    for t in load_templates(ROOT / "fixtures" / "registry" / "templates"):
        assert [i for i in lint_template(t) if i.level == "error"] == [], t.key


@pytest.mark.parametrize(("data", "where"), [
    ({"schema": "trustcheck.template/v1", "id": "x", "version": "1", "brand": "b",
      "slots": {"a": {"type": "nope"}}}, "slots/a/type"),
    ({"schema": "trustcheck.template/v1", "id": "x", "version": "1"}, "brand"),
])
def test_schema_errors_name_the_field(data: dict[str, object], where: str) -> None:
    with pytest.raises(RegistryError, match=where.split("/")[0]):
        template_from_mapping(data)


@pytest.mark.parametrize(("text", "syntax", "out", "labels"), [
    ("#{고객명}님 #{금액}원", "kakao", "{{var1}}님 {{var2}}원", {"var1": "고객명", "var2": "금액"}),
    ("#{name} paid", "kakao", "{{name}} paid", {"name": "name"}),
    ("Hi {{1}}, order {{2}}", "whatsapp", "Hi {{var1}}, order {{var2}}",
     {"var1": "1", "var2": "2"}),
    ("OTP {#var#} for {#var#}", "dlt", "OTP {{var1}} for {{var2}}",
     {"var1": "{#var#}", "var2": "{#var#}"}),
])
def test_import_syntaxes(text: str, syntax: str, out: str, labels: dict[str, str]) -> None:
    assert import_text(text, syntax) == (out, labels)


def test_empty_set_matches_nothing() -> None:
    assert check_sms_template("anything", templates=TemplateSet.empty(), brand=None,
                              sender_registered=False).match is None


# --------------------------------------------------------------------------- direct checks

GENUINE = (MESSAGES / "genuine-en-3items.eml").read_bytes()


def _edit(old: bytes, new: bytes) -> bytes:
    assert old in GENUINE
    return GENUINE.replace(old, new)


# (case, raw message, authenticated, codes expected exactly)
DIRECT = [
    ("genuine, authenticated", GENUINE, True, {"template.match"}),
    ("genuine, not authenticated", GENUINE, False, {"template.impersonation"}),
    ("asks for the card number",
     _edit(b"Billed to 12 Sample Road", b"Confirm your card number. Billed to 12 Sample Road"),
     True, {"template.slot_ask"}),
    ("help link moved off the brand", _edit(b"https://examplepay.example/help",
                                            b"https://help-desk.example/help"),
     True, {"template.slot_link"}),
    ("merchant slot carries a URL", _edit(b"Corner Bakery", b"visit refunds-now.example"),
     True, {"template.slot_url"}),
    ("total is not money", _edit(b"<b>$15.77</b>", b"<b>call us</b>"), True,
     {"template.slot_type"}),
]


@pytest.mark.parametrize(("case", "raw", "authenticated", "codes"), DIRECT,
                         ids=[d[0] for d in DIRECT])
def test_check_email_template(case: str, raw: bytes, authenticated: bool,
                              codes: set[str]) -> None:
    parsed = parse_email(raw)
    linkset = collect_links(html=parsed.html, text=parsed.text, limits_max_urls=100)
    links, _ = analyze_links(linkset.links, registry=REGISTRY, claimed_brand="example-pay")
    result = check_email_template(parsed, templates=TEMPLATES, brand=EP,
                                  authenticated=authenticated, links=links)
    assert {f.code for f in result.findings} == codes, [f.message for f in result.findings]
    assert result.match is not None
    assert result.match.template_id == "example-pay.receipt"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000))
def test_random_html_never_raises(markup: str) -> None:
    raw = ("From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           + markup).encode("utf-8", "surrogatepass")
    parsed = parse_email(raw)
    result = check_email_template(parsed, templates=TEMPLATES, brand=None,
                                  authenticated=False, links=())
    assert result.match is None or result.match.brand == "example-pay"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=500))
def test_random_sms_never_raises(text: str) -> None:
    result = check_sms_template(text, templates=TEMPLATES, brand=None, sender_registered=False)
    assert result.match is None or result.match.brand == "example-pay"


def test_slot_only_first_line_is_linear() -> None:
    import time

    compiled = compile_text("{{a}}\n{{#items}}{{t}}\n{{p}}{{/items}}\nTotal {{c}}\nnever")
    text = "\n".join(f"line {i}" for i in range(5000))
    started = time.perf_counter()
    assert compiled.match(text, search=True) is None
    assert time.perf_counter() - started < 2.0

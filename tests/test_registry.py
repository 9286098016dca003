"""Brand registry: loading, validation errors, lookups, merge, lint."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trustcheck.errors import RegistryError
from trustcheck.registry import Registry, lint_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "registry" / "brands"


@pytest.fixture(scope="module")
def fixture_registry() -> Registry:
    return Registry.load(FIXTURES)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("examplepay.example", "example-pay"),
        ("mail.examplepay.example", "example-pay"),
        ("deep.sub.mail.examplepay.example", "example-pay"),
        ("EXAMPLEPAY.EXAMPLE.", "example-pay"),
        ("user@mail.examplepay.example", "example-pay"),
        ("pay.example", "example-pay"),
        ("esp-mailer.example", "example-pay"),
        ("shop.example", "example-shop"),
        ("cdn.shop-cdn.example", "example-shop"),
        ("examplepay.example.evil.example", None),
        ("notexamplepay.example", None),
        ("examplepay-login.example", None),
        ("example", None),
        ("", None),
        ("bad host/with path", None),
    ],
)
def test_brand_for_domain(fixture_registry: Registry, domain: str, expected: str | None) -> None:
    brand = fixture_registry.brand_for_domain(domain)
    assert (brand.id if brand else None) == expected


@pytest.mark.parametrize(
    ("sender", "country", "expected"),
    [
        ("+1 202-555-0143", None, "example-pay"),
        ("(202) 555-0143", "US", "example-pay"),
        ("2025550143", None, "example-pay"),
        ("55501", None, "example-pay"),
        ("examplepay", None, "example-pay"),
        ("EXAMPLEPAY", "GB", "example-pay"),
        ("+44 7700 900123", None, "example-pay"),
        ("07700 900123", "GB", "example-pay"),
        ("+1 202-555-0199", None, None),
        ("Example", None, None),
        ("", None, None),
    ],
)
def test_brands_for_sms_sender(
    fixture_registry: Registry, sender: str, country: str | None, expected: str | None
) -> None:
    found = fixture_registry.brands_for_sms_sender(sender, country)
    assert [b.id for b in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Example Pay", ["example-pay"]),
        ("example  pay", ["example-pay"]),
        ("ΕxamplePay", ["example-pay"]),  # Greek capital Epsilon
        ("이그잼플페이", ["example-pay"]),
        ("예시쇼핑", ["example-shop"]),
        ("Example", []),
    ],
)
def test_brands_named(fixture_registry: Registry, name: str, expected: list[str]) -> None:
    assert [b.id for b in fixture_registry.brands_named(name)] == expected


def test_brand_properties(fixture_registry: Registry) -> None:
    brand = fixture_registry.get("example-pay")
    assert brand is not None
    assert brand.all_domains == (
        "examplepay.example", "mail.examplepay.example", "esp-mailer.example", "pay.example"
    )
    assert brand.lookalike_labels == ("examplepay", "epay")
    assert brand.verified == date(2026, 11, 1)
    assert brand.sms_senders["US"] == ("+12025550143", "55501")
    assert fixture_registry.get("nope") is None
    assert "example-pay" in fixture_registry
    assert len(fixture_registry) == 2


def test_merge_user_brand_replaces_default(fixture_registry: Registry) -> None:
    user = Registry.load(FIXTURES / "examplepay.yaml")
    base = Registry.default()
    merged = base.merge(user)
    assert merged.get("example-pay") is not None
    assert merged.get("apple") == base.get("apple")
    assert len(merged) == len(base) + 1
    again = merged.merge(Registry.empty())
    assert again.brands == merged.brands


def test_empty_registry() -> None:
    empty = Registry.empty()
    assert empty.brands == ()
    assert empty.brand_for_domain("apple.com") is None


# --------------------------------------------------------------------------- errors


def _write(tmp_path: Path, text: str, name: str = "brand.yaml") -> Path:
    path = tmp_path / "brands"
    path.mkdir(exist_ok=True)
    (path / name).write_text(text, encoding="utf-8")
    return path


GOOD = """\
id: acme
names: [Acme]
web_domains: [acme.example]
sources: ["https://acme.example/"]
verified: 2026-11-01
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("[acme.example]", "[acme.example, acme]"),
         "brands/brand.yaml: web_domains[1] 'acme' is not a domain: write a registrable domain"),
        (GOOD.replace("sources: [\"https://acme.example/\"]\n", ""),
         "brands/brand.yaml: missing field 'sources'"),
        (GOOD.replace("verified: 2026-11-01", "verified: yesterday"),
         "brands/brand.yaml: verified 'yesterday' is not a date"),
        (GOOD.replace("id: acme", "id: Acme Corp"), "id 'Acme Corp' is not a valid id"),
        (GOOD + "colour: red\n", "Additional properties are not allowed"),
        (GOOD.replace("names: [Acme]", "names: []"), "names is empty"),
        (GOOD + "country: Korea\n", "country 'Korea' is not a country code"),
        (GOOD + "short_link_hosts: ['https://a.example/x']\n",
         "short_link_hosts[0] 'https://a.example/x' is not a domain"),
        ("id: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "has the wrong type"),
    ],
)
def test_load_errors_name_file_field_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RegistryError) as info:
        Registry.load(_write(tmp_path, text))
    assert expected in str(info.value)


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.yaml")
    path = _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RegistryError, match="already used by"):
        Registry.load(path)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no such registry"):
        Registry.load(tmp_path / "nowhere")


# --------------------------------------------------------------------------- lint


@pytest.mark.parametrize(
    ("text", "level", "expected"),
    [
        (GOOD.replace("2026-11-01", "2024-01-01"), "warning", "more than a year old"),
        (GOOD.replace("2026-11-01", "2027-01-01"), "warning", "in the future"),
        (GOOD.replace("[acme.example]", "[www.acme.com]"), "warning",
         "write 'acme.com' (subdomains are covered)"),
        (GOOD.replace("[acme.example]", "[co.kr]"), "warning", "is a public suffix"),
        (GOOD + "sms_senders: {KR: ['+82 1']}\n", "warning", "is not a valid number"),
        (GOOD + "sms_senders: {GB: ['Way Too Long Sender ID']}\n", "warning",
         "is not a valid number"),
        (GOOD.replace("https://acme", "http://acme"), "warning", "uses http"),
        (GOOD.replace("[acme.example]", "[acme]"), "error",
         "web_domains[0] 'acme' is not a domain"),
        ("id: [x\n", "error", "not valid YAML"),
    ],
)
def test_lint_messages(tmp_path: Path, text: str, level: str, expected: str) -> None:
    messages = lint_registry(_write(tmp_path, text), today=date(2026, 11, 22))
    hits = [m for m in messages if expected in m.message]
    assert hits, messages
    assert hits[0].level == level
    assert str(hits[0]).startswith("brands/brand.yaml: ")


@pytest.mark.parametrize(
    "sender", ["+82 1577-7011", "1588", "PayPal", "+1 202-555-0143"],
)
def test_lint_accepts_good_senders(tmp_path: Path, sender: str) -> None:
    text = GOOD + f"sms_senders: {{KR: ['{sender}']}}\n"
    messages = lint_registry(_write(tmp_path, text), today=date(2026, 11, 22))
    assert messages == []


def test_lint_domain_in_two_brands(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.yaml")
    path = _write(tmp_path, GOOD.replace("id: acme", "id: other"), "b.yaml")
    messages = lint_registry(path, today=date(2026, 11, 22))
    assert [m.message for m in messages] == [
        "domain 'acme.example' is also listed in brands/a.yaml: a domain should belong to one brand"
    ]


def test_fixture_registry_lints_clean() -> None:
    assert lint_registry(FIXTURES, today=date(2026, 11, 22)) == []


# --------------------------------------------------------------------------- default


def test_default_registry_validates_and_lints_clean() -> None:
    from importlib import resources

    root = Path(str(resources.files("trustcheck.registry").joinpath("brands")))
    messages = lint_registry(root, today=date(2026, 11, 22))
    assert messages == []
    strict = Registry.load(root)
    assert strict.brands == Registry.default().brands


def test_default_registry_is_cached() -> None:
    assert Registry.default() is Registry.default()


def test_published_schema_is_valid_draft_2020_12() -> None:
    import jsonschema

    from trustcheck.registry import brand_schema

    schema = dict(brand_schema())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "null\n"])
def test_empty_brand_file_is_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(RegistryError, match=r"brands/brand\.yaml: .*wrong type"):
        Registry.load(_write(tmp_path, text))


# --------------------------------------------------------------------------- owned domains


OWNED = GOOD + """\
country_domains: [acme.de, acme.co.uk]
service_domains: [acme-cdn.example]
"""


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("acme.de", "acme"),
        ("www.acme.co.uk", "acme"),
        ("img.acme-cdn.example", "acme"),
        ("acme.fr", None),  # not listed: not owned
        ("de", None),
    ],
)
def test_country_and_service_domains_are_owned(tmp_path: Path, domain: str,
                                               expected: str | None) -> None:
    registry = Registry.load(_write(tmp_path, OWNED))
    brand = registry.brand_for_domain(domain)
    assert (brand.id if brand else None) == expected
    acme = registry.get("acme")
    assert acme is not None
    assert acme.owns_domain(domain) is (expected is not None)


def test_service_domains_add_no_protected_label(tmp_path: Path) -> None:
    acme = Registry.load(_write(tmp_path, OWNED)).get("acme")
    assert acme is not None
    assert acme.lookalike_labels == ("acme",)
    assert acme.all_domains[-3:] == ("acme.de", "acme.co.uk", "acme-cdn.example")


@pytest.mark.parametrize(
    ("text", "level", "expected"),
    [
        (GOOD + "country_domains: [www.acme.de]\n", "warning",
         "country_domains[0] 'www.acme.de' is not a registrable domain"),
        (GOOD + "service_domains: [cdn]\n", "error", "service_domains[0] 'cdn' is not a domain"),
    ],
)
def test_lint_owned_domain_fields(tmp_path: Path, text: str, level: str, expected: str) -> None:
    messages = lint_registry(_write(tmp_path, text), today=date(2026, 11, 22))
    hits = [m for m in messages if expected in m.message]
    assert hits, messages
    assert hits[0].level == level


@pytest.mark.parametrize(
    ("domain", "brand"),
    [
        # national sites and infrastructure the brands list themselves (see each file's sources)
        ("google.fr", "google"),
        ("www.google.co.kr", "google"),
        ("amazon.co.jp", "amazon"),
        ("amazon.se", "amazon"),
        ("ebay.com.au", "ebay"),
        ("apple.com.cn", "apple"),
        ("walmart.ca", "walmart"),
        ("shopee.com.br", "shopee"),
        ("outlook.office.net", "microsoft"),
        ("login.microsoftonline.com", "microsoft"),
        ("api.dropboxapi.com", "dropbox"),
    ],
)
def test_default_registry_owns_national_and_service_domains(domain: str, brand: str) -> None:
    from trustcheck.links.lookalike import find_lookalike

    owner = Registry.default().brand_for_domain(domain)
    assert owner is not None
    assert owner.id == brand
    assert find_lookalike(domain) is None

"""Folding (UTS #39 skeleton, case-insensitive), domain and SMS-sender normalisation."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from trustcheck.registry.names import (
    build_fold_tables,
    fold,
    fold_name,
    fold_words,
    normalize_domain,
    normalize_sms_sender,
    registrable_domain,
    registrable_label,
)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("PayPaI", "paypal"),            # capital I for l
        ("Paypa1", "paypal"),            # digit one for l
        ("Ρayрal", "paypal"),            # Greek Rho, Cyrillic er
        ("Αpple", "apple"),              # Greek capital Alpha
        ("аррlе", "apple"),              # Cyrillic a, er, ie
        ("P\u200bay\u200dPal", "paypal"),  # zero-width space and joiner
        ("Pay\u00adPal", "paypal"),      # soft hyphen
        ("\u13b7\U000e0139icroso\U000e0139ft", "microsoft"),  # Cherokee MU, variation selector
        ("Pay\ufe0fPal\U000e0041", "paypal"),  # variation selector-16, tag letter
        ("ＰａｙＰａｌ", "paypal"),        # fullwidth
        ("𝐏𝐚𝐲𝐏𝐚𝐥", "paypal"),            # mathematical bold
        ("arnazon", "amazon"),           # rn for m
        ("G00GLE", "google"),            # zeros for O
        ("INSTAGRAM", "instagram"),
        ("Netflix", "NETFLIX"),
    ],
)
def test_fold_equates_confusables(text: str, same_as: str) -> None:
    assert fold(text) == fold(same_as)


@pytest.mark.parametrize(
    ("a", "b"),
    [("apple", "apply"), ("paypal", "paypai1x"), ("쿠팡", "쿠평"), ("naver", "never"),
     ("kakao", "kakau")],
)
def test_fold_keeps_different_words_apart(a: str, b: str) -> None:
    assert fold(a) != fold(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("쿠팡에서", "쿠팡에서"), ("KB국민카드", "kb국민카드"), ("[Web발신] 쿠팡", "[web발신] 쿠팡")],
)
def test_fold_leaves_hangul_alone(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Amazon.com", "amazon com"), ("[쿠팡]  결제\n완료", "쿠팡 결제 완료"),
     ("  Bank-of-America ", "bank of amerlca"), ("【KB국민카드】・안내…", "kb국민카드 안내"),
     ("「쿠팡」", "쿠팡"), ("", "")],
)
def test_fold_words(text: str, expected: str) -> None:
    assert fold_words(text) == expected


def test_fold_name_collapses_space() -> None:
    assert fold_name("  Example \t Pay ") == fold("example pay")


def test_shipped_fold_table_matches_confusables_data() -> None:
    """fold_table.json must be regenerated when confusable-homoglyphs changes."""
    raw = resources.files("trustcheck.registry").joinpath("fold_table.json").read_text("utf-8")
    shipped = json.loads(raw)
    table, sequences = build_fold_tables()
    assert {int(k): v for k, v in shipped["table"].items()} == table
    assert [tuple(x) for x in shipped["sequences"]] == list(sequences)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("Apple.COM.", "apple.com"),
        ("  mail.example.com", "mail.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("ex\u200bample.com", "example.com"),
        ("https://apple.com", None),
        ("a b.com", None),
        ("a..b", None),
        ("", None),
        ("x" * 64 + ".com", None),
        ("user@example.com", None),
    ],
)
def test_normalize_domain(domain: str, expected: str | None) -> None:
    assert normalize_domain(domain) == expected


@pytest.mark.parametrize(
    ("sender", "country", "expected"),
    [
        ("1577-7011", "KR", "+8215777011"),
        ("+82 1577 7011", None, "+8215777011"),
        ("010-1234-5678", "KR", "+821012345678"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("93557", "US", "93557"),
        ("118", "KR", "118"),
        ("PayPal", None, "PayPal"),
        ("  AMAZON ", None, "AMAZON"),
        ("15777011", None, "15777011"),
        ("", None, None),
        ("   ", "KR", None),
    ],
)
def test_normalize_sms_sender(sender: str, country: str | None, expected: str | None) -> None:
    assert normalize_sms_sender(sender, country) == expected


@pytest.mark.parametrize(
    ("host", "domain", "label"),
    [
        ("id.apple.com", "apple.com", "apple"),
        ("www.nts.go.kr", "nts.go.kr", "nts"),
        ("shop.example", "shop.example", "shop"),
        ("a.b.examplepay.example", "examplepay.example", "examplepay"),
        ("co.kr", None, None),
        ("localhost", None, None),
    ],
)
def test_registrable_domain(host: str, domain: str | None, label: str | None) -> None:
    assert registrable_domain(host) == domain
    assert registrable_label(host) == label

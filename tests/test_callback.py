"""Callback phishing (content/callback.py), as a data table."""

from __future__ import annotations

import pytest

from trustcheck import Status, Verifier
from trustcheck.content.callback import callback_finding
from trustcheck.dns import StaticResolver

TOAD = ("Your order is confirmed. Amount: $499.99 for Norton 360 renewal. If you did not "
        "authorise this purchase, call us on 1 855 596 2198 within 24 hours.")

CASES = [
    # (id, text, free mailbox, mailing list, expected number or None)
    ("toad-en", TOAD, True, False, "1 855 596 2198"),
    ("toad-pt", "Alerta: transação em análise no valor de R$1.599,99. Caso não reconheça, "
                "ligue para área de segurança: 0800-400-8033.", True, False, "0800-400-8033"),
    ("toad-de", "Ihre Bestellung über 349,00 € wurde abgebucht. Bei Fragen rufen Sie "
                "+49 30 1234 5678 an.", True, False, "+49 30 1234 5678"),
    ("toad-parenthesised", "Invoice #4471: USD 289.00 charged. Questions? Call (808) 751-9975.",
     True, False, "(808) 751-9975"),
    # A company domain: shops print their hotline on receipts.
    ("company-receipt", TOAD, False, False, None),
    # A list member's signature under a discussion of prices.
    ("list-signature", TOAD, True, True, None),
    # A number to call without money or an order: a person's signature.
    ("no-transaction", "Great to meet you. Call me on 617 969 6853 any time.", True, False,
     None),
    # Money and an order but no number to call.
    ("no-number", "Your order of $20.00 ships tomorrow.", True, False, None),
    # Too few digits for a phone number (an order number, a date).
    ("short-number", "Order 12-345 for $20.00: call 555 1234.", True, False, None),
    ("empty", "", True, False, None),
]


@pytest.mark.parametrize(("text", "free", "on_list", "number"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_callback_finding(text: str, free: bool, on_list: bool, number: str | None) -> None:
    found = callback_finding(text, free_mailbox=free, mailing_list=on_list)
    if number is None:
        assert found is None
    else:
        assert found is not None
        assert (found.code, found.evidence["number"]) == ("lure.callback", number)
        assert number in found.message


def _mail(sender: str, body: str) -> bytes:
    return (f"From: Billing Team <{sender}>\r\nTo: you@example.org\r\nSubject: Order confirmed\r\n"
            "Date: Tue, 3 Dec 2024 10:00:00 +0000\r\nMessage-ID: <1@x.example>\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@pytest.mark.parametrize(("sender", "status"), [
    ("billing.team2291@gmail.com", Status.SUSPICIOUS),   # the scam: flagged on its own
    ("billing@shop.example", Status.UNVERIFIED),         # a shop's own receipt
])
def test_callback_in_a_verdict(sender: str, status: Status) -> None:
    verifier = Verifier(resolver=StaticResolver({}, default="TIMEOUT"))
    assert verifier.verify(_mail(sender, TOAD)).status is status


def test_a_number_to_call_makes_lures_actionable() -> None:
    verifier = Verifier(resolver=StaticResolver({}, default="TIMEOUT"))
    verdict = verifier.verify(_mail("billing.team2291@gmail.com", TOAD))
    severities = {f.code: f.severity.value for f in verdict.findings}
    assert severities["lure.payment"] == "medium"  # "did not authorise this purchase"
    assert severities["lure.callback"] == "medium"
    assert verdict.summary.startswith("suspicious: A payment notice from a free mailbox")

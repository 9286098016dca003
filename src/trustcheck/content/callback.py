"""Callback phishing: a payment notice from a free mailbox that asks the reader to phone.

Telephone-oriented attack delivery (the "Norton/PayPal/Geek Squad invoice"
scam) carries no link for a filter to judge: a fake order confirmation, renewal
or card alert names an amount and a phone number to call "if you did not make
this purchase", and the call centre does the rest (remote access, card data).
Three things together mark it, and none alone:

* the text asks the reader to **call a number** ("call us on 1 855 …",
  "ligue para 0800 …");
* it is a **transaction notice**: an amount of money next to order, invoice,
  payment, charge or renewal words;
* it comes from a **free mailbox**, from which no shop, bank or payment service
  sends its receipts.

Mailing lists are left out (members post from free mailboxes and sign with
phone numbers).
"""

from __future__ import annotations

import re

from trustcheck.verdict import Finding, Severity

__all__ = ["callback_finding"]

_SCAN_LIMIT = 20_000
# A phone number as written in notices: optional country code, an area or
# toll-free prefix, then groups of digits (9 to 15 digits counted afterwards).
_PHONE = (r"(?:\+\s?)?(?:\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])"
          r"\d{3,4}[\s.-]?\d{3,4}")
# "call", "dial" ... then up to 50 characters without a digit or sentence end,
# then the number (en, pt, es, fr, de, nl).
_CALL = re.compile(
    r"\b(?:call|dial|phone|ring|contact|reach|ligue|ligar|llame|llamar|llámenos|appelez"
    r"|appeler|anrufen|rufen sie|bel|bellen)\b[^.!?\n\d]{0,50}?(" + _PHONE + r")",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"(?:[$€£]|r\$|usd|eur)\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|eur|€|\$)",
                     re.IGNORECASE)
_TRANSACTION = re.compile(
    r"\b(?:order|invoice|receipt|purchase|payment|charged?|transaction|subscription|renewal"
    r"|refund|did not|didn't|not recogni[sz]e|unauthori[sz]ed|compra|pedido|transação"
    r"|transacción|fatura|factura|reconheça|rechnung|bestellung|zahlung|abbuchung|commande"
    r"|facture|paiement|bestelling|betaling)\b",
    re.IGNORECASE,
)


def callback_finding(text: str, *, free_mailbox: bool, mailing_list: bool) -> Finding | None:
    """``lure.callback`` when ``text`` is a transaction notice from a free mailbox
    that asks the reader to call a number, else None.

    >>> callback_finding("Order confirmed: $499.99 charged. If you did not make this "
    ...                  "purchase, call us on 1 855 596 2198.", free_mailbox=True,
    ...                  mailing_list=False).evidence["number"]
    '1 855 596 2198'
    """
    if not free_mailbox or mailing_list:
        return None
    text = text[:_SCAN_LIMIT]
    for m in _CALL.finditer(text):
        number = m.group(1)
        digits = sum(ch.isdigit() for ch in number)
        if not 9 <= digits <= 15:
            continue
        amount = _AMOUNT.search(text)
        context = _TRANSACTION.search(text)
        if amount is None or context is None:
            return None
        return Finding(
            "lure.callback", Severity.MEDIUM,
            f"A payment notice from a free mailbox asks the reader to call {number} "
            f"(about {amount.group(0).strip()}): the callback-scam pattern, where the call "
            "centre takes the card or the computer.",
            {"family": "callback", "number": number, "amount": amount.group(0).strip(),
             "context": context.group(0), "phrase": " ".join(m.group(0).split())[:120]},
        )
    return None

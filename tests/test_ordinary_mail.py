"""Ordinary modern mail must not be flagged: the false-positive side of the heuristics.

The ham corpora the project measures on are old (2002) or plain-text list mail,
so the rules that read HTML bulk mail (content.links_unrelated, lures with a link,
machine-made senders) are checked here against the kinds of legitimate mail
people get today. Each row is a synthetic message written for this table and
verified offline in stored-message mode, like a support tool would.
"""

from __future__ import annotations

import pytest

from trustcheck import Registry, Status, Verifier
from trustcheck.dns import StaticResolver

OFFLINE = Verifier(registry=Registry.default(), resolver=StaticResolver({}, default="TIMEOUT"))


def mail(sender: str, subject: str, html: str, *, text: str = "", extra: str = "") -> bytes:
    body = text or "See the HTML part."
    return (f"From: {sender}\r\nTo: Alice Smith <alice.smith@mail.example>\r\n"
            f"Subject: {subject}\r\nDate: Tue, 3 Dec 2024 10:00:00 +0000\r\n"
            f"Message-ID: <a1@{sender.rsplit('@', 1)[1].rstrip('>')}>\r\nMIME-Version: 1.0\r\n"
            f"{extra}Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
            f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n").encode()


ESP_DKIM = "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=k1; h=from; bh=x; b=y\r\n"
UNSUB = ("List-Unsubscribe: <https://shop.example/u/1>\r\n"
         "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")

ORDINARY = [
    ("ESP newsletter with a sale",
     mail("Shop <news@shop.example>", "Save 20% this weekend only",
          '<p>Our winter sale ends Sunday. <a href="https://shop.list-manage.com/track/click?u=1">'
          'Shop now</a> <img src="https://shop.example/p.gif" width="1" height="1"></p>',
          extra=ESP_DKIM + UNSUB)),
    ("a person's webmail with a link",
     mail("Jo Walker <jo.walker@gmail.com>", "that article",
          '<div>Read this before the meeting, reply within 24 hours if you can: '
          '<a href="https://www.nytimes.com/2024/12/01/tech/a.html">link</a></div>')),
    ("sign-up confirmation",
     mail("SaaS <no-reply@saas.example>", "Confirm your email address",
          '<p>Welcome! Please confirm your email address to finish signing up.</p>'
          '<a href="https://app.saas.example/confirm?t=abc">Confirm</a>')),
    ("shop receipt paid through a payment service",
     mail("Little Shop <orders@littleshop.example>", "Your order #10432",
          '<p>Thanks for your order. Payment received.</p>'
          '<a href="https://littleshop.example/orders/10432">View order</a> '
          '<a href="https://stripe.com/receipts/x">Receipt</a>')),
    ("meeting invitation with a video link",
     mail("Kim Lee <kim.lee@corp.example>", "Project sync",
          '<p>Join the call: <a href="https://teams.microsoft.com/l/meetup-join/x">'
          'Join meeting</a></p>')),
    ("colleague's reply in a thread",
     mail("Ana <ana@corp.example>", "Re: contract", '<p>Signed copy attached on the portal '
          '<a href="https://docs.partner.example/x">here</a>.</p>',
          extra="In-Reply-To: <x@corp.example>\r\nReferences: <x@corp.example>\r\n")),
]


@pytest.mark.parametrize(("name", "raw"), ORDINARY, ids=[c[0] for c in ORDINARY])
def test_ordinary_mail_is_not_flagged(name: str, raw: bytes) -> None:
    verdict = OFFLINE.verify(raw)
    assert not verdict.status.flagged, (verdict.status, verdict.summary)
    assert verdict.status in (Status.UNVERIFIED, Status.AUTHENTIC)

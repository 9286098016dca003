"""Mailing-list mail: quoted discussion and broken DMARC are expected, not lures."""

from __future__ import annotations

import pytest

from trustcheck import Registry, Verifier
from trustcheck.dns import StaticResolver

LURE = ("Your account will be suspended within 24 hours. Verify your password now at "
        "https://login.example.org/verify")

# (extra headers, subject, expected severity of the lure.* finding)
CASES = [
    ("", "Account notice", "medium"),
    ("List-Id: <users.lists.example.org>\r\n", "Account notice", "medium"),
    ("List-Id: <users.lists.example.org>\r\nReferences: <a@x>\r\n", "Account notice", "medium"),
    ("List-Id: <users.lists.example.org>\r\nIn-Reply-To: <a@x>\r\n", "Re: account notice",
     "low"),
    ("In-Reply-To: <a@x>\r\n", "Re: account notice", "medium"),
]


@pytest.mark.parametrize(("extra", "subject", "severity"), CASES)
def test_lures_quoted_in_list_replies_are_low(extra: str, subject: str, severity: str) -> None:
    raw = (f"From: Dev <dev@lists.example.org>\r\nTo: users@lists.example.org\r\n"
           f"Subject: {subject}\r\n{extra}\r\n{LURE}\r\n").encode()
    verdict = Verifier(registry=Registry.empty(),
                       resolver=StaticResolver({}, default="TIMEOUT")).verify(raw)
    lures = {f.severity.value for f in verdict.findings if f.code.startswith("lure.")}
    assert lures == {severity}


DMARC_ZONE = {"_dmarc.sender.example": {"TXT": ["v=DMARC1; p=reject"]},
              "sender.example": {"TXT": ["v=spf1 -all"]}}


@pytest.mark.parametrize(("extra", "severity"), [("", "high"),
                                                 ("List-Id: <l.example.org>\r\n", "low")])
def test_dmarc_fail_through_a_list_is_expected(extra: str, severity: str) -> None:
    raw = (f"From: a@sender.example\r\nTo: l@example.org\r\nSubject: patch\r\n{extra}\r\n"
           "body\r\n").encode()
    verdict = Verifier(registry=Registry.empty(), resolver=StaticResolver(DMARC_ZONE)).verify(raw)
    assert [f.severity.value for f in verdict.findings if f.code == "auth.dmarc_fail"] \
        == [severity]

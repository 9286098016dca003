"""Original authentication from a trusted ARC chain (RFC 8617 §7.2) and receiver-written
Message-IDs (RFC 5322 §3.6.4), as data tables over small synthetic messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trustcheck.auth.authenticate import AuthOutcome, authenticate
from trustcheck.auth.authres import select_trusted_results
from trustcheck.auth.received import receiver_written_message_id, trusted_hops
from trustcheck.dns import StaticResolver
from trustcheck.message import parse_email

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "messages"
NOW = datetime(2024, 12, 3, 12, 0, tzinfo=UTC)
DATE = "Tue, 3 Dec 2024 10:00:00 +0000"
EDGE_ID = "<0a1b2c3d@SG2PEPF000B66CE.apcprd03.prod.outlook.com>"


def _rcv(frm: str, by: str) -> str:
    return f"Received: from {frm} by {by} with ESMTPS id 1; {DATE}"


def _arc(i: int, sealer: str, aar: str, cv: str | None = None) -> list[str]:
    cv = cv or ("none" if i == 1 else "pass")
    return [
        f"ARC-Seal: i={i}; a=rsa-sha256; s=sel; d={sealer}; cv={cv}; b=AAAA",
        f"ARC-Message-Signature: i={i}; a=rsa-sha256; c=relaxed/relaxed; d={sealer}; "
        "s=sel; h=From:Subject; bh=AAAA; b=AAAA",
        f"ARC-Authentication-Results: i={i}; {aar}",
    ]


def _ms_aar(dmarc: str, *, ip: str = "203.0.113.66", domain: str = "sender.example") -> str:
    return (f"mx.microsoft.com 1; spf={'pass' if dmarc == 'pass' else 'fail'} (sender ip is "
            f"{ip}) smtp.mailfrom={domain}; dmarc={dmarc} (p=reject sp=reject pct=100) "
            f"action=none header.from={domain}; dkim=none (message not signed); arc=none")


def _m365(*, final_dmarc: str = "pass", final_arc: str = "pass", older: list[str],
          from_domain: str = "sender.example", message_id: str = "<1@mail.sender.example>",
          ) -> bytes:
    """Delivered to Outlook after a Microsoft tenant relayed it: the final edge on top, the
    older (tenant) headers given by ``older`` below it."""
    lines = [
        _rcv("CY5PR01CA0001.namprd01.prod.outlook.com (2603:10b6::11)",
             "BN0PR01MB0001.namprd01.prod.outlook.com"),
        *_arc(2, "microsoft.com",
              f"mx.microsoft.com 1; spf=pass (sender ip is 198.51.100.20) "
              f"smtp.mailfrom={from_domain}; dmarc={final_dmarc} action=none "
              f"header.from={from_domain}; arc={final_arc}"),
        f"Authentication-Results: spf=pass (sender IP is 198.51.100.20) "
        f"smtp.mailfrom={from_domain}; dmarc={final_dmarc} action=none "
        f"header.from={from_domain};compauth=pass reason=100",
        _rcv("AB1PR01CU001.outbound.protection.outlook.com (198.51.100.20)",
             "SN1PEPF0000AAAA.mail.protection.outlook.com"),
        *older,
        f"From: Support <support@{from_domain}>",
        "To: customer@tenant.example",
        "Subject: statement",
        f"Date: {DATE}",
        f"Message-ID: {message_id}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\nsynthetic test body\r\n").encode()


TENANT_HOPS = [
    _rcv("SG2PEPF000B66CE.apcprd03.prod.outlook.com (2603:1096::8a)",
         "SG2PR01CA0001.outlook.office365.com"),
    _rcv("mail.bulk-sender.example (203.0.113.66)",
         "SG2PEPF000B66CE.mail.protection.outlook.com"),
]


def _generic(*, sealer: str, aar_id: str, first_dmarc: str) -> bytes:
    lines = [
        "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=sender.example; "
        "dmarc=pass header.from=sender.example; arc=pass",
        _rcv("relay.forwarder.example (relay.forwarder.example [192.0.2.7])", "mx.corp.example"),
        *_arc(1, sealer, f"{aar_id}; spf=fail smtp.mailfrom=sender.example "
                         f"smtp.remote-ip=192.0.2.99; dmarc={first_dmarc} "
                         "header.from=sender.example"),
        _rcv("bad.example (bad.example [192.0.2.99])", "mx.google.com"),
        "From: Support <support@sender.example>",
        "Subject: statement",
        f"Date: {DATE}",
        "Message-ID: <1@mail.sender.example>",
    ]
    return ("\r\n".join(lines) + "\r\n\r\nsynthetic test body\r\n").encode()


M365: dict[str, Any] = {"trust_microsoft_365": True}
CORP: dict[str, Any] = {"trusted_authserv_ids": ["mx.corp.example", "mx.google.com"]}

# (id, raw message, trust kwargs, expected original instance or None, finding expected)
ORIGINAL_CASES: list[tuple[str, bytes, dict[str, Any], int | None, bool]] = [
    ("fixture: relayed through a tenant, first dmarc=fail",
     (FIXTURES / "m365_tenant_relay.eml").read_bytes(), M365, 1, True),
    ("relayed through a tenant, first dmarc=fail",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("fail")), *TENANT_HOPS]), M365, 1, True),
    ("ordinary forwarding: first dmarc=pass",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("pass")), *TENANT_HOPS]), M365, 1, False),
    ("untrusted sealer copies mx.microsoft.com: its set is ignored",
     _m365(older=[*_arc(1, "bulk-sender.example", _ms_aar("fail")), *TENANT_HOPS]),
     M365, 2, False),
    ("no trust configured",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("fail")), *TENANT_HOPS]), {}, None, False),
    ("chain broken at the final receiver: arc=fail",
     _m365(final_arc="fail", older=[*_arc(1, "microsoft.com", _ms_aar("fail"))]),
     M365, None, False),
    ("a DNS problem at the first hop is never a fail",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("temperror"))]), M365, 1, False),
    ("first hop spoke of another From domain",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("fail", domain="other.example"))]),
     M365, 2, False),
    ("final DMARC fails too: auth.dmarc_fail says it already",
     _m365(final_dmarc="fail", older=[*_arc(1, "microsoft.com", _ms_aar("fail"))]),
     M365, 1, False),
    ("trusted authserv-id sealed by its own domain",
     _generic(sealer="google.com", aar_id="mx.google.com", first_dmarc="fail"), CORP, 1, True),
    ("trusted authserv-id sealed by a stranger",
     _generic(sealer="forwarder.example", aar_id="mx.google.com", first_dmarc="fail"),
     CORP, None, False),
    ("untrusted authserv-id",
     _generic(sealer="forwarder.example", aar_id="mx.forwarder.example", first_dmarc="fail"),
     CORP, None, False),
    ("malformed ARC headers",
     _m365(older=[
         "ARC-Seal: i=; d=; cv=; b=",
         "ARC-Seal: garbage without tags",
         "ARC-Authentication-Results: mx.microsoft.com; dmarc=fail header.from=sender.example",
         "ARC-Authentication-Results: i=1; mx.microsoft.com (unclosed; dmarc=fail",
         "ARC-Authentication-Results: i=999999; mx.microsoft.com; dmarc=fail",
         "ARC-Authentication-Results: i=1; ;;;",
         "ARC-Seal: i=1; d=microsoft.com; cv=none; b=A",
         "ARC-Seal: i=1; d=microsoft.com; cv=none; b=B",
     ]), M365, 2, False),
    ("duplicated set: neither copy is believed",
     _m365(older=[*_arc(1, "microsoft.com", _ms_aar("fail")),
                  *_arc(1, "microsoft.com", _ms_aar("fail"))]), M365, 2, False),
]


def _outcome(raw: bytes, trust: dict[str, Any]) -> AuthOutcome:
    return authenticate(parse_email(raw), resolver=StaticResolver({}, default="TIMEOUT"),
                        envelope=None, now=NOW, **trust)


@pytest.mark.parametrize(("raw", "trust", "instance", "flagged"),
                         [c[1:] for c in ORIGINAL_CASES], ids=[c[0] for c in ORIGINAL_CASES])
def test_original_authentication(raw: bytes, trust: dict[str, Any], instance: int | None,
                                 flagged: bool) -> None:
    outcome = _outcome(raw, trust)
    assert (outcome.original.instance if outcome.original else None) == instance
    codes = [f.code for f in outcome.findings]
    assert codes.count("auth.original_fail") == (1 if flagged else 0)


def test_original_fail_evidence() -> None:
    outcome = _outcome((FIXTURES / "m365_tenant_relay.eml").read_bytes(), M365)
    (finding,) = [f for f in outcome.findings if f.code == "auth.original_fail"]
    assert finding.severity.value == "medium"
    assert dict(finding.evidence) == {
        "instance": 1, "authserv_id": "mx.microsoft.com", "seal_domain": "microsoft.com",
        "spf": "fail", "dkim": ["none"], "dmarc": "fail", "header_from": "sender.example",
        "client_ip": "203.0.113.66", "policy": "reject", "final_dmarc": "pass",
    }
    assert outcome.dmarc_pass  # the final result itself is not rewritten


def test_generic_client_ip_from_property() -> None:
    outcome = _outcome(_generic(sealer="google.com", aar_id="mx.google.com",
                                first_dmarc="fail"), CORP)
    assert outcome.original is not None
    assert outcome.original.client_ip == "192.0.2.99"


def test_arc_records_oldest_first() -> None:
    headers = parse_email(_m365(older=[*_arc(1, "microsoft.com", _ms_aar("fail"))])).headers
    records = select_trusted_results(headers, trusted_authserv_ids=(),
                                     trust_microsoft_365=True).arc_records
    assert [(r.instance, r.authserv_id, r.seal_domain) for r in records] == [
        (1, "mx.microsoft.com", "microsoft.com"), (2, "mx.microsoft.com", "microsoft.com")]
    assert select_trusted_results(headers, trusted_authserv_ids=()).arc_records == ()


# -- Message-ID written by the receiver

TRUSTED_RUN = [
    ("Received", f"from mx1.corp.example by mbox.corp.example with LMTP id 2; {DATE}"),
    ("Received", "from out.sender.example (out.sender.example [192.0.2.5]) by "
                 f"mx1.corp.example (Postfix) with ESMTPS id 3; {DATE}"),
    ("Received", "from laptop (unknown [198.51.100.9]) by mail.sender.example "
                 f"(Postfix) with ESMTPSA id 4; {DATE}"),
]
LOCAL = [("Received", "from localhost (localhost [127.0.0.1]) by mx1.corp.example "
                      f"(Postfix) with ESMTP id 5; {DATE}")]
MAILBOX = [("Received", "from BN0PR01MB0001.namprd01.prod.outlook.com ([fe80::1]) by "
                        "BN0PR01MB0001.namprd01.prod.outlook.com ([fe80::1%4]) with mapi id "
                        f"15.20.1; {DATE}"),
           ("Received", "from mail.bulk-sender.example (203.0.113.66) by "
                        "SN1PEPF0000AAAA.mail.protection.outlook.com (10.0.0.1) with "
                        f"Microsoft SMTP Server id 15.20.1; {DATE}")]
EDGE = [("Received", "from mail.bulk-sender.example (203.0.113.66) by "
                     "SG2PEPF000B66CE.mail.protection.outlook.com (10.0.0.2) with "
                     f"Microsoft SMTP Server id 15.20.1; {DATE}")]
CORP_RX: dict[str, Any] = {"trusted_receivers": ["corp.example"]}

# (id, Message-ID, Received headers, trust kwargs, header index of the writing hop or None)
MESSAGE_ID_CASES: list[tuple[str, str | None, list[tuple[str, str]], dict[str, Any],
                             int | None]] = [
    ("microsoft edge wrote it", EDGE_ID, EDGE, M365, 0),
    ("microsoft edge, case and trailing dot",
     "<x@sg2pepf000b66ce.APCPRD03.prod.outlook.com.>", EDGE, M365, 0),
    ("edge of the relaying tenant below the entry edge",
     EDGE_ID, [*MAILBOX[1:], ("Received", "from SG2PEPF000B66CE.apcprd03.prod.outlook.com "
                                           f"(2603:1096::8a) by SG2PR01CA0001.outlook."
                                           f"office365.com with SMTP; {DATE}"), *EDGE],
     M365, 2),
    ("no trust configured", EDGE_ID, EDGE, {}, None),
    ("microsoft mailbox server composed it (sender's own submission)",
     "<BN0PR01MB0001@BN0PR01MB0001.namprd01.prod.outlook.com>", MAILBOX, M365, None),
    ("trusted receiver wrote it", "<20241203.ABC@mx1.corp.example>", TRUSTED_RUN, CORP_RX, 1),
    ("same first label, another organisation",
     "<20241203.ABC@mx1.sender.example>", TRUSTED_RUN, CORP_RX, None),
    ("the sender's own submission hop (untrusted)",
     "<20241203.ABC@mail.sender.example>", TRUSTED_RUN, CORP_RX, None),
    ("local submission on the trusted host", "<20241203.ABC@mx1.corp.example>", LOCAL,
     CORP_RX, None),
    ("no Message-ID", None, EDGE, M365, None),
    ("Message-ID without a host", "<no-at-sign>", EDGE, M365, None),
    ("Message-ID with an address literal", "<x@[10.0.0.2]>", EDGE, M365, None),
    ("Message-ID host a single label", "<x@SG2PEPF000B66CE>", EDGE, M365, None),
]


@pytest.mark.parametrize(("message_id", "received", "trust", "index"),
                         [c[1:] for c in MESSAGE_ID_CASES],
                         ids=[c[0] for c in MESSAGE_ID_CASES])
def test_receiver_written_message_id(message_id: str | None, received: list[tuple[str, str]],
                                     trust: dict[str, Any], index: int | None) -> None:
    found = receiver_written_message_id(message_id, received, **trust)
    assert (found[0] if found else None) == index


def test_trusted_hops_m365_stops_outside_microsoft() -> None:
    headers = parse_email((FIXTURES / "m365_tenant_relay.eml").read_bytes()).headers
    hops = trusted_hops(headers, trust_microsoft_365=True)
    assert [h.by for _, h in hops] == [
        "sn1pepf0000aaaa.mail.protection.outlook.com",
        "tyzpr01mb0001.apcprd01.prod.outlook.com",
        "sg2pr01ca0001.outlook.office365.com",
        "sg2pepf000b66ce.mail.protection.outlook.com",
    ]
    assert trusted_hops(headers) == ()


def _corp(message_id: str) -> bytes:
    lines = [f"{n}: {v}" for n, v in TRUSTED_RUN] + [
        "From: Support <support@sender.example>", "Subject: statement", f"Date: {DATE}",
        f"Message-ID: {message_id}"]
    return ("\r\n".join(lines) + "\r\n\r\nsynthetic test body\r\n").encode()


@pytest.mark.parametrize(("raw", "trust", "expected"), [
    ((FIXTURES / "m365_tenant_relay.eml").read_bytes(), M365, 1),
    ((FIXTURES / "m365_tenant_relay.eml").read_bytes(), {}, 0),
    (_m365(older=TENANT_HOPS, message_id=EDGE_ID), M365, 1),
    (_m365(older=TENANT_HOPS), M365, 0),
    (_corp("<20241203.ABC@mx1.corp.example>"), {"trusted_authserv_ids": ["mx1.corp.example"]},
     1),
    (_corp("<20241203.ABC@mx1.corp.example>"), {}, 0),
    (_corp("<20241203.ABC@mail.sender.example>"),
     {"trusted_authserv_ids": ["mx1.corp.example"]}, 0),
], ids=["fixture", "fixture without trust", "edge id", "sender's own id",
        "trusted authserv-id host wrote it", "no trust", "sender's own id at a trusted host"])
def test_message_id_finding(raw: bytes, trust: dict[str, Any], expected: int) -> None:
    findings = [f for f in _outcome(raw, trust).findings
                if f.code == "header.message_id_by_receiver"]
    assert len(findings) == expected
    for f in findings:
        assert f.severity.value == "low"
        assert f.evidence["by"] in ("sg2pepf000b66ce.mail.protection.outlook.com",
                                    "mx1.corp.example")


# Microsoft 365 composite authentication (compauth) in the trusted top field.
COMPAUTH = [
    # implicit authentication failed although SPF passed: the receiver could not tie
    # the message to its From domain
    ("spf=pass smtp.mailfrom=sender.example; dkim=none; dmarc=none action=none "
     "header.from=sender.example;compauth=fail reason=001", True),
    ("spf=pass smtp.mailfrom=sender.example; dkim=none; dmarc=none action=none "
     "header.from=sender.example;compauth=pass reason=102", False),
    # a DMARC fail is already reported as auth.dmarc_fail
    ("spf=fail smtp.mailfrom=sender.example; dkim=none; dmarc=fail action=none "
     "header.from=sender.example;compauth=fail reason=000", False),
    # nothing passed at all: auth.unauthenticated says it
    ("spf=none smtp.mailfrom=sender.example; dkim=none; dmarc=none action=none "
     "header.from=sender.example;compauth=fail reason=001", False),
]


@pytest.mark.parametrize(("ar", "expected"), COMPAUTH)
def test_composite_authentication_fail(ar: str, expected: bool) -> None:
    edge = _rcv("mail.sender.example (203.0.113.66)",
                "SG2PEPF000B66CE.mail.protection.outlook.com")
    raw = (f"Authentication-Results: {ar}\r\nReceived: {edge}\r\n"
           f"From: Shop <news@sender.example>\r\nTo: a@outlook.example\r\nDate: {DATE}\r\n"
           "Message-ID: <1@sender.example>\r\nSubject: Offer\r\n\r\nHello\r\n").encode()
    codes = {f.code for f in _outcome(raw, {"trust_microsoft_365": True}).findings}
    assert ("auth.composite_fail" in codes) is expected, codes


# Microsoft 365 writes the domain's DMARC policy as a comment, not as policy.dmarc.
DMARC_POLICY = [
    ("dmarc=fail (p=reject sp=reject pct=100) action=oreject", "reject", "high"),
    ("dmarc=fail (p=quarantine sp=none pct=100) action=quarantine", "quarantine", "high"),
    ("dmarc=fail (p=none sp=none pct=100) action=none", "none", "medium"),
    ("dmarc=fail action=none", "none", "medium"),
]


@pytest.mark.parametrize(("dmarc", "policy", "severity"), DMARC_POLICY)
def test_microsoft_dmarc_policy_comment(dmarc: str, policy: str, severity: str) -> None:
    edge = _rcv("mail.spoofer.example (203.0.113.66)",
                "SG2PEPF000B66CE.mail.protection.outlook.com")
    ar = (f"spf=fail (sender IP is 203.0.113.66) smtp.mailfrom=spoofer.example; dkim=none "
          f"(message not signed) header.d=none;{dmarc} header.from=sender.example;"
          "compauth=fail reason=000")
    raw = (f"Authentication-Results: {ar}\r\nReceived: {edge}\r\n"
           f"From: Bank <alerts@sender.example>\r\nTo: a@outlook.example\r\nDate: {DATE}\r\n"
           "Message-ID: <1@sender.example>\r\nSubject: Alert\r\n\r\nHello\r\n").encode()
    outcome = _outcome(raw, {"trust_microsoft_365": True})
    (finding,) = [f for f in outcome.findings if f.code == "auth.dmarc_fail"]
    assert (finding.evidence["policy"], finding.severity.value) == (policy, severity)

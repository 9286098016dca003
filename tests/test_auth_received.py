"""Received trace fields (RFC 5321 §4.4) and envelope derivation, as data tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustcheck.auth.received import derive_envelope, find_entry_hop, parse_received

# (id, value, {field: expected}) -- realistic formats written for these tests.
RECEIVED_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("postfix", "from mail-ej1-f43.example.com (mail-ej1-f43.example.com [198.51.100.43])\r\n"
     "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
     "\t(No client certificate requested)\r\n\tby mx1.example.org (Postfix) with ESMTPS id "
     "4QZh7G20J0z3D\r\n\tfor <user@example.org>; Mon, 5 Jun 2023 17:54:02 +0000 (UTC)",
     {"helo": "mail-ej1-f43.example.com", "rdns": "mail-ej1-f43.example.com",
      "ip": "198.51.100.43", "by": "mx1.example.org", "protocol": "ESMTPS",
      "id": "4QZh7G20J0z3D", "recipient": "user@example.org",
      "timestamp": datetime(2023, 6, 5, 17, 54, 2, tzinfo=UTC)}),
    ("postfix unknown rdns, authenticated",
     "from vultr-guest (unknown [203.0.113.127]) (Authenticated sender: bob) by "
     "smtp.example.net (Postfix) with ESMTPSA id 93DF317FEDE; Wed, 9 Aug 2023 13:56:46 -0300",
     {"helo": "vultr-guest", "rdns": None, "ip": "203.0.113.127", "by": "smtp.example.net",
      "timestamp": datetime(2023, 8, 9, 13, 56, 46, tzinfo=timezone(timedelta(hours=-3)))}),
    ("postfix ipv6", "from mx.example.com (mx.example.com [IPv6:2001:DB8::25]) by "
     "mx.example.org (Postfix) with ESMTPS id 1; Tue, 1 Aug 2023 10:00:00 +0200",
     {"helo": "mx.example.com", "ip": "2001:db8::25", "by": "mx.example.org"}),
    ("exim ip literal and helo=", "from [198.51.100.17] (helo=User)\r\n\tby mail.example.sk "
     "with smtp (Exim 4.94.2)\r\n\t(envelope-from <alice@example.sk>)\r\n\tid 1pRCkD-004DoB-L3; "
     "Sun, 12 Feb 2023 14:50:18 +0100",
     {"helo": "User", "rdns": None, "ip": "198.51.100.17", "by": "mail.example.sk",
      "envelope_from": "alice@example.sk", "id": "1pRCkD-004DoB-L3"}),
    ("exim rdns, port and helo", "from out.example.com ([192.0.2.33]:41234 "
     "helo=relay.example.com) by mx.example.net with esmtps (TLS1.3) (Exim 4.96) "
     "(envelope-from <>) id 1q; Thu, 10 Aug 2023 08:00:00 +0000",
     {"helo": "relay.example.com", "rdns": "out.example.com", "ip": "192.0.2.33",
      "envelope_from": ""}),
    ("sendmail", "from srv0.example.ac.uk (srv0.example.ac.uk [192.0.2.10])\r\n\tby "
     "hub.example.ac.uk (8.11.6/8.11.6) with ESMTP id g7ME1r313981\r\n\tfor "
     "<list@example.com>; Thu, 22 Aug 2002 15:01:53 +0100 (BST)",
     {"helo": "srv0.example.ac.uk", "rdns": "srv0.example.ac.uk", "ip": "192.0.2.10",
      "by": "hub.example.ac.uk", "recipient": "list@example.com"}),
    ("sendmail ident and may be forged", "from fakehelo (root@host.example.net [192.0.2.44] "
     "(may be forged)) by mx.example.org (8.15.2/8.15.2) with ESMTP id x; "
     "Fri, 1 Sep 2023 00:00:00 GMT",
     {"helo": "fakehelo", "rdns": "host.example.net", "ip": "192.0.2.44"}),
    ("microsoft edge", "from mail.example.co.uk (198.51.100.2) by\r\n "
     "VI1EUR05FT062.mail.protection.outlook.com (10.233.243.189) with Microsoft\r\n SMTP "
     "Server id 15.20.6631.29 via Frontend Transport; Wed, 26 Jul 2023\r\n 21:13:36 +0000",
     {"helo": "mail.example.co.uk", "rdns": None, "ip": "198.51.100.2",
      "by": "vi1eur05ft062.mail.protection.outlook.com", "protocol": "Microsoft SMTP Server",
      "timestamp": datetime(2023, 7, 26, 21, 13, 36, tzinfo=UTC)}),
    ("microsoft internal ipv6 with zone", "from PUZPR06MB6104.apcprd06.prod.outlook.com "
     "([fe80::55fb:a5bb:3e74:e68b]) by PUZPR06MB6104.apcprd06.prod.outlook.com "
     "([fe80::55fb:a5bb:3e74:e68b%4]) with mapi id 15.20.6813.027; Fri, 29 Sep 2023 "
     "17:13:19 +0000", {"ip": "fe80::55fb:a5bb:3e74:e68b", "protocol": "mapi"}),
    ("google", "from out.example.com (out.example.com. [2a01:111:f400:7eab::807]) by "
     "mx.google.com with ESMTPS id l126-2002si5132871pgl.747.2023.09.02.17.54.01 for "
     "<a@gmail.com> (version=TLS1_2 cipher=ECDHE-ECDSA-AES128-GCM-SHA256 bits=128/128); "
     "Sat, 02 Sep 2023 17:54:01 -0700 (PDT)",
     {"helo": "out.example.com", "rdns": "out.example.com", "ip": "2a01:111:f400:7eab::807",
      "by": "mx.google.com", "recipient": "a@gmail.com"}),
    ("google internal by-only", "by 2002:a05:7300:6ca4:b0:9d:f7b5:4452 with SMTP id "
     "s36csp153295dyo; Sun, 12 Feb 2023 05:50:29 -0800 (PST)",
     {"helo": None, "ip": None, "by": "2002:a05:7300:6ca4:b0:9d:f7b5:4452"}),
    ("qmail", "from unknown (HELO relay.example.com) (192.0.2.93) by mta3.example.net with "
     "SMTP; 22 Aug 2002 12:53:39 -0000",
     {"helo": "relay.example.com", "rdns": None, "ip": "192.0.2.93",
      "timestamp": datetime(2002, 8, 22, 12, 53, 39, tzinfo=UTC)}),
    ("fetchmail bare bracket", "from phobos [127.0.0.1] by localhost with IMAP "
     "(fetchmail-5.9.0) for user@localhost (single-drop); Thu, 22 Aug 2002 13:52:59 +0100",
     {"helo": "phobos", "ip": "127.0.0.1", "by": "localhost", "recipient": "user@localhost"}),
    ("bad date", "from a.example (a.example [192.0.2.1]) by b.example; not a date",
     {"ip": "192.0.2.1", "timestamp": None}),
    ("no date", "from a.example by b.example with SMTP", {"helo": "a.example",
                                                           "by": "b.example"}),
    ("invalid ip", "from a.example (a.example [999.1.1.1]) by b.example; "
     "Mon, 5 Jun 2023 17:54:02 +0000", {"ip": None}),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in RECEIVED_CASES],
                         ids=[c[0] for c in RECEIVED_CASES])
def test_parse_received(value: str, expected: dict[str, Any]) -> None:
    hop = parse_received(value)
    assert hop is not None
    assert {k: getattr(hop, k) for k in expected} == expected


@pytest.mark.parametrize("value", ["", "   ", "garbage text only", "(from a by b)", ";;;"])
def test_parse_received_unreadable(value: str) -> None:
    assert parse_received(value) is None


@given(st.text(max_size=300))
def test_parse_received_never_raises(value: str) -> None:
    hop = parse_received(value)
    assert hop is None or hop.by is not None or hop.helo is not None or hop.ip is None


def _rcv(frm: str, by: str, date: str = "Mon, 5 Jun 2023 17:54:02 +0000") -> tuple[str, str]:
    return ("Received", f"from {frm} by {by} with ESMTP id Q; {date}")


STORED = [
    ("Return-Path", "<bounce@sender.example>"),
    _rcv("imap.corp.example (localhost [127.0.0.1])", "store.corp.example"),
    _rcv("mx2.corp.example (mx2.corp.example [10.0.0.2])", "mx1.corp.example"),
    _rcv("out.sender.example (out.sender.example [192.0.2.5])", "mx2.corp.example",
         "Mon, 5 Jun 2023 17:54:00 +0000"),
    _rcv("forged.example (forged.example [203.0.113.66])", "out.sender.example"),
]
M365 = [
    _rcv("A.namprd19.prod.outlook.com (::1)", "B.namprd19.prod.outlook.com"),
    _rcv("C.eop-eur05.prod.protection.outlook.com (2603:10a6:d10:a1:cafe::d5)",
         "D.outlook.office365.com (2603:10a6:d10:a1::9)"),
    ("Received", "from mail.sender.example (198.51.100.2) by "
     "E.mail.protection.outlook.com (10.233.243.189) with Microsoft SMTP Server id "
     "15.20.6631.29 via Frontend Transport; Wed, 26 Jul 2023 21:13:36 +0000"),
    _rcv("F.apcprd06.prod.outlook.com ([fe80::1])", "G.mail.protection.outlook.com"),
    ("Return-Path", "bounce@sender.example"),
]

# (id, headers, kwargs, expected (ip, helo, by, mail_from, source) or None)
ENVELOPE_CASES: list[tuple[str, list[tuple[str, str]], dict[str, Any], tuple[Any, ...] | None]] = [
    ("trusted run ends at the external hop", STORED, {"trusted_receivers": ["corp.example"]},
     ("192.0.2.5", "out.sender.example", "mx2.corp.example", "bounce@sender.example",
      "return-path")),
    ("only the outer mx trusted", STORED, {"trusted_receivers": ["mx1.corp.example"]},
     ("10.0.0.2", "mx2.corp.example", "mx1.corp.example", "bounce@sender.example",
      "return-path")),
    ("nothing configured", STORED, {}, None),
    ("no hop by a trusted receiver", STORED, {"trusted_receivers": ["other.example"]}, None),
    ("microsoft edge, topmost one", M365, {"trust_microsoft_365": True},
     ("198.51.100.2", "mail.sender.example", "e.mail.protection.outlook.com",
      "bounce@sender.example", "return-path")),
    ("microsoft without the flag", M365, {}, None),
    ("exim envelope-from wins over Return-Path",
     [("Return-Path", "<other@x.example>"),
      ("Received", "from out.example.com ([192.0.2.33] helo=relay.example.com) by "
       "mx.corp.example with esmtps (Exim 4.96) (envelope-from <a@b.example>) id 1q; "
       "Thu, 10 Aug 2023 08:00:00 +0000")],
     {"trusted_receivers": ["corp.example"]},
     ("192.0.2.33", "relay.example.com", "mx.corp.example", "a@b.example", "received")),
    ("null sender in Return-Path", [("Return-Path", "<>"), *STORED[1:]],
     {"trusted_receivers": ["corp.example"]},
     ("192.0.2.5", "out.sender.example", "mx2.corp.example", "", "return-path")),
]


@pytest.mark.parametrize(("headers", "kwargs", "expected"), [c[1:] for c in ENVELOPE_CASES],
                         ids=[c[0] for c in ENVELOPE_CASES])
def test_derive_envelope(headers: list[tuple[str, str]], kwargs: dict[str, Any],
                         expected: tuple[Any, ...] | None) -> None:
    env = derive_envelope(headers, **kwargs)
    if expected is None:
        assert env is None
        return
    assert env is not None
    assert (env.ip, env.helo, env.by, env.mail_from, env.mail_from_source) == expected


def test_envelope_timestamp_is_arrival_at_entry_hop() -> None:
    env = derive_envelope(STORED, trusted_receivers=["corp.example"])
    assert env is not None
    assert env.timestamp == datetime(2023, 6, 5, 17, 54, 0, tzinfo=UTC)


def test_entry_hop_index() -> None:
    found = find_entry_hop(M365, trust_microsoft_365=True)
    assert found is not None
    assert found[0] == 2

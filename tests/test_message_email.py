"""E-mail parsing: charsets, headers, addresses, bodies, attachments, forwarded originals.

Messages are built in the tests from tables, so each row states its input and
the expected facts side by side. Hand-made whole messages live in
fixtures/messages/.
"""

from __future__ import annotations

import base64
import email
import email.policy
import quopri
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from trustcheck.errors import ConfigError, InputError
from trustcheck.message import (
    Address,
    Attachment,
    Limits,
    ParsedEmail,
    load_email,
    parse_email,
)
from trustcheck.verdict import Severity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "messages"


def _codes(mail: ParsedEmail) -> set[str]:
    return {f.code for f in mail.findings}


def _encode_body(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


def _message(headers: str, body: bytes = b"", *, extra: bytes = b"") -> bytes:
    return headers.replace("\n", "\r\n").encode() + extra + b"\r\n" + body


# ---------------------------------------------------------------- body charsets

BODY_CHARSETS = [
    # label, text, codec used to write it, transfer encoding, expected codes
    ("utf-8", "héllo 홍길동", "utf-8", "8bit", set()),
    ("euc-kr", "결제가 완료되었습니다", "euc-kr", "base64", set()),
    ("ks_c_5601-1987", "쿠팡 주문 확인", "cp949", "quoted-printable", set()),
    # "똠" exists only in cp949; senders still label such text euc-kr.
    ("euc-kr", "똠방각하 결제", "cp949", "base64", set()),
    ("iso-2022-jp", "こんにちは世界", "iso2022_jp", "7bit", set()),
    ("shift_jis", "テスト送信", "cp932", "base64", set()),
    ("gb2312", "你好，付款成功", "gb2312", "base64", set()),
    ("windows-874", "สวัสดีครับ", "cp874", "8bit", set()),
    ("unicode-1-1-utf-7", "Hi Mom -☺-!", "utf-7", "7bit", set()),
    ("x-user-defined", "café €5", "cp1252", "8bit", set()),
    ("iso-8859-1", "Zürich café", "latin-1", "quoted-printable", set()),
    # A us-ascii label on UTF-8 text: the UTF-8 reading is the one that fits.
    ("us-ascii", "naïve café", "utf-8", "8bit", set()),
    ("x-bogus-charset", "naïve café", "utf-8", "8bit", {"charset.unknown"}),
    ("rot13", "plain", "ascii", "7bit", {"charset.unknown"}),
    ('"UTF-8"', "quoted label ✓", "utf-8", "base64", set()),
]


@pytest.mark.parametrize(("label", "text", "codec", "cte", "codes"), BODY_CHARSETS)
def test_body_charsets(label: str, text: str, codec: str, cte: str, codes: set[str]) -> None:
    raw = _message(
        f"From: a@example.com\nContent-Type: text/plain; charset={label}\n"
        f"Content-Transfer-Encoding: {cte}\n",
        _encode_body(text.encode(codec), cte),
    )
    mail = parse_email(raw)
    assert mail.text.strip() == text
    assert _codes(mail) == codes


UNLABELED_BYTES = [
    # bytes with no charset label at all, expected text, expected codes
    ("결제 완료".encode("cp949"), "결제 완료", set()),
    ("결제 완료".encode(), "결제 완료", set()),
    (b"caf\xe9 \xff", "caf\xe9 \xff", set()),
    (b"ok \xe2\x82 broken", None, {"charset.decode_error"}),
]


@pytest.mark.parametrize(("body", "text", "codes"), UNLABELED_BYTES)
def test_unlabeled_and_invalid_bodies(body: bytes, text: str | None, codes: set[str]) -> None:
    label = "; charset=utf-8" if codes else ""
    mail = parse_email(_message(f"From: a@example.com\nContent-Type: text/plain{label}\n", body))
    if text is not None:
        assert mail.text == text
    else:
        assert "\ufffd" in mail.text
        assert mail.text.startswith("ok ")
    assert _codes(mail) == codes


FLOWED = [
    # format=flowed body, delsp, expected text (RFC 3676)
    ("Your order \r\nhas shipped.\r\nTotal: $9\r\n", "no", "Your order has shipped.\nTotal: $9\n"),
    ("Your or\r\nder\r\n", "no", "Your or\nder\n"),
    ("Your or \r\nder\r\n", "yes", "Your order\n"),
    (" From the team \r\n-- \r\nsig\r\n", "no", "From the team \n-- \nsig\n"),
]


@pytest.mark.parametrize(("body", "delsp", "text"), FLOWED)
def test_format_flowed(body: str, delsp: str, text: str) -> None:
    mail = parse_email(_message(
        f"From: a@example.com\nContent-Type: text/plain; charset=utf-8; format=flowed; "
        f"delsp={delsp}\n", body.encode()))
    assert mail.text == text


def test_html_meta_charset_used_when_mime_label_missing() -> None:
    html = '<html><head><meta charset="euc-kr"></head><body>주문 완료</body></html>'
    mail = parse_email(_message("From: a@example.com\nContent-Type: text/html\n",
                                html.encode("cp949")))
    assert "주문 완료" in mail.html[0]
    assert mail.visible_text == "주문 완료"


# ---------------------------------------------------------------- headers

SUBJECTS = [
    # raw Subject bytes, decoded subject, expected codes
    (b"=?UTF-8?B?7L+g7YyhIOqysOygnA==?=", "쿠팡 결제", set()),
    (b"=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait", set()),
    # RFC 2047 §6.2: whitespace between adjacent encoded words is dropped.
    (b"=?utf-8?q?Your_?= =?utf-8?q?receipt?=", "Your receipt", set()),
    (b"Order =?utf-8?q?n=C2=BA?= 5", "Order nº 5", set()),
    # A multi-byte character split across two words.
    (b"=?utf-8?B?7Q==?=\r\n =?utf-8?B?mY0=?=", "홍", set()),
    (b"=?euc-kr?B?sOHBpiDIrsDO?=", "결제 확인", set()),
    (b"=?ks_c_5601-1987?B?sOHBpiDIrsDO?=", "결제 확인", set()),
    (b"=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", "テスト", set()),
    (b"=?x-unknown-cs?q?hello?=", "hello", {"charset.unknown"}),
    (b"=?utf-8?B?7ZmN7?=", "=?utf-8?B?7ZmN7?=", {"header.encoding_error"}),
    (b"=?utf-8?B?7Z?=", "\ufffd", {"header.encoding_error"}),
    (b"=?utf-8?q?bad=FF?=", "bad\ufffd", {"header.encoding_error"}),
    # Raw 8-bit headers: UTF-8, cp949, then latin-1 with a finding.
    ("영수증 도착".encode(), "영수증 도착", set()),
    ("영수증 도착".encode("cp949"), "영수증 도착", set()),
    (b"caf\xe9 \xff", "caf\xe9 \xff", {"header.encoding_error"}),
    (b"\x1b$B%F%9%H\x1b(B", "テスト", set()),
    (b"folded\r\n\tline", "folded\tline", set()),
    (b"  plain  ", "plain", set()),
]


@pytest.mark.parametrize(("raw_subject", "subject", "codes"), SUBJECTS)
def test_subject_decoding(raw_subject: bytes, subject: str, codes: set[str]) -> None:
    raw = b"From: a@example.com\r\nSubject: " + raw_subject + b"\r\n\r\nbody"
    mail = parse_email(raw)
    assert mail.subject == subject
    assert mail.header("subject") == subject
    assert _codes(mail) == codes


def test_header_accessors_keep_order_names_and_raw_values() -> None:
    raw = (b"Received: from a by b; Mon, 1 May 2023 10:00:00 +0000\r\n"
           b"Authentication-Results: mx.example.net;\r\n dkim=pass header.d=example.com\r\n"
           b"received: from c by d; Mon, 1 May 2023 09:00:00 +0000\r\n"
           b"Subject: =?utf-8?q?hi?=\r\nFrom: a@example.com\r\n\r\nbody")
    mail = parse_email(raw)
    assert [name for name, _ in mail.headers] == [
        "Received", "Authentication-Results", "received", "Subject", "From"]
    assert mail.header("RECEIVED") == "from a by b; Mon, 1 May 2023 10:00:00 +0000"
    assert mail.header_all("Received")[1].startswith("from c")
    assert mail.header("authentication-results") == (
        "mx.example.net; dkim=pass header.d=example.com")
    assert mail.raw_header_all("subject") == ("=?utf-8?q?hi?=",)
    assert mail.header("subject") == "hi"
    assert mail.header("X-Absent") is None
    assert mail.header_all("X-Absent") == ()


def test_duplicate_singleton_headers_are_reported() -> None:
    mail = parse_email(b"From: a@example.com\r\nFrom: b@evil.example\r\n\r\nx")
    assert [a.address for a in mail.from_] == ["a@example.com", "b@evil.example"]
    dup = next(f for f in mail.findings if f.code == "header.duplicate")
    assert dup.evidence == {"header": "from", "count": 2}
    assert dup.severity is Severity.LOW


# ---------------------------------------------------------------- addresses

ADDRESSES = [
    # From value, display name, address, local, domain, domain_unicode
    ("Apple <no_reply@Email.Apple.COM>", "Apple", "no_reply@email.apple.com", "no_reply",
     "email.apple.com", "email.apple.com"),
    ("=?utf-8?b?7L+g7Yyh?= <Help@coupang.com>", "쿠팡", "Help@coupang.com", "Help",
     "coupang.com", "coupang.com"),
    ('"Pay, Naver" <pay@naver.com>', "Pay, Naver", "pay@naver.com", "pay", "naver.com",
     "naver.com"),
    ("=?utf-8?q?Apple=2C_Inc?= <a@apple.com>", "Apple, Inc", "a@apple.com", "a", "apple.com",
     "apple.com"),
    ("Shop <user@Bücher.de>", "Shop", "user@xn--bcher-kva.de", "user", "xn--bcher-kva.de",
     "bücher.de"),
    ("x <user@xn--pple-43d.com>", "x", "user@xn--pple-43d.com", "user", "xn--pple-43d.com",
     "аpple.com"),
    ("bare@example.org", "", "bare@example.org", "bare", "example.org", "example.org"),
    # An unquoted comma in the name (RFC 5322 wants it quoted): one mailbox, as clients show.
    ("Smith, John <j@example.org>", "Smith, John", "j@example.org", "j", "example.org",
     "example.org"),
    ("Microsoft account team ,_<no-reply@x.example>", "Microsoft account team ,_",
     "no-reply@x.example", "no-reply", "x.example", "x.example"),
]


@pytest.mark.parametrize(
    ("value", "display", "address", "local", "domain", "domain_unicode"), ADDRESSES)
def test_from_addresses(value: str, display: str, address: str, local: str, domain: str,
                        domain_unicode: str) -> None:
    mail = parse_email(("From: " + value + "\r\n\r\nbody").encode())
    assert len(mail.from_) == 1
    got = mail.from_[0]
    assert (got.display_name, got.address, got.local, got.domain) == (
        display, address, local, domain)
    assert got.domain_unicode == domain_unicode


@pytest.mark.parametrize("value", [
    "<<<>>>", "undisclosed-recipients:;", "", "@@@", ",,,", "Just A Name", "\"unterminated <a@b",
    "a@[192.0.2.1]", "a@b@c", "=?utf-8?b?////?= <x@y>"])
def test_garbage_address_headers_do_not_raise(value: str) -> None:
    mail = parse_email(f"From: {value}\r\nTo: {value}\r\n\r\nx".encode())
    for addr in (*mail.from_, *mail.to):
        assert isinstance(addr, Address)
        assert addr.domain == addr.domain.lower()


def test_sender_reply_to_to_cc() -> None:
    mail = parse_email(b"From: a@a.example\r\nSender: s@s.example\r\n"
                       b"Reply-To: r1@r.example, R2 <r2@r.example>\r\n"
                       b"To: t@t.example\r\nCc: c@c.example\r\n\r\nx")
    assert mail.sender is not None
    assert mail.sender.address == "s@s.example"
    assert [a.address for a in mail.reply_to] == ["r1@r.example", "r2@r.example"]
    assert [a.address for a in mail.to] == ["t@t.example"]
    assert [a.address for a in mail.cc] == ["c@c.example"]


RETURN_PATHS = [
    (b"Return-Path: <>\r\n", ""),
    (b"Return-Path: <bounce@mail.example.com>\r\n", "bounce@mail.example.com"),
    (b"Return-Path: bounce@mail.example.com\r\n", "bounce@mail.example.com"),
    (b"Return-Path: <@relay.example:user@example.com>\r\n", "user@example.com"),
    (b"Return-Path: <first@a.example>\r\nReturn-Path: <second@b.example>\r\n", "first@a.example"),
    (b"", None),
]


@pytest.mark.parametrize(("header", "expected"), RETURN_PATHS)
def test_return_path(header: bytes, expected: str | None) -> None:
    assert parse_email(header + b"From: a@example.com\r\n\r\nx").return_path == expected


DATES = [
    ("Mon, 1 May 2023 15:00:00 +0900",
     datetime(2023, 5, 1, 15, 0, tzinfo=timezone(timedelta(hours=9))), set()),
    ("1 May 2023 06:00:00 -0000", datetime(2023, 5, 1, 6, 0, tzinfo=UTC), set()),
    ("Mon, 1 May 2023 06:00:00 GMT", datetime(2023, 5, 1, 6, 0, tzinfo=UTC), set()),
    ("Mon, 1 May 2023 06:00:00", datetime(2023, 5, 1, 6, 0, tzinfo=UTC), {"header.date_invalid"}),
    ("yesterday-ish", None, {"header.date_invalid"}),
    ("Mon, 99 Foo 2023 99:99:99 +9999", None, {"header.date_invalid"}),
]


@pytest.mark.parametrize(("value", "expected", "codes"), DATES)
def test_date(value: str, expected: datetime | None, codes: set[str]) -> None:
    mail = parse_email(f"From: a@example.com\r\nDate: {value}\r\n\r\nx".encode())
    assert mail.date == expected
    if mail.date is not None:
        assert mail.date.tzinfo is not None
    assert _codes(mail) == codes


def test_message_id_kept_as_written() -> None:
    mail = parse_email(b"From: a@example.com\r\nMessage-ID:  <abc@mx.example>  \r\n\r\nx")
    assert mail.message_id == "<abc@mx.example>"
    assert parse_email(b"From: a@example.com\r\n\r\nx").message_id is None


# ---------------------------------------------------------------- mbox, raw, input types

MESSAGE = b"From: a@example.com\r\nSubject: s\r\n\r\nbody line\r\n>From the archive\r\n"


@pytest.mark.parametrize("prefix", [
    b"From MAILER-DAEMON Mon May  1 10:00:00 2023\n",
    b"From a@example.com Mon May  1 10:00:00 2023\r\n",
    b"",
])
def test_mbox_from_line_is_stripped_from_raw(prefix: bytes) -> None:
    mail = parse_email(prefix + MESSAGE)
    assert mail.raw == MESSAGE
    assert mail.subject == "s"
    # ">From " in the body is body text (mboxrd quoting is the mbox reader's business).
    assert mail.text == "body line\r\n>From the archive\r\n"


def test_input_types(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MESSAGE)
    parsed = [
        parse_email(MESSAGE),
        parse_email(bytearray(MESSAGE)),
        parse_email(memoryview(MESSAGE)),
        parse_email(MESSAGE.decode()),
        parse_email(path),
        load_email(path),
        load_email(str(path)),
        parse_email(email.message_from_bytes(MESSAGE, policy=email.policy.compat32)),
    ]
    for mail in parsed:
        assert mail.subject == "s"
        assert mail.from_[0].address == "a@example.com"
    assert parsed[0].raw == MESSAGE


@pytest.mark.parametrize(("text", "raw"), [
    ("Subject: caf\udce9\r\n\r\nx", b"Subject: caf\xe9\r\n\r\nx"),  # surrogateescape
    ("Subject: \ud800\r\n\r\nx", b"Subject: ?\r\n\r\nx"),  # a lone surrogate
])
def test_str_input_round_trips_escaped_bytes(text: str, raw: bytes) -> None:
    assert parse_email(text).raw == raw


def test_str_is_message_text_not_a_path(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(MESSAGE)
    mail = parse_email(str(path))
    assert mail.from_ == ()
    assert mail.text == str(path)


@pytest.mark.parametrize("bad", [None, 42, 4.2, ["From: a"], {"From": "a"}, object()])
def test_wrong_types_raise_input_error(bad: object) -> None:
    with pytest.raises(InputError, match="Expected e-mail bytes"):
        parse_email(bad)  # type: ignore[arg-type]


def test_unreadable_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read message file"):
        load_email(tmp_path / "missing.eml")
    with pytest.raises(InputError, match="Cannot read message file"):
        parse_email(tmp_path)


@pytest.mark.parametrize(("field", "value"), [
    ("max_parts", -1), ("max_depth", 1.5), ("max_bytes", True), ("max_headers", "10")])
def test_limits_validate(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        Limits(**{field: value})  # type: ignore[arg-type]


def test_limits_wrong_type_raises_input_error() -> None:
    with pytest.raises(InputError, match="limits must be"):
        parse_email(MESSAGE, limits={"max_bytes": 1})  # type: ignore[arg-type]


# ---------------------------------------------------------------- bodies

def _multipart(subtype: str, parts: list[bytes], boundary: str = "BOUND") -> bytes:
    out = [f"From: a@example.com\r\nContent-Type: multipart/{subtype}; "
           f'boundary="{boundary}"\r\n\r\npreamble\r\n'.encode()]
    out.extend(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    out.append(f"--{boundary}--\r\nepilogue\r\n".encode())
    return b"".join(out)


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\r\n\r\nYour receipt: $9.99"
HTML_PART = (b"Content-Type: text/html; charset=utf-8\r\n\r\n"
             b"<html><head><style>p{}</style><script>evil()</script></head>"
             b"<body><p>Your&nbsp;receipt:</p><p>$9.99</p><!-- hidden --></body></html>")


def test_alternative_text_and_html() -> None:
    mail = parse_email(_multipart("alternative", [TEXT_PART, HTML_PART]))
    assert mail.text == "Your receipt: $9.99"
    assert len(mail.html) == 1
    assert "<script>" in mail.html[0]
    # The HTML says the same as the text, so it is not repeated in visible_text.
    assert mail.visible_text == "Your receipt: $9.99"
    assert mail.attachments == ()


def test_html_only_visible_text_drops_script_style_comments() -> None:
    mail = parse_email(_multipart("mixed", [HTML_PART]))
    assert mail.text == ""
    assert mail.visible_text == "Your receipt:\n$9.99"


def test_nested_multiparts_keep_document_order() -> None:
    inner = _multipart("alternative", [b"Content-Type: text/plain\r\n\r\nsecond"], "IN")
    inner = inner.split(b"\r\n", 1)[1]  # drop the From line: it is a part now
    mail = parse_email(_multipart("mixed", [b"Content-Type: text/plain\r\n\r\nfirst", inner,
                                            b"Content-Type: text/plain\r\n\r\nthird"]))
    assert mail.text.split("\n") == ["first", "second", "third"]
    assert _codes(mail) == set()


def _attachment_part(headers: str, payload: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n\r\n" + payload


ATTACHMENTS = [
    # part headers, payload, expected attachment
    ("Content-Type: application/pdf; name=\"r.pdf\"\nContent-Transfer-Encoding: base64\n"
     "Content-Disposition: attachment; filename=\"receipt.pdf\"",
     base64.encodebytes(b"%PDF-1.4 " * 100),
     Attachment("receipt.pdf", "application/pdf", 900, "attachment", False)),
    ("Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
     "Content-Disposition: attachment; filename*=utf-8''%EC%98%81%EC%88%98%EC%A6%9D.zip",
     base64.encodebytes(b"PK\x03\x04" + b"\x00" * 7),
     Attachment("영수증.zip", "application/octet-stream", 11, "attachment", False)),
    ("Content-Type: image/png\nContent-Transfer-Encoding: base64\nContent-Disposition: inline\n"
     "Content-ID: <logo>",
     base64.encodebytes(b"\x89PNG" + b"x" * 28),
     Attachment(None, "image/png", 32, "inline", True)),
    ("Content-Type: text/plain; name=\"=?utf-8?b?7JiB7IiY7KadLnR4dA==?=\"\n"
     "Content-Disposition: attachment",
     b"not body text",
     Attachment("영수증.txt", "text/plain", 13, "attachment", False)),
    ("Content-Type: application/x-msdownload\nContent-Disposition: attachment;\n"
     " filename*0=\"invoice\"; filename*1=\".pdf.exe\"\n"
     "Content-Transfer-Encoding: quoted-printable",
     b"MZ=00=01",
     Attachment("invoice.pdf.exe", "application/x-msdownload", 4, "attachment", False)),
]


@pytest.mark.parametrize(("headers", "payload", "expected"), ATTACHMENTS)
def test_attachments(headers: str, payload: bytes, expected: Attachment) -> None:
    mail = parse_email(_multipart("mixed", [TEXT_PART, _attachment_part(headers, payload)]))
    assert mail.attachments == (expected,)
    assert mail.text == "Your receipt: $9.99"


def test_multipart_without_close_delimiter_is_a_defect_not_an_error() -> None:
    raw = _multipart("mixed", [TEXT_PART]).rsplit(b"--BOUND--", 1)[0]
    mail = parse_email(raw)
    assert mail.text.startswith("Your receipt: $9.99")
    assert "mime.defect" in _codes(mail)


@pytest.mark.parametrize(("content_type", "text"), [
    ("multipart/mixed", "no boundary param"),
    ("multipart/mixed; boundary=NOTHERE", "no delimiter in here"),
    ("garbage", "garbage type"),
])
def test_broken_content_types(content_type: str, text: str) -> None:
    # The body stays readable: hiding it would help a sender slip past content checks.
    mail = parse_email(f"From: a@b.example\r\nContent-Type: {content_type}\r\n\r\n"
                       f"{text}".encode())
    assert "mime.defect" in _codes(mail)
    assert mail.text == text


# ---------------------------------------------------------------- forwarded originals

ORIGINAL = (b"From: Apple <no_reply@email.apple.com>\r\nTo: kim@example.com\r\n"
            b"Subject: Your receipt from Apple\r\nDate: Mon, 1 May 2023 15:00:00 +0900\r\n"
            b"DKIM-Signature: v=1; a=rsa-sha256; d=email.apple.com; s=sel; bh=x; b=y\r\n"
            b"\r\nApple ID: kim@example.com\r\nTotal: $9.99\r\n")


@pytest.mark.parametrize("cte", ["7bit", "base64"])
def test_rfc822_attachment_is_parsed_as_forwarded(cte: str) -> None:
    payload = ORIGINAL if cte == "7bit" else base64.encodebytes(ORIGINAL)
    part = (f"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: {cte}\r\n"
            f"Content-Disposition: attachment; filename=\"receipt.eml\"\r\n\r\n").encode() + payload
    mail = parse_email(_multipart("mixed", [b"Content-Type: text/plain\r\n\r\nIs this real?",
                                            part]))
    assert mail.text == "Is this real?"
    assert len(mail.forwarded) == 1
    original = mail.forwarded[0]
    assert original.source == "rfc822"
    assert original.raw == ORIGINAL  # byte-exact, so DKIM can be re-verified
    assert original.from_[0].domain == "email.apple.com"
    assert original.subject == "Your receipt from Apple"
    assert original.date == datetime(2023, 5, 1, 6, 0, tzinfo=UTC)
    assert mail.attachments[0].content_type == "message/rfc822"
    assert mail.attachments[0].filename == "receipt.eml"


INLINE_FORWARDS = [
    ("gmail",
     "FYI\n\n---------- Forwarded message ---------\n"
     "From: Apple <no_reply@email.apple.com>\nDate: Mon, May 1, 2023 at 3:00 PM\n"
     "Subject: Your receipt from Apple\nTo: <kim@example.com>\n\n\nTotal: $9.99\n"),
    ("gmail-ko",
     "확인 부탁드려요\n\n---------- Forwarded message ---------\n"
     "보낸사람: Apple <no_reply@email.apple.com>\nDate: 2023년 5월 1일 (월) 오후 3:00\n"
     "Subject: Your receipt from Apple\nTo: <kim@example.com>\n\nTotal: $9.99\n"),
    ("apple-mail",
     "Sent from my iPhone\n\nBegin forwarded message:\n\n"
     "From: Apple <no_reply@email.apple.com>\nSubject: Your receipt from Apple\n"
     "Date: May 1, 2023 at 3:00:00 PM GMT+9\nTo: kim@example.com\n\nTotal: $9.99\n"),
    ("apple-mail-ko",
     "전달합니다\n\n전달된 메일:\n\n보낸 사람: Apple <no_reply@email.apple.com>\n"
     "제목: Your receipt from Apple\n날짜: 2023년 5월 1일 오후 3:00:00 GMT+9\n"
     "받는 사람: kim@example.com\n\nTotal: $9.99\n"),
    ("outlook",
     "Please check.\r\n\r\n-----Original Message-----\r\n"
     "From: Apple [mailto:no_reply@email.apple.com]\r\nSent: Monday, May 1, 2023 3:00 PM\r\n"
     "To: Kim <kim@example.com>\r\nSubject: Your receipt from Apple\r\n\r\nTotal: $9.99\r\n"),
    ("outlook-web",
     "Please check.\n\n________________________________\n"
     "From: Apple <no_reply@email.apple.com>\nSent: Monday, May 1, 2023 3:00 PM\n"
     "To: Kim <kim@example.com>\nSubject: Your receipt from Apple\n\nTotal: $9.99\n"),
    ("outlook-bare",
     "Please check.\n\nFrom: Apple <no_reply@email.apple.com>\n"
     "Sent: Monday, May 1, 2023 3:00 PM\nTo: Kim <kim@example.com>\n"
     "Subject: Your receipt from Apple\n\nTotal: $9.99\n"),
    ("naver",
     "확인해 주세요\r\n\r\n-----Original Message-----\r\n"
     'From: "Apple"<no_reply@email.apple.com>\r\nTo: "김"<kim@example.com>;\r\nCc: \r\n'
     "Sent: 2023-05-01 (월) 15:00:00 (GMT+09:00)\r\nSubject: Your receipt from Apple\r\n\r\n"
     "Total: $9.99\r\n"),
    ("thunderbird",
     "\n\n-------- Forwarded Message --------\nSubject: \tYour receipt from Apple\n"
     "Date: \tMon, 1 May 2023 15:00:00 +0900\nFrom: \tApple <no_reply@email.apple.com>\n"
     "To: \tkim@example.com\n\nTotal: $9.99\n"),
    ("quoted",
     "see below\n\n> Begin forwarded message:\n>\n> From: Apple <no_reply@email.apple.com>\n"
     "> Subject: Your receipt from Apple\n> Date: May 1, 2023\n>\n> Total: $9.99\n"),
]


@pytest.mark.parametrize(("client", "text"), INLINE_FORWARDS)
def test_inline_forward_formats(client: str, text: str) -> None:
    mail = parse_email(b"From: kim@example.com\r\nSubject: Fwd: receipt\r\n"
                       b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode())
    assert len(mail.forwarded) == 1, client
    original = mail.forwarded[0]
    assert original.source == "inline"
    assert [a.address for a in original.from_] == ["no_reply@email.apple.com"]
    assert original.from_[0].display_name == "Apple"
    assert original.subject == "Your receipt from Apple"
    assert original.text.strip() == "Total: $9.99"
    assert original.header("date") is not None


def test_inline_forward_in_html_only_message() -> None:
    html = ("<div>FYI</div><div>---------- Forwarded message ---------<br>"
            "From: <b>Apple</b> &lt;<a href='mailto:no_reply@email.apple.com'>"
            "no_reply@email.apple.com</a>&gt;<br>Date: Mon, May 1, 2023<br>"
            "Subject: Your receipt from Apple<br>To: kim@example.com<br><br>"
            "<p>Total: $9.99</p></div>")
    mail = parse_email(b"From: kim@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                       + html.encode())
    assert [f.from_[0].address for f in mail.forwarded] == ["no_reply@email.apple.com"]


@pytest.mark.parametrize("text", [
    "Hello\n________________________________\nJust a line of underscores.\n",
    "From: my notes\nnothing else here\n",
    "Subject: only\n",
])
def test_text_that_is_not_a_forward(text: str) -> None:
    mail = parse_email(b"From: kim@example.com\r\n\r\n" + text.encode())
    assert mail.forwarded == ()


def _wrap_rfc822(inner: bytes, n: int) -> bytes:
    for i in range(n):
        inner = (f"From: level{i}@example.com\r\nContent-Type: message/rfc822\r\n\r\n".encode()
                 + inner)
    return inner


@pytest.mark.parametrize(("levels", "max_forward_depth", "reached", "limited"), [
    (1, 3, 1, False), (3, 3, 3, False), (5, 3, 3, True), (2, 0, 0, True)])
def test_forward_depth_limit(levels: int, max_forward_depth: int, reached: int,
                             limited: bool) -> None:
    mail = parse_email(_wrap_rfc822(ORIGINAL, levels),
                       limits=Limits(max_forward_depth=max_forward_depth))
    depth, node, codes = 0, mail, _codes(mail)
    while node.forwarded:
        node = node.forwarded[0]
        codes |= _codes(node)
        depth += 1
    assert depth == reached
    assert ("forward.depth_limit" in codes) is limited


# ---------------------------------------------------------------- language

LANGUAGES = [
    ("[쿠팡] 주문하신 상품의 결제가 완료되었습니다. 주문번호 1234", "ko"),
    ("쿠팡 Coupang 결제 완료 https://www.coupang.com/np/orders/very/long/path", "ko"),
    ("Your receipt from Apple. Total $9.99", "en"),
    ("Ваш заказ оплачен", None),
    ("12345 $$$ !!!", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "language"), LANGUAGES)
def test_language(text: str, language: str | None) -> None:
    mail = parse_email(b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                       + text.encode())
    assert mail.language == language


# ---------------------------------------------------------------- fixtures

FIXTURE_FILES = [
    # file, from domain, subject, forwarded from domains, language
    ("gmail_forward_rfc822_ko.eml", "gmail.com", "Fwd: [쿠팡] 결제 완료 안내", ["coupang.com"],
     "ko"),
    ("naver_inline_forward.eml", "naver.com", "FW: Apple 영수증", ["email.apple.com"], "ko"),
]


@pytest.mark.parametrize(("name", "domain", "subject", "forwarded", "language"), FIXTURE_FILES)
def test_fixture_messages(name: str, domain: str, subject: str, forwarded: list[str],
                          language: str) -> None:
    mail = load_email(FIXTURES / name)
    assert mail.from_[0].domain == domain
    assert mail.subject == subject
    assert [f.from_[0].domain for f in mail.forwarded] == forwarded
    assert mail.language == language
    assert {f.severity for f in mail.findings} <= {Severity.INFO}


FORWARD_DATES = [
    # the Date/Sent line a client wrote, the aware datetime it means (None: no zone given)
    ("Sent: 2023-05-01 (월) 15:00:00 (GMT+09:00)", datetime(2023, 5, 1, 6, 0, tzinfo=UTC)),
    ("Date: May 1, 2023 at 3:00:00 PM GMT+9", datetime(2023, 5, 1, 6, 0, tzinfo=UTC)),
    ("날짜: 2023년 5월 1일 오후 3:00:00 GMT+9", datetime(2023, 5, 1, 6, 0, tzinfo=UTC)),
    ("Date: 2023. 5. 1. 오전 12:10 GMT+09:00", datetime(2023, 4, 30, 15, 10, tzinfo=UTC)),
    ("Date: 1 May 2023 12:05 AM UTC-05:30", datetime(2023, 5, 1, 5, 35, tzinfo=UTC)),
    ("Date: Mon, 1 May 2023 15:00:00 +0900", datetime(2023, 5, 1, 6, 0, tzinfo=UTC)),
    ("Date: Mon, May 1, 2023 at 3:00 PM", None),
    ("Sent: Monday, May 1, 2023 3:00 PM", None),
    ("Sent: 2023-13-45 10:00 GMT+1", None),
]


@pytest.mark.parametrize(("line", "expected"), FORWARD_DATES)
def test_inline_forward_dates(line: str, expected: datetime | None) -> None:
    text = ("-----Original Message-----\nFrom: Apple <no_reply@email.apple.com>\n"
            f"{line}\nSubject: Your receipt\n\nbody")
    mail = parse_email(b"From: kim@example.com\r\n\r\n" + text.encode())
    assert mail.forwarded[0].date == expected

"""Hostile input: every bound in trustcheck.message.limits ends the work with a finding.

The inputs are built here (nothing big is committed). These tests check that
parsing finishes and reports the limit; speed is measured by
benchmarks/parse_throughput.py, not by timing assertions.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustcheck.message import Limits, ParsedEmail, parse_email
from trustcheck.verdict import Finding, Severity

MiB = 1024 * 1024


def _nested_multipart(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nleaf"
    for i in range(depth, 0, -1):
        body = (b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n%s\r\n--b%d--"
                % (i, i, body, i))
    return b"From: a@example.com\r\n" + body


def _many_parts(n: int) -> bytes:
    part = b"--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    return (b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
            + part * n + b"--zz--\r\n")


def _nested_rfc822(depth: int) -> bytes:
    inner = b"From: z@example.com\r\n\r\noriginal"
    for _ in range(depth):
        inner = b"From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return inner


HOSTILE: list[tuple[str, Callable[[], bytes], Limits, str]] = [
    # name, input builder, limits, expected finding code
    ("nested multipart 1000 deep", lambda: _nested_multipart(1000), Limits(), "mime.depth_limit"),
    ("nested multipart past a small limit", lambda: _nested_multipart(5), Limits(max_depth=3),
     "mime.depth_limit"),
    ("50 MB message", lambda: b"From: a@example.com\r\n\r\n" + b"A" * (50 * MiB), Limits(),
     "message.size_limit"),
    ("100k headers", lambda: b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)) + b"\r\nx",
     Limits(), "header.count_limit"),
    ("10 MB single-line header", lambda: b"Subject: " + b"x" * (10 * MiB) + b"\r\n\r\nbody",
     Limits(), "header.length_limit"),
    ("10 MB folded header", lambda: b"To: " + b"a@b.example,\r\n " * (MiB // 2) + b"\r\n\r\nx",
     Limits(), "header.length_limit"),
    ("100k MIME parts", lambda: _many_parts(100_000), Limits(), "mime.part_limit"),
    ("20 MB HTML", lambda: b"Content-Type: text/html\r\n\r\n" + b"<p>hi <b>x</b></p>" * (
        20 * MiB // 18), Limits(), "html.size_limit"),
    ("HTML nested 100k deep", lambda: b"Content-Type: text/html\r\n\r\n" + b"<div>" * 100_000,
     Limits(max_html_bytes=100_000), "html.size_limit"),
    ("big text body", lambda: b"From: a@example.com\r\n\r\n" + b"word " * (3 * MiB), Limits(),
     "text.size_limit"),
    ("NUL bytes", lambda: b"From: a\x00@example.com\r\nSubject: \x00\r\n\r\n\x00body\x00",
     Limits(), "message.nul_bytes"),
    ("base64 garbage", lambda: b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64"
     b"\r\n\r\n" + b"!@#$%^&*()_==" * 100_000, Limits(), "mime.defect"),
    ("base64 bad padding", lambda: b"Content-Type: text/plain\r\nContent-Transfer-Encoding: "
     b"base64\r\n\r\n" + base64.b64encode(b"hello world")[:-3], Limits(), "mime.defect"),
    ("invalid charset", lambda: b"Content-Type: text/plain; charset=zlib\r\n\r\nhi", Limits(),
     "charset.unknown"),
    ("rfc822 nested 50 deep", lambda: _nested_rfc822(50), Limits(), "forward.depth_limit"),
    ("100k rfc822 parts", lambda: b"Content-Type: multipart/mixed; boundary=q\r\n\r\n"
     + b"--q\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\n\r\nz\r\n" * 100_000
     + b"--q--", Limits(), "mime.part_limit"),
    ("header section without end", lambda: b"From: a@example.com\r\nnot a header line\r\n",
     Limits(), "mime.defect"),
]


@pytest.mark.parametrize(("name", "build", "limits", "code"), HOSTILE,
                         ids=[row[0] for row in HOSTILE])
def test_hostile_input_ends_with_a_finding(name: str, build: Callable[[], bytes],
                                           limits: Limits, code: str) -> None:
    mail = parse_email(build(), limits=limits)
    found = [f for f in _all_findings(mail) if f.code == code]
    assert found, f"{name}: expected {code}, got {[f.code for f in _all_findings(mail)]}"
    if code.endswith("_limit"):
        # A bound reached describes the input; the message must say it is no evidence.
        assert found[0].severity is Severity.LOW
        assert "not evidence of fraud" in found[0].message


def _all_findings(mail: ParsedEmail) -> list[Finding]:
    out = list(mail.findings)
    for fwd in mail.forwarded:
        out.extend(_all_findings(fwd))
    return out


def test_part_budget_is_shared_with_forwarded_originals() -> None:
    limits = Limits(max_parts=10)
    mail = parse_email(_many_parts(5) + b"", limits=limits)
    assert len(mail.text.split("\n")) == 5
    inner = _many_parts(20).replace(b"From: a@example.com\r\n", b"From: in@example.com\r\n")
    outer = (b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
             b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--o--\r\n")
    mail = parse_email(outer, limits=limits)
    assert "mime.part_limit" in {f.code for f in mail.forwarded[0].findings}
    assert len(mail.forwarded[0].text.split("\n")) == 9  # 10 minus the outer part


def test_raw_keeps_every_byte_past_the_size_limit() -> None:
    data = b"From: a@example.com\r\n\r\n" + b"A" * 5000
    mail = parse_email(data, limits=Limits(max_bytes=1000))
    assert mail.raw == data
    assert len(mail.text) < 1000


def test_repeated_findings_are_merged_with_a_count() -> None:
    parts = [b"--b\r\nContent-Type: text/plain; charset=bogus%d\r\n\r\nx\r\n" % i
             for i in range(50)]
    mail = parse_email(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                       + b"".join(parts) + b"--b--")
    unknown = [f for f in mail.findings if f.code == "charset.unknown"]
    assert len(unknown) == 1
    assert unknown[0].evidence["count"] == 50


SEED = (b"From: =?utf-8?b?7L+g7Yyh?= <a@example.com>\r\nSubject: =?euc-kr?B?sOHBpiDIrsDO?=\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; "
        b"charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>hi=20</p>\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\n\r\nz\r\n--b--\r\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_email(data), ParsedEmail)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(SEED)), st.integers(0, len(SEED)), st.binary(max_size=40))
def test_mutated_message_never_raises(start: int, end: int, junk: bytes) -> None:
    start, end = sorted((start, end))
    mail = parse_email(SEED[:start] + junk + SEED[end:])
    assert isinstance(mail, ParsedEmail)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert isinstance(parse_email(text), ParsedEmail)


SCANNER_WORST_CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("2000 To headers of commas", lambda: b"".join(b"To: " + b",  " * 4000 + b"\r\n"
                                                   for _ in range(2000)) + b"\r\nx",
     "header.duplicate"),
    ("30-deep multipart around 20 MB", lambda: _deep_around(30, 20 * MiB), "mime.depth_limit"),
    ("boundary repeated without delimiters", lambda: b"Content-Type: multipart/mixed; "
     b"boundary=b\r\n\r\n" + b"--bx\n" * 5_000_000, "mime.defect"),
]


@pytest.mark.parametrize(("name", "build", "code"), SCANNER_WORST_CASES,
                         ids=[row[0] for row in SCANNER_WORST_CASES])
def test_worst_cases_for_the_scanners(name: str, build: Callable[[], bytes], code: str) -> None:
    mail = parse_email(build())
    assert code in {f.code for f in mail.findings}, name


def _deep_around(depth: int, size: int) -> bytes:
    inner = b"A" * size
    for i in range(depth - 1, -1, -1):
        inner = (b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                 + inner + b"\r\n--b%d--\r\n" % i)
    return b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + inner

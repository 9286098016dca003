"""Reading SMS tables for ``trustcheck scan --sms``: encodings, quoting, layouts, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustcheck.errors import InputError
from trustcheck.message import Sms
from trustcheck.sms import read_sms_table
from trustcheck.sms.table import decode_table

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sms"

TABLES = [
    # file, text column, sender column, expected (line, sender, body start) per row
    ("kr-utf8-bom.csv", "content", "sender",
     [(2, "1577-7011", "[Web발신]\n[쿠팡] 결제"),
      (4, "010-1234-5678", "엄마 나 폰 고장나서\n이 번호로")]),
    ("kr-cp949.csv", "content", "sender",
     [(2, "+12025550100", "[국제발신] 해외결제"), (3, None, "택배 주소 불일치")]),
    ("mixed-encoding.csv", "MainText", "Sender",
     [(2, "+1 202-555-0199", "Café order €5"), (3, "+1 202-555-0198", "Café order €5")]),
    ("no-header.tsv", "2", "1",
     [(1, "ham", '"Hi" she said'), (2, "spam", "WINNER!"), (3, "ham", "ok")]),
    ("semicolon.csv", "text", "sender",
     [(2, "55501", "Example Pay"), (4, None, "no sender here")]),
    ("utf16.csv", "text", None, [(2, None, "[쿠팡] 결제 완료")]),
    ("kr-utf8-bom.csv", "CONTENT", None,
     [(2, None, "[Web발신]"), (4, None, "엄마")]),  # column names match case-insensitively
]


@pytest.mark.parametrize(("name", "text_column", "sender_column", "expected"), TABLES)
def test_tables(name: str, text_column: str, sender_column: str | None,
                expected: list[tuple[int, str | None, str]]) -> None:
    rows = list(read_sms_table(FIXTURES / name, text_column=text_column,
                               sender_column=sender_column, country="KR"))
    assert len(rows) == len(expected)
    for (row_name, sms), (line, sender, start) in zip(rows, expected, strict=True):
        assert isinstance(sms, Sms), sms
        assert row_name == f"{FIXTURES / name}:{line}"
        assert sms.sender == sender
        assert sms.body.startswith(start), sms.body
        assert sms.country == "KR"


ERRORS = [
    ("kr-utf8-bom.csv", "text", None, "no column 'text'"),
    ("kr-utf8-bom.csv", "content", "from", "no column 'from'"),
    ("missing.csv", "text", None, "cannot read"),
    ("no-header.tsv", "0", None, "start at 1"),
]


@pytest.mark.parametrize(("name", "text_column", "sender_column", "message"), ERRORS)
def test_table_errors(name: str, text_column: str, sender_column: str | None,
                      message: str) -> None:
    with pytest.raises(InputError, match=message):
        list(read_sms_table(FIXTURES / name, text_column=text_column,
                            sender_column=sender_column))


def test_short_row_is_a_row_error(tmp_path: Path) -> None:
    table = tmp_path / "short.csv"
    table.write_text("a,b,text\n1,2,hello\n1,2\n", encoding="utf-8")
    rows = list(read_sms_table(table, text_column="text"))
    assert isinstance(rows[0][1], Sms)
    assert isinstance(rows[1][1], InputError)
    assert rows[1][0].endswith(":3")


def test_broken_quoting_does_not_hang(tmp_path: Path) -> None:
    table = tmp_path / "broken.csv"
    table.write_text('text\n"never closed\n' + "x\n" * 1000, encoding="utf-8")
    rows = list(read_sms_table(table, text_column="text"))
    assert len(rows) == 1


DECODE = [
    ("결제".encode("cp949"), "결제"),
    ("\ufeffabc".encode(), "abc"),
    (b"caf\xe9\nok \xe2\x82\xac", "café\nok €"),
    ("hi".encode("utf-16"), "hi"),
]


@pytest.mark.parametrize(("raw", "text"), DECODE)
def test_decode_table(raw: bytes, text: str) -> None:
    assert decode_table(raw) == text

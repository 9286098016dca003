"""The command line: exit codes (contract), JSON output, one-line errors."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import jsonschema
import pytest

from trustcheck.cli import main
from trustcheck.examples import demo_message

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "src/trustcheck/schemas/verdict.schema.json").read_text())

PLAIN = b"From: Alice <alice@example.com>\r\nTo: b@example.org\r\nSubject: lunch\r\n\r\nNoon?\r\n"


@pytest.fixture
def plain_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.eml"
    path.write_bytes(PLAIN)
    return path


# (argv builder, expected exit code, text expected on stderr or None)
USAGE_CASES = [
    (["verify", "{missing}"], 2, "cannot read"),
    (["verify"], 2, "the following arguments are required: file"),
    (["verify", "{plain}", "--offline", "--dns-fixture", "x.yaml"], 2, "not allowed with"),
    (["verify", "{plain}", "--now", "yesterday"], 2, "is not an ISO 8601 time"),
    (["verify", "{plain}", "--now", "2026-01-01T00:00:00"], 2, "has no time zone"),
    (["verify", "{plain}", "--dns-fixture", "{missing}"], 2, ""),
    (["verify", "{plain}", "--policy", "{missing}"], 2, "Cannot read policy file"),
    (["scan", "{missing}"], 2, "no such file or directory"),
    (["frobnicate"], 2, "invalid choice"),
    ([], 2, None),
]


@pytest.mark.parametrize(("argv", "code", "stderr"), USAGE_CASES)
def test_usage_errors(argv: list[str], code: int, stderr: str | None, plain_file: Path,
                      tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [a.format(plain=plain_file, missing=tmp_path / "missing.eml") for a in argv]
    assert main(args) == code
    err = capsys.readouterr().err
    if stderr:
        assert stderr in err
        assert err.startswith("trustcheck: ")
        assert err.count("\n") == 1, "a usage error is one line"


def test_verify_plain_message_json_matches_schema(plain_file: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(plain_file), "--offline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    assert data["status"] == "unverified"
    assert data["auth"]["dmarc"]["result"] == "temperror"


def test_verify_reads_stdin(monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PLAIN)))
    assert main(["verify", "-", "--offline"]) == 0
    assert capsys.readouterr().out.startswith("UNVERIFIED")


def test_demo_is_flagged_and_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[0] in {"PHISHING", "IMPERSONATION", "SUSPICIOUS"}
    assert "advice:" in out
    assert "\x1b[" not in out, "no colour codes when stdout is not a terminal"


def test_demo_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    assert data["subject"] == "Your receipt from Apple."


def test_sms_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sms", "--country", "KR", "--json", "[국제발신] 해외결제 승인 980,000원"])
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    assert data["kind"] == "sms"
    assert code == (1 if data["status"] in ("phishing", "impersonation", "suspicious") else 0)


def test_scan_directory_and_mbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(PLAIN)
    (folder / "b.eml").write_bytes(demo_message())
    (folder / "c.eml").write_bytes(b"\x00\xff garbage without headers")
    (folder / "README.md").write_text("not a message")
    code = main(["scan", str(folder), "--offline", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = lines[-1]["summary"]
    assert summary["messages"] == 3
    assert summary["errors"] == 0
    assert sum(summary["statuses"].values()) == 3
    for record in lines[:-1]:
        jsonschema.validate(record["verdict"], SCHEMA)
    assert code in (0, 1)

    box_path = tmp_path / "box.mbox"
    box = mailbox.mbox(box_path)
    box.add(PLAIN)
    box.add(PLAIN.replace(b"lunch", b"dinner"))
    box.close()
    assert main(["scan", str(box_path), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "unverified" in out
    assert "total" in out
    assert "messages/s" in out


BAD_BRAND = "schema: trustcheck.brand/v1\nid: Bad Id\nnames: []\nweb_domains: [apple]\n"


@pytest.mark.parametrize(
    ("files", "code", "expected"),
    [
        ({}, 0, "0 errors, 0 warnings"),
        ({"bad.yaml": BAD_BRAND}, 1, "'apple' is not a domain"),
        ({"broken.yaml": "id: [unclosed\n"}, 1, "error"),
    ],
)
def test_registry_lint(tmp_path: Path, files: dict[str, str], code: int, expected: str,
                       capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    target = tmp_path if files else Path(__file__).parents[1] / "fixtures/registry/brands"
    assert main(["registry", "lint", str(target)]) == code
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err


def test_scan_sms_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "sms.tsv"
    table.write_text("label\ttext\nham\tSee you at 6?\nspam\t[국제발신] 해외결제 승인\n",
                     encoding="utf-8")
    main(["scan", "--sms", str(table), "--text-column", "text", "--country", "KR", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["summary"]["messages"] == 2
    assert lines[-1]["summary"]["errors"] == 0
    for record in lines[:-1]:
        assert record["verdict"]["kind"] == "sms"
        jsonschema.validate(record["verdict"], SCHEMA)
    assert main(["scan", "--sms", str(table), "--text-column", "body"]) == 2
    assert "no column 'body'" in capsys.readouterr().err

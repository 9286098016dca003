"""CI conformance: reports per sample, the CLI, JUnit XML, the pytest plugin."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import junitparser
import pytest

from trustcheck.errors import InputError, TrustcheckError
from trustcheck.templates import TemplateSet
from trustcheck.templates.cli import add_commands, guess_kind
from trustcheck.templates.conformance import (
    ConformanceReport,
    check_conformance,
    render_json,
    render_junit,
    render_text,
)

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_DIR = ROOT / "fixtures" / "registry"
MESSAGES = ROOT / "fixtures" / "templates" / "messages"
TEMPLATES = TemplateSet.from_registry_dir(REGISTRY_DIR)

CARD_OK = ("Example Pay: $42.10 paid at Corner Bakery on 11/21 at 10:02. Not you? Review at "
           "https://pay.example/r7731")
ALIM_SMS_OK = "[이그잼플페이] 김*지님 동네빵집에서 42,100원 결제완료 (11/21 10:02)"

# (sample name, sample, template id or None, fields that must deviate; empty = conforms)
CASES: list[tuple[str, bytes | str, str | None, set[str]]] = [
    ("genuine 1 item", (MESSAGES / "genuine-en-1item.eml").read_bytes(), None, set()),
    ("genuine 12 items", (MESSAGES / "genuine-en-12items.eml").read_bytes(), None, set()),
    ("genuine ko", (MESSAGES / "genuine-ko-2items.eml").read_bytes(), None, set()),
    ("genuine 2027", (MESSAGES / "genuine-newlayout-2027.eml").read_bytes(), None, set()),
    ("2027 rendering checked against 2026 template",
     (MESSAGES / "genuine-newlayout-2027.eml").read_bytes(), "example-pay.receipt@2026-01",
     {"html.layout", "html.text", "subject"}),
    ("callback name", (MESSAGES / "callback-scam-slot.eml").read_bytes(), None,
     {"slot.customer_name"}),
    ("clone", (MESSAGES / "clone-swapped-links.eml").read_bytes(), None,
     {"from", "dkim", "links"}),
    ("unrelated", (MESSAGES / "newsletter-unrelated.eml").read_bytes(), None, {"template"}),
    ("card sms", CARD_OK, None, set()),
    ("card sms wording changed", CARD_OK.replace("Review", "Check"), None, {"sms.body"}),
    ("card sms bad amount", CARD_OK.replace("$42.10", "lots"), None, {"slot.amount"}),
    ("alimtalk fallback sms", ALIM_SMS_OK, None, set()),
    ("alimtalk fallback sms too long for 90 bytes",
     ALIM_SMS_OK.replace("동네빵집", "동네빵집 본점 " * 6).strip(), None,
     {"sms.length", "slot.merchant"}),
]


@pytest.mark.parametrize(("name", "sample", "template", "fields"), CASES,
                         ids=[c[0] for c in CASES])
def test_conformance(name: str, sample: bytes | str, template: str | None,
                     fields: set[str]) -> None:
    report = check_conformance(sample, templates=TEMPLATES, template_id=template, name=name)
    got = {d.field for d in report.deviations}
    assert fields <= got, report.to_text()
    assert report.ok is (not fields), report.to_text()
    assert name in report.to_text()
    assert report.ok == ("conforms" in report.to_text())


def test_marketing_sms_needs_label_and_opt_out() -> None:
    from trustcheck.templates.loader import template_from_mapping

    ad = template_from_mapping({
        "schema": "trustcheck.template/v1", "id": "ep.ad", "version": "1",
        "brand": "example-pay", "category": "marketing", "locale": "ko-KR",
        "channels": {"sms": {"body": "(광고)[이그잼플페이] {{pct}} 할인\n무료수신거부 080-000-0000",
                             "lms": True}},
        "slots": {"pct": {"type": "text", "max_len": 5, "example": "10%"}}})
    ts = TemplateSet((ad,))
    good = check_conformance("(광고)[이그잼플페이] 10% 할인\n무료수신거부 080-000-0000",
                             templates=ts, channel="sms")
    bad = check_conformance("[이그잼플페이] 10% 할인", templates=ts, template_id="ep.ad",
                            channel="sms")
    assert good.ok, good.to_text()
    assert {"marketing.label", "marketing.opt_out"} <= {d.field for d in bad.deviations}


def test_unknown_template_is_an_input_error() -> None:
    with pytest.raises(InputError):
        check_conformance(CARD_OK, templates=TEMPLATES, template_id="nope")


def _reports() -> list[ConformanceReport]:
    return [check_conformance(s, templates=TEMPLATES, template_id=t, name=n)
            for n, s, t, _ in CASES]


def test_junit_xml_parses_and_counts() -> None:
    reports = _reports()
    xml = junitparser.JUnitXml.fromstring(render_junit(reports).encode("utf-8"))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == len(CASES)
    failed = {case.name for case in cases if not case.is_passed}
    assert failed == {n for n, _, _, fields in CASES if fields}
    suite = next(iter(xml))
    assert suite.tests == len(CASES)
    assert suite.failures == len(failed)


def test_json_and_text_reports() -> None:
    reports = _reports()
    data = json.loads(render_json(reports))
    assert data["samples"] == len(CASES)
    assert data["failed"] == sum(bool(c[3]) for c in CASES)
    assert render_text(reports).endswith(f"{data['failed']} with deviations.")


@pytest.mark.parametrize(("value", "kind"), [
    ("$42.10", "money"), ("a@b.example", "email"), ("Nov 21, 2026", "date"), ("10:02", "time"),
    ("https://examplepay.example/x", "url"), ("Minji Kim", "name"), ("EP 7731 / x?", "text"),
])
def test_guess_kind(value: str, kind: str) -> None:
    assert guess_kind(value) == kind


# --------------------------------------------------------------------------- CLI


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise TrustcheckError(message)


def run(*argv: str) -> int:
    p = _Parser(prog="trustcheck")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    add_commands(sub, _Parser)
    args = p.parse_args(list(argv))
    code: int = args.func(args)
    return code


def test_cli_conformance_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = [str(MESSAGES / n) for n in ("genuine-en-1item.eml", "genuine-ko-2items.eml")]
    junit = tmp_path / "report.xml"
    assert run("conformance", "--registry", str(REGISTRY_DIR), *good, "--junit",
               str(junit)) == 0
    assert junitparser.JUnitXml.fromfile(str(junit))
    assert capsys.readouterr().out.endswith("0 with deviations.\n")
    sms = tmp_path / "card.txt"
    sms.write_text(CARD_OK.replace("Review", "Check"), encoding="utf-8")
    assert run("conformance", "--registry", str(REGISTRY_DIR), "--json", str(sms)) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 1
    with pytest.raises(InputError):
        run("conformance", "--registry", str(REGISTRY_DIR), str(tmp_path / "missing.eml"))


def test_cli_build_then_lint_then_conforms(tmp_path: Path) -> None:
    sample = MESSAGES / "genuine-en-3items.eml"
    assert run("template", "build", str(sample), "--id", "ep.built", "--brand", "example-pay",
               "--version", "1", "--slot", "total=$15.77", "--slot", "customer_name=Minji Kim",
               "--out", str(tmp_path / "templates")) == 0
    built = tmp_path / "templates" / "ep.built@1.yaml"
    assert built.exists()
    assert run("template", "lint", str(built)) == 0
    ts = TemplateSet.load(tmp_path / "templates")
    assert ts.get("ep.built@1") is not None
    report = check_conformance(sample.read_bytes(), templates=ts, template_id="ep.built@1")
    assert not [d for d in report.deviations if d.field.startswith(("html", "subject"))]


def test_cli_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "kakao.txt"
    src.write_text("#{고객명}님, #{금액}원 결제가 완료되었습니다.", encoding="utf-8")
    assert run("template", "import", str(src), "--syntax", "kakao", "--id", "ep.imp",
               "--brand", "example-pay", "--version", "1") == 0
    out = capsys.readouterr().out
    assert "{{var1}}님, {{var2}}원" in out
    assert "label: 고객명" in out


def test_cli_lint_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text(
        "schema: trustcheck.template/v1\nid: ep.bad\nversion: '1'\nbrand: example-pay\n"
        "channels: {sms: {body: '{{a}}'}}\nslots: {a: {type: text}}\n", encoding="utf-8")
    assert run("template", "lint", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert "all-variable" in out
    assert "example-required" in out


def test_thousand_samples_give_a_junit_report(tmp_path: Path) -> None:
    """A CI-sized run (its speed is measured by benchmarks/templates.py, not here)."""
    names = ("genuine-en-1item.eml", "genuine-en-12items.eml", "genuine-ko-2items.eml",
             "genuine-newlayout-2027.eml")
    for i in range(1000):
        if i % 2:
            (tmp_path / f"s{i}.txt").write_text(CARD_OK.replace("42.10", f"{i}.10"), "utf-8")
        else:
            (tmp_path / f"s{i}.eml").write_bytes((MESSAGES / names[i % 4]).read_bytes())
    assert run("conformance", "--registry", str(REGISTRY_DIR), str(tmp_path), "--junit",
               str(tmp_path / "junit.xml")) == 0
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    assert sum(1 for suite in xml for _ in suite) == 1000


# --------------------------------------------------------------------------- plugin

PLUGIN_TEST = '''
from pathlib import Path
import pytest
MESSAGES = Path(r"{messages}")

def test_ok(assert_conforms):
    report = assert_conforms((MESSAGES / "genuine-en-1item.eml").read_bytes(),
                             "example-pay.receipt@2026-01")
    assert report.ok

def test_bad(assert_conforms):
    assert_conforms((MESSAGES / "callback-scam-slot.eml").read_bytes(), "example-pay.receipt")
'''


def _plugin_args() -> list[str]:
    # Once the package declares the pytest11 entry point, pytest loads the plugin by
    # itself; naming it again with -p would register it twice.
    from importlib.metadata import entry_points

    declared = any(ep.value == "trustcheck.templates.pytest_plugin"
                   for ep in entry_points(group="pytest11"))
    return [] if declared else ["-p", "trustcheck.templates.pytest_plugin"]


def test_pytest_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN_TEST.format(messages=MESSAGES))
    result = pytester.runpytest(*_plugin_args(), "--trustcheck-registry", str(REGISTRY_DIR),
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*slot.customer_name: carries a phone number*",
                                 "*+++ slot.customer_name (message)*"])


def test_pytest_plugin_without_registry(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN_TEST.format(messages=MESSAGES))
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*--trustcheck-registry*"])

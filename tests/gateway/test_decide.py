"""Gateway decisions as tables: headers removed and added, subject tags, SMTP replies."""

from __future__ import annotations

import dataclasses

import pytest

from trustcheck.auth.results import AuthWord
from trustcheck.gateway.config import Action, GatewayConfig
from trustcheck.gateway.decide import (
    HeaderRemoval,
    decide,
    decide_failure,
    forged_headers,
)
from trustcheck.verdict import Auth, Finding, MethodResult, Severity, Status, Verdict

ID = "mx.gw.test"
CONFIG = GatewayConfig(authserv_id=ID)


@pytest.mark.parametrize(("headers", "expected"), [
    ([("Authentication-Results", f"{ID}; spf=pass smtp.mailfrom=a@b.example")],
     [HeaderRemoval("Authentication-Results", 1)]),
    # case-insensitive on both the field name and the authserv-id
    ([("authentication-results", "MX.GW.TEST; dkim=pass")],
     [HeaderRemoval("authentication-results", 1)]),
    # comments before the id, a version, a no-result
    ([("Authentication-Results", f"(forged) {ID} 1; none")],
     [HeaderRemoval("Authentication-Results", 1)]),
    # someone else's results stay; index counts fields of the same name
    ([("Authentication-Results", "mx.upstream.example; spf=pass"),
      ("Received", "from x"),
      ("Authentication-Results", f"{ID}; dmarc=pass"),
      ("Authentication-Results", f"{ID}; dkim=pass")],
     [HeaderRemoval("Authentication-Results", 3), HeaderRemoval("Authentication-Results", 2)]),
    # a broken forgery still names us before the ';'
    ([("Authentication-Results", f"{ID}; spf=pass (unclosed comment")],
     [HeaderRemoval("Authentication-Results", 1)]),
    # our own verdict headers can never come from outside
    ([("X-Trustcheck-Verdict", "authentic"), ("x-trustcheck-score", "0")],
     [HeaderRemoval("x-trustcheck-score", 1), HeaderRemoval("X-Trustcheck-Verdict", 1)]),
    ([("Authentication-Results", "mx.gw.test.evil.example; spf=pass")], []),
    ([("Authentication-Results", "")], []),
    ([("Subject", f"{ID}; spf=pass")], []),
    ([], []),
])
def test_forged_headers(headers: list[tuple[str, str]], expected: list[HeaderRemoval]) -> None:
    assert list(forged_headers(headers, ID)) == expected


def _verdict(status: Status, findings: tuple[Finding, ...] = (), score: int = 0) -> Verdict:
    spf = MethodResult("spf", AuthWord.PASS, properties={"smtp.mailfrom": "a@b.example"})
    return Verdict(status=status, score=score, kind="email", findings=findings,
                   auth=Auth(spf=spf), summary=f"{status.value}: because")


LOOKALIKE = Finding("link.lookalike", Severity.HIGH, "lookalike")
SPOOF = Finding("brand.spoofed_domain", Severity.CRITICAL, "spoofed")
NOTE = Finding("message.note", Severity.INFO, "note")


@pytest.mark.parametrize(("action", "extra_headers", "tagged", "reply", "held"), [
    (Action.ACCEPT, (), False, None, False),
    (Action.HEADERS, ("X-Trustcheck-Verdict", "X-Trustcheck-Score", "X-Trustcheck-Reasons"),
     False, None, False),
    (Action.TAG, ("X-Trustcheck-Verdict", "X-Trustcheck-Score", "X-Trustcheck-Reasons"),
     True, None, False),
    (Action.QUARANTINE, ("X-Trustcheck-Verdict", "X-Trustcheck-Score", "X-Trustcheck-Reasons"),
     False, None, True),
    (Action.REJECT, ("X-Trustcheck-Verdict", "X-Trustcheck-Score", "X-Trustcheck-Reasons"),
     False, "550", False),
    (Action.TEMPFAIL, ("X-Trustcheck-Verdict", "X-Trustcheck-Score", "X-Trustcheck-Reasons"),
     False, "451", False),
])
def test_action_effects(action: Action, extra_headers: tuple[str, ...], tagged: bool,
                        reply: str | None, held: bool) -> None:
    config = dataclasses.replace(CONFIG, actions={Status.PHISHING: action})
    verdict = _verdict(Status.PHISHING, (NOTE, LOOKALIKE, SPOOF), score=96)
    d = decide(verdict, config, [("Subject", "Your receipt")], "Your receipt")
    assert d.action is action
    names = [name for name, _ in d.add]
    assert names[0] == "Authentication-Results"
    assert d.add[0][1].startswith(f"{ID};")
    assert "spf=pass" in d.add[0][1]
    assert tuple(names[1:]) == extra_headers
    assert (d.subject == "[PHISHING] Your receipt") is tagged
    assert (d.subject is None) is not tagged
    assert (d.reply[0] if d.reply else None) == reply
    assert (d.quarantine_reason is not None) is held
    # strongest reasons first, INFO findings never listed
    assert d.reason == "brand.spoofed_domain, link.lookalike"
    if extra_headers:
        assert dict(d.add)["X-Trustcheck-Score"] == "96"
        assert dict(d.add)["X-Trustcheck-Verdict"].startswith("phishing")


@pytest.mark.parametrize(("subject", "expected"), [
    ("Hello", "[SUSPICIOUS] Hello"),
    ("[SUSPICIOUS] Hello", None),  # never tagged twice
    (None, "[SUSPICIOUS]"),
    ("", "[SUSPICIOUS]"),
])
def test_subject_tag(subject: str | None, expected: str | None) -> None:
    d = decide(_verdict(Status.SUSPICIOUS), CONFIG, [], subject)
    assert d.action is Action.TAG
    assert d.subject == expected


@pytest.mark.parametrize(("summary", "expected"), [
    ("phishing: link to examp1e.com", "Message refused by trustcheck: phishing: link to "
                                      "examp1e.com"),
    ("50% off\r\nnext line", "Message refused by trustcheck: 50? off next line"),
    ("ünïcode", "Message refused by trustcheck: ?n?code"),
])
def test_reject_reply_is_one_safe_line(summary: str, expected: str) -> None:
    config = dataclasses.replace(CONFIG, actions={Status.PHISHING: Action.REJECT})
    verdict = dataclasses.replace(_verdict(Status.PHISHING), summary=summary)
    d = decide(verdict, config)
    assert d.reply == ("550", "5.7.1", expected)


def test_reject_reply_is_bounded() -> None:
    config = dataclasses.replace(CONFIG, actions={Status.PHISHING: Action.REJECT})
    d = decide(dataclasses.replace(_verdict(Status.PHISHING), summary="x" * 5000), config)
    assert d.reply is not None
    assert len(d.reply[2]) <= 400


@pytest.mark.parametrize(("on_error", "action", "reply", "error_header"), [
    (Action.TEMPFAIL, Action.TEMPFAIL, ("451", "4.7.1"), False),
    (Action.HEADERS, Action.HEADERS, None, True),
    (Action.ACCEPT, Action.ACCEPT, None, True),
])
def test_failure_is_never_reject(on_error: Action, action: Action,
                                 reply: tuple[str, str] | None, error_header: bool) -> None:
    config = dataclasses.replace(CONFIG, on_error=on_error)
    forged = [("Authentication-Results", f"{ID}; spf=pass")]
    d = decide_failure("timeout", config, forged)
    assert d.action is action
    assert d.status == "error"
    assert (d.reply[:2] if d.reply else None) == reply
    assert any(n == "X-Trustcheck-Error" for n, _ in d.add) is error_header
    # a delivered message still loses the forged header, even without a verdict
    assert bool(d.remove) is (action is not Action.TEMPFAIL)

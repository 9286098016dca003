"""The verdict model and the policy that turns findings into a status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.errors import ConfigError
from trustcheck.verdict import (
    Advice,
    Auth,
    Finding,
    Link,
    MethodResult,
    Policy,
    Severity,
    Status,
    TemplateMatch,
    Verdict,
    summarize,
)


def f(code: str, severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(code, severity, f"{code} seen", {"code": code})


FORCING = Policy(
    forced={"brand.impersonation": Status.IMPERSONATION, "link.lookalike": Status.PHISHING},
    weights={"auth.temperror": 0.95},
)

# (findings, policy, expected status, expected score)
DECIDE_CASES = [
    ([], Policy(), Status.UNVERIFIED, 0),
    ([f("x", Severity.INFO)], Policy(), Status.UNVERIFIED, 0),
    ([f("x", Severity.LOW)], Policy(), Status.UNVERIFIED, 10),
    ([f("x", Severity.MEDIUM)], Policy(), Status.SUSPICIOUS, 30),
    ([f("x", Severity.MEDIUM), f("y", Severity.MEDIUM)], Policy(), Status.SUSPICIOUS, 51),
    # Past the phishing threshold, phishing needs a lure finding (link., lure. ...) ...
    ([f("link.x", Severity.HIGH), f("y", Severity.MEDIUM)], Policy(), Status.PHISHING, 72),
    ([f("lure.x", Severity.CRITICAL)], Policy(), Status.PHISHING, 90),
    # ... without one the message is suspicious, however high the score.
    ([f("x", Severity.HIGH), f("y", Severity.MEDIUM)], Policy(), Status.SUSPICIOUS, 72),
    ([f("sender.x", Severity.CRITICAL)], Policy(), Status.SUSPICIOUS, 90),
    ([f("link.x", Severity.LOW), f("y", Severity.CRITICAL)], Policy(), Status.SUSPICIOUS, 91),
    ([f("brand.spoofed_domain", Severity.HIGH), f("auth.dmarc_fail", Severity.HIGH)], Policy(),
     Status.IMPERSONATION, 84),
    # A forced status wins over a low score ...
    ([f("brand.impersonation", Severity.LOW)], FORCING, Status.IMPERSONATION, 10),
    # ... and a higher score-based status wins over a lower forced one.
    ([f("brand.impersonation", Severity.LOW), f("link.z", Severity.CRITICAL)], FORCING,
     Status.PHISHING, 91),
    ([f("link.lookalike", Severity.INFO)], FORCING, Status.PHISHING, 0),
    # authentic needs the authentic code and nothing that flags.
    ([f("brand.authenticated", Severity.INFO)], Policy(), Status.AUTHENTIC, 0),
    ([f("brand.authenticated", Severity.INFO), f("x", Severity.LOW)], Policy(),
     Status.AUTHENTIC, 10),
    ([f("brand.authenticated", Severity.INFO), f("x", Severity.HIGH)], Policy(),
     Status.SUSPICIOUS, 60),
    # The default policy forces some codes only at a given severity (code@severity).
    ([f("link.lookalike", Severity.HIGH)], Policy(), Status.PHISHING, 60),
    ([f("link.lookalike", Severity.LOW)], Policy(), Status.UNVERIFIED, 10),
    ([f("brand.unrelated_domain", Severity.HIGH)], Policy(), Status.IMPERSONATION, 60),
    ([f("brand.unrelated_domain", Severity.MEDIUM)], Policy(), Status.SUSPICIOUS, 30),
    ([f("brand.spoofed_domain", Severity.HIGH)], Policy(), Status.IMPERSONATION, 60),
    # A DNS temporary error alone never makes a message phishing, however heavy its weight.
    ([f("auth.temperror", Severity.HIGH)], FORCING, Status.SUSPICIOUS, 95),
    ([f("auth.temperror", Severity.HIGH), f("link.x", Severity.CRITICAL)], FORCING,
     Status.PHISHING, 100),
    ([f("auth.temperror", Severity.HIGH), f("link.x", Severity.MEDIUM)], FORCING,
     Status.SUSPICIOUS, 96),
]


@pytest.mark.parametrize(("findings", "policy", "status", "score"), DECIDE_CASES)
def test_policy_decide(findings: list[Finding], policy: Policy, status: Status, score: int) -> None:
    assert policy.decide(findings) == (status, score)


POLICY_FILE_CASES = [
    ("policy.toml", '[thresholds]\nsuspicious = 20\nphishing = 60\n[weights]\n"x.y" = 0.25\n',
     None),
    ("policy.yaml", "thresholds: {suspicious: 20, phishing: 60}\nweights: {x.y: 0.25}\n", None),
    ("policy.yaml", "thresholds: {suspicious: 80, phishing: 60}\n", "thresholds must satisfy"),
    ("policy.yaml", "colour: red\n", "Unknown policy keys"),
    ("policy.yaml", "weights: {x.y: heavy}\n", "Invalid policy value"),
    ("policy.yaml", "forced: {x.y: maybe}\n", "Invalid policy value"),
    ("policy.toml", "[thresholds\n", "not valid TOML"),
    ("policy.yaml", "- a list\n", "mapping at the top level"),
]


@pytest.mark.parametrize(("name", "text", "error"), POLICY_FILE_CASES)
def test_policy_load(tmp_path: Path, name: str, text: str, error: str | None) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if error is None:
        policy = Policy.load(path)
        assert (policy.suspicious_at, policy.phishing_at) == (20, 60)
        assert policy.weight(f("x.y", Severity.CRITICAL)) == 0.25
        assert policy.decide([f("x.y")]) == (Status.SUSPICIOUS, 25)
    else:
        with pytest.raises(ConfigError, match=error):
            Policy.load(path)


def test_policy_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read policy file"):
        Policy.load(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("status", "flagged", "exit_code"),
    [
        (Status.AUTHENTIC, False, 0),
        (Status.UNVERIFIED, False, 0),
        (Status.SUSPICIOUS, True, 1),
        (Status.IMPERSONATION, True, 1),
        (Status.PHISHING, True, 1),
    ],
)
def test_status_words(status: Status, flagged: bool, exit_code: int) -> None:
    assert (status.flagged, status.exit_code) == (flagged, exit_code)


def test_status_words_are_the_contract() -> None:
    assert [s.value for s in Status] == [
        "authentic", "impersonation", "phishing", "suspicious", "unverified"]


def test_verdict_to_dict_is_json_safe_and_complete() -> None:
    verdict = Verdict(
        status=Status.PHISHING,
        score=88,
        kind="email",
        brand="apple",
        findings=(Finding("link.lookalike", Severity.HIGH, "appie.com imitates apple.com",
                          {"domains": ("appie.com",), "severity": Severity.HIGH}),),
        auth=Auth(
            spf=MethodResult("spf", AuthWord.PASS, properties={"smtp.mailfrom": "appie.com"}),
            dkim=(MethodResult("dkim", AuthWord.FAIL, reason="body hash mismatch",
                               properties={"header.d": "appie.com"}, details={"bits": 2048}),),
            dmarc=MethodResult("dmarc", AuthWord.TEMPERROR, ResultSource.NOT_CHECKABLE),
        ),
        links=(Link("https://appie.com/x", "appie.com", "appie.com", "href", "apple.com",
                    ("link.lookalike",)),),
        template=TemplateMatch("apple.receipt", "2025-06", "apple", {"layout": 0.94}),
        advice=Advice("en", ("Do not click.",), None, ("reportphishing@apple.com",)),
        summary="phishing: appie.com imitates apple.com.",
    )
    data = verdict.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["findings"] == [{"code": "link.lookalike", "severity": "high",
                                 "message": "appie.com imitates apple.com",
                                 "evidence": {"domains": ["appie.com"], "severity": "high"}}]
    auth = data["auth"]
    assert isinstance(auth, dict)
    assert auth["dkim"] == [{"method": "dkim", "result": "fail", "source": "checked",
                             "reason": "body hash mismatch",
                             "properties": {"header.d": "appie.com"},
                             "details": {"bits": 2048}}]
    assert verdict.codes() == ("link.lookalike",)
    assert [m.method for m in verdict.auth.methods()] == ["spf", "dkim", "dmarc"]


def test_results_are_frozen() -> None:
    finding = f("x")
    with pytest.raises(AttributeError):
        finding.code = "y"  # type: ignore[misc]


# -- default weights and combination rules (issue 8)

# (findings, expected status, expected score) under the default policy
DEFAULT_POLICY_CASES = [
    # A DNS failure weighs nothing: stored mail always has one.
    ([f("auth.temperror", Severity.LOW)], Status.UNVERIFIED, 0),
    # The same code counts once, at its heaviest: ten off-brand links are one cue.
    ([f("link.off_brand", Severity.LOW)] * 10, Status.UNVERIFIED, 5),
    ([f("x", Severity.MEDIUM), f("x", Severity.LOW)], Status.SUSPICIOUS, 30),
    # code@severity weights: a lure with a way to act weighs more than without.
    ([f("lure.credential", Severity.MEDIUM)], Status.UNVERIFIED, 25),
    ([f("lure.credential", Severity.LOW)], Status.UNVERIFIED, 8),
    # A lure plus deceptive evidence is phishing (combination lure_with_deception) ...
    ([f("lure.credential", Severity.MEDIUM), f("link.ip_literal", Severity.MEDIUM)],
     Status.PHISHING, 40),
    ([f("lure.prize", Severity.MEDIUM), f("attachment.html", Severity.MEDIUM)],
     Status.PHISHING, 40),
    # ... but not when the lure had nothing to act on, nor deception without a lure.
    ([f("lure.credential", Severity.LOW), f("link.ip_literal", Severity.MEDIUM)],
     Status.UNVERIFIED, 26),
    ([f("link.ip_literal", Severity.MEDIUM)], Status.UNVERIFIED, 20),
    # A lure with deadline pressure or mass-mail addressing is suspicious (two_lures).
    ([f("lure.payment", Severity.MEDIUM), f("lure.urgency", Severity.MEDIUM)],
     Status.SUSPICIOUS, 34),
    ([f("lure.payment", Severity.MEDIUM), f("content.address_greeting", Severity.LOW)],
     Status.SUSPICIOUS, 38),
    # temperror plus a lure is still not phishing.
    ([f("auth.temperror", Severity.LOW), f("lure.threat", Severity.MEDIUM)],
     Status.UNVERIFIED, 22),
    # A checked "nothing authenticates" is a weak cue alone; with a pitch it is suspicious.
    ([f("auth.unauthenticated", Severity.LOW)], Status.UNVERIFIED, 13),
    ([f("auth.unauthenticated", Severity.LOW), f("lure.gambling", Severity.MEDIUM)],
     Status.SUSPICIOUS, 30),
    ([f("auth.unauthenticated", Severity.LOW), f("lure.adult", Severity.LOW)],
     Status.UNVERIFIED, 17),
    # Scam pitches without a credential lure: one alone stays unverified.
    ([f("lure.health", Severity.MEDIUM)], Status.UNVERIFIED, 20),
    ([f("lure.investment", Severity.MEDIUM), f("content.image_only", Severity.LOW)],
     Status.SUSPICIOUS, 32),
    # Hidden text: a cue alone; with a lure it is deception (lure_with_deception).
    ([f("content.hidden_text", Severity.MEDIUM)], Status.UNVERIFIED, 25),
    ([f("content.hidden_text", Severity.MEDIUM), f("lure.prize", Severity.MEDIUM)],
     Status.PHISHING, 40),
    ([f("content.image_only", Severity.LOW)], Status.UNVERIFIED, 15),
]


@pytest.mark.parametrize(("findings", "status", "score"), DEFAULT_POLICY_CASES)
def test_default_policy_weights_and_combinations(
    findings: list[Finding], status: Status, score: int
) -> None:
    assert Policy().decide(findings) == (status, score)


def test_default_weights_are_probabilities_with_known_severities() -> None:
    from trustcheck.verdict import DEFAULT_WEIGHTS

    for key, weight in DEFAULT_WEIGHTS.items():
        assert 0.0 <= weight <= 1.0, key
        code, _, severity = key.partition("@")
        assert code
        assert not severity or Severity(severity)


@pytest.mark.parametrize(("text", "error"), [
    ('[[combinations]]\nname = "x"\nall_of = [["lure.*"], ["link.userinfo"]]\n'
     'status = "suspicious"\n', None),
    ('[[combinations]]\nname = "x"\nall_of = [["lure.*@loud"]]\nstatus = "suspicious"\n',
     "Invalid policy value"),
    ('[[combinations]]\nname = "x"\nall_of = []\nstatus = "phishing"\n', "Invalid policy value"),
    ('[[combinations]]\nname = "x"\nstatus = "phishing"\n', "Invalid policy value"),
])
def test_policy_file_combinations(tmp_path: Path, text: str, error: str | None) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    if error:
        with pytest.raises(ConfigError, match=error):
            Policy.load(path)
        return
    policy = Policy.load(path)
    assert [c.name for c in policy.combinations] == ["x"]
    assert policy.decide([f("lure.a", Severity.LOW), f("link.userinfo", Severity.LOW)])[0] \
        is Status.SUSPICIOUS


def test_summary_names_the_heaviest_reasons_first() -> None:
    findings = [
        Finding("lure.urgency", Severity.MEDIUM, "Deadline pressure.", {}),
        Finding("link.shortener", Severity.LOW, "A shortener.", {}),
        Finding("lure.callback", Severity.MEDIUM, "A number to call.", {}),
    ]
    policy = Policy()
    assert summarize(Status.SUSPICIOUS, findings) == (
        "suspicious: Deadline pressure; A number to call (+1 more).")
    assert summarize(Status.SUSPICIOUS, findings, policy.weight) == (
        "suspicious: A number to call; Deadline pressure (+1 more).")

"""ValiMail ARC suite (RFC 8617): 171 validation tests and 17 signing tests.

Validation: the suite's expected ``cv`` is compared case-insensitively. Its
three empty expectations mean "the newest ARC-Seal already says cv=fail, the
chain is terminated" (dkimpy returns no status); trustcheck reports ``fail``
there, as RFC 8617 §5.2 step 2 says, so "" is read as ``fail``.

Signing: the suite's own comparison (whitespace removed, split on ``;``,
compared as sets), and each produced set must validate with verify_arc.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trustcheck.auth.arc import seal_arc, verify_arc
from trustcheck.auth.results import AuthWord
from trustcheck.dns import StaticResolver

DATA = Path(__file__).parent / "data" / "conformance" / "arc-valimail"
EXPECTED_VALIDATION = 171
EXPECTED_SIGNING = 17
NOW = 1_700_000_000


def _cases(name: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    cases = []
    for scenario in yaml.safe_load_all((DATA / name).read_text()):
        for test_id, test in scenario["tests"].items():
            cases.append((test_id, test, scenario))
    return cases


def _resolver(scenario: dict[str, Any]) -> StaticResolver:
    return StaticResolver({k: {"TXT": [v]} for k, v in scenario["txt-records"].items()})


VALIDATION = _cases("arc-draft-validation-tests.yml")
SIGNING = _cases("arc-draft-sign-tests.yml")


@pytest.mark.parametrize(
    ("test_id", "test", "scenario"), VALIDATION, ids=[c[0] for c in VALIDATION]
)
def test_validation(test_id: str, test: dict[str, Any], scenario: dict[str, Any]) -> None:
    result = verify_arc(test["message"].encode(), resolver=_resolver(scenario), now=NOW)
    expected = (test["cv"] or "fail").lower()
    assert result.result.value == expected, result.reason
    if expected == "none":
        assert result.instances == 0


def _tagset(value: str) -> set[str]:
    return set("".join(value.split()).split(";")) - {""}


def _seal(test: dict[str, Any], scenario: dict[str, Any]) -> dict[str, str]:
    lines = seal_arc(
        test["message"].encode(),
        selector=scenario["sel"],
        domain=scenario["domain"],
        private_key=scenario["privatekey"].encode(),
        authserv_id=test["srv-id"],
        timestamp=test["t"],
        signed_headers=test["sig-headers"].split(":"),
    )
    out = {}
    for line in lines:
        name, _, value = line.decode().partition(":")
        out[name] = value
    return out


@pytest.mark.parametrize(("test_id", "test", "scenario"), SIGNING, ids=[c[0] for c in SIGNING])
def test_signing(test_id: str, test: dict[str, Any], scenario: dict[str, Any]) -> None:
    got = _seal(test, scenario)
    expected = {
        "ARC-Seal": test["AS"] or "",
        "ARC-Message-Signature": test["AMS"] or "",
        "ARC-Authentication-Results": test["AAR"] or "",
    }
    for name, value in expected.items():
        assert _tagset(got.get(name, "")) == _tagset(value), name


SEALED = [c for c in SIGNING if (c[1]["AS"] or "").strip()]


@pytest.mark.parametrize(("test_id", "test", "scenario"), SEALED, ids=[c[0] for c in SEALED])
def test_sealed_message_validates(
    test_id: str, test: dict[str, Any], scenario: dict[str, Any]
) -> None:
    """Sealing then validating: pass, or fail when the new seal itself says cv=fail."""
    got = _seal(test, scenario)
    prefix = "".join(f"{name}:{value}" for name, value in got.items()).replace("\r\n", "\n")
    sealed = (prefix + test["message"]).encode()
    result = verify_arc(sealed, resolver=_resolver(scenario), now=NOW)
    chain_failed = "cv=fail" in "".join(got["ARC-Seal"].split())
    assert result.result is (AuthWord.FAIL if chain_failed else AuthWord.PASS), result.reason
    new_instance = next(t for t in _tagset(got["ARC-Seal"]) if t.startswith("i="))
    assert f"i={result.instances}" == new_instance
    assert result.sealers[-1] == scenario["domain"]


def test_every_case_is_run() -> None:
    assert len(VALIDATION) == EXPECTED_VALIDATION
    assert len(SIGNING) == EXPECTED_SIGNING
    assert len(SEALED) == EXPECTED_SIGNING - 1  # no_additional_sig expects no new set
    assert len({(c[2]["description"], c[0]) for c in VALIDATION}) == EXPECTED_VALIDATION

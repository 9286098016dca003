"""PSL project test list (tests.txt) through trustcheck's RFC 7489 Organizational Domain code."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustcheck.auth.orgdomain import (
    normalize_domain,
    psl_organizational_domain,
    registrable_domain,
    tree_walk_targets,
)

DATA = Path(__file__).parent / "data" / "conformance" / "psl"
EXPECTED_PSL_CASES = 78


def _load_cases() -> list[tuple[str, str | None]]:
    cases = []
    for line in (DATA / "tests.txt").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0].startswith("//"):
            continue
        given, expected = words[0], words[1]
        cases.append(("" if given == "null" else given, None if expected == "null" else expected))
    return cases


PSL_CASES = _load_cases()


def _alabel(name: str | None) -> str | None:
    return None if name is None else normalize_domain(name)


@pytest.mark.parametrize(
    ("name", "expected"), PSL_CASES, ids=[c[0] or "<empty>" for c in PSL_CASES]
)
def test_psl_check_public_suffix(name: str, expected: str | None) -> None:
    # The list compares after IDNA conversion and lower-casing (psl/README.md).
    assert registrable_domain(name) == _alabel(expected)


def test_psl_case_count() -> None:
    assert len(PSL_CASES) == EXPECTED_PSL_CASES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mail.example.com", "example.com"),
        ("example.com", "example.com"),
        ("co.uk", "co.uk"),  # a public suffix is its own Organizational Domain
        ("a.b.example.co.uk", "example.co.uk"),
        ("Mail.Example.COM.", "example.com"),
        ("", None),
        ("a..b", None),
        ("x" * 64 + ".com", None),
    ],
)
def test_psl_organizational_domain(name: str, expected: str | None) -> None:
    assert psl_organizational_domain(name) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("com", ("com",)),
        ("example.com", ("example.com", "com")),
        ("a.b.c.d.e.f.g.h", ("a.b.c.d.e.f.g.h", *(".".join("bcdefgh"[i:]) for i in range(7)))),
    ],
)
def test_tree_walk_targets(start: str, expected: tuple[str, ...]) -> None:
    assert tree_walk_targets(start) == expected

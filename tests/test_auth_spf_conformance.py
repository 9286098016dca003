"""OpenSPF conformance suites driven through ``check_spf`` with a StaticResolver per scenario.

Zone rules follow tests/data/conformance/spf-openspf/README.md: an ``SPF``
entry also serves TXT unless the owner has a ``TXT`` entry, ``TXT: NONE`` only
suppresses that, ``TIMEOUT`` times out every type without data, names not
listed are NXDOMAIN. CNAMEs are flattened here the way a recursive resolver
answers them (alias -> target's records; a loop -> SERVFAIL), because
trustcheck resolvers follow CNAMEs and ``check_spf`` relies on that.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from trustcheck.auth.spf import check_spf
from trustcheck.dns import StaticResolver

DATA = Path(__file__).parent / "data" / "conformance" / "spf-openspf"
SUITES = {
    "rfc7208-tests.yml": 203,
    "rfc7208-tests-2014-05.yml": 193,
    "rfc4408-tests.yml": 191,
}
EXTRA = "pyspf-extra-tests.yml"
EXTRA_COUNT = 16
# pyspf-specific strictness modes (lax "default=" modifier, harsh "ambiguous")
# that check_spf deliberately does not offer: it always evaluates per RFC 7208.
EXTRA_SKIPPED = {"default-modifier", "default-modifier-harsh"}

_TYPES = ("A", "AAAA", "MX", "TXT", "PTR", "CNAME")


def _zone(zonedata: Mapping[str, Any]) -> dict[str, Any]:
    owners: dict[str, dict[str, list[Any]]] = {}
    timeouts: set[str] = set()
    no_txt: set[str] = set()
    for raw_owner, items in (zonedata or {}).items():
        owner = raw_owner.rstrip(".").lower()
        types = owners.setdefault(owner, {})
        for item in items or []:
            if item == "TIMEOUT":
                timeouts.add(owner)
                continue
            ((rdtype, value),) = item.items()
            if rdtype == "TXT" and value == "NONE":
                no_txt.add(owner)
                continue
            if rdtype == "MX":
                # An empty exchange is the root name (null MX, RFC 7505).
                value = f"{value[0]} {value[1] or '.'}"
            types.setdefault(rdtype, []).append(value)
    for owner, types in owners.items():
        spf = types.pop("SPF", [])
        if spf and "TXT" not in types and owner not in no_txt:
            types["TXT"] = spf  # rule 1: SPF records double as TXT
    zone: dict[str, Any] = {}
    for owner in owners:
        entry: dict[str, Any] = {}
        for rdtype in _TYPES:
            resolved = _follow(owners, timeouts, owner, rdtype)
            if resolved is not None:
                entry[rdtype] = resolved
        if owner in timeouts:
            entry["*"] = "TIMEOUT"  # rule 3: only types without data time out
        zone[owner] = entry
    return zone


def _follow(
    owners: Mapping[str, Mapping[str, list[Any]]], timeouts: set[str], owner: str, rdtype: str
) -> list[Any] | str | None:
    seen: set[str] = set()
    name = owner
    while True:
        types = owners.get(name)
        if types is None:
            return None if name == owner else "NXDOMAIN"
        if rdtype in types or rdtype == "CNAME":
            return types.get(rdtype)
        cname = types.get("CNAME")
        if not cname:
            return None if name == owner else ("TIMEOUT" if name in timeouts else [])
        seen.add(name)
        name = str(cname[0]).rstrip(".").lower()
        if name in seen:
            return "SERVFAIL"  # a CNAME loop (RFC 1034 3.6.2)


def _cases(filename: str) -> list[Any]:
    cases = []
    with (DATA / filename).open(encoding="utf-8") as stream:
        for scenario in yaml.safe_load_all(stream):
            if not scenario:
                continue
            zone = _zone(scenario.get("zonedata") or {})
            for name, test in scenario["tests"].items():
                cases.append(pytest.param(zone, test, id=f"{filename}:{name}"))
    return cases


ALL = {name: _cases(name) for name in [*SUITES, EXTRA]}


def _run(zone: dict[str, Any], test: Mapping[str, Any]) -> None:
    result = check_spf(
        ip=str(test["host"]),
        mail_from=str(test.get("mailfrom") or ""),
        helo=str(test.get("helo") or ""),
        resolver=StaticResolver(zone),
        receiver=str(test.get("receiver", "trustcheck.invalid")),
    )
    expected = test["result"]
    acceptable = [expected] if isinstance(expected, str) else list(expected)
    assert result.result.value in acceptable, result
    if "explanation" in test and result.result.value == "fail":
        # "DEFAULT" means no exp= text applied: check_spf then reports None.
        want = None if test["explanation"] == "DEFAULT" else test["explanation"]
        assert result.explanation == want


@pytest.mark.parametrize(("zone", "test"), ALL["rfc7208-tests.yml"])
def test_rfc7208(zone: dict[str, Any], test: Mapping[str, Any]) -> None:
    _run(zone, test)


@pytest.mark.parametrize(("zone", "test"), ALL["rfc7208-tests-2014-05.yml"])
def test_rfc7208_2014_05(zone: dict[str, Any], test: Mapping[str, Any]) -> None:
    _run(zone, test)


@pytest.mark.parametrize(("zone", "test"), ALL["rfc4408-tests.yml"])
def test_rfc4408(zone: dict[str, Any], test: Mapping[str, Any]) -> None:
    _run(zone, test)


@pytest.mark.parametrize(
    ("zone", "test"),
    [p for p in ALL[EXTRA] if p.id.split(":", 1)[1] not in EXTRA_SKIPPED],
)
def test_pyspf_extra(zone: dict[str, Any], test: Mapping[str, Any]) -> None:
    _run(zone, test)


@pytest.mark.parametrize(("filename", "count"), [*SUITES.items(), (EXTRA, EXTRA_COUNT)])
def test_suite_case_counts(filename: str, count: int) -> None:
    # A case silently dropped by the loader must fail the run.
    assert len(ALL[filename]) == count

"""DKIM vectors (tests/data/conformance/dkim/vectors.yml) through verify_dkim and verify_arc.

Every vector's per-signature expectation is checked; the two real-world ARC
chains are also validated. ``verify_time`` is the injected clock (Stalwart's
captures carry an ``x=`` that has since passed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trustcheck.auth.arc import verify_arc
from trustcheck.auth.dkim import verify_dkim
from trustcheck.dns import StaticResolver

DATA = Path(__file__).parent / "data" / "conformance" / "dkim"
VECTORS: list[dict[str, Any]] = yaml.safe_load((DATA / "vectors.yml").read_text())["vectors"]
EXPECTED_VECTORS = 21
EXPECTED_ARC_VECTORS = 2
# A fixed clock for vectors without verify_time: their signatures have no x=.
DEFAULT_NOW = 1_700_000_000


def _load(vector: dict[str, Any]) -> tuple[bytes, StaticResolver]:
    path = vector["message"].replace("../dmarc/authheaders/", "authheaders/")
    raw = (DATA / path).read_bytes()
    if vector["format"] == "stalwart":
        head, _, raw = raw.partition(b"\n\n")
        zone: dict[str, Any] = {}
        for line in head.decode().splitlines():
            owner, _, txt = line.partition(" ")
            zone.setdefault(owner, {"TXT": []})["TXT"].append(txt)
    else:
        zone = {owner: {"TXT": [txt]} for owner, txt in (vector.get("dns") or {}).items()}
    return raw, StaticResolver(zone)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_dkim_vector(vector: dict[str, Any]) -> None:
    raw, resolver = _load(vector)
    results = verify_dkim(raw, resolver=resolver, now=vector.get("verify_time", DEFAULT_NOW))
    got = [r.result.value for r in results]
    assert got == vector["expect"]["signatures"], [r.reason for r in results]
    assert [r.index for r in results] == list(range(len(results)))


ARC_VECTORS = [v for v in VECTORS if "arc_cv" in v["expect"]]


@pytest.mark.parametrize("vector", ARC_VECTORS, ids=[v["id"] for v in ARC_VECTORS])
def test_arc_vector(vector: dict[str, Any]) -> None:
    raw, resolver = _load(vector)
    result = verify_arc(raw, resolver=resolver, now=vector.get("verify_time", DEFAULT_NOW))
    assert result.result.value == vector["expect"]["arc_cv"], result.reason
    assert len(result.sealers) == result.instances


def test_every_vector_is_run() -> None:
    assert len(VECTORS) == EXPECTED_VECTORS
    assert len(ARC_VECTORS) == EXPECTED_ARC_VECTORS
    assert len({v["id"] for v in VECTORS}) == EXPECTED_VECTORS

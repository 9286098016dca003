"""Recorded DNS fixtures: load_fixture, its errors, and RecordingResolver round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck.dns import Outcome, StaticResolver
from trustcheck.dns.base import RDTYPES
from trustcheck.dns.fixtures import RecordingResolver, load_fixture, read_fixture
from trustcheck.errors import DNSFixtureError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dns"


@pytest.mark.parametrize(
    ("name", "rdtype", "outcome", "records"),
    [
        ("diff.test", "MX", Outcome.ANSWER, ("10 mx1.diff.test", "20 mx2.diff.test")),
        ("esp._domainkey.diff.test", "TXT", Outcome.ANSWER, None),
        ("nodata.diff.test", "TXT", Outcome.NODATA, ()),
        ("slow.diff.test", "A", Outcome.TIMEOUT, ()),
        ("halfslow.diff.test", "A", Outcome.ANSWER, ("192.0.2.77",)),
        ("halfslow.diff.test", "TXT", Outcome.TIMEOUT, ()),
        ("broken.diff.test", "TXT", Outcome.SERVFAIL, ()),
        ("absent.diff.test", "TXT", Outcome.NXDOMAIN, ()),
    ],
)
def test_load_differential_fixture(
    name: str, rdtype: str, outcome: Outcome, records: tuple[str, ...] | None
) -> None:
    answer = load_fixture(FIXTURES / "differential.yaml").resolve(name, rdtype)
    assert answer.outcome is outcome
    if records is not None:
        assert answer.records == records


def test_fixture_metadata() -> None:
    fixture = read_fixture(FIXTURES / "differential.yaml")
    assert fixture.default == "NXDOMAIN"
    assert fixture.ttl == 300
    assert fixture.recorded == "2026-11-22T00:00:00+00:00"
    assert fixture.description.startswith("Differential")


@pytest.mark.parametrize(
    ("text", "default", "ttl"),
    [
        ("zone: {}\n", Outcome.NXDOMAIN, 300),
        ("default: TIMEOUT\nzone: {}\n", Outcome.TIMEOUT, 300),
        ("default: SERVFAIL\nttl: 5\nzone: {}\n", Outcome.SERVFAIL, 5),
        ('{"zone": {}, "default": "TIMEOUT", "ttl": 0}', Outcome.TIMEOUT, 0),  # JSON
        ("recorded: 2026-01-02T03:04:05Z\nzone: {}\n", Outcome.NXDOMAIN, 300),
    ],
)
def test_defaults_and_ttl(tmp_path: Path, text: str, default: Outcome, ttl: int) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    answer = load_fixture(path).resolve("anything.example", "TXT")
    assert (answer.outcome, answer.ttl) == (default, ttl)


BAD: list[tuple[str, str]] = [
    ("", "a mapping with a 'zone' key"),
    ("- a\n- b\n", "a mapping with a 'zone' key"),
    ("description: x\n", "'zone' must be a mapping"),
    ("zone: [a]\n", "'zone' must be a mapping"),
    ("zone: {}\nzones: {}\n", "unknown keys ['zones']"),
    ("zone: {}\ndefault: REFUSED\n", "'default' must be one of"),
    ("zone: {}\nttl: -1\n", "'ttl' must be an integer"),
    ("zone: {}\nttl: yes\n", "'ttl' must be an integer"),
    ("zone: {}\ndescription: [1]\n", "'description' must be text"),
    ("zone: {}\nrecorded: 5\n", "'recorded' must be an ISO 8601"),
    ("zone:\n  a.example: SLOW\n", "zone entry 'a.example': a.example: expected records"),
    ("zone:\n  a.example: {A: [300.0.0.1]}\n", "zone entry 'a.example'"),
    ("zone:\n  a.example: {SPF: [x]}\n", "zone entry 'a.example': unknown record types ['SPF']"),
    ("zone:\n  a.example: {TXT: v=spf1}\n", "zone entry 'a.example'"),
    ("zone:\n  a.example: {TXT: [{x: 1}]}\n", "zone entry 'a.example'"),
    ("zone:\n  a.example: {MX: [mx.example]}\n", "zone entry 'a.example'"),
    ("zone:\n  a.example: 5\n", "zone entry 'a.example'"),
    ("zone:\n  1: {A: [192.0.2.1]}\n", "zone entry 1: names must be strings"),
    ("zone:\n  a.example: {}\n  A.Example.: {}\n", "same name as 'a.example'"),
    ("zone: {a: [\n", "line"),
    ("zone: !!python/object:os.system {}\n", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_fixture_names_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DNSFixtureError, match=r"bad\.yaml") as info:
        load_fixture(path)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"zone: {}\n\xff\xfe", "not UTF-8")],
)
def test_unreadable_file(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "f.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DNSFixtureError, match=message):
        load_fixture(path)


def test_directory_is_not_a_fixture(tmp_path: Path) -> None:
    with pytest.raises(DNSFixtureError, match="cannot read"):
        load_fixture(tmp_path)


# -- recording ------------------------------------------------------------

LIVE = StaticResolver(
    {
        "brand.example": {
            "TXT": ["v=spf1 -all", ["two ", "strings"], [b"\xff\x00raw"]],
            "MX": ["10 mx.brand.example"],
            "A": ["192.0.2.1"],
        },
        "sel._domainkey.brand.example": {"CNAME": ["key.esp.example"]},
        "key.esp.example": {"TXT": ["v=DKIM1; p=abc"]},
        "slow.example": "TIMEOUT",
        "half.example": {"A": ["192.0.2.2"], "TXT": "SERVFAIL"},
        "nodata.example": {"A": ["192.0.2.3"]},
    }
)
ASKED = [
    ("brand.example", "TXT"),
    ("brand.example", "MX"),
    ("Brand.Example.", "A"),
    ("brand.example", "AAAA"),
    ("sel._domainkey.brand.example", "TXT"),
    ("slow.example", "A"),
    ("half.example", "A"),
    ("half.example", "TXT"),
    ("nodata.example", "TXT"),
    ("missing.example", "TXT"),
]


def test_recording_round_trip(tmp_path: Path) -> None:
    recorder = RecordingResolver(LIVE, now=lambda: datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    live = [recorder.resolve(n, t) for n, t in ASKED]
    path = tmp_path / "rec.yaml"
    recorder.dump(path, description="unit test")
    fixture = read_fixture(path)
    assert fixture.recorded == "2026-11-22T04:00:00+00:00"
    assert fixture.description == "unit test"
    replay = fixture.resolver()
    for (name, rdtype), before in zip(ASKED, live, strict=True):
        after = replay.resolve(name, rdtype)
        assert (after.outcome, after.records, after.txt_strings) == (
            before.outcome,
            before.records,
            before.txt_strings,
        ), (name, rdtype)
    assert len(recorder.answers) == len(ASKED)


def test_recording_passes_answers_through() -> None:
    recorder = RecordingResolver(LIVE)
    for name, rdtype in ASKED:
        assert recorder.resolve(name, rdtype) == LIVE.resolve(name, rdtype)


def test_nxdomain_names_are_left_to_the_default() -> None:
    recorder = RecordingResolver(LIVE)
    recorder.resolve("missing.example", "TXT")
    recorder.resolve("missing.example", "A")
    assert recorder.to_fixture()["zone"] == {}


_txt_record = st.lists(st.binary(max_size=40), min_size=1, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(_txt_record, min_size=1, max_size=4))
def test_round_trip_any_txt_octets(tmp_path_factory: pytest.TempPathFactory, records: Any) -> None:
    live = StaticResolver({"t.example": {"TXT": [list(r) for r in records]}})
    recorder = RecordingResolver(live)
    before = recorder.resolve("t.example", "TXT")
    path = tmp_path_factory.mktemp("rt") / "f.yaml"
    recorder.dump(path)
    after = load_fixture(path).resolve("t.example", "TXT")
    assert after.txt_strings == before.txt_strings


def test_rdtypes_documented_in_module() -> None:
    import trustcheck.dns.fixtures as mod

    assert mod.__doc__ is not None
    for rdtype in RDTYPES:
        assert rdtype in mod.__doc__

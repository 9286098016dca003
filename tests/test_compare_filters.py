"""Pure parts of benchmarks/compare_filters.py: the SERVFAIL DNS stub, map stripping, options.

The daemons themselves are exercised by running the benchmark (docs/benchmarks.md);
these tests need neither Rspamd nor SpamAssassin.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType

import dns.message
import dns.rcode
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        path = BENCH / "compare_filters.py"
        spec = importlib.util.spec_from_file_location("compare_filters", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["compare_filters"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


cf = _load()


@pytest.mark.parametrize(("qname", "rdtype"), [
    ("example.com.", "TXT"),
    ("_dmarc.paypal.com.", "TXT"),
    ("r2026._domainkey.examplepay.example.", "TXT"),
    ("1.2.0.192.in-addr.arpa.", "PTR"),
    ("xn--80ak6aa92e.com.", "MX"),
])
def test_stub_answers_servfail_with_the_question(qname: str, rdtype: str) -> None:
    query = dns.message.make_query(qname, rdtype, use_edns=True)
    reply = dns.message.from_wire(cf._ServfailDNS.answer(query.to_wire()))
    assert reply.id == query.id
    assert reply.rcode() == dns.rcode.SERVFAIL
    assert reply.question == query.question
    assert not reply.answer
    assert reply.flags & dns.flags.QR


@pytest.mark.parametrize("junk", [
    b"",
    b"\x00" * 11,
    b"\x12\x34\x81\x80" + b"\x00\x01" + b"\x00" * 6 + b"\x00\x00\x01\x00\x01",  # a response
    b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07example",  # question cut short
    b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\xc0\x0c\x00\x01\x00\x01",  # pointer loop
])
def test_stub_ignores_junk(junk: bytes) -> None:
    assert cf._ServfailDNS.answer(junk) is None


def test_stub_serves_on_loopback() -> None:
    stub = cf._ServfailDNS()
    try:
        query = dns.message.make_query("example.com.", "A")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(query.to_wire(), ("127.0.0.1", stub.port))
            data, peer = s.recvfrom(4096)
        assert peer == ("127.0.0.1", stub.port)
        assert dns.message.from_wire(data).rcode() == dns.rcode.SERVFAIL
        assert stub.queries == 1
    finally:
        stub.close()


@pytest.mark.parametrize(("line", "remote"), [
    ('    "https://maps.rspamd.com/rspamd/mid.inc.zst",', True),
    ('      "glob;https://maps.rspamd.com/rspamd/phishing_whitelist.inc.zst",', True),
    ('  "sign+https://updates.rspamd.com/x.ucl"', True),
    ('        "fallback+file://${CONFDIR}/maps.d/mid.inc"', False),
    ('    "$LOCAL_CONFDIR/local.d/maps.d/mid.inc",', False),
    # a setting, not a list item: left alone (multimap is disabled instead)
    ('    map = "https://maps.rspamd.com/freemail/free.txt.zst";', False),
])
def test_remote_map_lines(line: str, remote: bool) -> None:
    assert bool(cf._REMOTE_MAP.match(line)) is remote


@pytest.mark.parametrize(("text", "expected"), [
    ("trustcheck", ["trustcheck"]),
    ("rspamd,spamassassin", ["rspamd", "spamassassin"]),
    (" rspamd , trustcheck ", ["rspamd", "trustcheck"]),
])
def test_filters_option(text: str, expected: list[str]) -> None:
    assert cf._parse_filters(text) == expected


@pytest.mark.parametrize("text", ["", ",", "spamd", "rspamd,clamav"])
def test_filters_option_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        cf._parse_filters(text)


def test_missing_corpora_skips_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cf.main(["--corpora", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out


LIVE = [
    # Rspamd's answer to a stored phishing_pot message offline: 4.8 = 0.3 of findings
    # plus the date and the failed reverse-DNS and ARC key lookups.
    ("replay only", 4.8, {
        "MIME_HTML_ONLY": {"score": 0.2}, "MIME_UNKNOWN": {"score": 0.1},
        "DATE_IN_PAST": {"score": 1.0, "options": ["6988"]},
        "HFILTER_HOSTNAME_UNKNOWN": {"score": 2.5},
        "ARC_REJECT": {"score": 1.0, "options": ["signature check failed: fail, {[1] = "
                                                 "sig:microsoft.com:dns request to x failed: "
                                                 "server fail}"]},
    }, 0.3),
    # A broken seal that has nothing to do with DNS stays.
    ("real ARC failure", 3.0, {"ARC_REJECT": {"score": 1.0, "options": ["body hash mismatch"]},
                               "PHISHING": {"score": 2.0}}, 3.0),
    ("no symbols", 0.0, {}, 0.0),
]


@pytest.mark.parametrize(("name", "score", "symbols", "live"), LIVE, ids=[c[0] for c in LIVE])
def test_live_score_drops_replay_artifacts(name: str, score: float,
                                           symbols: dict[str, object], live: float) -> None:
    assert cf.live_score(score, symbols) == pytest.approx(live)

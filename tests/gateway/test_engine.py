"""The gateway engine: verdict parity with the library, deadlines, fail-safe, reload, metrics."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from trustcheck import Envelope, Registry, Verifier
from trustcheck.dns import StaticResolver, load_fixture
from trustcheck.dns.base import Answer, Outcome
from trustcheck.errors import ConfigError
from trustcheck.gateway.config import Action, GatewayConfig, load_config
from trustcheck.gateway.engine import GatewayEngine, _DeadlineResolver, build_verifier
from trustcheck.gateway.metrics import Metrics, serve_metrics
from trustcheck.verdict import Status

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "fixtures" / "messages"
REGISTRY = ROOT / "fixtures" / "registry" / "brands"
DNS = Path(__file__).parent / "data" / "gateway-dns.yaml"
GENUINE_ENVELOPE = Envelope(ip="198.51.100.25", helo="mx.examplepay.example",
                            mail_from="bounces@examplepay.example")
SPOOF_ENVELOPE = Envelope(ip="203.0.113.9", helo="bulk-sender.example.org",
                          mail_from="x@bulk-sender.example.org")


def _config(**kw: object) -> GatewayConfig:
    base = GatewayConfig(authserv_id="mx.gw.test", registry=REGISTRY, dns_fixture=DNS,
                         timeout=20.0)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def engine() -> GatewayEngine:
    e = GatewayEngine(_config())
    yield e  # type: ignore[misc]
    e.close()


@pytest.mark.parametrize(("name", "envelope", "status"), [
    ("examplepay-receipt.eml", GENUINE_ENVELOPE, Status.AUTHENTIC),
    ("examplepay-receipt-tampered.eml", GENUINE_ENVELOPE, None),
    ("examplepay-spoofed-from.eml", SPOOF_ENVELOPE, None),
    ("gmail_forward_rfc822_ko.eml", None, None),
    ("naver_inline_forward.eml", None, None),
])
def test_verdict_parity_with_library(engine: GatewayEngine, name: str,
                                     envelope: Envelope | None, status: Status | None) -> None:
    """Differential: the gateway's verdict is exactly the library call's."""
    raw = (MESSAGES / name).read_bytes()
    library = Verifier(registry=Registry.default().merge(Registry.load(REGISTRY)),
                       resolver=load_fixture(DNS), authserv_id="mx.gw.test")
    expected = library.verify(raw, envelope=envelope)
    checked = engine.check(raw, envelope=envelope)
    assert checked.verdict is not None
    assert checked.verdict.status is expected.status
    assert checked.verdict.codes() == expected.codes()
    assert checked.verdict.score == expected.score
    assert checked.decision.status == expected.status.value
    assert checked.decision.action is engine.config.action_for(expected.status)
    if status is not None:
        assert expected.status is status


def test_spoof_is_flagged(engine: GatewayEngine) -> None:
    checked = engine.check((MESSAGES / "examplepay-spoofed-from.eml").read_bytes(),
                           envelope=SPOOF_ENVELOPE)
    assert checked.verdict is not None
    assert checked.verdict.status in (Status.PHISHING, Status.IMPERSONATION)
    assert checked.decision.action is Action.QUARANTINE


class _SlowResolver:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    def resolve(self, name: str, rdtype: str) -> Answer:
        self.calls += 1
        time.sleep(self.delay)
        return Answer(name, rdtype, Outcome.NXDOMAIN)


@pytest.mark.parametrize(("on_error", "action"), [
    (Action.TEMPFAIL, Action.TEMPFAIL),
    (Action.HEADERS, Action.HEADERS),
])
def test_timeout_gives_fail_safe_in_time(on_error: Action, action: Action) -> None:
    config = _config(timeout=0.3, on_error=on_error)
    slow = _SlowResolver(0.25)
    verifier = Verifier(resolver=_DeadlineResolver(slow, time.monotonic))
    engine = GatewayEngine(config, verifier=verifier)
    try:
        start = time.monotonic()
        checked = engine.check((MESSAGES / "examplepay-receipt.eml").read_bytes(),
                               envelope=GENUINE_ENVELOPE)
        elapsed = time.monotonic() - start
    finally:
        engine.close()
    assert elapsed < 0.3 + 0.2
    assert checked.verdict is None
    assert checked.decision.action is action
    assert checked.decision.status == "error"
    assert 'trustcheck_errors_total{kind="timeout"} 1' in engine.metrics.render()


def test_deadline_resolver_stops_lookups_after_deadline() -> None:
    now = [100.0]
    inner = StaticResolver({"a.example": {"A": ["192.0.2.1"]}})
    r = _DeadlineResolver(inner, lambda: now[0])
    assert r.resolve("a.example", "A").outcome is Outcome.ANSWER  # no deadline set
    r.set_deadline(101.0)
    assert r.resolve("a.example", "A").outcome is Outcome.ANSWER
    now[0] = 101.0
    late = r.resolve("A.Example.", "a")
    assert (late.name, late.rdtype, late.outcome) == ("a.example", "A", Outcome.TIMEOUT)
    r.set_deadline(None)
    assert r.resolve("a.example", "A").outcome is Outcome.ANSWER


def test_real_caching_resolver_against_silent_server_is_bounded() -> None:
    """A DNS server that never answers: the message still gets a verdict in time."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        config = _config(dns_fixture=None, timeout=3.0)
        from trustcheck.dns.caching import CachingResolver

        resolver = CachingResolver(nameservers=["127.0.0.1"], port=port, timeout=0.1,
                                   lifetime=0.2)
        verifier = Verifier(registry=Registry.load(REGISTRY),
                            resolver=_DeadlineResolver(resolver, time.monotonic))
        engine = GatewayEngine(config, verifier=verifier)
        try:
            start = time.monotonic()
            checked = engine.check((MESSAGES / "examplepay-receipt.eml").read_bytes(),
                                   envelope=GENUINE_ENVELOPE)
            elapsed = time.monotonic() - start
        finally:
            engine.close()
    assert elapsed < 3.0 + 0.5
    if checked.verdict is not None:  # finished before the deadline: DNS said temperror
        assert checked.verdict.auth.spf is not None
        assert checked.verdict.auth.spf.result.value == "temperror"
        assert checked.verdict.status is not Status.AUTHENTIC
    else:
        assert checked.decision.action is Action.TEMPFAIL


class _Boom:
    def verify(self, *_: object, **__: object) -> None:
        msg = "boom"
        raise RuntimeError(msg)

    resolver = StaticResolver({})


@pytest.mark.parametrize(("on_error", "code"), [(Action.TEMPFAIL, "451"), (Action.ACCEPT, None)])
def test_exception_gives_fail_safe(on_error: Action, code: str | None) -> None:
    engine = GatewayEngine(_config(on_error=on_error), verifier=_Boom())  # type: ignore[arg-type]
    try:
        checked = engine.check(b"Subject: x\r\n\r\nbody\r\n")
    finally:
        engine.close()
    assert checked.verdict is None
    assert (checked.decision.reply[0] if checked.decision.reply else None) == code
    assert "RuntimeError: boom" in checked.decision.reason
    assert 'kind="exception"' in engine.metrics.render()


@pytest.mark.parametrize("raw", [b"", b"\x00\xff" * 100, b"no headers at all",
                                 b"From: <<<\r\n\r\n", b"Subject: =?utf-8?b?!!!?=\r\n\r\n"])
def test_hostile_input_never_raises(engine: GatewayEngine, raw: bytes) -> None:
    checked = engine.check(raw)
    assert checked.decision.status in {s.value for s in Status} | {"error"}


def test_too_large_is_not_verified() -> None:
    engine = GatewayEngine(_config(max_message_bytes=100, on_error=Action.HEADERS))
    try:
        checked = engine.check(b"Subject: x\r\n\r\n" + b"a" * 200)
    finally:
        engine.close()
    assert checked.verdict is None
    assert checked.decision.action is Action.HEADERS
    assert "larger than 100 bytes" in dict(checked.decision.add)["X-Trustcheck-Error"]


def test_log_line_per_message(engine: GatewayEngine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="trustcheck.gateway"):
        engine.check((MESSAGES / "examplepay-receipt.eml").read_bytes(),
                     envelope=GENUINE_ENVELOPE, queue_id="4XQ1")
    lines = [json.loads(r.getMessage()) for r in caplog.records]
    assert len(lines) == 1
    assert lines[0]["queue_id"] == "4XQ1"
    assert lines[0]["status"] == "authentic"
    assert set(lines[0]) >= {"score", "action", "ms"}


def test_reload_swaps_config_and_keeps_it_on_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(f'registry = "{REGISTRY}"\ndns_fixture = "{DNS}"\n'
                    '[actions]\nauthentic = "headers"\n')
    engine = GatewayEngine(load_config(path))
    raw = (MESSAGES / "examplepay-receipt.eml").read_bytes()
    try:
        assert engine.check(raw, envelope=GENUINE_ENVELOPE).decision.action is Action.HEADERS
        path.write_text(f'registry = "{REGISTRY}"\ndns_fixture = "{DNS}"\n'
                        '[actions]\nauthentic = "accept"\n')
        engine.reload()
        assert engine.check(raw, envelope=GENUINE_ENVELOPE).decision.action is Action.ACCEPT
        path.write_text('on_error = "reject"\n')
        with pytest.raises(ConfigError):
            engine.reload()
        assert engine.check(raw, envelope=GENUINE_ENVELOPE).decision.action is Action.ACCEPT
        assert "trustcheck_reloads_total 1" in engine.metrics.render()
    finally:
        engine.close()


def test_reload_without_file() -> None:
    engine = GatewayEngine(_config())
    try:
        with pytest.raises(ConfigError, match="nothing to reload"):
            engine.reload()
    finally:
        engine.close()


def test_build_verifier_registry_only() -> None:
    only = build_verifier(_config(registry_only=True))
    merged = build_verifier(_config())
    assert {b.id for b in only.registry.brands} == {b.id for b in
                                                     Registry.load(REGISTRY).brands}
    assert len(merged.registry.brands) > len(only.registry.brands)


@pytest.mark.parametrize(("latencies", "buckets"), [
    ([0.001, 0.004], {"0.005": 2, "0.01": 2, "+Inf": 2}),
    ([0.007, 0.3, 99.0], {"0.005": 0, "0.01": 1, "0.5": 2, "30": 2, "+Inf": 3}),
])
def test_metrics_histogram(latencies: list[float], buckets: dict[str, int]) -> None:
    m = Metrics()
    for s in latencies:
        m.observe(status="authentic", action="headers", seconds=s)
    text = m.render()
    for le, n in buckets.items():
        assert f'trustcheck_verdict_seconds_bucket{{le="{le}"}} {n}\n' in text
    assert f"trustcheck_verdict_seconds_count {len(latencies)}\n" in text
    assert (f'trustcheck_messages_total{{status="authentic",action="headers"}} '
            f"{len(latencies)}\n") in text
    assert m.total == len(latencies)


def test_metrics_endpoint_on_loopback() -> None:
    m = Metrics()
    m.observe(status="phishing", action="reject", seconds=0.02)
    server = serve_metrics(m, "127.0.0.1", 0)
    try:
        port = server.server_address[1]
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b'trustcheck_messages_total{status="phishing",action="reject"} 1' in body
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=5)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_metrics_refuses_non_loopback(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        serve_metrics(Metrics(), host, 0)

"""End to end through a real Postfix on 127.0.0.1 with the trustcheck milter.

A private Postfix instance (tests/gateway/gateway_harness.py) delivers into a Maildir
in a temporary directory; the milter runs as ``python -m trustcheck milter`` with
the Example Pay registry and a DNS fixture whose SPF record authorizes 127.0.0.1
(every SMTP client here is on loopback). Messages go in with smtplib; the test
reads what Postfix delivered, what it held, and what the client was told.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gateway_harness as h
import pytest

from trustcheck import Envelope, Registry, Verifier
from trustcheck.dns import load_fixture

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "fixtures" / "messages"
REGISTRY = ROOT / "fixtures" / "registry" / "brands"
DNS = Path(__file__).parent / "data" / "gateway-dns.yaml"
AUTHSERV_ID = "mx.gw.test"

GENUINE = (MESSAGES / "examplepay-receipt.eml").read_bytes()
PHISH = (MESSAGES / "examplepay-spoofed-from.eml").read_bytes()
# The spoofed message without its look-alike link: a brand From domain that DMARC says
# did not send it, nothing more - impersonation, not phishing.
IMPERSONATION = PHISH.replace(b"https://examplepay-activity.example.com/login",
                              b"https://examplepay.example/activity/EP-7731-2209")
GENUINE_FROM = {"mail_from": "bounces@examplepay.example", "helo": "mx.examplepay.example"}
SPOOF_FROM = {"mail_from": "x@bulk-sender.example.org", "helo": "bulk-sender.example.org"}


def _skip_reason() -> str | None:
    return h.postfix_available() or h.milter_available()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[h.Postfix, h.MilterProcess,
                                                                  Path, int]]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("gateway")
    metrics_port = h.free_port()
    config = _write_config(tmp / "gateway.toml", phishing="quarantine", metrics=metrics_port)
    with h.gateway(tmp, config) as (postfix, milter):
        yield postfix, milter, config, metrics_port


def _write_config(path: Path, *, phishing: str, metrics: int | None = None) -> Path:
    values: dict[str, object] = {
        "authserv_id": AUTHSERV_ID,
        "registry": str(REGISTRY),
        "registry_only": True,
        "dns_fixture": str(DNS),
        "timeout": 20,
        "on_error": "tempfail",
    }
    if metrics:
        values["metrics_listen"] = f"127.0.0.1:{metrics}"
    values["actions"] = {"authentic": "headers", "unverified": "headers",
                         "suspicious": "tag", "impersonation": "reject", "phishing": phishing}
    return h.write_config(path, **values)


def _delivered(postfix: h.Postfix, tag: str, timeout: float = 20) -> list[tuple[str, str]]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = h.find_by_header(postfix.delivered(), "X-Test-Id", tag)
        if found is not None:
            return h.read_delivered(found)
        time.sleep(0.1)
    pytest.fail(f"message {tag} was not delivered; maillog:\n{postfix.maillog()[-3000:]}")


def _milter_lines(tmp: Path) -> list[dict[str, object]]:
    lines = []
    for line in (tmp / "milter.log").read_text().splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            if "queue_id" in obj:
                lines.append(obj)
    return lines


def test_genuine_message_gets_our_authentication_results(gw: tuple) -> None:
    postfix, _, _, _ = gw
    r = h.send(postfix.port, h.tagged(GENUINE, "genuine-1"), tag="genuine-1", **GENUINE_FROM)
    assert r.outcome == "accepted", r
    headers = _delivered(postfix, "genuine-1")
    ours = [v for k, v in headers if k.lower() == "authentication-results"
            and v.lower().startswith(AUTHSERV_ID)]
    assert len(ours) == 1
    ar = ours[0]
    for expected in ("spf=pass smtp.mailfrom=bounces@examplepay.example",
                     "dkim=pass header.d=examplepay.example",
                     "dmarc=pass header.from=examplepay.example"):
        assert expected in ar, ar
    verdict = dict(headers)
    assert verdict["X-Trustcheck-Verdict"].startswith("authentic")
    assert verdict["X-Trustcheck-Score"] == "0"
    # Authentication-Results is on top of the message's own fields (RFC 8601 §5)
    names = [k.lower() for k, _ in headers]
    assert names.index("authentication-results") < names.index("x-test-id")


def test_forged_authentication_results_removed(gw: tuple) -> None:
    postfix, _, _, _ = gw
    forged = (f"Authentication-Results: {AUTHSERV_ID}; dmarc=pass (forged-by-sender)\r\n"
              "Authentication-Results: mx.other.example; spf=fail (kept-foreign)\r\n"
              f"Authentication-Results: (comment) {AUTHSERV_ID.upper()}; dkim=pass (forged-2)\r\n"
              "X-Trustcheck-Verdict: authentic (forged-verdict)\r\n").encode()
    r = h.send(postfix.port, h.tagged(forged + PHISH, "forged-1"), tag="forged-1", **SPOOF_FROM)
    # phishing is quarantined here, so look in the hold queue; the genuine variant below
    # is delivered and shows the headers as the recipient would see them.
    assert r.outcome == "accepted"
    r = h.send(postfix.port, h.tagged(forged + GENUINE, "forged-2"), tag="forged-2",
               **GENUINE_FROM)
    assert r.outcome == "accepted", r
    headers = _delivered(postfix, "forged-2")
    text = "\n".join(f"{k}: {v}" for k, v in headers)
    assert "forged-by-sender" not in text
    assert "forged-2" not in text.replace("X-Test-Id: forged-2", "")
    assert "forged-verdict" not in text
    assert "kept-foreign" in text  # another authserv-id's results are not ours to remove
    ours = [v for k, v in headers if k.lower() == "authentication-results"
            and v.lower().startswith(AUTHSERV_ID)]
    assert len(ours) == 1
    assert "dkim=pass header.d=examplepay.example" in ours[0]


def test_phishing_is_quarantined_in_hold_queue(gw: tuple) -> None:
    postfix, _, _, _ = gw
    before = len(postfix.held())
    r = h.send(postfix.port, h.tagged(PHISH, "phish-1"), tag="phish-1", **SPOOF_FROM)
    assert r.outcome == "accepted"
    end = time.monotonic() + 10
    while len(postfix.held()) <= before and time.monotonic() < end:
        time.sleep(0.1)
    assert len(postfix.held()) == before + 1
    assert h.find_by_header(postfix.delivered(), "X-Test-Id", "phish-1") is None
    assert "milter triggers HOLD action" in postfix.maillog()


def test_impersonation_is_rejected_with_reason(gw: tuple) -> None:
    postfix, _, _, _ = gw
    r = h.send(postfix.port, h.tagged(IMPERSONATION, "imp-1"), tag="imp-1", **SPOOF_FROM)
    assert r.outcome == "rejected"
    assert r.code == 550
    assert "5.7.1" in r.text
    assert "impersonation" in r.text


def test_verdict_parity_library_vs_milter(gw: tuple) -> None:
    """Differential: each message's status and finding codes, library call vs milter."""
    postfix, _, config, _ = gw
    tmp = config.parent
    library = Verifier(registry=Registry.load(REGISTRY), resolver=load_fixture(DNS),
                       authserv_id=AUTHSERV_ID)
    cases = [(GENUINE, GENUINE_FROM), (PHISH, SPOOF_FROM), (IMPERSONATION, SPOOF_FROM),
             ((MESSAGES / "examplepay-receipt-tampered.eml").read_bytes(), GENUINE_FROM),
             ((MESSAGES / "naver_inline_forward.eml").read_bytes(), SPOOF_FROM)]
    for i, (raw, env) in enumerate(cases):
        seen = len(_milter_lines(tmp))
        tag = f"parity-{i}"
        message = h.tagged(raw, tag)
        h.send(postfix.port, message, tag=tag, **env)
        end = time.monotonic() + 10
        while len(_milter_lines(tmp)) == seen and time.monotonic() < end:
            time.sleep(0.05)
        line = _milter_lines(tmp)[seen]
        # What the milter verifies: Postfix drops a client's Return-Path and the milter
        # supplies the envelope's, as final delivery would (RFC 5321 §4.4).
        as_delivered = (f"Return-Path: <{env['mail_from']}>\r\n".encode()
                        + _without_header(message, b"return-path"))
        expected = library.verify(as_delivered, envelope=Envelope(ip="127.0.0.1", **env))
        assert line["status"] == expected.status.value, (tag, line)
        assert line["codes"] == list(expected.codes()), (tag, line)
        assert line["score"] == expected.score


def _without_header(raw: bytes, name: bytes) -> bytes:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    lines = head.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() == name
        if not skipping:
            out.append(line)
    return b"".join(out) + sep + body


def test_metrics_endpoint_counts_messages(gw: tuple) -> None:
    postfix, _, _, port = gw
    h.send(postfix.port, h.tagged(GENUINE, "metrics-1"), tag="metrics-1", **GENUINE_FROM)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'trustcheck_messages_total{status="authentic",action="headers"}' in body
    assert "trustcheck_verdict_seconds_count" in body
    count = next(int(x.split()[-1]) for x in body.splitlines()
                 if x.startswith("trustcheck_verdict_seconds_count"))
    assert count >= 1


def test_sighup_reloads_config(gw: tuple) -> None:
    postfix, milter, config, port = gw
    _write_config(config, phishing="reject", metrics=port)
    try:
        end = time.monotonic() + 10
        r = None
        while time.monotonic() < end:
            # Reload is idempotent; re-sent in case libmilter's own signal thread took
            # one (it then only re-opens its socket; see run_milter).
            milter.signal(signal.SIGHUP)
            time.sleep(0.2)
            r = h.send(postfix.port, h.tagged(PHISH, "hup-1"), tag="hup-1", **SPOOF_FROM)
            if r.outcome == "rejected":
                break
            time.sleep(0.3)
        assert r is not None
        assert r.outcome == "rejected", r
        assert r.code == 550
    finally:
        _write_config(config, phishing="quarantine", metrics=port)
        milter.signal(signal.SIGHUP)
        time.sleep(0.5)
    assert milter.proc is not None
    assert milter.proc.poll() is None  # still serving


def test_load_with_milter_killed_and_restarted(tmp_path: Path) -> None:
    """300 messages, 8 clients, the milter SIGKILLed and restarted mid-run: none lost."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    config = _write_config(tmp_path / "gateway.toml", phishing="quarantine")
    with h.gateway(tmp_path, config) as (postfix, milter):
        report = h.run_load(postfix, milter, _mix(), total=300, clients=8, kill_at=100,
                            restart_at=150)
    assert report["lost"] == 0, report
    assert report["errors"] == 0, report
    assert report["tempfailed"] >= 1, report  # the kill was seen
    assert report["accepted"] + report["rejected"] + report["tempfailed"] == 300
    assert report["delivered"] + report["held"] == report["accepted"]
    assert report["held"] >= 1  # the phishing share was quarantined, not delivered


def _mix() -> list[tuple[bytes, dict[str, str]]]:
    """2/3 genuine (delivered), 1/6 phishing (held), 1/6 impersonation (rejected)."""
    return [(GENUINE, GENUINE_FROM)] * 4 + [(PHISH, SPOOF_FROM), (IMPERSONATION, SPOOF_FROM)]


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM: the daemon stops listening and exits 0 within seconds."""
    reason = h.milter_available()
    if reason:
        pytest.skip(reason)
    milter = h.MilterProcess(_write_config(tmp_path / "gateway.toml", phishing="reject"),
                             log=tmp_path / "milter.log")
    milter.start()
    try:
        start = time.monotonic()
        milter.signal(signal.SIGTERM)
        assert milter.proc is not None
        code = milter.proc.wait(15)
        assert time.monotonic() - start < 10
    finally:
        milter.stop()
    assert code == 0
    assert '"event": "shutdown"' in (tmp_path / "milter.log").read_text()

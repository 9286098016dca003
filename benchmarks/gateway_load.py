"""Gateway load: messages through a real Postfix with the trustcheck milter, none lost.

Starts a private Postfix on 127.0.0.1 (tests/gateway/gateway_harness.py; needs root,
Postfix and pymilter, as scripts/test.sh installs them) and sends ``--messages``
messages with ``--clients`` concurrent SMTP clients, three times:

1. ``baseline``: Postfix without a milter, for the added-latency figure;
2. ``milter``: through the milter;
3. ``milter+kill``: through the milter, SIGKILLed after a third of the messages and
   restarted after half (Postfix answers 4xx meanwhile: milter_default_action = tempfail).

Each message carries an ``X-Test-Id``; the run accounts for every one: accepted
(then found delivered in the Maildir or held in the hold queue), rejected (5xx)
or tempfailed (4xx). ``lost`` must be 0. The mix is 2/3 genuine Example Pay
receipts (delivered), 1/6 phishing (quarantined), 1/6 impersonation (rejected).

Latency is per SMTP transaction (connect .. QUIT) as the client saw it; "added"
is the milter run minus the baseline at the same percentile.

    sudo .venv/bin/python benchmarks/gateway_load.py [--messages 10000] [--clients 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gateway"))

import gateway_harness as h  # noqa: E402 - needs the path above

MESSAGES = ROOT / "fixtures" / "messages"
GENUINE = (MESSAGES / "examplepay-receipt.eml").read_bytes()
PHISH = (MESSAGES / "examplepay-spoofed-from.eml").read_bytes()
IMPERSONATION = PHISH.replace(b"https://examplepay-activity.example.com/login",
                              b"https://examplepay.example/activity/EP-7731-2209")
GENUINE_FROM = {"mail_from": "bounces@examplepay.example", "helo": "mx.examplepay.example"}
SPOOF_FROM = {"mail_from": "x@bulk-sender.example.org", "helo": "bulk-sender.example.org"}
MIX = [(GENUINE, GENUINE_FROM)] * 4 + [(PHISH, SPOOF_FROM), (IMPERSONATION, SPOOF_FROM)]


def _config(path: Path) -> Path:
    return h.write_config(
        path, authserv_id="mx.gw.test", registry=str(ROOT / "fixtures" / "registry" / "brands"),
        registry_only=True, dns_fixture=str(ROOT / "tests" / "gateway" / "data" /
                                            "gateway-dns.yaml"),
        timeout=20, on_error="tempfail", workers=8,
        actions={"impersonation": "reject", "phishing": "quarantine"})


def _baseline(messages: int, clients: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="trustcheck-postfix-"))
    root.chmod(0o755)
    postfix = h.Postfix(root, 0, smtpd_procs=clients * 2)
    try:
        postfix.start()
        return h.run_load(postfix, None, MIX, total=messages, clients=clients)
    finally:
        postfix.stop()
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    why = h.postfix_available() or h.milter_available()
    if why:
        print(f"gateway_load: cannot run: {why}", file=sys.stderr)
        return 2
    n, c = args.messages, args.clients
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        runs["baseline"] = _baseline(n, c)
        for name, kill in (("milter", False), ("milter+kill", True)):
            sub = tmp / name.replace("+", "-")
            sub.mkdir()
            with h.gateway(sub, _config(sub / "gateway.toml"), smtpd_procs=c * 2) as (pf, m):
                runs[name] = h.run_load(pf, m, MIX, total=n, clients=c,
                                        kill_at=n // 3 if kill else None,
                                        restart_at=n // 2 if kill else None)
    base = runs["baseline"]
    for name in ("milter", "milter+kill"):
        runs[name]["added_p50_ms"] = round(runs[name]["p50_ms"] - base["p50_ms"], 1)
        runs[name]["added_p99_ms"] = round(runs[name]["p99_ms"] - base["p99_ms"], 1)
    if args.json:
        print(json.dumps(runs, indent=2))
    else:
        cols = ("sent", "accepted", "delivered", "held", "rejected", "tempfailed", "errors",
                "lost", "messages_per_second", "p50_ms", "p99_ms", "added_p50_ms",
                "added_p99_ms")
        widths = [max(10, len(col)) + 2 for col in cols]
        print(f"{'run':<12}" + "".join(f"{col:>{w}}" for col, w in zip(cols, widths, strict=True)))
        for name, r in runs.items():
            print(f"{name:<12}" + "".join(f"{r.get(col, '-')!s:>{w}}"
                                          for col, w in zip(cols, widths, strict=True)))
    return 1 if any(r["lost"] or r["errors"] for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

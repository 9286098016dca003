"""Authentication throughput: a DKIM-signed message, DNS answers already in memory.

Measures, on one core, messages per second and latency percentiles for

* ``verify_dkim`` alone (one RSA-2048 signature),
* ``authenticate`` (SPF + DKIM + ARC + DMARC + BIMI for one message), and
* the whole ``Verifier.verify`` pipeline (parsing, authentication, brand, links),

with a warm cache: every DNS answer comes from memory (a StaticResolver built
from the message's recorded fixture), so the figures are the library's own cost,
not the network's.

    python benchmarks/auth_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from trustcheck import Envelope, Registry, Verifier
from trustcheck.auth import authenticate, verify_dkim
from trustcheck.dns import load_fixture
from trustcheck.message import parse_email

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = ROOT / "fixtures" / "messages" / "examplepay-receipt.eml"
DNS = ROOT / "fixtures" / "dns" / "examplepay.yaml"
NOW = datetime(2026, 11, 23, tzinfo=UTC)
ENVELOPE = Envelope(ip="198.51.100.25", helo="mx.examplepay.example",
                    mail_from="bounces@examplepay.example")


def measure(name: str, fn: Callable[[], object], seconds: float) -> None:
    fn()  # warm up: imports, caches, compiled regexes
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    total = sum(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"{name:<28} {len(latencies) / total:>9.1f} msg/s   p50 {p50:6.2f} ms   "
          f"p99 {p99:6.2f} ms   ({len(latencies)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    raw = MESSAGE.read_bytes()
    resolver = load_fixture(DNS)
    registry = Registry.default().merge(Registry.load(ROOT / "fixtures" / "registry" / "brands"))
    parsed = parse_email(raw)
    verifier = Verifier(registry=registry, resolver=resolver)
    print(f"message: {MESSAGE.name} ({len(raw):,} bytes, one RSA-2048 DKIM signature)")
    measure("verify_dkim", lambda: verify_dkim(raw, resolver=resolver, now=NOW), args.seconds)
    measure("authenticate (all methods)",
            lambda: authenticate(parsed, resolver=resolver, envelope=ENVELOPE, now=NOW),
            args.seconds)
    measure("Verifier.verify (full)",
            lambda: verifier.verify(raw, envelope=ENVELOPE, now=NOW), args.seconds)


if __name__ == "__main__":
    main()

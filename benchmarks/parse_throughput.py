"""Parse throughput: how fast trustcheck.message.parse_email reads real mail.

Usage::

    .venv/bin/python benchmarks/parse_throughput.py [DIR ...]

Parses every ``*.eml`` under each DIR (default: the e-mail corpora under
``../shared/corpora`` relative to the repository root) on one core and prints
messages, messages/s, p50/p99 latency, peak memory, finding counts and errors.
Corpora are read as data only: nothing in them is opened, fetched or run.
Exits 0 with a note when no corpus is present; exits 1 if any message raised.
"""

from __future__ import annotations

import argparse
import collections
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

from trustcheck.message import parse_email

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = ("phishing_pot", "nazario_phishing_2004_2005", "spamassassin_ham",
                   "spamassassin_spam", "vger_linux_sctp_ham")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="directories of .eml files")
    parser.add_argument("--repeat", type=int, default=1, help="parse each message N times")
    args = parser.parse_args(argv)
    dirs = args.dirs or [ROOT.parent / "shared" / "corpora" / name for name in DEFAULT_CORPORA]
    dirs = [d for d in dirs if d.is_dir()]
    files = sorted(p for d in dirs for p in d.rglob("*.eml"))
    if not files:
        print("parse_throughput: no .eml corpus found; nothing to measure.")
        return 0
    blobs = [(p, p.read_bytes()) for p in files]  # read first: measure parsing, not disk
    latencies: list[float] = []
    findings: collections.Counter[str] = collections.Counter()
    errors: list[str] = []
    forwarded = 0
    start = time.perf_counter()
    for _ in range(args.repeat):
        for path, data in blobs:
            t0 = time.perf_counter()
            try:
                mail = parse_email(data)
            except Exception:  # a benchmark counts every failure, whatever it is
                errors.append(f"{path}: {traceback.format_exc(limit=3)}")
                continue
            latencies.append(time.perf_counter() - t0)
            findings.update(f.code for f in mail.findings)
            forwarded += len(mail.forwarded)
    elapsed = time.perf_counter() - start
    n = len(latencies) + len(errors)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    # ru_maxrss is KiB on Linux: peak resident memory of the whole process.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpora:       {', '.join(d.name for d in dirs)}")
    print(f"messages:      {n} ({sum(len(b) for _, b in blobs) / 1e6:.1f} MB per pass)")
    print(f"messages/s:    {n / elapsed:.0f}")
    print(f"latency p50:   {cuts[49] * 1000:.2f} ms")
    print(f"latency p99:   {cuts[98] * 1000:.2f} ms")
    print(f"latency max:   {max(latencies, default=0) * 1000:.2f} ms")
    print(f"peak RSS:      {peak:.0f} MiB")
    print(f"forwarded:     {forwarded} originals extracted")
    print(f"findings:      {dict(findings.most_common())}")
    print(f"errors:        {len(errors)}")
    for err in errors[:10]:
        print(err, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

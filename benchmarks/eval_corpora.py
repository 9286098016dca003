"""Evaluate trustcheck on the e-mail corpora the way a support tool would.

Each message is verified offline (``StaticResolver({}, default="TIMEOUT")``:
stored mail, nothing re-checked), trusting only the receiver that delivered
the corpus: Microsoft 365 for phishing_pot, ``smtp.subspace.kernel.org`` for
the vger list, nobody for the others. Prints per corpus the share of each
status, the flagged share (phishing + impersonation + suspicious), errors,
messages per second, latency percentiles and peak memory, then the most
frequent finding codes on phishing and on ham.

    python benchmarks/eval_corpora.py [--corpora DIR] [--limit N] [--json]
                                      [--split even|odd|all]

``--split`` keeps the even- or odd-indexed files of each corpus (sorted file
names, index % 2): rules are developed on ``even`` and ``odd`` is held out to
measure whether they generalise.

Reads ``../shared/corpora`` next to the project by default and exits 0 with a
note when it is absent. The corpora hold live malicious links and attachments:
they are read as bytes and never opened, fetched or run.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from trustcheck import Policy, Status, Verifier
from trustcheck.dns import StaticResolver

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"


@dataclass(frozen=True)
class Corpus:
    name: str
    kind: str  # "phishing", "spam" or "ham"
    trusted_authserv_ids: tuple[str, ...] = ()
    trust_microsoft_365: bool = False


CORPORA = (
    Corpus("phishing_pot", "phishing", trust_microsoft_365=True),
    Corpus("nazario_phishing_2004_2005", "phishing"),
    Corpus("spamassassin_spam", "spam"),
    Corpus("spamassassin_ham", "ham"),
    Corpus("vger_linux_sctp_ham", "ham", trusted_authserv_ids=("smtp.subspace.kernel.org",)),
)


@dataclass
class Result:
    corpus: Corpus
    statuses: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(self.statuses.values()) + self.errors

    @property
    def flagged(self) -> int:
        return sum(n for s, n in self.statuses.items() if Status(s).flagged)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def message_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".eml")


def split_files(files: list[Path], split: str) -> list[Path]:
    """The even- or odd-indexed files (``all`` keeps every file)."""
    if split == "all":
        return files
    parity = 0 if split == "even" else 1
    return [p for i, p in enumerate(files) if i % 2 == parity]


def evaluate(corpus: Corpus, folder: Path, limit: int | None, split: str = "all",
             policy: Policy | None = None) -> Result:
    verifier = Verifier(
        resolver=StaticResolver({}, default="TIMEOUT"),
        trusted_authserv_ids=corpus.trusted_authserv_ids,
        trust_microsoft_365=corpus.trust_microsoft_365,
        policy=policy,
    )
    result = Result(corpus)
    files = split_files(message_files(folder), split)[:limit]
    for path in files:
        raw = path.read_bytes()
        start = time.perf_counter()
        try:
            verdict = verifier.verify(raw)
        except Exception as exc:  # an evaluation counts failures, it does not stop on them
            result.errors += 1
            print(f"ERROR {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        result.latencies.append(time.perf_counter() - start)
        result.statuses[verdict.status.value] += 1
        result.codes.update(set(verdict.codes()))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--limit", type=int, help="at most N messages per corpus")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--top", type=int, default=15, help="finding codes to list")
    parser.add_argument("--split", choices=("even", "odd", "all"), default="all",
                        help="even-/odd-indexed files only (develop on even, hold out odd)")
    parser.add_argument("--policy", type=Path,
                        help="a policy file (TOML/YAML) instead of the default policy; "
                        "benchmarks/policies/content-only.toml ignores the receiver's spam verdict")
    args = parser.parse_args()
    if not args.corpora.is_dir():
        print(f"eval_corpora: {args.corpora} not found; nothing to evaluate (skipped).")
        return 0

    policy = Policy.load(args.policy) if args.policy else None
    results = []
    for corpus in CORPORA:
        folder = args.corpora / corpus.name
        if folder.is_dir():
            results.append(evaluate(corpus, folder, args.limit, args.split, policy))
    print(f"split: {args.split}" + (f"; policy: {args.policy}" if args.policy else ""))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if args.json:
        print(json.dumps([{
            "corpus": r.corpus.name, "kind": r.corpus.kind, "messages": r.messages,
            "statuses": dict(r.statuses), "flagged": r.flagged, "errors": r.errors,
            "flagged_share": r.flagged / max(r.messages, 1),
            "messages_per_second": len(r.latencies) / max(sum(r.latencies), 1e-9),
            "p50_ms": r.percentile(0.5), "p99_ms": r.percentile(0.99),
        } for r in results], indent=2))
        return 0

    words = [s.value for s in Status]
    print(f"{'corpus':<28}{'kind':<9}{'msgs':>6} " + "".join(f"{w[:6]:>8}" for w in words)
          + f"{'flagged':>9}{'errors':>7}{'msg/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
    for r in results:
        total = max(r.messages, 1)
        shares = "".join(f"{100 * r.statuses.get(w, 0) / total:>7.1f}%" for w in words)
        rate = len(r.latencies) / max(sum(r.latencies), 1e-9)
        print(f"{r.corpus.name:<28}{r.corpus.kind:<9}{r.messages:>6} {shares}"
              f"{100 * r.flagged / total:>8.1f}%{r.errors:>7}{rate:>8.0f}"
              f"{r.percentile(0.5):>8.2f}{r.percentile(0.99):>8.2f}")
    print(f"peak memory: {peak_mib:.0f} MiB")
    for kind in ("phishing", "ham"):
        codes: Counter[str] = Counter()
        n = 0
        for r in results:
            if r.corpus.kind == kind:
                codes.update(r.codes)
                n += r.messages
        print(f"\ntop finding codes on {kind} ({n} messages; share of messages with the code):")
        for code, count in codes.most_common(args.top):
            print(f"  {code:<34}{100 * count / max(n, 1):>6.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())

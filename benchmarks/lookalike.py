"""Lookalike detection: recall on dnstwist permutations, false positives on Tranco, speed.

Usage::

    .venv/bin/python benchmarks/lookalike.py [--brands N] [--registry default|standin]

1. Recall: for each brand's primary domain, every permutation dnstwist generates
   (all fuzzers, plus a lure-word dictionary and a TLD list for the dictionary and
   tld-swap fuzzers), minus domains any registered brand owns, must be found by
   :func:`trustcheck.links.find_lookalike` *with the right brand*. The dictionary
   given to dnstwist is written independently of trustcheck's own lure-word list
   (it overlaps, but has words trustcheck does not know), so recall on the
   ``dictionary`` class measures generalisation, not a copy.
2. False positives: the Tranco top domains in /work/shared/corpora (popular,
   overwhelmingly legitimate) — every match that is not brand-owned counts.
3. Speed: Tranco domains checked per second on one core (index already built),
   and the cold ``Registry.default()`` load time (median of 5 fresh processes).

Recall is reported per dnstwist fuzzer class for the brands that qualify for
single-edit matching by one general criterion — primary label (of the brand's
first domain) of at least MIN_EDIT_LABEL characters and not a common English word
(trustcheck's shipped SCOWL list) — and for all brands, honestly.

Exits 0 with a message when /work/shared is absent (CI without the corpora).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import yaml

from trustcheck.links.lookalike import (
    MIN_EDIT_LABEL,
    BrandDomains,
    LookalikeIndex,
    Technique,
)

SHARED = Path("/work/shared")
TRANCO = SHARED / "corpora" / "domains_tranco_top50k" / "tranco_top_50k.csv"
STANDIN = Path(__file__).resolve().parent.parent / "fixtures" / "links" / "brands_standin.yaml"

# Independent of src/trustcheck/links/data/phishing_words.txt on purpose (see above).
DNSTWIST_WORDS = [
    "login", "secure", "support", "billing", "account", "verify", "update", "service",
    "help", "payment", "signin", "online", "alert", "confirm", "wallet", "refund",
    "invoice", "delivery", "tracking", "customer", "security", "auth", "id", "my",
    "center", "app", "mail", "portal", "team", "official", "store", "unlock", "recover",
    "notice", "webscr", "pwreset", "hq", "direct", "express",
]
TLDS = ["com", "net", "org", "info", "biz", "co", "io", "xyz", "top", "shop", "online",
        "site", "app", "me", "us", "ru", "cn", "kr", "de", "uk", "co.uk", "co.kr", "support",
        "live", "icu", "club", "vip", "cc", "tk", "ml"]


def load_brands(which: str) -> list[BrandDomains]:
    if which == "default":
        try:
            from trustcheck.registry import Registry

            registry = Registry.default()
            brands = [BrandDomains(b.id, tuple(b.all_domains), tuple(b.lookalike_labels))
                      for b in registry.brands]
            if len(brands) >= 30:
                return brands
            print(f"default registry has only {len(brands)} brands; using the stand-in list")
        except Exception as exc:  # benchmark: any failure means "not ready yet"
            print(f"default registry unavailable ({type(exc).__name__}: {exc}); using stand-in")
    data = yaml.safe_load(STANDIN.read_text(encoding="utf-8"))
    return [BrandDomains(k, tuple(v["domains"]), tuple(v.get("labels") or ()))
            for k, v in data.items()]


def report(title: str, total: Counter[str], found: Counter[str]) -> None:
    all_total, all_found = sum(total.values()), sum(found.values())
    print(f"\nrecall on dnstwist permutations, {title}:")
    for cls in sorted(total):
        print(f"  {cls:15s} {found[cls]:6d}/{total[cls]:<6d} {found[cls] / total[cls]:7.2%}")
    print(f"  {'ALL':15s} {all_found:6d}/{all_total:<6d} {all_found / max(all_total, 1):7.2%}")


def registry_load_ms(runs: int = 5) -> list[float]:
    """Cold Registry.default() in fresh interpreters (imports excluded)."""
    code = ("import time\nfrom trustcheck.registry import Registry\n"
            "t = time.perf_counter(); Registry.default()\n"
            "print((time.perf_counter() - t) * 1000)")
    return [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                 text=True).stdout) for _ in range(runs)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brands", type=int, default=0, help="limit recall to the first N brands")
    ap.add_argument("--registry", choices=("default", "standin"), default="default")
    ap.add_argument("--show-misses", type=int, default=10)
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print("benchmarks/lookalike.py: /work/shared is absent; skipping.")
        return 0
    try:
        import dnstwist
    except ImportError:
        print("dnstwist is not installed; skipping.")
        return 0

    brands = load_brands(args.registry)
    t0 = time.perf_counter()
    index = LookalikeIndex(brands)
    print(f"index: {len(brands)} brands built in {time.perf_counter() - t0:.2f}s")

    owner = {}
    for b in brands:
        for d in b.official:
            owner[d] = b.brand

    def owned(domain: str) -> bool:
        labels = domain.split(".")
        return any(".".join(labels[i:]) in owner for i in range(len(labels)))

    # -- recall
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    recall_brands = brands[: args.brands] if args.brands else brands
    total_long: Counter[str] = Counter()
    found_long: Counter[str] = Counter()
    long_brands = 0
    words = resources.files("trustcheck.links") / "data" / "common_words.txt"
    common = {w for w in words.read_text("utf-8").split() if w.isalpha() and w.islower()}
    selected: list[str] = []
    for b in recall_brands:
        primary = b.official[0]
        head = primary.split(".", 1)[0]
        is_long = len(head) >= MIN_EDIT_LABEL and head not in common
        long_brands += is_long
        if is_long:
            selected.append(b.brand)
        fuzzer = dnstwist.Fuzzer(primary, dictionary=DNSTWIST_WORDS, tld_dictionary=list(TLDS))
        fuzzer.generate()
        for perm in fuzzer.domains:
            cls, dom = perm["fuzzer"], perm["domain"]
            if cls == "*original" or owned(dom):
                continue
            total[cls] += 1
            m = index.match(dom)
            ok = m is not None and m.brand == b.brand
            found[cls] += ok
            if is_long:
                total_long[cls] += 1
                found_long[cls] += ok
            if ok:
                continue
            misses.setdefault(cls, []).append(f"{dom} ({b.brand}: {m and m.brand})")
    report(f"all {len(recall_brands)} brands", total, found)
    report(f"{long_brands} brands whose primary label has >= {MIN_EDIT_LABEL} characters "
           "and is not a common English word (single-edit rules apply)", total_long, found_long)
    print(f"  brands: {', '.join(selected)}")
    worst = min(found_long[c] / total_long[c] for c in total_long) if total_long else 0.0
    print(f"  worst class {worst:.2%}")
    for cls, items in sorted(misses.items()):
        if args.show_misses:
            print(f"  misses {cls}: {', '.join(items[: args.show_misses])}")

    # -- false positives and speed
    if not TRANCO.is_file():
        print("Tranco list absent; skipping FP and speed.")
        return 0
    domains = [line.split(",", 1)[1].strip() for line in
               TRANCO.read_text(encoding="utf-8").splitlines() if "," in line]
    t0 = time.perf_counter()
    results = [index.match(d) for d in domains]
    elapsed = time.perf_counter() - t0
    hits = [(d, m) for d, m in zip(domains, results, strict=True)
            if m is not None and not owned(d)]
    by_tech = Counter(m.technique.value for _, m in hits)
    print(f"\nfalse positives on {len(domains)} Tranco domains: {len(hits)} "
          f"({len(hits) / len(domains):.3%}); by technique: {dict(by_tech.most_common())}")
    # The exact brand label under a country-code suffix (google.fr) is almost always
    # the brand's own national site that the registry does not list: counted apart.
    national = [d for d, m in hits if m.technique is Technique.TLD_SWAP and m.score < 0.7]
    rest = len(hits) - len(national)
    print(f"  of which exact brand label on a country-code suffix (registry gaps): "
          f"{len(national)}; other matches: {rest} ({rest / len(domains):.3%})")
    strong = sum(1 for _, m in hits if m.score >= 0.75)
    print(f"  matches with score >= 0.75 (reported as high severity by analyze_links): "
          f"{strong} ({strong / len(domains):.3%})")
    for i, (d, m) in enumerate(hits[:50], 1):
        print(f"  {i:2d} {d:30s} -> {m.brand:14s} {m.official:22s} {m.technique.value:18s} "
              f"{m.score}")
    # Speed without the per-host split cache helping: fresh, distinct names.
    from trustcheck.links.domains import split_host
    split_host.cache_clear()
    t0 = time.perf_counter()
    for d in domains:
        index.match(d)
    elapsed = time.perf_counter() - t0
    print(f"\nspeed: {len(domains) / elapsed:,.0f} domains/s ({elapsed:.2f}s for {len(domains)})")
    if args.registry == "default":
        loads = registry_load_ms()
        print(f"registry load (cold Registry.default(), {len(loads)} fresh processes): "
              f"median {statistics.median(loads):.0f} ms, min {min(loads):.0f} ms, "
              f"max {max(loads):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Template matching: separation from real mail, and speed (one core).

    .venv/bin/python benchmarks/templates.py separation [CORPORA_DIR]
    .venv/bin/python benchmarks/templates.py speed

``separation`` compares every HTML e-mail of the corpora (ham and phishing, read as
data: no URL is opened, no attachment run) with the Example Pay fixture templates and
prints the similarity distribution next to the genuine fixture variants'.
``speed`` generates 500 templates (random table/div layouts and words), matches a
~50 KB HTML e-mail against them, and 500 SMS templates against SMS texts; it prints
messages/s and p50/p99 latency.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

from trustcheck.message import parse_email
from trustcheck.registry import Registry
from trustcheck.templates import TemplateSet, check_sms_template
from trustcheck.templates.check import EMAIL_THRESHOLD, _rank_email
from trustcheck.templates.layout import html_facts, text_shingles
from trustcheck.templates.loader import template_from_mapping
from trustcheck.templates.pattern import normalise

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CORPORA = Path("/work/shared/corpora")
SETS = ("spamassassin_ham", "spamassassin_spam", "phishing_pot", "nazario_phishing_2004_2005",
        "vger_linux_sctp_ham")


def _best(ts: TemplateSet, raw: bytes) -> tuple[float, str] | None:
    """The exact best similarity to any fixture template (every template compared, not
    only the index's candidates, so the distribution is the true one)."""
    parsed = parse_email(raw)
    if not parsed.html:
        return None
    facts = html_facts(parsed.html[0])
    brand = ts.brand("example-pay")
    ranked = _rank_email(ts, facts.layout, text_shingles(facts.text or normalise(parsed.text)),
                         brand)
    if not ranked:
        return 0.0, "-"
    return ranked[0].overall, ranked[0].entry.template.key


def _quantiles(values: list[float]) -> str:
    if not values:
        return "n=0"
    values = sorted(values)
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return (f"n={len(values)} min={values[0]:.3f} p50={q[49]:.3f} p90={q[89]:.3f} "
            f"p99={q[98]:.3f} max={values[-1]:.3f}")


def separation(corpora: Path) -> None:
    registry = Registry.default().merge(Registry.load(FIXTURES / "registry" / "brands"))
    ts = TemplateSet.load(FIXTURES / "registry" / "templates", registry=registry)
    genuine = []
    for p in sorted((FIXTURES / "templates" / "messages").glob("*.eml")):
        got = _best(ts, p.read_bytes())
        if got is not None:
            print(f"fixture {p.name:32s} {got[0]:.3f} {got[1]}")
            if p.name.startswith(("genuine", "callback", "clone")):
                genuine.append(got[0])
    print("fixture variants (imitations included):", _quantiles(genuine))
    worst: list[tuple[float, str, str]] = []
    for name in SETS:
        scores = []
        for p in sorted((corpora / name).rglob("*.eml")):
            got = _best(ts, p.read_bytes())
            if got is None:
                continue
            scores.append(got[0])
            worst.append((got[0], f"{name}/{p.name}", got[1]))
        print(f"{name:28s} HTML e-mails: {_quantiles(scores)}")
    worst.sort(reverse=True)
    print("nearest corpus messages:")
    for score, name, key in worst[:5]:
        print(f"  {score:.3f} {name} ~ {key}")
    over = [w for w in worst if w[0] >= EMAIL_THRESHOLD]
    print(f"threshold {EMAIL_THRESHOLD}: {len(over)} corpus messages matched; "
          f"{sum(g >= EMAIL_THRESHOLD for g in genuine)}/{len(genuine)} fixture variants matched")


# --------------------------------------------------------------------------- speed

WORDS = [
    "order", "payment", "receipt", "account", "total", "item", "shipping", "delivery",
    "invoice", "refund", "card", "balance", "transfer", "statement", "subscription",
    "renewal", "ticket", "booking", "flight", "hotel", "points", "reward", "coupon", "notice",
    "update", "security", "login", "device", "verify", "bank", "loan", "premium", "policy",
    "claim", "member", "service", "support", "tax", "fee", "charge", "amount", "date", "store",
    "online",
]
TAGS = ("table", "div", "section", "p", "span", "ul", "td")


def _random_html(rng: random.Random, n_blocks: int) -> str:
    out = ["<html><body>"]
    slot = iter(range(10_000))
    for _ in range(n_blocks):
        tag = rng.choice(TAGS)
        if tag == "table":
            rows = "".join(f"<tr><td>{' '.join(rng.choices(WORDS, k=3))}</td>"
                           f"<td>{{{{v{next(slot)}}}}}</td></tr>" for _ in range(rng.randint(1, 4)))
            out.append(f"<table>{rows}</table>")
        elif tag == "ul":
            out.append("<ul>" + "".join(f"<li>{' '.join(rng.choices(WORDS, k=4))}</li>"
                                        for _ in range(rng.randint(2, 5))) + "</ul>")
        else:
            inner = rng.choice(("b", "i", "a", "span", "em"))
            out.append(f"<{tag}>{' '.join(rng.choices(WORDS, k=6))} <{inner}>"
                       f"{' '.join(rng.choices(WORDS, k=2))}</{inner}></{tag}>")
    out.append("</body></html>")
    return "\n".join(out)


def _templates(rng: random.Random, n: int) -> TemplateSet:
    items = []
    for i in range(n):
        html = _random_html(rng, rng.randint(8, 30))
        slots = {f"v{k}": {"type": "text", "example": "x"} for k in range(150)}
        sms = (f"[Brand{i}] {' '.join(rng.choices(WORDS, k=4))} {{{{v0}}}} "
               f"{' '.join(rng.choices(WORDS, k=3))} {{{{v1}}}} "
               f"{' '.join(rng.choices(WORDS, k=2))}")
        items.append(template_from_mapping({
            "schema": "trustcheck.template/v1", "id": f"gen.t{i}", "version": "1",
            "brand": f"brand-{i % 50}",
            "channels": {"email": {"html": {"inline": html}}, "sms": {"body": sms}},
            "slots": slots}))
    return TemplateSet(tuple(items))


STYLE = ('style="font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:20px;'
         'color:#333333;padding:8px 16px"')


def _big_message(rng: random.Random, size: int = 50_000) -> bytes:
    """A marketing-style HTML e-mail: nested tables, inline styles (as e-mail HTML is
    written, since clients drop <style>), paragraphs, links and images."""
    parts = []
    while sum(map(len, parts)) < size:
        words = " ".join(rng.choices(WORDS, k=rng.randint(12, 40)))
        link = f"https://news.example/{rng.choice(WORDS)}/{rng.randint(1, 9999)}"
        parts.append(
            f'<tr><td {STYLE}><table width="100%" cellpadding="0" cellspacing="0" '
            f'role="presentation"><tr><td {STYLE}><img src="https://cdn.news.example/'
            f'{rng.randint(1, 999)}.png" width="560" alt="{rng.choice(WORDS)}" '
            f'style="display:block;border:0"></td></tr><tr><td {STYLE}><p {STYLE}>{words}'
            f'</p><a href="{link}" {STYLE}>{" ".join(rng.choices(WORDS, k=3))}</a>'
            "</td></tr></table></td></tr>\n")
    html = ('<html><body><table width="600" align="center" role="presentation">'
            + "".join(parts) + "</table></body></html>")
    return (b"From: a@news.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html.encode())


def _report(label: str, times: list[float]) -> None:
    times.sort()
    p50 = times[len(times) // 2] * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"{label}: {len(times) / sum(times):,.0f} messages/s  p50 {p50:.3f} ms  "
          f"p99 {p99:.3f} ms  (n={len(times)})")


def speed() -> None:
    from trustcheck.templates import check_email_template

    rng = random.Random(5)
    ts = _templates(rng, 500)
    msgs = [parse_email(_big_message(rng)) for _ in range(20)]
    print(f"HTML size {len(msgs[0].html[0]):,} chars, {len(ts)} templates")
    facts = html_facts(msgs[0].html[0])
    print(f"elements {len(facts.layout)} layout shingles, {len(facts.text):,} text chars")
    times = []
    for _ in range(10):
        for parsed in msgs:
            t0 = time.process_time()
            check_email_template(parsed, templates=ts, brand=None, authenticated=False,
                                 links=())
            times.append(time.process_time() - t0)
    _report("e-mail template matching (parsed message in, no DNS)", times)
    texts = [f"[Brand{i}] {' '.join(rng.choices(WORDS, k=4))} 12,000원 "
             f"{' '.join(rng.choices(WORDS, k=3))} ok {' '.join(rng.choices(WORDS, k=2))}"
             for i in range(500)]
    texts += ["Running late, see you at 7", "Your code is 123456"] * 100
    stimes = []
    for _ in range(20):
        for text in texts:
            t0 = time.perf_counter()
            check_sms_template(text, templates=ts, brand=None, sender_registered=False)
            stimes.append(time.perf_counter() - t0)
    _report("SMS template matching", stimes)


def conformance_run(samples: int = 1000) -> None:
    """A CI-like conformance run: rendered samples through the CLI, with a JUnit report."""
    import tempfile
    import time

    from trustcheck.cli import main as cli

    root = Path(__file__).resolve().parents[1]
    messages = sorted((root / "fixtures" / "templates" / "messages").glob("genuine-*.eml"))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(samples):
            (Path(tmp) / f"s{i}.eml").write_bytes(messages[i % len(messages)].read_bytes())
        started = time.perf_counter()
        code = cli(["conformance", "--registry", str(root / "fixtures" / "registry"), tmp,
                    "--junit", str(Path(tmp) / "junit.xml")])
        elapsed = time.perf_counter() - started
    print(f"conformance: {samples} samples in {elapsed:.2f} s (exit {code})")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "speed"
    if mode == "conformance":
        conformance_run()
    elif mode == "separation":
        separation(Path(sys.argv[2]) if len(sys.argv) > 2 else CORPORA)
    else:
        speed()

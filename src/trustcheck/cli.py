"""The ``trustcheck`` command.

Exit codes (**contract**): 0 authentic/unverified, 1 a flagged verdict (or a
conformance deviation), 2 a usage or input error, with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from trustcheck import __version__
from trustcheck.dns.base import Resolver
from trustcheck.dns.static import StaticResolver
from trustcheck.errors import TrustcheckError
from trustcheck.message import Sms
from trustcheck.verdict import Policy, Severity, Status, Verdict
from trustcheck.verifier import Envelope, Verifier

__all__ = ["main"]

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """A problem with the command line or its input; printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        code: int = args.func(args)
        return code
    except _UsageError as exc:
        print(f"trustcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TrustcheckError as exc:
        print(f"trustcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="trustcheck", description=(
        "Tell whether an e-mail or SMS really comes from the brand it claims."))
    p.add_argument("--version", action="version", version=f"trustcheck {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    v = sub.add_parser("verify", help="verify one e-mail message (.eml)")
    v.add_argument("file", help="the message file, or - for standard input")
    _add_common(v)
    _add_dns(v)
    v.add_argument("--ip", help="SMTP client IP (else derived from a trusted Received header)")
    v.add_argument("--helo", help="SMTP HELO/EHLO name")
    v.add_argument("--mail-from", help="SMTP MAIL FROM address ('' for the null reverse-path)")
    v.add_argument("--now", type=_parse_time, help="verify as of this time (ISO 8601)")
    v.set_defaults(func=_cmd_verify)

    s = sub.add_parser("sms", help="verify one SMS text")
    s.add_argument("text", help="the SMS text, or - for standard input")
    s.add_argument("--sender", help="the sender number or ID as shown on the phone")
    s.add_argument("--country", help="ISO country code of the recipient (e.g. KR)")
    _add_common(s)
    s.set_defaults(func=_cmd_sms)

    sc = sub.add_parser("scan", help="verify every message in a directory or mbox")
    sc.add_argument("path", help="a directory of .eml files, or an mbox file")
    _add_common(sc)
    _add_dns(sc)
    sc.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    sc.add_argument("--sms", action="store_true",
                    help="PATH is a CSV/TSV table of SMS texts, one per row")
    sc.add_argument("--text-column", default="text", help="with --sms: the column of the text")
    sc.add_argument("--sender-column", help="with --sms: the column of the sender, if any")
    sc.add_argument("--country", help="with --sms: ISO country of the recipients (e.g. KR)")
    sc.set_defaults(func=_cmd_scan)

    reg = sub.add_parser("registry", help="work with brand registries")
    reg_sub = reg.add_subparsers(dest="registry_command", parser_class=_Parser, required=True)
    lint = reg_sub.add_parser("lint", help="check a registry directory and say what to fix")
    lint.add_argument("path", help="a directory of brand YAML files, or one file")
    lint.set_defaults(func=_cmd_registry_lint)

    # Optional integrations add their own commands; their third-party imports happen
    # only when a command runs, so the CLI starts without the extras installed.
    from trustcheck.gateway.cli import add_commands as add_gateway_commands

    add_gateway_commands(sub, _Parser)
    from trustcheck.templates.cli import add_commands as add_template_commands

    add_template_commands(sub, _Parser)

    d = sub.add_parser("demo", help="verify a shipped example message offline")
    d.add_argument("--json", action="store_true", help="print the verdict as JSON")
    d.set_defaults(func=_cmd_demo)
    return p


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--registry", metavar="DIR", help="a brand registry merged over the default")
    p.add_argument("--policy", metavar="FILE", help="a policy file (TOML or YAML)")


def _add_dns(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--offline", action="store_true",
                   help="no DNS at all: every lookup is treated as a timeout (temperror)")
    g.add_argument("--dns-fixture", metavar="FILE", help="answer DNS from a recorded fixture")
    p.add_argument("--trust-authserv-id", action="append", default=[], metavar="ID",
                   help="trust Authentication-Results from this receiver (repeatable)")
    p.add_argument("--trust-microsoft-365", action="store_true",
                   help="trust Microsoft 365's Authentication-Results (no authserv-id)")


def _parse_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        msg = f"--now: {text!r} is not an ISO 8601 time such as 2025-06-01T12:00:00+00:00"
        raise argparse.ArgumentTypeError(msg) from None
    if when.tzinfo is None:
        msg = f"--now: {text!r} has no time zone; add one such as +00:00"
        raise argparse.ArgumentTypeError(msg)
    return when


# --------------------------------------------------------------------------- commands


def _verifier(args: argparse.Namespace) -> Verifier:
    resolver: Resolver | None = None
    if getattr(args, "offline", False):
        resolver = StaticResolver({}, default="TIMEOUT")
    elif getattr(args, "dns_fixture", None):
        from trustcheck.dns.fixtures import load_fixture

        resolver = load_fixture(args.dns_fixture)
    registry = None
    if args.registry:
        from trustcheck.registry import Registry

        # A registry directory holds brand files, or brands/ and templates/ folders.
        brands = Path(args.registry) / "brands"
        registry = Registry.default().merge(
            Registry.load(brands if brands.is_dir() else args.registry))
    policy = Policy.load(args.policy) if args.policy else None
    templates = None
    if args.registry and (Path(args.registry) / "templates").is_dir():
        from trustcheck.templates import TemplateSet

        templates = TemplateSet.from_registry_dir(args.registry)
    return Verifier(
        templates=templates,
        registry=registry,
        resolver=resolver,
        trusted_authserv_ids=getattr(args, "trust_authserv_id", ()),
        trust_microsoft_365=getattr(args, "trust_microsoft_365", False),
        policy=policy,
    )


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        msg = f"cannot read {name}: {exc.strerror or exc}"
        raise _UsageError(msg) from None


def _cmd_verify(args: argparse.Namespace) -> int:
    raw = _read_input(args.file)
    envelope = None
    if args.ip or args.helo or args.mail_from is not None:
        envelope = Envelope(ip=args.ip, helo=args.helo, mail_from=args.mail_from)
    verdict = _verifier(args).verify(raw, envelope=envelope, now=args.now)
    _emit(verdict, json_out=args.json)
    return verdict.status.exit_code


def _cmd_sms(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    verdict = _verifier(args).verify(Sms(sender=args.sender, body=text, country=args.country))
    _emit(verdict, json_out=args.json)
    return verdict.status.exit_code


def _cmd_registry_lint(args: argparse.Namespace) -> int:
    """Exit 0 when the registry loads (warnings allowed), 1 when it has errors."""
    from trustcheck.registry import lint_registry

    if not Path(args.path).exists():
        msg = f"{args.path}: no such file or directory"
        raise _UsageError(msg)
    messages = lint_registry(args.path)
    for message in messages:
        print(message)
    errors = sum(1 for m in messages if m.level == "error")
    warnings = len(messages) - errors
    print(f"{args.path}: {errors} error{'s' * (errors != 1)}, "
          f"{warnings} warning{'s' * (warnings != 1)}", file=sys.stderr)
    return EXIT_FLAGGED if errors else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from trustcheck.examples import demo_message, demo_resolver

    # Verified as a support tool would: the customer's own receiving host is trusted.
    verifier = Verifier(resolver=demo_resolver(), trusted_authserv_ids=["mx.example.net"])
    verdict = verifier.verify(demo_message())
    _emit(verdict, json_out=args.json)
    return verdict.status.exit_code


def _emit(verdict: Verdict, *, json_out: bool, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if json_out:
        print(verdict.to_json(indent=2), file=out)
    else:
        print(render(verdict, color=_use_color(out)), file=out)


# --------------------------------------------------------------------------- rendering

_STATUS_COLOR = {
    Status.AUTHENTIC: "32",      # green
    Status.UNVERIFIED: "37",     # grey
    Status.SUSPICIOUS: "33",     # yellow
    Status.IMPERSONATION: "31",  # red
    Status.PHISHING: "1;31",     # bold red
}
_SEVERITY_MARK = {
    Severity.INFO: "·", Severity.LOW: "-", Severity.MEDIUM: "!",
    Severity.HIGH: "✗", Severity.CRITICAL: "✗",
}


def _use_color(out: TextIO) -> bool:
    # https://no-color.org: NO_COLOR set to anything disables colour.
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render(verdict: Verdict, *, color: bool = False) -> str:
    """A verdict as a few lines a person reads at a glance."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    head = paint(verdict.status.value.upper(), _STATUS_COLOR[verdict.status])
    brand = f"  brand: {verdict.brand}" if verdict.brand else ""
    lines = [f"{head}  score {verdict.score}/100{brand}"]
    if verdict.subject:
        lines.append(f"  subject: {verdict.subject}")
    lines.append(f"  {verdict.summary}")
    methods = verdict.auth.methods()
    if methods:
        auth = " ".join(
            f"{m.method}={m.result.value}" + (f"({m.properties['header.d']})"
                                              if "header.d" in m.properties else "")
            for m in methods
        )
        lines.append(f"  auth: {auth}")
    shown = [f for f in verdict.findings if f.severity is not Severity.INFO]
    if shown:
        lines.append("  findings:")
        lines.extend(
            f"    {_SEVERITY_MARK[f.severity]} {f.severity.value:<8} {f.code}: {f.message}"
            for f in shown
        )
    quiet = len(verdict.findings) - len(shown)
    if quiet:
        lines.append(f"    (+{quiet} informational finding{'s' if quiet > 1 else ''}; --json)")
    if verdict.advice and verdict.advice.lines:
        lines.append("  advice:")
        lines.extend(f"    {line}" for line in verdict.advice.lines)
    return "\n".join(lines)


# --------------------------------------------------------------------------- scan


@dataclass
class _ScanStats:
    statuses: Counter[str]
    errors: int = 0
    messages: int = 0


def _iter_messages(path: Path) -> Iterator[tuple[str, bytes | Exception]]:
    """Yield ``(name, raw bytes or the error reading it)`` for every message under path."""
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if file.name.startswith(".") or file.suffix.lower() in (".md", ".csv", ".txt"):
                continue
            try:
                yield str(file), file.read_bytes()
            except OSError as exc:
                yield str(file), exc
    elif path.is_file():
        box = mailbox.mbox(path, create=False)
        try:
            for key in box.iterkeys():
                try:
                    yield f"{path}#{key}", box.get_bytes(key)
                except (OSError, KeyError, ValueError) as exc:
                    yield f"{path}#{key}", exc
        finally:
            box.close()
    else:
        msg = f"{path}: no such file or directory"
        raise _UsageError(msg)


def _cmd_scan(args: argparse.Namespace) -> int:
    path = Path(args.path)
    verifier = _verifier(args)
    items: list[tuple[str, bytes | Sms | Exception]]
    if args.sms:
        from trustcheck.sms import read_sms_table

        if not path.is_file():
            msg = f"{path}: no such file"
            raise _UsageError(msg)
        items = list(read_sms_table(path, text_column=args.text_column,
                                    sender_column=args.sender_column, country=args.country))
    else:
        items = list(_iter_messages(path))
    stats = _ScanStats(statuses=Counter())
    progress = sys.stderr.isatty() and not args.no_progress and not args.json
    started = time.perf_counter()
    for index, (name, raw) in enumerate(items, 1):
        stats.messages += 1
        if isinstance(raw, Exception):
            stats.errors += 1
            _scan_line(args, name, None, f"cannot read: {raw}")
            continue
        try:
            verdict = verifier.verify(raw)
        except Exception as exc:
            stats.errors += 1
            _scan_line(args, name, None, f"internal error: {type(exc).__name__}: {exc}")
            continue
        stats.statuses[verdict.status.value] += 1
        _scan_line(args, name, verdict, None)
        if progress:
            _draw_progress(index, len(items), started)
    if progress:
        sys.stderr.write("\r\x1b[K")
    elapsed = time.perf_counter() - started
    _print_summary(stats, elapsed, json_out=args.json)
    if stats.errors:
        return EXIT_USAGE
    flagged = sum(n for s, n in stats.statuses.items() if Status(s).flagged)
    return EXIT_FLAGGED if flagged else EXIT_OK


def _scan_line(args: argparse.Namespace, name: str, verdict: Verdict | None,
               error: str | None) -> None:
    if args.json:
        record: dict[str, object] = {"file": name}
        if verdict is not None:
            record["verdict"] = verdict.to_dict()
        else:
            record["error"] = error
        print(json.dumps(record, ensure_ascii=False))
    elif error is not None:
        print(f"ERROR       {name}: {error}", file=sys.stderr)


def _draw_progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     f"{rate:.0f} msg/s")
    sys.stderr.flush()


def _print_summary(stats: _ScanStats, elapsed: float, *, json_out: bool) -> None:
    rate = stats.messages / elapsed if elapsed > 0 else 0.0
    counts = {s.value: stats.statuses.get(s.value, 0) for s in Status}
    if json_out:
        print(json.dumps({"summary": {"messages": stats.messages, "statuses": counts,
                                      "errors": stats.errors, "seconds": round(elapsed, 3),
                                      "messages_per_second": round(rate, 1)}}))
        return
    total = max(stats.messages, 1)
    print(f"{'status':<14}{'messages':>10}{'share':>9}")
    for status, n in counts.items():
        print(f"{status:<14}{n:>10}{100 * n / total:>8.1f}%")
    print(f"{'errors':<14}{stats.errors:>10}{100 * stats.errors / total:>8.1f}%")
    print(f"{'total':<14}{stats.messages:>10}   in {elapsed:.2f} s, {rate:.1f} messages/s")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

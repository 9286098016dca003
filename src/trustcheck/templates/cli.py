"""Template commands for the ``trustcheck`` CLI.

``trustcheck conformance --registry DIR SAMPLES... [--junit FILE] [--json]``
checks a brand's own rendered messages (exit 1 on any deviation);
``trustcheck template lint|build|import`` author template files.
"""

from __future__ import annotations

import argparse
import hashlib
import html as htmllib
import sys
from pathlib import Path
from typing import Any

import yaml

from trustcheck.errors import InputError
from trustcheck.message import parse_email
from trustcheck.templates.check import TemplateSet
from trustcheck.templates.conformance import (
    check_conformance,
    render_json,
    render_junit,
    render_text,
)
from trustcheck.templates.layout import html_facts
from trustcheck.templates.loader import import_text, lint_template, load_templates
from trustcheck.templates.slots import find_urls

__all__ = ["add_commands", "fingerprint", "guess_kind"]

_SAMPLE_SUFFIXES = (".eml", ".txt", ".sms")


def add_commands(sub: argparse._SubParsersAction[Any],
                 parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``conformance`` and ``template …`` to the CLI."""
    c = sub.add_parser("conformance", help="check a brand's rendered messages against its "
                       "registered templates (exit 1 on any deviation)")
    c.add_argument("samples", nargs="+", metavar="SAMPLE",
                   help=".eml e-mails, .txt/.sms texts, or directories of them")
    c.add_argument("--registry", metavar="DIR", required=True,
                   help="registry directory with templates/ (and brands/)")
    c.add_argument("--template", metavar="ID", help="compare every sample with this template")
    c.add_argument("--channel", choices=["email", "sms", "alimtalk"],
                   help="the samples' channel (default: guessed per file)")
    c.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.set_defaults(func=_cmd_conformance)

    t = sub.add_parser("template", help="author registered templates")
    tsub = t.add_subparsers(dest="template_command", parser_class=parser_class, required=True)
    lint = tsub.add_parser("lint", help="check template files and say what to fix")
    lint.add_argument("path", help="a template file or a directory of them")
    lint.set_defaults(func=_cmd_lint)

    build = tsub.add_parser("build", help="turn a real e-mail sample into a template file")
    build.add_argument("sample", help="the rendered message (.eml)")
    build.add_argument("--id", required=True, help="template id, e.g. acme.receipt")
    build.add_argument("--brand", required=True, help="brand id in the registry")
    build.add_argument("--version", required=True, dest="tversion", help="layout version")
    build.add_argument("--slot", action="append", default=[], metavar="NAME=VALUE",
                       help="a variable value in the sample and the slot it becomes")
    build.add_argument("--out", metavar="DIR", default=".", help="where to write the files")
    build.set_defaults(func=_cmd_build)

    imp = tsub.add_parser("import", help="convert a Kakao/WhatsApp/DLT template text")
    imp.add_argument("file", help="the template text (UTF-8), or - for standard input")
    imp.add_argument("--syntax", choices=["kakao", "whatsapp", "dlt"], required=True)
    imp.add_argument("--id", required=True)
    imp.add_argument("--brand", required=True)
    imp.add_argument("--version", required=True, dest="tversion")
    imp.add_argument("--channel", choices=["sms", "alimtalk"], default="sms")
    imp.set_defaults(func=_cmd_import)


# --------------------------------------------------------------------------- conformance


def _samples(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        p = Path(name)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix in _SAMPLE_SUFFIXES
                              and f.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            msg = f"sample {name} does not exist"
            raise InputError(msg)
    if not out:
        msg = "no samples found (.eml, .txt, .sms)"
        raise InputError(msg)
    return out


def _cmd_conformance(args: argparse.Namespace) -> int:
    templates = TemplateSet.from_registry_dir(args.registry)
    if not len(templates):
        msg = f"{args.registry}/templates holds no templates"
        raise InputError(msg)
    reports = []
    for path in _samples(args.samples):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            msg = f"cannot read {path}: {exc.strerror or exc}"
            raise InputError(msg) from None
        channel = args.channel or ("email" if path.suffix == ".eml" else "sms")
        sample: bytes | str = raw if channel == "email" else raw.decode("utf-8", "replace")
        reports.append(check_conformance(sample, templates=templates, template_id=args.template,
                                         name=str(path), channel=channel))
    if args.junit:
        Path(args.junit).write_text(render_junit(reports), encoding="utf-8")
    print(render_json(reports) if args.json else render_text(reports))
    return 0 if all(r.ok for r in reports) else 1


# --------------------------------------------------------------------------- authoring


def _cmd_lint(args: argparse.Namespace) -> int:
    issues = [i for t in load_templates(args.path) for i in lint_template(t)]
    for i in issues:
        print(i)
    errors = sum(i.level == "error" for i in issues)
    print(f"{len(issues)} issue(s), {errors} error(s).", file=sys.stderr)
    return 1 if errors else 0


def guess_kind(value: str) -> str:
    """The slot type a sample value most likely has (``template build`` writes it).

    >>> guess_kind("$42.10"), guess_kind("a@b.example"), guess_kind("Nov 21, 2026")
    ('money', 'email', 'date')
    """
    from trustcheck.templates.model import Slot, SlotKind
    from trustcheck.templates.slots import validate_slots

    if find_urls(value) and value.startswith("https://"):
        return "url"
    for kind in (SlotKind.MONEY, SlotKind.EMAIL, SlotKind.DATE, SlotKind.TIME, SlotKind.INT,
                 SlotKind.CODE, SlotKind.NAME):
        if not validate_slots([Slot("x", kind)], {"x": value}):
            return kind.value
    return "text"


def fingerprint(markup: str) -> dict[str, str]:
    """Digests of a sample's layout and text, to see when a rendering changed."""
    facts = html_facts(markup)

    import lxml.html

    # sha256 of the tag sequence and of the text, not the matcher's shingles: those
    # use Python's per-process string hash and must never be stored.
    root = lxml.html.document_fromstring(markup) if markup.strip() else None
    tags = [el.tag for el in root.iter() if isinstance(el.tag, str)] if root is not None else []
    return {"layout": hashlib.sha256(" ".join(tags).encode()).hexdigest()[:16],
            "text": hashlib.sha256(facts.text.encode()).hexdigest()[:16],
            "layout_shingles": str(len(facts.layout))}


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        raw = Path(args.sample).read_bytes()
    except OSError as exc:
        msg = f"cannot read {args.sample}: {exc.strerror or exc}"
        raise InputError(msg) from None
    parsed = parse_email(raw)
    pairs = []
    for item in args.slot:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier() or not value:
            msg = f"--slot {item!r}: write NAME=VALUE with NAME a plain identifier"
            raise InputError(msg)
        pairs.append((name, value))
    # Longer values first, so "$42.10" is replaced before a "42" inside it.
    pairs.sort(key=lambda p: -len(p[1]))
    markup = parsed.html[0] if parsed.html else None
    subject, text = parsed.subject, parsed.text
    for name, value in pairs:
        marker = "{{" + name + "}}"
        subject = subject.replace(value, marker)
        text = text.replace(value, marker)
        if markup is not None:
            markup = markup.replace(value, marker).replace(htmllib.escape(value), marker)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.id}@{args.tversion}"
    email: dict[str, Any] = {"subject": subject}
    author = parsed.from_[0].address if parsed.from_ else None
    if author:
        email["from"] = [author]
    if markup is not None:
        (out / f"{stem}.html").write_text(markup, encoding="utf-8")
        email["html"] = {"sample": f"{stem}.html"}
    else:
        email["text"] = text
    data = {
        "schema": "trustcheck.template/v1", "id": args.id, "version": args.tversion,
        "status": "draft", "brand": args.brand, "category": "transactional",
        "channels": {"email": email},
        "slots": {name: {"type": guess_kind(value), "example": value} for name, value in pairs},
        "fingerprint": fingerprint(markup) if markup is not None else {},
    }
    path = out / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(path)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read {args.file}: {exc}"
        raise InputError(msg) from None
    body, labels = import_text(text, args.syntax)
    data = {
        "schema": "trustcheck.template/v1", "id": args.id, "version": args.tversion,
        "status": "draft", "brand": args.brand,
        "channels": {args.channel: {"body": body}},
        "slots": {slot: {"type": "text", "label": label, "example": "FILL IN"}
                  for slot, label in labels.items()},
    }
    print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), end="")
    return 0

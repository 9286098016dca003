"""Template files: load (YAML + JSON Schema), lint, import foreign placeholder syntaxes.

One YAML file per template version (docs/templates.md). Lint rules come from
the registries that already review templates: Kakao rejects all-variable
templates and variables without examples, WhatsApp/Twilio adjacent variables,
Kakao/Tencent links that are not a fixed prefix plus a tail
(research/sms-templates.md §1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from trustcheck.errors import RegistryError
from trustcheck.templates.model import (
    AlimtalkVariant,
    Button,
    EmailVariant,
    Slot,
    SlotKind,
    SmsVariant,
    Template,
    TemplatePolicy,
)
from trustcheck.templates.pattern import Part, fixed_text, normalise, parse_parts, slot_names

__all__ = [
    "LintIssue",
    "import_text",
    "lint_template",
    "load_template",
    "load_templates",
    "template_from_mapping",
]

_MAX_FILE = 2_000_000
"""Bytes per template file or HTML sample: bounded work on a hostile registry."""


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem in a template: ``level`` is ``error`` or ``warning``."""

    template: str
    level: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}: {self.level}: {self.rule}: {self.message}"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    text = resources.files("trustcheck.templates").joinpath(
        "schema/template.schema.json").read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_FILE:
            msg = f"{path} is larger than {_MAX_FILE} bytes; templates are small files."
            raise RegistryError(msg)
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"Cannot read template file {path}: {exc.strerror or exc}."
        raise RegistryError(msg) from exc
    except UnicodeDecodeError as exc:
        msg = f"Template file {path} is not UTF-8: {exc.reason}."
        raise RegistryError(msg) from exc


def load_template(path: str | Path) -> Template:
    """Load and validate one template YAML file; its HTML sample is read next to it."""
    path = Path(path)
    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        msg = f"Template file {path} is not valid YAML: {exc}"
        raise RegistryError(msg) from exc
    if not isinstance(data, Mapping):
        msg = f"Template file {path} must hold a mapping at the top level."
        raise RegistryError(msg)
    return template_from_mapping(data, base=path.parent, source=str(path))


def load_templates(path: str | Path) -> tuple[Template, ...]:
    """Every ``*.yaml``/``*.yml`` template under ``path`` (a directory, recursively, or a file)."""
    path = Path(path)
    if path.is_file():
        return (load_template(path),)
    if not path.is_dir():
        msg = f"Template path {path} is neither a file nor a directory."
        raise RegistryError(msg)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    templates = tuple(load_template(p) for p in files)
    seen: dict[str, str] = {}
    for t in templates:
        if t.key in seen:
            msg = f"Template {t.key} is defined twice: {seen[t.key]} and {t.source}."
            raise RegistryError(msg)
        seen[t.key] = t.source or ""
    return templates


def template_from_mapping(data: Mapping[str, Any], *, base: Path | None = None,
                          source: str | None = None) -> Template:
    """Build a :class:`Template` from parsed YAML, validating it against the JSON Schema."""
    where = source or str(data.get("id", "<template>"))
    errors = sorted(_validator().iter_errors(dict(data)), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.path) or "(top level)"
        msg = f"{where}: {at}: {first.message}"
        raise RegistryError(msg)
    slots = tuple(_slot(name, spec) for name, spec in (data.get("slots") or {}).items())
    channels = data.get("channels") or {}
    email = _email(channels.get("email"), base, where)
    sms = channels.get("sms")
    alimtalk = channels.get("alimtalk")
    pol = data.get("policy") or {}
    policy = TemplatePolicy(
        registry_links=bool((pol.get("links") or {}).get("allow_registry", True)),
        link_prefixes=tuple((pol.get("links") or {}).get("extra_allow", ())),
        phones=tuple((pol.get("phones") or {}).get("allow", ())),
        never_asks=tuple(pol.get("never_asks_for", TemplatePolicy().never_asks)),
    )
    template = Template(
        id=str(data["id"]),
        version=str(data["version"]),
        brand=str(data["brand"]),
        slots=slots,
        status=str(data.get("status", "active")),
        category=str(data.get("category", "transactional")),
        locale=data.get("locale"),
        email=email,
        sms=SmsVariant(body=sms["body"], lms=bool(sms.get("lms", False))) if sms else None,
        alimtalk=AlimtalkVariant(
            body=alimtalk["body"], channel=alimtalk.get("channel"),
            buttons=tuple(Button(b["type"], b["name"], b.get("link"))
                          for b in alimtalk.get("buttons", ())),
        ) if alimtalk else None,
        policy=policy,
        sms_max_bytes=int((data.get("conformance") or {}).get("sms_max_bytes", 90)),
        fingerprint={str(k): str(v) for k, v in (data.get("fingerprint") or {}).items()},
        source=source,
    )
    # Parse every text now so a broken placeholder fails at load time, not per message.
    for _, text in _texts(template):
        parse_parts(text)
    return template


def _slot(name: str, spec: Mapping[str, Any]) -> Slot:
    kind = SlotKind(spec["type"])
    example = spec.get("example")
    return Slot(
        name=name,
        kind=kind,
        max_len=spec.get("max_len"),
        pattern=spec.get("pattern"),
        prefixes=tuple(spec.get("prefix", ())),
        values=tuple(str(v) for v in spec.get("values", ())),
        fields=tuple(_slot(n, s) for n, s in (spec.get("of") or {}).items()),
        min_items=int(spec.get("min", 1)),
        max_items=int(spec.get("max", 100)),
        example=None if example is None else str(example),
        allow_any_phone=bool(spec.get("allow_any", False)),
        required=bool(spec.get("required", True)),
        label=spec.get("label"),
    )


def _email(spec: Mapping[str, Any] | None, base: Path | None, where: str) -> EmailVariant | None:
    if not spec:
        return None
    html_spec = spec.get("html") or {}
    html = html_spec.get("inline")
    if html is None and html_spec.get("sample"):
        sample = Path(html_spec["sample"])
        if sample.is_absolute() or ".." in sample.parts:
            msg = f"{where}: html.sample must be a file name next to the template, not {sample}."
            raise RegistryError(msg)
        html = _read((base or Path()) / sample)
    return EmailVariant(
        senders=tuple(str(s).lower() for s in spec.get("from", ())),
        subject=spec.get("subject"),
        text=spec.get("text"),
        html=html,
        list_unsubscribe=bool(spec.get("list_unsubscribe", False)),
    )


def _texts(t: Template) -> Iterator[tuple[str, str]]:
    if t.email is not None:
        for name, text in (("email.subject", t.email.subject), ("email.text", t.email.text),
                           ("email.html", t.email.html)):
            if text:
                yield name, text
    if t.sms is not None:
        yield "sms.body", t.sms.body
    if t.alimtalk is not None:
        yield "alimtalk.body", t.alimtalk.body
        for i, b in enumerate(t.alimtalk.buttons):
            yield f"alimtalk.buttons[{i}].name", b.name
            if b.link:
                yield f"alimtalk.buttons[{i}].link", b.link


# --------------------------------------------------------------------------- lint

_MAX_SLOTS = 40  # Kakao's review limit (research/sms-templates.md §1.1)


def lint_template(t: Template) -> tuple[LintIssue, ...]:
    """What to fix before registering ``t``; errors make the CLI exit 1."""
    out: list[LintIssue] = []

    def issue(level: str, rule: str, message: str) -> None:
        out.append(LintIssue(t.key, level, rule, message))

    if t.email is None and t.sms is None and t.alimtalk is None:
        issue("error", "no-channel", "declare at least one channel (email, sms, alimtalk)")
    declared = {s.name: s for s in t.slots}
    declared.update({f.name: f for s in t.slots for f in s.fields})
    used: set[str] = set()
    for where, text in _texts(t):
        if where == "email.html":
            # Lint what matching sees: the rendered text, where two slots in adjacent
            # inline elements run together.
            from trustcheck.templates.layout import html_facts

            text = html_facts(text).text
        parts = parse_parts(text)
        names = list(slot_names(parts))
        used.update(names)
        for name in names:
            if name not in declared:
                issue("error", "undeclared-slot", f"{where} uses {{{{{name}}}}}; declare it "
                      "under slots with a type")
        if names and not normalise(fixed_text(parts)).strip():
            issue("error", "all-variable", f"{where} is made of slots only; a template needs "
                  "fixed text (Kakao rejects such templates)")
        if _adjacent(parts):
            issue("error", "adjacent-slots", f"{where} has two slots with nothing between "
                  "them; their values cannot be told apart")
        if where.endswith(".name") and names:
            issue("error", "slot-in-button-name", f"{where}: button names are fixed text")
        if where.endswith(".link") and names and not _prefix_then_tail(parts):
            issue("error", "link-prefix", f"{where}: a link is a fixed https:// prefix with at "
                  "most one slot as its tail")
    for name in sorted(set(declared) - used):
        if name not in {s.name for s in t.slots if s.kind is SlotKind.LIST}:
            issue("warning", "unused-slot", f"slot {name} is declared but no text uses it")
    if len(declared) > _MAX_SLOTS:
        issue("error", "too-many-slots", f"{len(declared)} slots; at most {_MAX_SLOTS}")
    for s in declared.values():
        if s.kind is not SlotKind.LIST and s.example is None:
            issue("error", "example-required", f"slot {s.name} needs an example value "
                  "(reviewers and lint only see fixed text plus examples)")
        if s.kind is SlotKind.URL and not s.prefixes:
            issue("error", "link-prefix", f"url slot {s.name} needs prefix: the fixed "
                  "https:// beginnings its values may have")
        if s.kind is SlotKind.URL and any(not p.startswith("https://") or p.count("/") < 3
                                          for p in s.prefixes):
            issue("error", "link-prefix", f"url slot {s.name}: each prefix must be "
                  "https://host/ with the host fixed")
        if s.kind in (SlotKind.REGEX, SlotKind.ORDER_ID) and s.pattern:
            try:
                re.compile(s.pattern)
            except re.error as exc:
                issue("error", "bad-pattern", f"slot {s.name}: pattern does not compile: {exc}")
        if s.kind is SlotKind.ENUM and not s.values:
            issue("error", "enum-values", f"enum slot {s.name} needs values")
    return tuple(out)


def _adjacent(parts: tuple[Part, ...]) -> bool:
    prev_slot = False
    for p in parts:
        is_slot = bool(p.slot or p.group)
        if is_slot and prev_slot:
            return True
        if p.group and _adjacent(p.children):
            return True
        # A line break separates (slots never span lines); spaces alone do not.
        prev_slot = is_slot if (is_slot or p.text.strip() or "\n" in p.text) else prev_slot
    return False


def _prefix_then_tail(parts: tuple[Part, ...]) -> bool:
    if len(parts) != 2 or not parts[1].slot:
        return False
    head = parts[0].text
    return head.startswith("https://") and head.count("/") >= 3


# --------------------------------------------------------------------------- import

_KAKAO = re.compile(r"#\{([^{}\n]{1,40})\}")
_WHATSAPP = re.compile(r"\{\{\s*(\d{1,3}|[a-z_][a-z0-9_]{0,63})\s*\}\}")
_DLT = re.compile(r"\{#var#\}", re.IGNORECASE)


def import_text(text: str, syntax: str) -> tuple[str, dict[str, str]]:
    """Convert Kakao ``#{변수}``, WhatsApp ``{{1}}`` or India DLT ``{#var#}`` placeholders
    to canonical ``{{slot}}`` text; returns the text and ``{slot id: original label}``.

    >>> import_text("#{고객명}님, #{금액}원 결제", "kakao")
    ('{{var1}}님, {{var2}}원 결제', {'var1': '고객명', 'var2': '금액'})
    """
    labels: dict[str, str] = {}
    escaped = text.replace("{{", "\\{{") if syntax != "whatsapp" else text
    if syntax == "kakao":
        ids: dict[str, str] = {}

        def kakao(m: re.Match[str]) -> str:
            label = m.group(1).strip()
            if label not in ids:
                ids[label] = _ascii_id(label, len(ids) + 1)
                labels[ids[label]] = label
            return "{{" + ids[label] + "}}"

        return _KAKAO.sub(kakao, escaped), labels
    if syntax == "whatsapp":
        def whatsapp(m: re.Match[str]) -> str:
            raw = m.group(1)
            slot = f"var{raw}" if raw.isdigit() else raw
            labels[slot] = raw
            return "{{" + slot + "}}"

        return _WHATSAPP.sub(whatsapp, text), labels
    if syntax == "dlt":
        counter = iter(range(1, 10_000))

        def dlt(_: re.Match[str]) -> str:
            slot = f"var{next(counter)}"
            labels[slot] = "{#var#}"
            return "{{" + slot + "}}"

        return _DLT.sub(dlt, escaped), labels
    msg = f"Unknown template syntax {syntax!r}; expected kakao, whatsapp or dlt."
    raise RegistryError(msg)


def _ascii_id(label: str, n: int) -> str:
    ascii_part = re.sub(r"[^A-Za-z0-9_]", "_", label).strip("_").lower()
    if ascii_part and not ascii_part[0].isdigit() and ascii_part.replace("_", ""):
        return ascii_part[:64]
    return f"var{n}"

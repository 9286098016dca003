"""Reading, validating and linting brand registry files.

One YAML file per brand, validated against ``schema/brand.schema.json``
(JSON Schema draft 2020-12). Errors name the file, the field and what to fix:
``brands/apple.yaml: web_domains[2] 'apple' is not a domain: write a
registrable domain like 'apple.com'``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import yaml

from trustcheck.errors import RegistryError
from trustcheck.registry.model import Brand
from trustcheck.registry.names import (
    normalize_domain,
    normalize_sms_sender,
    registrable_domain,
)

if TYPE_CHECKING:
    import jsonschema

__all__ = ["LintMessage", "brand_schema", "lint_registry", "load_brands", "load_default"]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DOMAIN_FIELDS = ("email_domains", "dkim_domains", "web_domains", "short_link_hosts",
                  "country_domains", "service_domains")
_TUPLE_FIELDS = ("names", "aliases", "ambiguous", "check_urls", "report_channels", "sources",
                 "protect", "exclude")
#: A verification older than this is reported as stale by ``registry lint``.
STALE_AFTER = timedelta(days=365)


@functools.cache
def brand_schema() -> Mapping[str, Any]:
    """The published JSON Schema for one brand file (draft 2020-12)."""
    raw = resources.files("trustcheck.registry").joinpath("schema/brand.schema.json")
    data: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    return MappingProxyType(data)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    # Imported here: jsonschema costs ~70 ms to import and Registry.default() skips it.
    import jsonschema

    return jsonschema.Draft202012Validator(
        dict(brand_schema()), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


# --------------------------------------------------------------------------- reading


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if path.is_file():
        return [path]
    msg = f"{path}: no such registry file or directory: pass a directory of brand *.yaml files"
    raise RegistryError(msg)


def _read_yaml(file: Path, label: str) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{label}: cannot read the file ({exc}): save it as UTF-8 text"
        raise RegistryError(msg) from exc
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        msg = f"{label}: not valid YAML: {exc}"
        raise RegistryError(msg) from exc


def _stringify_dates(data: Any) -> Any:
    """YAML reads ``2026-11-22`` as a date; the schema (like JSON) wants a string."""
    if isinstance(data, dict):
        return {str(k): _stringify_dates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_stringify_dates(v) for v in data]
    if isinstance(data, date):
        return data.isoformat()
    return data


def _field_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(error: jsonschema.ValidationError) -> str:
    """Turn one schema error into 'field what is wrong: what to do'."""
    where = _field_path(error.absolute_path)
    value = error.instance
    field = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), "")
    kind = error.validator
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        hint = {
            "sources": "list the URLs of the brand's own pages the facts come from",
            "verified": "add the date you checked the sources, e.g. verified: 2026-11-22",
            "names": "list the brand's display names, e.g. names: [Apple, 애플]",
            "id": "add a lower-case id, e.g. id: apple",
        }.get(missing, "add it")
        return f"missing field '{missing}': {hint}"
    if kind == "additionalProperties":
        allowed = ", ".join(sorted(brand_schema()["properties"]))
        return f"{where}: {error.message}: allowed fields are {allowed}"
    if kind == "pattern" and field in _DOMAIN_FIELDS:
        return (f"{where} {value!r} is not a domain: write a registrable domain like "
                f"'apple.com' (no scheme, no path)")
    if kind == "pattern" and field == "id":
        return f"{where} {value!r} is not a valid id: use lower-case words joined by '-'"
    if (kind == "pattern" and field == "verified") or kind == "format":
        return f"{where} {value!r} is not a date: write YYYY-MM-DD, e.g. 2026-11-22"
    if kind == "pattern" and field in ("sources", "check_urls"):
        return f"{where} {value!r} is not a URL: write a full https:// address"
    if kind == "pattern" and field == "country":
        return f"{where} {value!r} is not a country code: write ISO 3166 alpha-2 like 'KR'"
    if kind == "type":
        return f"{where} has the wrong type: {error.message}"
    if kind == "uniqueItems":
        return f"{where} lists a value twice: remove the duplicate"
    if kind == "minItems":
        return f"{where} is empty: list at least one value"
    return f"{where}: {error.message}"


def _schema_errors(data: Any) -> list[str]:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    return [_explain(e) for e in errors]


def _build(data: Mapping[str, Any], label: str) -> Brand:
    """Normalise validated data into a Brand (domains to A-labels, senders to E.164)."""
    def tup(name: str) -> tuple[str, ...]:
        return tuple(str(v) for v in data.get(name, ()))

    domains: dict[str, tuple[str, ...]] = {}
    for name in _DOMAIN_FIELDS:
        norm: list[str] = []
        for i, raw in enumerate(data.get(name, ())):
            host = normalize_domain(str(raw))
            if host is None:
                msg = (f"{label}: {name}[{i}] {raw!r} is not a domain: write a registrable "
                       f"domain like 'apple.com'")
                raise RegistryError(msg)
            norm.append(host)
        domains[name] = tuple(dict.fromkeys(norm))
    senders: dict[str, tuple[str, ...]] = {}
    for country, values in dict(data.get("sms_senders") or {}).items():
        keys = (normalize_sms_sender(str(v), str(country)) for v in values)
        senders[str(country)] = tuple(dict.fromkeys(k for k in keys if k is not None))
    return Brand(
        id=str(data["id"]),
        names=tup("names"),
        aliases=tup("aliases"),
        ambiguous=tup("ambiguous"),
        country=data.get("country"),
        email_domains=domains["email_domains"],
        dkim_domains=domains["dkim_domains"],
        web_domains=domains["web_domains"],
        short_link_hosts=domains["short_link_hosts"],
        country_domains=domains["country_domains"],
        service_domains=domains["service_domains"],
        check_urls=tup("check_urls"),
        report_channels=tup("report_channels"),
        sms_senders=MappingProxyType(senders),
        protect=tup("protect"),
        exclude=tup("exclude"),
        sources=tup("sources"),
        verified=date.fromisoformat(str(data["verified"])),
        notes=str(data.get("notes", "")),
    )


def _documents(path: Path) -> Iterator[tuple[str, Any]]:
    base = path if path.is_dir() else path.parent
    for file in _files(path):
        try:
            label = str(file.relative_to(base.parent))
        except ValueError:
            label = str(file)
        yield label, _stringify_dates(_read_yaml(file, label))


def _load(path: Path, *, validate: bool) -> tuple[Brand, ...]:
    brands: list[Brand] = []
    seen: dict[str, str] = {}
    for label, data in _documents(path):
        if validate:
            problems = _schema_errors(data)
            if problems:
                msg = f"{label}: {problems[0]}"
                if len(problems) > 1:
                    msg += f" (and {len(problems) - 1} more; run 'trustcheck registry lint')"
                raise RegistryError(msg)
        brand = _build(data, label)
        if brand.id in seen:
            msg = f"{label}: id {brand.id!r} is already used by {seen[brand.id]}: use a new id"
            raise RegistryError(msg)
        seen[brand.id] = label
        brands.append(brand)
    return tuple(brands)


def load_brands(path: Path) -> tuple[Brand, ...]:
    """Read and validate every brand in ``path`` (a directory of YAML files or one file)."""
    return _load(path, validate=True)


def load_default() -> tuple[Brand, ...]:
    """The shipped brands. Schema validation is skipped here for speed: the test
    suite validates every shipped file, and ``_build`` still rejects bad domains."""
    root = resources.files("trustcheck.registry").joinpath("brands")
    return _load(Path(str(root)), validate=False)


# --------------------------------------------------------------------------- lint


@dataclass(frozen=True, slots=True)
class LintMessage:
    """One problem found by :func:`lint_registry`: ``error`` stops loading, ``warning`` does not."""

    level: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.level}: {self.message}"


def _sender_ok(sender: str, country: str) -> bool:
    import phonenumbers

    compact = "".join(c for c in sender if c not in " -().")
    if any(c.isalpha() for c in compact):
        # Alphanumeric sender IDs: GSM 03.38 allows at most 11 characters.
        return len(compact) <= 11 and compact.isascii() and compact.isalnum()
    digits = compact.lstrip("+")
    if not digits.isdigit():
        return False
    if len(digits) <= 6 and not compact.startswith("+"):
        return True  # short code
    try:
        number = phonenumbers.parse(compact, country)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def _lint_one(label: str, data: Any, today: date) -> list[LintMessage]:
    out = [LintMessage("error", label, p) for p in _schema_errors(data)]
    if not isinstance(data, dict):
        return out
    verified = data.get("verified")
    try:
        when = date.fromisoformat(str(verified))
    except ValueError:
        when = None
    if when is not None and today - when > STALE_AFTER:
        out.append(LintMessage("warning", label,
                               f"verified {when.isoformat()} is more than a year old: re-check "
                               f"the sources and update the date"))
    if when is not None and when > today:
        out.append(LintMessage("warning", label,
                               f"verified {when.isoformat()} is in the future"))
    for name in _DOMAIN_FIELDS:
        values = data.get(name)
        if not isinstance(values, list):
            continue
        for i, raw in enumerate(values):
            host = normalize_domain(str(raw))
            if host is None:
                continue  # the schema error already says so
            reg = registrable_domain(host)
            if reg is None:
                out.append(LintMessage("warning", label,
                                       f"{name}[{i}] {raw!r} is a public suffix or has no "
                                       f"known TLD: write the brand's own domain"))
            elif name in ("web_domains", "country_domains", "service_domains") and reg != host:
                out.append(LintMessage("warning", label,
                                       f"{name}[{i}] {raw!r} is not a registrable domain: "
                                       f"write {reg!r} (subdomains are covered)"))
    senders = data.get("sms_senders")
    if isinstance(senders, dict):
        for country, values in senders.items():
            for i, sender in enumerate(values if isinstance(values, list) else ()):
                if not _sender_ok(str(sender), str(country)):
                    out.append(LintMessage("warning", label,
                                           f"sms_senders.{country}[{i}] {sender!r} is not a "
                                           f"valid number, short code or alphanumeric ID "
                                           f"for {country}"))
    for i, src in enumerate(data.get("sources") or ()):
        if isinstance(src, str) and src.startswith("http://"):
            out.append(LintMessage("warning", label,
                                   f"sources[{i}] {src!r} uses http: prefer the https page"))
    return out


def lint_registry(path: str | Path, *, today: date | None = None) -> list[LintMessage]:
    """Check a registry directory or file; return every error and warning, never raise.

    Errors: schema violations, unreadable files, duplicate ids. Warnings: a
    verification older than a year, a domain listed by two brands, a host that is
    a public suffix or not registrable where one is expected, an SMS sender that
    is not a valid number, short code or alphanumeric ID. ``today`` is injectable
    for tests.
    """
    day = today or date.today()
    out: list[LintMessage] = []
    owners: dict[str, str] = {}
    ids: dict[str, str] = {}
    try:
        files = _files(Path(path))
    except RegistryError as exc:
        return [LintMessage("error", str(path), str(exc))]
    base = Path(path) if Path(path).is_dir() else Path(path).parent
    for file in files:
        try:
            label = str(file.relative_to(base.parent))
        except ValueError:
            label = str(file)
        try:
            data = _stringify_dates(_read_yaml(file, label))
        except RegistryError as exc:
            out.append(LintMessage("error", label, str(exc).removeprefix(f"{label}: ")))
            continue
        out.extend(_lint_one(label, data, day))
        if not isinstance(data, dict):
            continue
        brand_id = str(data.get("id", ""))
        if brand_id in ids:
            out.append(LintMessage("error", label,
                                   f"id {brand_id!r} is already used by {ids[brand_id]}"))
        ids.setdefault(brand_id, label)
        seen_here: set[str] = set()
        for name in _DOMAIN_FIELDS:
            for raw in data.get(name) or ():
                host = normalize_domain(str(raw))
                if host is None or host in seen_here:
                    continue
                seen_here.add(host)
                if host in owners and owners[host] != label:
                    out.append(LintMessage("warning", label,
                                           f"domain {host!r} is also listed in {owners[host]}: "
                                           f"a domain should belong to one brand"))
                owners.setdefault(host, label)
    return out

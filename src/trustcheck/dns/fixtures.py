"""Recorded DNS fixtures: capture the DNS a message needs once, verify offline later.

A fixture is a YAML (or JSON, which YAML reads too) file::

    # DNS for fixtures/mail/examplepay-receipt.eml
    description: Example Pay receipt, DNS as seen on 2026-11-22
    recorded: "2026-11-22T04:00:00+00:00"   # optional, ISO 8601
    default: NXDOMAIN                       # optional: NXDOMAIN (default), TIMEOUT, SERVFAIL
    ttl: 300                                # optional: TTL reported on every answer
    zone:                                   # exactly the StaticResolver mapping
      examplepay.example:
        TXT: ["v=spf1 ip4:192.0.2.0/24 -all"]
        MX: ["10 mx.examplepay.example"]
      _dmarc.examplepay.example:
        TXT: ["v=DMARC1; p=reject"]
      s1._domainkey.examplepay.example:
        TXT: [["v=DKIM1; k=rsa; p=MIIB", "IjANBgkq..."]]   # one record, two strings
      slow.example: TIMEOUT
      half.example: {A: ["192.0.2.9"], TXT: SERVFAIL}
      empty.example: {TXT: []}                             # name exists, no TXT

``zone`` follows the :class:`~trustcheck.dns.StaticResolver` contract: a name
maps to a fault word (``TIMEOUT``, ``SERVFAIL``, ``NXDOMAIN``) or to a mapping of
record types (``A AAAA MX TXT PTR CNAME NS SOA`` or ``*`` for "every other
type") to a list of records or a fault word. A TXT record may be a string, a
list of strings (its character-strings) or YAML ``!!binary`` for octets that are
not UTF-8. Keys other than the five above are an error, so typos do not pass
silently.

:func:`load_fixture` reads a file into a :class:`~trustcheck.dns.StaticResolver`;
every problem raises :class:`~trustcheck.errors.DNSFixtureError` naming the file
and the entry. :class:`RecordingResolver` wraps a live resolver, remembers every
answer and writes them back out in this format with :meth:`RecordingResolver.dump`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from trustcheck.dns.base import RDTYPES, Answer, Outcome, Resolver
from trustcheck.dns.static import StaticResolver, normalize_name
from trustcheck.errors import DNSFixtureError

__all__ = ["DNSFixture", "RecordingResolver", "load_fixture", "read_fixture"]

#: Larger files are refused: a fixture for one message is a few kilobytes.
MAX_FIXTURE_BYTES = 16 * 1024 * 1024

_KEYS = frozenset({"description", "recorded", "default", "ttl", "zone"})
_FAULT_WORDS = ("NXDOMAIN", "TIMEOUT", "SERVFAIL")
_Default = Literal["NXDOMAIN", "TIMEOUT", "SERVFAIL"]


@dataclass(frozen=True, slots=True)
class DNSFixture:
    """A fixture file, read and validated."""

    zone: Mapping[str, Any]
    """The StaticResolver mapping (read-only)."""
    default: _Default = "NXDOMAIN"
    ttl: int = 300
    description: str = ""
    recorded: str | None = None
    """When the answers were captured (ISO 8601), if the file says."""
    source: str = field(default="", compare=False)
    """The file it came from, for messages."""

    def resolver(self) -> StaticResolver:
        """A fresh :class:`StaticResolver` answering from this fixture."""
        return StaticResolver(self.zone, default=self.default, ttl=self.ttl)


def read_fixture(path: str | Path) -> DNSFixture:
    """Read and validate a fixture file; :class:`DNSFixtureError` names file and entry."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FIXTURE_BYTES:
            msg = f"{path}: {size} bytes, more than the {MAX_FIXTURE_BYTES} a fixture may have."
            raise DNSFixtureError(msg)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read DNS fixture: {exc.strerror or exc}."
        raise DNSFixtureError(msg) from exc
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})."
        raise DNSFixtureError(msg) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        msg = f"{path}:{where} not valid YAML: {getattr(exc, 'problem', None) or exc}."
        raise DNSFixtureError(msg) from exc
    return _parse(data, str(path))


def load_fixture(path: str | Path) -> StaticResolver:
    """Read a fixture file into a :class:`StaticResolver` (see the module docstring)."""
    return read_fixture(path).resolver()


def _parse(data: object, where: str) -> DNSFixture:
    if not isinstance(data, Mapping):
        msg = f"{where}: a DNS fixture is a mapping with a 'zone' key, not {type(data).__name__}."
        raise DNSFixtureError(msg)
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        msg = f"{where}: unknown keys {unknown}; expected some of {sorted(_KEYS)}."
        raise DNSFixtureError(msg)
    zone = data.get("zone")
    if not isinstance(zone, Mapping):
        msg = f"{where}: 'zone' must be a mapping of names, not {zone!r}."
        raise DNSFixtureError(msg)
    default = data.get("default", "NXDOMAIN")
    if default not in _FAULT_WORDS:
        msg = f"{where}: 'default' must be one of {list(_FAULT_WORDS)}, not {default!r}."
        raise DNSFixtureError(msg)
    ttl = data.get("ttl", 300)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 2**31 - 1:
        msg = f"{where}: 'ttl' must be an integer from 0 to 2147483647, not {ttl!r}."
        raise DNSFixtureError(msg)
    description = data.get("description", "")
    if not isinstance(description, str):
        msg = f"{where}: 'description' must be text, not {description!r}."
        raise DNSFixtureError(msg)
    recorded = data.get("recorded")
    if isinstance(recorded, datetime | date):  # YAML reads bare timestamps as datetimes
        recorded = recorded.isoformat()
    if recorded is not None and not isinstance(recorded, str):
        msg = f"{where}: 'recorded' must be an ISO 8601 timestamp, not {recorded!r}."
        raise DNSFixtureError(msg)
    seen: dict[str, str] = {}
    for name, entry in zone.items():
        _check_entry(name, entry, where, seen)
    return DNSFixture(
        zone=MappingProxyType(dict(zone)),
        default=default,
        ttl=ttl,
        description=description,
        recorded=recorded,
        source=where,
    )


def _check_entry(name: object, entry: object, where: str, seen: dict[str, str]) -> None:
    if not isinstance(name, str):
        msg = f"{where}: zone entry {name!r}: names must be strings."
        raise DNSFixtureError(msg)
    key = normalize_name(name)
    if key in seen:
        # Two spellings of one name: the second would silently replace the first.
        msg = f"{where}: zone entry {name!r}: same name as {seen[key]!r}."
        raise DNSFixtureError(msg)
    seen[key] = name
    if isinstance(entry, Mapping):
        bad = sorted(str(t) for t in entry if str(t).upper() not in RDTYPES | {"*"})
        if bad:
            msg = f"{where}: zone entry {name!r}: unknown record types {bad}."
            raise DNSFixtureError(msg)
    try:
        StaticResolver({name: entry})  # type: ignore[dict-item]
    except (ValueError, TypeError) as exc:
        msg = f"{where}: zone entry {name!r}: {exc}"
        raise DNSFixtureError(msg) from exc


class RecordingResolver:
    """Wrap a resolver and remember every answer, to :meth:`dump` as a fixture.

    Answers pass through unchanged. When a name is asked twice, the last
    answer is kept. Thread-safe.
    """

    def __init__(
        self,
        inner: Resolver,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._inner = inner
        self._now = now
        self._answers: dict[tuple[str, str], Answer] = {}
        self._lock = threading.Lock()

    def resolve(self, name: str, rdtype: str) -> Answer:
        """Ask the wrapped resolver and remember its answer."""
        answer = self._inner.resolve(name, rdtype)
        with self._lock:
            self._answers[(answer.name, answer.rdtype)] = answer
        return answer

    @property
    def answers(self) -> tuple[Answer, ...]:
        """Every remembered answer, in the order first asked."""
        with self._lock:
            return tuple(self._answers.values())

    def to_fixture(self, description: str = "") -> dict[str, Any]:
        """The fixture file's content as a mapping (see the module docstring)."""
        by_name: dict[str, dict[str, Any]] = {}
        for answer in self.answers:
            by_name.setdefault(answer.name, {})[answer.rdtype] = _entry(answer)
        zone: dict[str, Any] = {}
        for name in sorted(by_name):
            types = by_name[name]
            if all(v == "NXDOMAIN" for v in types.values()):
                continue  # the fixture's default already says so
            zone[name] = dict(sorted(types.items()))
        return {
            "description": description,
            "recorded": self._now().isoformat(timespec="seconds"),
            "default": "NXDOMAIN",
            "zone": zone,
        }

    def dump(self, path: str | Path, description: str = "") -> None:
        """Write the remembered answers as a fixture file that :func:`load_fixture` reads."""
        body = yaml.safe_dump(
            self.to_fixture(description), sort_keys=False, allow_unicode=True, width=1000
        )
        header = "# trustcheck DNS fixture (format: trustcheck.dns.fixtures)\n"
        Path(path).write_text(header + body, encoding="utf-8")


def _entry(answer: Answer) -> Any:
    """One answer as a fixture value: records, [] for no data, or a fault word."""
    if answer.outcome is Outcome.NODATA:
        return []
    if answer.outcome is not Outcome.ANSWER:
        return answer.outcome.name
    if answer.rdtype != "TXT":
        return list(answer.records)
    return [_txt(parts) for parts in answer.txt_strings]


def _txt(parts: tuple[bytes, ...]) -> Any:
    """A TXT record as a string, list of strings, or bytes where not UTF-8."""
    try:
        texts = [p.decode("utf-8") for p in parts]
    except UnicodeDecodeError:
        return list(parts)  # YAML writes these as !!binary, which safe_load reads back
    return texts[0] if len(texts) == 1 else texts

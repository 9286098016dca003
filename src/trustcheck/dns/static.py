"""An offline resolver built from a mapping: for tests, fixtures and stored mail.

The mapping format is a **contract** (outside checks build it)::

    StaticResolver({
        "example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all", ["part one ", "part two"]],
                        "A": ["192.0.2.1"], "MX": ["10 mx.example.com"]},
        "slow.example": "TIMEOUT",          # every query at this name times out
        "broken.example": "SERVFAIL",
        "half.example": {"A": ["192.0.2.9"], "*": "TIMEOUT"},  # other types time out
    })
    StaticResolver({}, default="TIMEOUT")    # names not listed time out

Names not listed are NXDOMAIN (or ``default``); a listed name without the type
asked is "no data", and so is every name above a listed one (an empty
non-terminal such as ``_domainkey.example.com``, RFC 8020 §2). A TXT record
given as a list is one record made of several character-strings.

A name with ``CNAME`` records and no entry for the type asked is followed to
its target, as a recursive resolver would (RFC 1034 §3.6.2): a DKIM key
published as ``sel._domainkey.brand.example CNAME sel.esp.example`` resolves to
the ESP's TXT record. The answer keeps the name asked; its TTL is the smallest
along the chain. A chain longer than 8 links or a loop is ``SERVFAIL``, which
is what recursive servers answer for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Literal

from trustcheck.dns.base import RDTYPES, Answer, Outcome

__all__ = ["StaticResolver"]

_FAULTS: Mapping[str, Outcome] = {
    "TIMEOUT": Outcome.TIMEOUT,
    "SERVFAIL": Outcome.SERVFAIL,
    "NXDOMAIN": Outcome.NXDOMAIN,
}

_MAX_CNAME_CHAIN = 8

_Record = str | Sequence[str] | bytes
_Types = Mapping[str, Sequence[_Record] | str]
Zone = Mapping[str, _Types | str]


def normalize_name(name: str) -> str:
    """Lower-case, strip one trailing dot; what every resolver keys on.

    >>> normalize_name("Example.COM.")
    'example.com'
    """
    # Only one dot: "a.example.." has an empty label and must not turn into
    # the valid name "a.example".
    name = name[:-1] if name.endswith(".") else name
    return name.lower()


class StaticResolver:
    """Answer every lookup from a mapping, never touching the network."""

    def __init__(
        self,
        zone: Zone,
        *,
        default: Literal["NXDOMAIN", "TIMEOUT", "SERVFAIL"] = "NXDOMAIN",
        ttl: int = 300,
    ) -> None:
        if default not in _FAULTS:
            msg = f"default must be one of {sorted(_FAULTS)}, not {default!r}."
            raise ValueError(msg)
        self._default = _FAULTS[default]
        self._ttl = ttl
        self._zone: dict[str, dict[str, Outcome | tuple[tuple[str, tuple[bytes, ...]], ...]]] = {}
        self._faults: dict[str, Outcome] = {}
        # Fixtures come from YAML written by hand: check shapes at run time,
        # so a mistake is a ValueError naming the entry, not an AttributeError.
        untyped: object = zone
        if not isinstance(untyped, Mapping):
            msg = f"zone must be a mapping of names, not {type(untyped).__name__}."
            raise ValueError(msg)
        for raw_name, entry in untyped.items():
            if not isinstance(raw_name, str):
                msg = f"Names must be strings, not {raw_name!r}."
                raise ValueError(msg)
            name = normalize_name(raw_name)
            if isinstance(entry, str):
                self._faults[name] = _fault(entry, raw_name)
                continue
            if not isinstance(entry, Mapping):
                msg = f"{raw_name}: expected a mapping of types or a fault word, not {entry!r}."
                raise ValueError(msg)
            types: dict[str, Outcome | tuple[tuple[str, tuple[bytes, ...]], ...]] = {}
            for rdtype, records in entry.items():
                key = str(rdtype).upper()
                where = f"{raw_name} {rdtype}"
                if isinstance(records, str):
                    types[key] = _fault(records, where)
                elif isinstance(records, Sequence):
                    types[key] = tuple(_record(key, r, where) for r in records)
                else:
                    msg = f"{where}: expected a list of records, not {records!r}."
                    raise ValueError(msg)
            self._zone[name] = types
        # Empty non-terminals: "_domainkey.example.com" exists as soon as
        # "s1._domainkey.example.com" does (RFC 8020 §2), so it is no data, not
        # NXDOMAIN, as an authoritative server answers.
        self._ents = (
            {
                ".".join(labels[i:])
                for listed in (*self._zone, *self._faults)
                for labels in (listed.split("."),)
                for i in range(1, len(labels))
            }
            - self._zone.keys()
            - self._faults.keys()
        )
        self.queries: list[tuple[str, str]] = []
        """Every ``(name, rdtype)`` asked, in order: tests assert on lookup counts."""

    def resolve(self, name: str, rdtype: str) -> Answer:
        rdtype = rdtype.upper()
        if rdtype not in RDTYPES:
            msg = f"Unsupported record type {rdtype!r}."
            raise ValueError(msg)
        key = normalize_name(name)
        self.queries.append((key, rdtype))
        current = key
        seen = {key}
        for _ in range(_MAX_CNAME_CHAIN + 1):
            outcome, entry = self._lookup(current, rdtype)
            if outcome is not None:
                return Answer(key, rdtype, outcome, ttl=self._ttl)
            if entry is not None:
                return Answer(
                    key,
                    rdtype,
                    Outcome.ANSWER,
                    records=tuple(text for text, _ in entry),
                    txt_strings=tuple(strings for _, strings in entry) if rdtype == "TXT" else (),
                    ttl=self._ttl,
                )
            target = self._cname(current)
            if target is None:
                return Answer(key, rdtype, Outcome.NODATA, ttl=self._ttl)
            if target in seen:
                break
            seen.add(target)
            current = target
        return Answer(key, rdtype, Outcome.SERVFAIL, ttl=self._ttl)

    def _lookup(
        self, key: str, rdtype: str
    ) -> tuple[Outcome | None, tuple[tuple[str, tuple[bytes, ...]], ...] | None]:
        """One name, no chasing: ``(outcome, None)``, ``(None, records)`` or ``(None, None)``.

        ``(None, None)`` means "no data here": the caller may follow a CNAME.
        """
        fault = self._faults.get(key)
        if fault is not None:
            return fault, None
        types = self._zone.get(key)
        if types is None:
            return (Outcome.NODATA if key in self._ents else self._default), None
        entry = types.get(rdtype)
        if entry is None and rdtype != "CNAME" and self._cname(key) is not None:
            return None, None
        if entry is None:
            entry = types.get("*")
        if entry is None:
            return Outcome.NODATA, None
        if isinstance(entry, Outcome):
            return entry, None
        if not entry:
            return Outcome.NODATA, None
        return None, entry

    def _cname(self, key: str) -> str | None:
        entry = self._zone.get(key, {}).get("CNAME")
        if entry is None or isinstance(entry, Outcome) or not entry:
            return None
        return entry[0][0]

    def __repr__(self) -> str:
        return f"StaticResolver(<{len(self._zone) + len(self._faults)} names>)"


def _fault(word: str, where: str) -> Outcome:
    try:
        return _FAULTS[word.upper()]
    except KeyError:
        msg = f"{where}: expected records or one of {sorted(_FAULTS)}, not {word!r}."
        raise ValueError(msg) from None


def _record(rdtype: str, value: object, where: str = "") -> tuple[str, tuple[bytes, ...]]:
    """Normalise one record to ``(presentation text, TXT character-strings)``."""
    prefix = f"{where}: " if where else ""
    if rdtype == "TXT":
        if isinstance(value, str | bytes):
            parts: tuple[bytes, ...] = (_b(value),)
        elif isinstance(value, Sequence) and all(isinstance(p, str | bytes) for p in value):
            parts = tuple(_b(p) for p in value)
        else:
            msg = f"{prefix}a TXT record must be a string or a list of strings, not {value!r}."
            raise ValueError(msg)
        return b"".join(parts).decode("utf-8", "replace"), parts
    if not isinstance(value, str):
        msg = f"{prefix}a {rdtype} record must be a string, not {value!r}."
        raise ValueError(msg)
    text = value.strip()
    if rdtype == "A":
        text = str(ipaddress.IPv4Address(text))
    elif rdtype == "AAAA":
        text = str(ipaddress.IPv6Address(text))
    elif rdtype == "MX":
        pref, _, host = text.partition(" ")
        if not pref.isdigit() or not 0 <= int(pref) <= 65535 or not host.strip():
            msg = f"{prefix}an MX record is 'preference host', not {value!r}."
            raise ValueError(msg)
        text = f"{int(pref)} {normalize_name(host.strip())}"
    elif rdtype in ("PTR", "CNAME", "NS"):
        text = normalize_name(text)
    return text, ()


def _b(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")

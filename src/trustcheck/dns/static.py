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
asked is "no data". A TXT record given as a list is one record made of several
character-strings.
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

_Record = str | Sequence[str] | bytes
_Types = Mapping[str, Sequence[_Record] | str]
Zone = Mapping[str, _Types | str]


def normalize_name(name: str) -> str:
    """Lower-case, strip one trailing dot; what every resolver keys on.

    >>> normalize_name("Example.COM.")
    'example.com'
    """
    return name.rstrip(".").lower() if name != "." else ""


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
        for raw_name, entry in zone.items():
            name = normalize_name(raw_name)
            if isinstance(entry, str):
                self._faults[name] = _fault(entry, raw_name)
                continue
            types: dict[str, Outcome | tuple[tuple[str, tuple[bytes, ...]], ...]] = {}
            for rdtype, records in entry.items():
                key = rdtype.upper()
                if isinstance(records, str):
                    types[key] = _fault(records, f"{raw_name} {rdtype}")
                else:
                    types[key] = tuple(_record(key, r) for r in records)
            self._zone[name] = types
        self.queries: list[tuple[str, str]] = []
        """Every ``(name, rdtype)`` asked, in order: tests assert on lookup counts."""

    def resolve(self, name: str, rdtype: str) -> Answer:
        rdtype = rdtype.upper()
        if rdtype not in RDTYPES:
            msg = f"Unsupported record type {rdtype!r}."
            raise ValueError(msg)
        key = normalize_name(name)
        self.queries.append((key, rdtype))
        fault = self._faults.get(key)
        if fault is not None:
            return Answer(key, rdtype, fault, ttl=self._ttl)
        types = self._zone.get(key)
        if types is None:
            return Answer(key, rdtype, self._default, ttl=self._ttl)
        entry = types.get(rdtype, types.get("*"))
        if entry is None:
            return Answer(key, rdtype, Outcome.NODATA, ttl=self._ttl)
        if isinstance(entry, Outcome):
            return Answer(key, rdtype, entry, ttl=self._ttl)
        if not entry:
            return Answer(key, rdtype, Outcome.NODATA, ttl=self._ttl)
        return Answer(
            key,
            rdtype,
            Outcome.ANSWER,
            records=tuple(text for text, _ in entry),
            txt_strings=tuple(strings for _, strings in entry) if rdtype == "TXT" else (),
            ttl=self._ttl,
        )

    def __repr__(self) -> str:
        return f"StaticResolver(<{len(self._zone) + len(self._faults)} names>)"


def _fault(word: str, where: str) -> Outcome:
    try:
        return _FAULTS[word.upper()]
    except KeyError:
        msg = f"{where}: expected records or one of {sorted(_FAULTS)}, not {word!r}."
        raise ValueError(msg) from None


def _record(rdtype: str, value: _Record) -> tuple[str, tuple[bytes, ...]]:
    """Normalise one record to ``(presentation text, TXT character-strings)``."""
    if rdtype == "TXT":
        if isinstance(value, str | bytes):
            parts: tuple[bytes, ...] = (_b(value),)
        else:
            parts = tuple(_b(p) for p in value)
        return b"".join(parts).decode("utf-8", "replace"), parts
    if not isinstance(value, str):
        msg = f"A {rdtype} record must be a string, not {value!r}."
        raise ValueError(msg)
    text = value.strip()
    if rdtype == "A":
        text = str(ipaddress.IPv4Address(text))
    elif rdtype == "AAAA":
        text = str(ipaddress.IPv6Address(text))
    elif rdtype == "MX":
        pref, _, host = text.partition(" ")
        text = f"{int(pref)} {normalize_name(host.strip())}"
    elif rdtype in ("PTR", "CNAME", "NS"):
        text = normalize_name(text)
    return text, ()


def _b(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")

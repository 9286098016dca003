"""Gateway configuration: one TOML file, validated up front (``trustcheck milter --check-config``).

Every key is optional; an unknown key or a wrong type is a :class:`~trustcheck.errors.ConfigError`
naming the key, so a typo never silently turns a ``reject`` into an ``accept``.
The reference for every key is docs/gateway.md; docs/examples/gateway.toml is a
complete example.
"""

from __future__ import annotations

import enum
import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustcheck.errors import ConfigError
from trustcheck.verdict import Status

__all__ = ["Action", "GatewayConfig", "ListenSpec", "load_config", "parse_listen"]


class Action(enum.StrEnum):
    """What the gateway does with a message, chosen per verdict status."""

    ACCEPT = "accept"
    """Deliver; only ``Authentication-Results`` is added."""
    HEADERS = "headers"
    """Deliver with ``Authentication-Results`` and the ``X-Trustcheck-*`` headers."""
    TAG = "tag"
    """Like ``headers``, and prepend ``subject_tag`` to the Subject."""
    QUARANTINE = "quarantine"
    """Like ``headers``, and ask the MTA to hold the message (Postfix: the hold queue)."""
    REJECT = "reject"
    """Refuse with a 5xx reply naming the reason; the sender's MTA bounces it."""
    TEMPFAIL = "tempfail"
    """Refuse with a 4xx reply; the sender's MTA retries later."""


#: Actions allowed when the verifier failed or ran out of time: the message was
#: not judged, so it is either delivered (marked) or retried - never rejected or lost.
FAILSAFE_ACTIONS = frozenset({Action.ACCEPT, Action.HEADERS, Action.TEMPFAIL})

_DEFAULT_ACTIONS: Mapping[Status, Action] = {
    Status.AUTHENTIC: Action.HEADERS,
    Status.UNVERIFIED: Action.HEADERS,
    Status.SUSPICIOUS: Action.TAG,
    Status.IMPERSONATION: Action.QUARANTINE,
    Status.PHISHING: Action.QUARANTINE,
}


@dataclass(frozen=True, slots=True)
class ListenSpec:
    """Where the milter listens: ``inet:HOST:PORT`` / ``inet6:[HOST]:PORT`` or ``unix:PATH``."""

    family: str
    """``inet``, ``inet6`` or ``unix``."""
    address: str
    """Host (inet) or socket path (unix)."""
    port: int = 0

    def libmilter(self) -> str:
        """The socket spec libmilter expects (``inet:PORT@HOST``, ``unix:PATH``)."""
        if self.family == "unix":
            return f"unix:{self.address}"
        return f"{self.family}:{self.port}@{self.address}"

    def __str__(self) -> str:
        if self.family == "unix":
            return f"unix:{self.address}"
        host = f"[{self.address}]" if self.family == "inet6" else self.address
        return f"{self.family}:{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """The gateway's settings; build with :func:`load_config` or directly in tests."""

    listen: ListenSpec | None = None
    authserv_id: str = "trustcheck.local"
    """Our RFC 8601 authserv-id: stamped on the header we add, and removed from incoming
    headers that claim it (RFC 8601 §5: such headers are forgeries)."""
    registry: Path | None = None
    """A registry directory merged over the built-in one (None: built-in only)."""
    registry_only: bool = False
    """Use only ``registry``, without the built-in brands."""
    policy: Path | None = None
    dns_fixture: Path | None = None
    """A recorded DNS fixture instead of live DNS (tests, demos)."""
    nameservers: tuple[str, ...] = ()
    dns_timeout: float = 2.0
    dns_lifetime: float = 4.0
    trusted_authserv_ids: tuple[str, ...] = ()
    timeout: float = 10.0
    """Per-message deadline in seconds for the verdict; past it, ``on_error`` applies."""
    workers: int = 8
    max_message_bytes: int = 10 * 1024 * 1024
    """Larger messages are not verified: ``on_error`` applies (with a ``too large`` reason)."""
    actions: Mapping[Status, Action] = field(default_factory=lambda: dict(_DEFAULT_ACTIONS))
    on_error: Action = Action.TEMPFAIL
    subject_tag: str = "[{status}]"
    """Prepended to the Subject by ``tag``; ``{status}`` becomes the status word, upper-case."""
    reject_reply: str = "Message refused by trustcheck: {summary}"
    tempfail_reply: str = "Message could not be checked now, try again later"
    max_reasons: int = 3
    metrics_listen: tuple[str, int] | None = None
    """``host:port`` of the Prometheus endpoint; loopback only."""
    log_file: Path | None = None
    """One JSON line per message; None: standard error."""
    source: Path | None = None
    """The file this configuration came from (re-read on SIGHUP)."""

    def action_for(self, status: Status) -> Action:
        """The configured action for a status."""
        return self.actions.get(status, _DEFAULT_ACTIONS[status])


_KEYS = frozenset({
    "listen", "authserv_id", "registry", "registry_only", "policy", "dns_fixture",
    "trusted_authserv_ids", "timeout", "workers", "max_message_bytes", "on_error",
    "subject_tag", "reject_reply", "tempfail_reply", "max_reasons", "metrics_listen",
    "log_file", "dns", "actions",
})
_DNS_KEYS = frozenset({"nameservers", "timeout", "lifetime"})


def parse_listen(spec: str) -> ListenSpec:
    """Parse ``inet:127.0.0.1:8891``, ``inet6:[::1]:8891``, ``unix:/run/x.sock`` (Postfix syntax).

    libmilter's own ``inet:PORT@HOST`` is accepted too.
    """
    family, sep, rest = spec.partition(":")
    if not sep or not rest:
        msg = f"Listen address {spec!r}: expected inet:HOST:PORT, inet6:[HOST]:PORT or unix:PATH."
        raise ConfigError(msg)
    if family in ("unix", "local"):
        return ListenSpec("unix", rest)
    if family not in ("inet", "inet6"):
        msg = f"Listen address {spec!r}: unknown family {family!r} (inet, inet6, unix)."
        raise ConfigError(msg)
    if "@" in rest:
        port_s, host = rest.split("@", 1)
    else:
        host, _, port_s = rest.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port_s)
        ipaddress.ip_address(host)
    except ValueError as exc:
        msg = f"Listen address {spec!r}: need a numeric IP address and port ({exc})."
        raise ConfigError(msg) from exc
    if not 0 < port < 65536:
        msg = f"Listen address {spec!r}: port {port} out of range."
        raise ConfigError(msg)
    return ListenSpec(family, host, port)


def load_config(path: str | Path) -> GatewayConfig:
    """Read and validate a gateway TOML file; relative paths are taken from its directory."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"Cannot read gateway config {path}: {exc.strerror}."
        raise ConfigError(msg) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"Gateway config {path} is not valid TOML: {exc}"
        raise ConfigError(msg) from exc
    return config_from_mapping(data, base=path.parent, source=path)


def config_from_mapping(data: Mapping[str, Any], *, base: Path = Path(),
                        source: Path | None = None) -> GatewayConfig:
    """Build a config from parsed TOML (see :func:`load_config`)."""
    unknown = set(data) - _KEYS
    if unknown:
        msg = f"Unknown gateway config keys {sorted(unknown)}; expected some of {sorted(_KEYS)}."
        raise ConfigError(msg)
    dns = _table(data, "dns")
    bad_dns = set(dns) - _DNS_KEYS
    if bad_dns:
        msg = f"Unknown [dns] keys {sorted(bad_dns)}; expected some of {sorted(_DNS_KEYS)}."
        raise ConfigError(msg)
    d = GatewayConfig()
    on_error = _action(_get(data, "on_error", str, d.on_error.value), "on_error")
    if on_error not in FAILSAFE_ACTIONS:
        msg = (f"on_error = {on_error.value!r} is not fail-safe: use one of "
               f"{sorted(a.value for a in FAILSAFE_ACTIONS)} (an unjudged message is never "
               "rejected or held).")
        raise ConfigError(msg)
    listen = _get(data, "listen", str, None)
    metrics = _get(data, "metrics_listen", str, None)
    cfg = GatewayConfig(
        listen=parse_listen(listen) if listen else None,
        authserv_id=_authserv_id(_get(data, "authserv_id", str, d.authserv_id)),
        registry=_path(base, _get(data, "registry", str, None)),
        registry_only=_get(data, "registry_only", bool, False),
        policy=_path(base, _get(data, "policy", str, None)),
        dns_fixture=_path(base, _get(data, "dns_fixture", str, None)),
        nameservers=tuple(_strs(dns, "nameservers", "dns.nameservers")),
        dns_timeout=_positive(dns, "timeout", d.dns_timeout, "dns.timeout"),
        dns_lifetime=_positive(dns, "lifetime", d.dns_lifetime, "dns.lifetime"),
        trusted_authserv_ids=tuple(_strs(data, "trusted_authserv_ids", "trusted_authserv_ids")),
        timeout=_positive(data, "timeout", d.timeout, "timeout"),
        workers=int(_positive(data, "workers", d.workers, "workers")),
        max_message_bytes=int(_positive(data, "max_message_bytes", d.max_message_bytes,
                                        "max_message_bytes")),
        actions=_actions(_table(data, "actions")),
        on_error=on_error,
        subject_tag=_get(data, "subject_tag", str, d.subject_tag),
        reject_reply=_get(data, "reject_reply", str, d.reject_reply),
        tempfail_reply=_get(data, "tempfail_reply", str, d.tempfail_reply),
        max_reasons=int(_positive(data, "max_reasons", d.max_reasons, "max_reasons")),
        metrics_listen=_metrics(metrics) if metrics else None,
        log_file=_path(base, _get(data, "log_file", str, None)),
        source=source,
    )
    for name in ("registry", "policy", "dns_fixture"):
        p = getattr(cfg, name)
        if p is not None and not p.exists():
            msg = f"{name} = {str(p)!r} does not exist."
            raise ConfigError(msg)
    return cfg


def _get(data: Mapping[str, Any], key: str, kind: type[Any], default: Any) -> Any:
    value = data.get(key, default)
    if value is not None and not isinstance(value, kind):
        msg = f"{key} must be a {kind.__name__}, not {type(value).__name__}."
        raise ConfigError(msg)
    return value


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        msg = f"[{key}] must be a table."
        raise ConfigError(msg)
    return value


def _strs(data: Mapping[str, Any], key: str, name: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{name} must be a list of strings."
        raise ConfigError(msg)
    return value


def _positive(data: Mapping[str, Any], key: str, default: float, name: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        msg = f"{name} must be a positive number, not {value!r}."
        raise ConfigError(msg)
    return float(value)


def _path(base: Path, value: str | None) -> Path | None:
    return None if value is None else (base / value)


def _authserv_id(value: str) -> str:
    # RFC 8601 §2.5: authserv-id is a value (token or quoted-string); we keep it to a
    # host-name-like token so the header we write needs no quoting.
    if not value or any(c.isspace() or c in ';()"\\' for c in value):
        msg = f"authserv_id {value!r} must be a non-empty token such as a host name."
        raise ConfigError(msg)
    return value


def _action(value: str, name: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        msg = f"{name} = {value!r}: expected one of {[a.value for a in Action]}."
        raise ConfigError(msg) from None


def _actions(table: Mapping[str, Any]) -> dict[Status, Action]:
    out = dict(_DEFAULT_ACTIONS)
    for key, value in table.items():
        try:
            status = Status(key)
        except ValueError:
            msg = f"[actions] {key!r} is not a status; expected {[s.value for s in Status]}."
            raise ConfigError(msg) from None
        if not isinstance(value, str):
            msg = f"[actions] {key} must be a string."
            raise ConfigError(msg)
        out[status] = _action(value, f"actions.{key}")
    return out


def _metrics(spec: str) -> tuple[str, int]:
    host, _, port_s = spec.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port_s)
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        msg = f"metrics_listen {spec!r}: expected HOST:PORT with a numeric loopback address."
        raise ConfigError(msg) from None
    if not loopback:
        # The counters say which brands are being imitated at this site: local only.
        msg = f"metrics_listen {spec!r}: only a loopback address is allowed."
        raise ConfigError(msg)
    if not 0 <= port < 65536:
        msg = f"metrics_listen {spec!r}: port out of range."
        raise ConfigError(msg)
    return host, port

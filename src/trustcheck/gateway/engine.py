"""The MTA-independent core of the gateway: verify one message under a deadline.

:class:`GatewayEngine` owns the :class:`~trustcheck.Verifier` built from the
configuration, a bounded worker pool, the counters and the per-message log line.
Whatever happens inside the verifier - an exception, a DNS server that never
answers, a message too large to judge - :meth:`GatewayEngine.check` returns a
:class:`~trustcheck.gateway.decide.Decision` within ``config.timeout`` seconds:
the verdict's action, or the fail-safe ``on_error`` action. Adapters (the milter)
only translate that decision into MTA calls.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trustcheck.auth.authenticate import Envelope
from trustcheck.dns.base import Answer, Outcome, Resolver
from trustcheck.errors import ConfigError, TrustcheckError
from trustcheck.gateway.config import GatewayConfig, load_config
from trustcheck.gateway.decide import Decision, decide, decide_failure
from trustcheck.gateway.metrics import Metrics
from trustcheck.registry import Registry
from trustcheck.verdict import Policy, Verdict
from trustcheck.verifier import Verifier

__all__ = ["Checked", "GatewayEngine", "build_verifier"]

log = logging.getLogger("trustcheck.gateway")


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of one :meth:`GatewayEngine.check`."""

    decision: Decision
    verdict: Verdict | None
    """None when the fail-safe action applied (see ``decision.reason``)."""
    seconds: float


class _DeadlineResolver:
    """Answers TIMEOUT once the current message's deadline has passed.

    The resolver's own timeout/lifetime bound each lookup; this bounds their sum
    over one message, so a message naming many slow domains still finishes (and
    its worker is freed) soon after the deadline. The deadline is per thread:
    each worker verifies one message at a time.
    """

    def __init__(self, inner: Resolver, clock: Callable[[], float]) -> None:
        self._inner = inner
        self._clock = clock
        self._local = threading.local()

    def set_deadline(self, deadline: float | None) -> None:
        self._local.deadline = deadline

    def resolve(self, name: str, rdtype: str) -> Answer:
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is not None and self._clock() >= deadline:
            # RFC 7208 §2.6.6 / RFC 6376 §6.1.2: an unanswered lookup is a temporary error.
            return Answer(name.lower().rstrip("."), rdtype.upper(), Outcome.TIMEOUT)
        return self._inner.resolve(name, rdtype)


def build_verifier(config: GatewayConfig, *,
                   clock: Callable[[], float] = time.monotonic) -> Verifier:
    """The verifier a gateway with this configuration uses (registry, policy, DNS)."""
    if config.registry is None:
        registry = Registry.default()
    elif config.registry_only:
        registry = Registry.load(config.registry)
    else:
        registry = Registry.default().merge(Registry.load(config.registry))
    policy = Policy.load(config.policy) if config.policy is not None else None
    inner: Resolver
    if config.dns_fixture is not None:
        from trustcheck.dns.fixtures import load_fixture

        inner = load_fixture(config.dns_fixture)
    else:
        from trustcheck.dns.caching import CachingResolver

        inner = CachingResolver(nameservers=config.nameservers or None,
                                timeout=config.dns_timeout, lifetime=config.dns_lifetime)
    return Verifier(
        registry=registry,
        resolver=_DeadlineResolver(inner, clock),
        trusted_authserv_ids=config.trusted_authserv_ids,
        policy=policy,
        authserv_id=config.authserv_id,
    )


class GatewayEngine:
    """Verify messages for an MTA adapter; thread-safe, reloadable."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        verifier: Verifier | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self._clock = clock
        self._lock = threading.Lock()
        self._config = config
        self._verifier = verifier or build_verifier(config, clock=clock)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.workers, thread_name_prefix="trustcheck-verify")

    @property
    def config(self) -> GatewayConfig:
        """The configuration in force."""
        return self._config

    @property
    def verifier(self) -> Verifier:
        """The verifier in force."""
        return self._verifier

    def reload(self) -> GatewayConfig:
        """Re-read the configuration file and registry; keep the old ones if that fails.

        Raises :class:`~trustcheck.errors.ConfigError` (or another
        :class:`~trustcheck.errors.TrustcheckError`) with the reason, leaving the
        running configuration untouched. Messages in flight finish with the
        verifier they started with.
        """
        source = self._config.source
        if source is None:
            msg = "This gateway was not started from a config file; nothing to reload."
            raise ConfigError(msg)
        config = load_config(source)
        if config.listen is None:
            config = _with_listen(config, self._config)
        verifier = build_verifier(config, clock=self._clock)
        with self._lock:
            self._config, self._verifier = config, verifier
        self.metrics.reloaded()
        return config

    def check(
        self,
        raw: bytes,
        *,
        envelope: Envelope | None = None,
        headers: Sequence[tuple[str, str]] = (),
        subject: str | None = None,
        queue_id: str | None = None,
    ) -> Checked:
        """Verify ``raw`` and decide; never raises, never takes much longer than the timeout."""
        start = self._clock()
        with self._lock:
            config, verifier = self._config, self._verifier
        verdict: Verdict | None = None
        if len(raw) > config.max_message_bytes:
            decision = self._failure("too_large", f"message larger than "
                                     f"{config.max_message_bytes} bytes, not checked",
                                     config, headers)
        else:
            try:
                future = self._pool.submit(_verify, verifier, raw, envelope,
                                           start + config.timeout)
                verdict = future.result(timeout=max(config.timeout - (self._clock() - start), 0))
                decision = decide(verdict, config, headers, subject)
            except concurrent.futures.TimeoutError:
                future.cancel()
                decision = self._failure("timeout", f"no verdict within {config.timeout:g} s",
                                         config, headers)
            except Exception as exc:
                kind = "input" if isinstance(exc, TrustcheckError) else "exception"
                decision = self._failure(kind, f"{type(exc).__name__}: {exc}", config, headers)
        seconds = self._clock() - start
        self.metrics.observe(status=decision.status, action=decision.action.value,
                             seconds=seconds)
        log.info(json.dumps({
            "queue_id": queue_id,
            "status": decision.status,
            "score": decision.score,
            "action": decision.action.value,
            "ms": round(seconds * 1000, 1),
            "brand": verdict.brand if verdict is not None else None,
            "reason": decision.reason,
            "codes": list(verdict.codes()) if verdict is not None else [],
        }, ensure_ascii=False))
        return Checked(decision, verdict, seconds)

    def record_error(self, kind: str) -> None:
        """Count an error the adapter handled itself (e.g. a failed MTA call)."""
        self.metrics.error(kind)

    def close(self) -> None:
        """Stop the worker pool (running verifications finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _failure(self, kind: str, reason: str, config: GatewayConfig,
                 headers: Sequence[tuple[str, str]]) -> Decision:
        self.metrics.error(kind)
        return decide_failure(reason, config, headers)


def _verify(verifier: Verifier, raw: bytes, envelope: Envelope | None,
            deadline: float) -> Verdict:
    resolver = verifier.resolver
    if isinstance(resolver, _DeadlineResolver):
        resolver.set_deadline(deadline)
    try:
        return verifier.verify(raw, envelope=envelope)
    finally:
        if isinstance(resolver, _DeadlineResolver):
            resolver.set_deadline(None)


def _with_listen(new: GatewayConfig, old: GatewayConfig) -> GatewayConfig:
    import dataclasses

    # The listening socket cannot move on reload; keep the one given on the command line.
    return dataclasses.replace(new, listen=old.listen)

"""The milter daemon (Postfix ``smtpd_milters``, Sendmail ``INPUT_MAIL_FILTER``) on pymilter.

pymilter wraps Sendmail's libmilter, the reference implementation of the milter
protocol that OpenDKIM and OpenDMARC also use, so protocol negotiation, macros and
timeouts behave as MTAs expect. pymilter is imported only here, inside
:func:`run_milter`, so the rest of trustcheck works without the ``gateway`` extra.

Per SMTP session the milter collects the envelope (client IP from ``connect``,
HELO, MAIL FROM - so SPF is checked against what the SMTP client really said,
RFC 7208 §4.1) and the message, and at end of message asks the
:class:`~trustcheck.gateway.engine.GatewayEngine` for a decision, which it
applies: remove forged headers, add ``Authentication-Results`` on top
(RFC 8601 §5) and the ``X-Trustcheck-*`` fields, tag the Subject, quarantine,
reject (5xx) or tempfail (4xx).

Fail-safe: every callback catches everything; an error before the verdict gives
the configured ``on_error`` action, and libmilter's exception policy is set to
match in case anything escapes. Postfix's own ``milter_default_action`` covers a
milter that is not running at all (docs/gateway.md recommends ``tempfail``).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from trustcheck.auth.authenticate import Envelope
from trustcheck.gateway.config import Action, ListenSpec
from trustcheck.gateway.decide import Decision
from trustcheck.gateway.engine import GatewayEngine

__all__ = ["run_milter"]

log = logging.getLogger("trustcheck.gateway")

#: libmilter's I/O timeout towards the MTA, seconds (its default is 7210).
MTA_IO_TIMEOUT = 60


def run_milter(engine: GatewayEngine, listen: ListenSpec, *, name: str = "trustcheck",
               ready: Callable[[], None] | None = None) -> None:
    """Serve milter sessions on ``listen`` until SIGTERM/SIGINT; SIGHUP reloads the config.

    Must be called from the main thread (it installs the signal handlers).
    libmilter runs in a second thread: libmilter blocks SIGHUP/SIGTERM/SIGINT
    in the threads it starts and waits for them in its own signal thread; the main
    thread keeps them unblocked, and Linux delivers a process-directed signal to
    the main thread first, so it receives them: a reload then swaps the verifier
    without touching the listening socket or sessions in flight. (Should
    libmilter's thread take one anyway, SIGTERM still stops gracefully and SIGHUP
    only re-opens the socket; send SIGHUP again to reload.)
    """
    import Milter

    session = _session_class(Milter, engine)
    Milter.factory = session
    # Ask only for the actions we use (smfi_register flags): add and change headers,
    # quarantine. The MTA then knows we never touch recipients or the body.
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE)
    fail_code = Milter.TEMPFAIL if engine.config.on_error is Action.TEMPFAIL else Milter.CONTINUE
    Milter.set_exception_policy(fail_code)

    stop = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            Milter.runmilter(name, listen.libmilter(), timeout=MTA_IO_TIMEOUT)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    def on_term(signum: int, frame: FrameType | None) -> None:
        del frame
        log.info('{"event": "stopping", "signal": %d}', signum)
        Milter.milter.stop()  # smfi_stop: finish sessions in flight, accept no new ones

    def on_hup(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        try:
            engine.reload()
        except Exception as exc:
            log.error('{"event": "reload_failed", "error": %s}', _json_str(str(exc)))
        else:
            log.info('{"event": "reloaded"}')

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, on_hup)
    thread = threading.Thread(target=serve, name="libmilter", daemon=True)
    thread.start()
    log.info('{"event": "listening", "listen": %s}', _json_str(str(listen)))
    if ready is not None:
        ready()
    while not stop.wait(0.5):  # short waits so the main thread runs signal handlers
        pass
    thread.join(timeout=10)
    engine.close()
    # Logged here, not in the handler: libmilter's own signal thread may take a SIGTERM
    # (it stops the same graceful way), and the line must appear either way.
    log.info('{"event": "shutdown"}')
    if errors:
        raise errors[0]


def _json_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _session_class(Milter: Any, engine: GatewayEngine) -> type:
    """The per-connection class libmilter instantiates (built here: pymilter is lazy)."""

    @Milter.header_leading_space  # P_HDR_LEADSPC: values keep their leading space
    class TrustcheckSession(Milter.Base):  # type: ignore[misc]
        def __init__(self) -> None:
            self._ip: str | None = None
            self._helo: str | None = None
            self._new_message(None)

        def _new_message(self, mail_from: str | None) -> None:
            self._mail_from = mail_from
            self._headers: list[tuple[str, str]] = []
            self._chunks: list[bytes] = []
            self._size = 0
            self._subject: str | None = None

        # -- collecting (never fails the session: worst case the verdict sees less)

        @Milter.noreply  # type: ignore[untyped-decorator]
        def connect(self, hostname: str, family: int, hostaddr: Any) -> int:
            del hostname, family
            # inet/inet6 give (ip, port[, flow, scope]); a local (unix) client gives a string
            self._ip = str(hostaddr[0]) if isinstance(hostaddr, tuple) and hostaddr else None
            return int(Milter.CONTINUE)

        @Milter.noreply  # type: ignore[untyped-decorator]
        def hello(self, hostname: str) -> int:
            self._helo = hostname
            return int(Milter.CONTINUE)

        @Milter.noreply  # type: ignore[untyped-decorator]
        def envfrom(self, mail_from: str, *params: str) -> int:
            del params
            # RFC 5321 §4.1.2 reverse-path: <> is the null path, kept as "" (SPF uses HELO)
            self._new_message(mail_from.strip().removeprefix("<").removesuffix(">"))
            return int(Milter.CONTINUE)

        @Milter.noreply  # type: ignore[untyped-decorator]
        @Milter.decode("bytes")  # type: ignore[untyped-decorator]
        def header(self, name: str, value: bytes | str) -> int:
            raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
            text = raw.decode("utf-8", "replace")
            # With P_HDR_LEADSPC the value keeps its leading space and folding, so the
            # field is rebuilt byte for byte (DKIM simple canonicalization, RFC 6376 §3.4.1).
            self._headers.append((name, text.strip()))
            if name.lower() == "subject" and self._subject is None:
                self._subject = text.strip()
            self._add(name.encode("utf-8", "replace") + b":"
                      + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n")
            return int(Milter.CONTINUE)

        @Milter.noreply  # type: ignore[untyped-decorator]
        def eoh(self) -> int:
            self._add(b"\r\n")
            return int(Milter.CONTINUE)

        @Milter.noreply  # type: ignore[untyped-decorator]
        def body(self, chunk: bytes) -> int:
            self._add(chunk)
            return int(Milter.CONTINUE)

        def _add(self, data: bytes) -> None:
            # Keep one byte past the limit: enough for the engine to see "too large".
            room = engine.config.max_message_bytes + 1 - self._size
            if room > 0:
                self._chunks.append(data[:room])
                self._size += min(len(data), room)

        # -- deciding

        def eom(self) -> int:
            try:
                queue_id = self.getsymval("i")
                checked = engine.check(
                    self._return_path() + b"".join(self._chunks),
                    envelope=Envelope(ip=self._ip, helo=self._helo, mail_from=self._mail_from),
                    headers=self._headers,
                    subject=self._subject,
                    queue_id=queue_id,
                )
                return self._apply(checked.decision)
            except Exception:
                log.exception("milter end-of-message failed")
                engine.record_error("milter")
                return int(Milter.TEMPFAIL if engine.config.on_error is Action.TEMPFAIL
                           else Milter.CONTINUE)
            finally:
                self._new_message(None)

        def _return_path(self) -> bytes:
            # The delivering MTA records MAIL FROM as Return-Path (RFC 5321 §4.4), and
            # Postfix drops any Return-Path the client sent (message_drop_headers), so the
            # verifier sees the field the mailbox will show: the envelope's reverse-path.
            if self._mail_from is None or any(n.lower() == "return-path"
                                              for n, _ in self._headers):
                return b""
            return b"Return-Path: <" + self._mail_from.encode("utf-8", "replace") + b">\r\n"

        def _apply(self, decision: Decision) -> int:
            if decision.reply is not None:
                code, xcode, text = decision.reply
                self.setreply(code, xcode, text)
                return int(Milter.REJECT if decision.action is Action.REJECT
                           else Milter.TEMPFAIL)
            # With P_HDR_LEADSPC negotiated the MTA writes values verbatim after the colon.
            sp = " " if self._protocol & Milter.P_HDR_LEADSPC else ""
            for removal in decision.remove:  # highest index first: earlier ones stay valid
                self.chgheader(removal.name, removal.index, None)
            for i, (name, value) in enumerate(decision.add):
                # Authentication-Results goes on top (RFC 8601 §5 and §7.1: readers
                # trust the topmost fields added by their own border MTA).
                if i == 0 and name.lower() == "authentication-results":
                    self.addheader(name, sp + value, 0)
                else:
                    self.addheader(name, sp + value)
            if decision.subject is not None:
                if self._subject is None:
                    self.addheader("Subject", sp + decision.subject)
                else:
                    self.chgheader("Subject", 1, sp + decision.subject)
            if decision.quarantine_reason is not None:
                self.quarantine(decision.quarantine_reason)
            return int(Milter.ACCEPT)

        def abort(self) -> int:
            self._new_message(None)
            return int(Milter.CONTINUE)

        def close(self) -> int:
            return int(Milter.CONTINUE)

    return TrustcheckSession

"""What the gateway does to one message: pure logic, no MTA and no I/O.

:func:`decide` turns a verdict (or the failure to reach one) and the configuration
into a :class:`Decision`: headers to remove, headers to add, a new Subject, and
the SMTP reply. The milter (and any other adapter) only carries it out, so every
rule here is tested without a mail server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trustcheck.auth.authres import parse_authentication_results
from trustcheck.gateway.config import Action, GatewayConfig
from trustcheck.verdict import Severity, Verdict

__all__ = [
    "VERDICT_HEADER",
    "Decision",
    "HeaderRemoval",
    "decide",
    "decide_failure",
    "forged_headers",
]

VERDICT_HEADER = "X-Trustcheck-Verdict"
SCORE_HEADER = "X-Trustcheck-Score"
REASONS_HEADER = "X-Trustcheck-Reasons"
ERROR_HEADER = "X-Trustcheck-Error"
_OWN_PREFIX = "x-trustcheck-"

#: SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463 §3.8: 5.7.1 "delivery
#: not authorized, message refused"; 4.7.1 its temporary twin).
REJECT_CODE = ("550", "5.7.1")
TEMPFAIL_CODE = ("451", "4.7.1")
_REPLY_MAX = 400  # RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with the codes


@dataclass(frozen=True, slots=True)
class HeaderRemoval:
    """Remove the ``index``-th (1-based, among fields of that name) header ``name``."""

    name: str
    index: int


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything the MTA adapter must do for one message, in order."""

    action: Action
    status: str
    """The verdict word, or ``error`` when no verdict was reached."""
    score: int | None
    remove: tuple[HeaderRemoval, ...] = ()
    """Apply in this order (highest index first, so earlier indices stay valid)."""
    add: tuple[tuple[str, str], ...] = ()
    """Header fields to add; ``Authentication-Results`` first, to go on top (RFC 8601 §5)."""
    subject: str | None = None
    """The new Subject value, or None to leave it."""
    reply: tuple[str, str, str] | None = None
    """``(code, enhanced code, text)`` for reject/tempfail."""
    quarantine_reason: str | None = None
    reason: str = ""
    """Why, for the log line."""


def forged_headers(headers: Sequence[tuple[str, str]], authserv_id: str) -> tuple[HeaderRemoval,
                                                                                   ...]:
    """Incoming header fields that pretend to be ours, highest index first.

    RFC 8601 §5: a border MTA MUST remove ``Authentication-Results`` fields that
    claim its own authserv-id, since only it may write them; our
    ``X-Trustcheck-*`` fields go too, so no sender can pre-stamp a verdict.
    """
    own = authserv_id.lower()
    counts: dict[str, int] = {}
    out: list[HeaderRemoval] = []
    for name, value in headers:
        key = name.lower()
        counts[key] = counts.get(key, 0) + 1
        forged_ar = key == "authentication-results" and _claimed_id(value) == own
        if forged_ar or key.startswith(_OWN_PREFIX):
            out.append(HeaderRemoval(name, counts[key]))
    out.sort(key=lambda r: (r.name.lower(), -r.index))
    return tuple(out)


def _claimed_id(value: str) -> str | None:
    parsed = parse_authentication_results(value)
    if parsed.authserv_id is not None:
        return parsed.authserv_id.lower()
    # Unreadable field: judge by the text before the first ';', comments removed, so a
    # deliberately malformed forgery is not kept just because it does not parse.
    head = re.sub(r"\([^)]*\)", " ", value.split(";", 1)[0]).split()
    return head[0].lower() if head else None


def decide(verdict: Verdict, config: GatewayConfig,
           headers: Sequence[tuple[str, str]] = (), subject: str | None = None) -> Decision:
    """The decision for a message that got a verdict."""
    action = config.action_for(verdict.status)
    reasons = _reasons(verdict, config.max_reasons)
    add: list[tuple[str, str]] = [
        ("Authentication-Results", verdict.authentication_results(config.authserv_id,
                                                                  linesep="\n")),
    ]
    if action is not Action.ACCEPT:
        add += [
            (VERDICT_HEADER, f"{verdict.status.value} (authserv-id={config.authserv_id})"),
            (SCORE_HEADER, str(verdict.score)),
        ]
        if reasons:
            add.append((REASONS_HEADER, reasons))
    new_subject = None
    if action is Action.TAG:
        tag = config.subject_tag.replace("{status}", verdict.status.value.upper())
        if not (subject or "").startswith(tag):  # tag once, even when re-checked
            new_subject = f"{tag} {subject}" if subject else tag
    reply = None
    if action is Action.REJECT:
        text = config.reject_reply.replace("{summary}", verdict.summary).replace(
            "{status}", verdict.status.value)
        reply = (*REJECT_CODE, _reply_text(text))
    elif action is Action.TEMPFAIL:
        reply = (*TEMPFAIL_CODE, _reply_text(config.tempfail_reply))
    return Decision(
        action=action,
        status=verdict.status.value,
        score=verdict.score,
        remove=forged_headers(headers, config.authserv_id),
        add=tuple(add),
        subject=new_subject,
        reply=reply,
        quarantine_reason=(f"trustcheck: {verdict.status.value} ({reasons or 'no reason'})"
                           [:_REPLY_MAX] if action is Action.QUARANTINE else None),
        reason=reasons,
    )


def decide_failure(reason: str, config: GatewayConfig,
                   headers: Sequence[tuple[str, str]] = ()) -> Decision:
    """The fail-safe decision when no verdict was reached (error, timeout, too large).

    ``on_error`` is ``tempfail`` (the sender retries) or ``accept``/``headers``
    (deliver with an ``X-Trustcheck-Error`` header): never reject, never drop.
    """
    if config.on_error is Action.TEMPFAIL:
        return Decision(action=Action.TEMPFAIL, status="error", score=None,
                        reply=(*TEMPFAIL_CODE, _reply_text(config.tempfail_reply)),
                        reason=reason)
    return Decision(
        action=config.on_error,
        status="error",
        score=None,
        remove=forged_headers(headers, config.authserv_id),
        add=((ERROR_HEADER, f"{_one_line(reason)} (authserv-id={config.authserv_id})"),),
        reason=reason,
    )


def _reasons(verdict: Verdict, limit: int) -> str:
    ranked = sorted((f for f in verdict.findings if f.severity is not Severity.INFO),
                    key=lambda f: -list(Severity).index(f.severity))
    codes: list[str] = []
    for f in ranked:
        if f.code not in codes:
            codes.append(f.code)
    return ", ".join(codes[:limit])


def _one_line(text: str) -> str:
    return " ".join(text.split())[:_REPLY_MAX]


def _reply_text(text: str) -> str:
    # libmilter drops a reply holding a lone '%' (smfi_setreply) and sends a doubled one
    # as is, so '%' goes; the rest stays printable ASCII on one line (RFC 5321 §4.2).
    return "".join(c if 32 <= ord(c) < 127 and c != "%" else "?" for c in _one_line(text))

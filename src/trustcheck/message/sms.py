"""SMS as a value: sender, body, and the Korean carrier labels at its start.

Korean carriers and handsets prefix messages with labels (research/sms-templates.md §2;
some older handsets append ``[Web발신]`` at the end instead, so a label there counts too):
``[Web발신]`` marks bulk/A2P sending (card approvals carry it too, so it is
metadata, not a phishing signal); ``[국제발신]``, ``[국외발신]`` and ``[해외발신]``
mark a message that came from abroad, required by the 2015 amendment of the
Telecommunications Business Act — a strong negative for a Korean brand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from trustcheck.errors import InputError

__all__ = ["Sms"]

# One label: "[", optional spaces, a known word, optional spaces, "]". Full-width
# brackets and "WEB"/"web" spellings occur on some handsets.
_LABEL = re.compile(
    r"[\[［【]\s*((?:web|웹)\s*발신|국제\s*발신|국외\s*발신|해외\s*발신)\s*[\]］】]",
    re.I,
)
_TRAILING_LABEL = re.compile(_LABEL.pattern + r"\Z", re.I)
_FOREIGN = ("국제발신", "국외발신", "해외발신")
_SPACE = re.compile(r"[ \t\u00a0\u3000]+")
_MAX_LABELS = 8


@dataclass(frozen=True, slots=True)
class Sms:
    """A text message as received. ``country`` is an ISO 3166 code such as ``"KR"``."""

    sender: str | None
    body: str
    country: str | None = None
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        _check("body", self.body, str, optional=False)
        _check("sender", self.sender, str)
        _check("country", self.country, str)
        _check("received_at", self.received_at, datetime)

    def _split(self) -> tuple[tuple[str, ...], str]:
        labels: list[str] = []
        rest = self.body.lstrip()
        while len(labels) < _MAX_LABELS:
            m = _LABEL.match(rest)
            if m is None:
                break
            labels.append(_canonical(m.group(1)))
            rest = rest[m.end():].lstrip()
        rest = rest.rstrip()
        tail = _TRAILING_LABEL.search(rest)
        if tail is not None and len(labels) < _MAX_LABELS:
            labels.append(_canonical(tail.group(1)))
            rest = rest[:tail.start()].rstrip()
        return tuple(labels), rest

    @property
    def labels(self) -> tuple[str, ...]:
        """Carrier labels at the start (and one at the end) of the body, canonical form.

        ``[WEB발신]``, ``[web 발신]`` and full-width brackets all read ``"[Web발신]"``.
        """
        return self._split()[0]

    @property
    def text(self) -> str:
        """The body without its labels, spaces collapsed, lines trimmed."""
        rest = self._split()[1].replace("\r\n", "\n").replace("\r", "\n")
        lines = [_SPACE.sub(" ", line).strip() for line in rest.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    @property
    def foreign_origin(self) -> bool:
        """True when a label says the message came from abroad (국제/국외/해외발신)."""
        return any(label.strip("[]") in _FOREIGN for label in self.labels)


def _check(name: str, value: object, kind: type, *, optional: bool = True) -> None:
    # Types are checked at run time too: an Sms often comes from JSON or a form.
    if value is None and optional:
        return
    if not isinstance(value, kind):
        allowed = kind.__name__ + (" or None" if optional else "")
        msg = f"Sms.{name} must be {allowed}, not {type(value).__name__}."
        raise InputError(msg)


def _canonical(word: str) -> str:
    word = "".join(word.split())
    if word.lower().startswith(("web", "웹")):
        return "[Web발신]"
    return f"[{word}]"

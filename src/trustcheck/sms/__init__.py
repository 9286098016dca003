"""SMS verification: registered senders, carrier labels, smishing links and lures.

An SMS has no SPF or DKIM: authenticity rests on the sender (a number, short
code or alphanumeric ID registered for the brand in that country), the
carrier's labels, the text matching a registered template, and links staying
on the brand's domains.

* :func:`verify_sms` — one :class:`~trustcheck.message.Sms` to a
  :class:`~trustcheck.verdict.Verdict` (what ``Verifier.verify(Sms(...))`` calls);
* :func:`read_sms_table` — SMS rows of a CSV/TSV table (``trustcheck scan --sms``);
* :func:`parse_sender` and :func:`scan_lures` — the sender and lure readings on
  their own, for callers that build their own policy.
"""

from trustcheck.sms.lures import LureScan, scan_lures
from trustcheck.sms.sender import SenderKind, SmsSender, parse_sender
from trustcheck.sms.table import read_sms_table
from trustcheck.sms.verify import verify_sms

__all__ = [
    "LureScan",
    "SenderKind",
    "SmsSender",
    "parse_sender",
    "read_sms_table",
    "scan_lures",
    "verify_sms",
]

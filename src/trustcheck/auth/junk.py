"""What the trusted receiving provider's own spam filter concluded.

A support tool at a company on Microsoft 365 reads mail that Exchange Online
Protection already filtered. EOP writes its verdict into the header
(Microsoft Learn, "Anti-spam message headers in Microsoft 365"):

* ``X-MS-Exchange-Organization-SCL: N`` and ``SCL:N`` in
  ``X-Forefront-Antispam-Report``: spam confidence level. 5–6 spam, 8–9 high
  confidence spam (9 is also high confidence phishing); -1 to 1 not spam.
* ``CAT:`` in ``X-Forefront-Antispam-Report``: the category that won (``SPM``
  spam, ``HSPM`` high confidence spam, ``PHSH`` phishing, ``HPHSH`` high
  confidence phishing, ``MALW`` malware, ``SPOOF``, ``UIMP``/``DIMP``/``GIMP``
  impersonation).
* ``RF:JunkEmail`` / ``dest:J`` in ``X-Microsoft-Antispam-Mailbox-Delivery``:
  the message was delivered to the Junk Email folder.

These headers carry no signature and the sender could write them too, which is
why they are read in one direction only: a spam verdict raises the risk, a clean
verdict never lowers it, so a forged header can only hurt its forger. The
``-Untrusted`` copies Exchange keeps from another tenant are never read. A
filter's verdict is one more cue, not proof: Microsoft also files genuine mail
as junk, so the finding is weighted below ``suspicious`` on its own
(docs/verdicts.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trustcheck.auth.received import find_entry_hop
from trustcheck.verdict import Finding, Severity

__all__ = ["microsoft_junk_finding"]

_SCL_HEADER = "x-ms-exchange-organization-scl"
_REPORT_HEADER = "x-forefront-antispam-report"
_DELIVERY_HEADER = "x-microsoft-antispam-mailbox-delivery"
_FIELD = re.compile(r"(?:^|;)\s*([A-Za-z]+):([^;]*)")

#: Categories that mean more than "spam": phishing, malware, spoofing, impersonation.
_SEVERE = frozenset({"HSPM", "PHSH", "HPHSH", "MALW", "SPOOF", "UIMP", "DIMP", "GIMP"})


def _fields(value: str) -> dict[str, str]:
    """``"SFV:SPM;SCL:5;CAT:SPM"`` → ``{"SFV": "SPM", "SCL": "5", "CAT": "SPM"}`` (first wins)."""
    out: dict[str, str] = {}
    for m in _FIELD.finditer(" ".join(value.split())):
        out.setdefault(m.group(1).upper(), m.group(2).strip())
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def microsoft_junk_finding(headers: Sequence[tuple[str, str]]) -> Finding | None:
    """``receiver.junk`` when Microsoft 365 filed the message as spam, else None.

    Only for mail that passed an Exchange Online hop (see
    :func:`~trustcheck.auth.received.find_entry_hop`); the topmost copy of each
    header is the last tenant's verdict.

    >>> edge = ("from a.example (203.0.113.9) by BN8NAM12FT012.mail.protection.outlook.com"
    ...         " with Microsoft SMTP Server id 15.20.1; Mon, 1 Jan 2024 00:00:00 +0000")
    >>> hdrs = [("Received", edge), ("X-MS-Exchange-Organization-SCL", "9")]
    >>> microsoft_junk_finding(hdrs).severity.value
    'medium'
    """
    first: dict[str, str] = {}
    for name, value in headers:
        key = name.strip().lower()
        if key in (_SCL_HEADER, _REPORT_HEADER, _DELIVERY_HEADER):
            first.setdefault(key, value)
    if not first or find_entry_hop(headers, trust_microsoft_365=True) is None:
        return None
    report = _fields(first.get(_REPORT_HEADER, ""))
    delivery = _fields(first.get(_DELIVERY_HEADER, ""))
    scl = _int(first.get(_SCL_HEADER, "").strip() or None)
    if scl is None:
        scl = _int(report.get("SCL"))
    category = report.get("CAT", "").upper() or None
    junk_folder = (delivery.get("RF", "").lower() == "junkemail"
                   or delivery.get("DEST", "").upper() == "J")
    severe = (scl is not None and scl >= 8) or category in _SEVERE
    spam = severe or (scl is not None and scl >= 5) or category == "SPM" or junk_folder
    if not spam:
        return None
    said = []
    if scl is not None and scl >= 5:
        said.append(f"spam confidence level {scl}")
    if category in _SEVERE or category == "SPM":
        said.append(f"category {category}")
    if junk_folder:
        said.append("delivered to Junk Email")
    return Finding(
        "receiver.junk", Severity.MEDIUM if severe else Severity.LOW,
        "Microsoft 365, the trusted receiving host, filtered this message as "
        + ("high-confidence spam or phishing" if severe else "spam")
        + f" ({', '.join(said)}).",
        {"receiver": "microsoft-365", "scl": scl, "category": category,
         "junk_folder": junk_folder},
    )

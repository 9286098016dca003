"""What the message asks of its reader: generic lures, with or without a brand.

Customers forward lures that name no registered brand too: credential
requests, payment urgency, prize and refund bait, dangerous attachments, HTML
forms, text disguised with look-alike characters. :func:`content_findings`
reports them as ``lure.*``, ``content.*`` and ``attachment.*`` findings.
"""

from trustcheck.content.lures import content_findings

__all__ = ["content_findings"]

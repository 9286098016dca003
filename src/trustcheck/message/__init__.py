"""Message parsing: e-mail (MIME, charsets, forwarded originals) and SMS.

>>> from trustcheck.message import parse_email
>>> mail = parse_email(b"From: Apple <no_reply@email.apple.com>\\nSubject: Receipt\\n\\nHi")
>>> mail.from_[0].domain, mail.subject, mail.text
('email.apple.com', 'Receipt', 'Hi')
"""

from trustcheck.message.headers import Address
from trustcheck.message.limits import Limits
from trustcheck.message.mail import Attachment, ParsedEmail, load_email, parse_email
from trustcheck.message.sms import Sms

__all__ = ["Address", "Attachment", "Limits", "ParsedEmail", "Sms", "load_email", "parse_email"]
